"""Strategy parameters: a pydantic model per strategy class, validated before the run starts.

Values arriving as text (``--param fast=10`` on the command line, a sweep grid, a TOML file)
are coerced by pydantic and refused with the parameter's name when they do not fit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from jts.core.errors import InvalidInputError


class StrategyParams(BaseModel):
    """Base of every strategy's ``Params``: frozen, and unknown names are errors."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class InvalidParamsError(InvalidInputError):
    pass


def validate_params(
    model: type[StrategyParams], values: StrategyParams | Mapping[str, Any] | None, owner: str
) -> StrategyParams:
    if isinstance(values, model):
        return values
    if isinstance(values, StrategyParams):
        values = values.model_dump()
    try:
        return model.model_validate(dict(values or {}))
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '?'}: {err['msg']}" for err in exc.errors()
        )
        raise InvalidParamsError(f"invalid parameters for {owner}: {problems}") from None
