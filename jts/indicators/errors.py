"""The errors the indicator library raises, all `InvalidInputError`s.

They carry the indicator name (and the parameter or input at fault) as attributes as well as in
the message, so that the strategy DSL can point a caret at the right argument of a call without
parsing our text.
"""

from __future__ import annotations

from jts.core.errors import InvalidInputError


class IndicatorParameterError(InvalidInputError):
    """A parameter is of the wrong type, out of its range, unknown, or inconsistent with another."""

    def __init__(self, indicator: str, parameter: str | None, message: str) -> None:
        self.indicator = indicator
        self.parameter = parameter
        super().__init__(f"{indicator}: {message}")


class IndicatorInputError(InvalidInputError):
    """An input series is malformed: wrong count, wrong shape, unequal lengths, or a gap (NaN)."""

    def __init__(self, indicator: str, input_name: str | None, message: str) -> None:
        self.indicator = indicator
        self.input_name = input_name
        super().__init__(f"{indicator}: {message}")


class UnknownIndicatorError(InvalidInputError):
    """A name that the registry does not hold; `suggestions` lists the closest known names."""

    def __init__(self, name: str, suggestions: tuple[str, ...]) -> None:
        self.name = name
        self.suggestions = suggestions
        hint = f"; did you mean {' or '.join(repr(s) for s in suggestions)}?" if suggestions else ""
        super().__init__(f"unknown indicator {name!r}{hint}")


class IndicatorRegistrationError(InvalidInputError):
    """A class cannot join a registry: its name is malformed or already taken."""

    def __init__(self, name: str, message: str) -> None:
        self.name = name
        super().__init__(f"cannot register indicator {name!r}: {message}")
