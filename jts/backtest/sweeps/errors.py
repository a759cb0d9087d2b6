"""The errors a sweep raises on purpose, each naming the option or value at fault.

Bad input (a parameter spec, a constraint, a window size, an unknown metric) is an
`InvalidInputError`, so the CLI prints it as one line. A sweep that could not run at all (every
combination failed, a worker could not load the data, a worker process died) is a
`SweepFailedError`; a single failing combination is not an error but a counted outcome.
"""

from __future__ import annotations

from jts.core.errors import InvalidInputError, JtsError


class SweepInputError(InvalidInputError):
    """A sweep option is malformed or does not fit the strategy or the data."""


class ParamSpecError(SweepInputError):
    """A ``--param NAME=SPEC`` is malformed, empty or does not fit the strategy."""


class ConstraintError(SweepInputError):
    """A ``--constraint`` expression is malformed, names an unknown parameter or cannot be
    evaluated for a combination's values."""


class WalkForwardError(SweepInputError):
    """The walk-forward windows do not fit the data, or a window produced no usable result."""


class SweepFailedError(JtsError):
    """The sweep as a whole could not produce a result; the message says why."""


class RayUnavailableError(SweepFailedError):
    """``--ray`` was given but Ray is not installed (it is an optional extra)."""
