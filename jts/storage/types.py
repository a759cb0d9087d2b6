"""Column types that keep exact numbers exact on both databases.

Prices, quantities and money are stored as `ExactDecimal`: ``NUMERIC`` (no precision or scale)
on PostgreSQL, which keeps every digit and the scale it was given (``1.50`` comes back as
``1.50``), and decimal ``TEXT`` on SQLite. SQLite has no decimal type: a column declared
``NUMERIC`` has numeric *affinity*, which converts ``'0.3'`` to the REAL ``0.3`` and an 18-digit
integer past 2**63 to a float, so an exact value would silently become an approximation. A TEXT
column stores the characters as given.

The price of TEXT on SQLite: SQL cannot compare, sort or sum these columns numerically there.
Repositories do such arithmetic in Python on the domain types, never in SQL.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeEngine

from jts.core.errors import InvalidInputError


class ExactDecimal(sa.types.TypeDecorator[Decimal]):
    """A `Decimal` column stored without loss: NUMERIC on PostgreSQL, decimal TEXT on SQLite.

    Only `Decimal` is accepted on the way in: a float has already lost digits, so it is refused
    with `TypeError` rather than stored as if it were exact; NaN and infinities are refused too.
    """

    impl = sa.types.Numeric
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.NUMERIC())
        return dialect.type_descriptor(sa.types.Text())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if type(value) is not Decimal:
            raise TypeError(
                f"exact columns take Decimal only, got {type(value).__name__} {value!r}"
            )
        if not value.is_finite():
            raise InvalidInputError(f"exact columns take finite numbers only, got {value}")
        if dialect.name == "postgresql":
            return value
        # Positional notation, never an exponent: the text stays readable in the sqlite3 shell
        # and parses back to the same digits and scale.
        return format(value, "f")

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None or type(value) is Decimal:
            return value
        if isinstance(value, str):
            try:
                return Decimal(value)
            except InvalidOperation as exc:
                raise InvalidInputError(f"exact column holds non-decimal text {value!r}") from exc
        raise InvalidInputError(
            f"exact column holds a {type(value).__name__} ({value!r}): it was written bypassing "
            "ExactDecimal and may have lost digits"
        )

    @property
    def python_type(self) -> type[Decimal]:
        return Decimal
