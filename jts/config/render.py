"""Show the effective configuration to a person, with every secret masked.

`masked_values` is the only way settings are turned into text for display: `SecretStr` values
become ``**********`` and URL passwords ``***``. The TOML form can be saved as a starting
``jts.toml`` (after putting the real secrets back); each value carries a trailing comment
naming the layer it came from.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any, Final

from jts.config.settings import Settings
from jts.config.urls import mask_url_password

_BARE_KEY: Final = re.compile(r"[A-Za-z0-9_-]+")


def _mask(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _mask(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_mask(item) for item in value]
    if isinstance(value, str) and "://" in value:
        return mask_url_password(value)
    return value


def masked_values(settings: Settings) -> dict[str, Any]:
    """The settings as plain JSON-compatible data, secrets and URL passwords masked."""
    # mode="json" renders SecretStr as "**********"; passwords inside URLs are masked here.
    masked: dict[str, Any] = _mask(settings.model_dump(mode="json"))
    return masked


_SHORT_ESCAPES: Final = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def _toml_string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters (DEL too) escaped."""
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif char < " " or char == "\x7f":
            out.append(_SHORT_ESCAPES.get(char, f"\\u{ord(char):04X}"))
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else _toml_string(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, float):
        if math.isfinite(value):
            return repr(value)
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as a TOML value: {value!r}")


def _toml_table(
    data: Mapping[str, Any],
    header: str,
    prefix: str,
    comments: Mapping[str, str],
    out: list[str],
) -> None:
    """Write one table: ``header`` as TOML writes it, ``prefix`` as the dotted key of comments."""
    arrays = {k: v for k, v in data.items() if _is_array_of_tables(v)}
    scalars = {
        k: v
        for k, v in data.items()
        if not isinstance(v, Mapping) and v is not None and k not in arrays
    }
    tables = {k: v for k, v in data.items() if isinstance(v, Mapping)}
    if header and (scalars or not (tables or arrays)):
        if out:
            out.append("")
        out.append(f"[{header}]")
    _toml_scalars(scalars, prefix, comments, out)
    for key, items in arrays.items():  # [[header.key]] per item (e.g. routing.routes)
        child = f"{header}.{_toml_key(key)}" if header else _toml_key(key)
        for n, item in enumerate(items):
            if out:
                out.append("")
            out.append(f"[[{child}]]")
            item_prefix = f"{prefix}{key}.{n}."
            _toml_scalars(
                {k: v for k, v in item.items() if not isinstance(v, Mapping) and v is not None},
                item_prefix,
                comments,
                out,
            )
            for sub, table in item.items():
                if isinstance(table, Mapping):
                    _toml_table(table, f"{child}.{_toml_key(sub)}", item_prefix, comments, out)
    for key, table in tables.items():
        child = f"{header}.{_toml_key(key)}" if header else _toml_key(key)
        _toml_table(table, child, f"{prefix}{key}.", comments, out)


def _is_array_of_tables(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(i, Mapping) for i in value)


def _toml_scalars(
    scalars: Mapping[str, Any], prefix: str, comments: Mapping[str, str], out: list[str]
) -> None:
    for key, value in scalars.items():
        line = f"{_toml_key(key)} = {_toml_value(value)}"
        comment = comments.get(prefix + key)
        out.append(f"{line}  # {comment}" if comment else line)


def to_toml(data: Mapping[str, Any], comments: Mapping[str, str] | None = None) -> str:
    """Nested tables of strings, ints, bools and lists as TOML; ``None`` values are left out.

    ``comments`` maps dotted keys to a trailing comment (we use it for each value's source).
    """
    out: list[str] = []
    _toml_table(data, "", "", comments or {}, out)
    return "\n".join(out) + "\n"


def to_json(data: Mapping[str, Any], sources: Mapping[str, str] | None = None) -> str:
    """Indented JSON; with ``sources``, ``{"settings": ..., "sources": {dotted key: layer}}``."""
    payload: Mapping[str, Any] = (
        data if sources is None else {"settings": data, "sources": dict(sources)}
    )
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
