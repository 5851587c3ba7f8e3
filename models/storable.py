"""Whether a row fits the table it is written to, checked before the transaction.

PostgreSQL refuses a NUL character in text and JSON, a lone UTF-16 surrogate,
a string longer than its VARCHAR and an integer outside its column's range;
SQLite would store some of these and refuse others. Checked here first, one
bad webhook event is recorded as rejected with its reason instead of failing
the statement that carries its whole batch (which would look like an outage
and make the sender retry, then drop, every valid event with it).

Pure functions of a row and the table's columns, so any writer (the ORM path
or a bulk insert) can call them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from functools import cache

from sqlalchemy import JSON, BigInteger, Integer, String, Table
from sqlalchemy.types import TypeEngine

INTEGER_RANGES = {
    BigInteger: (-(2**63), 2**63 - 1),
    Integer: (-(2**31), 2**31 - 1),
}
# Deeper JSON than this is not something either sender produces; walking it
# recursively would also risk Python's recursion limit.
MAX_JSON_DEPTH = 64


def text_problems(value: str) -> Iterator[str]:
    """What PostgreSQL refuses in any text: NUL and unpaired surrogates."""
    if "\x00" in value:
        yield "contains a NUL character"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        yield "contains an unpaired surrogate"


def _integer_problems(column_type: TypeEngine, value: object) -> Iterator[str]:
    if not isinstance(value, int) or isinstance(value, bool):
        yield "is not an integer"
        return
    low, high = INTEGER_RANGES[BigInteger if isinstance(column_type, BigInteger) else Integer]
    if not low <= value <= high:
        yield f"is outside {low}..{high}"


def _string_problems(column_type: String, value: object) -> Iterator[str]:
    if not isinstance(value, str):
        yield "is not a string"
        return
    yield from text_problems(value)
    if column_type.length and len(value) > column_type.length:
        yield f"is longer than {column_type.length} characters"


_PLAIN_JSON = json.JSONEncoder(ensure_ascii=False, default=repr)


def plainly_storable_json(value: object) -> bool:
    """True when one C-speed serialisation shows `value` has none of the
    problems `json_problems` looks for: no NUL (it would appear as the escape
    \\u0000), no unpaired surrogate (left as is, it does not encode), fewer
    brackets than the depth limit. False means "walk it", not "refused"
    (a string holding a backslash and "u0000" also answers False)."""
    try:
        text = _PLAIN_JSON.encode(value)
        text.encode("utf-8")
    except (UnicodeEncodeError, RecursionError, ValueError):
        return False
    return "\\u0000" not in text and text.count("{") + text.count("[") <= MAX_JSON_DEPTH


def json_problems(value: object, depth: int = 0) -> Iterator[str]:
    """NUL and surrogates anywhere in a JSON document, keys included."""
    if depth == 0 and plainly_storable_json(value):
        return
    if depth > MAX_JSON_DEPTH:
        yield f"is nested deeper than {MAX_JSON_DEPTH} levels"
    elif isinstance(value, str):
        yield from text_problems(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from text_problems(str(key))
            yield from json_problems(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            yield from json_problems(item, depth + 1)


def _column_problems(column_type: TypeEngine, value: object) -> Iterator[str]:
    if isinstance(column_type, JSON):
        yield from dict.fromkeys(json_problems(value))  # once per kind
    elif isinstance(column_type, String):
        yield from _string_problems(column_type, value)
    elif isinstance(column_type, Integer):
        yield from _integer_problems(column_type, value)


def _plainly_fits(column_type: TypeEngine) -> Callable[[object], bool]:
    """A quick test that a value has none of the column's problems; False
    sends the value to `_column_problems`, which names them (or finds none).
    An ASCII string holds no surrogate (NUL is ASCII: looked for apart)."""
    if isinstance(column_type, JSON):
        return plainly_storable_json
    if isinstance(column_type, String):
        length = column_type.length or float("inf")
        return lambda v: type(v) is str and v.isascii() and "\x00" not in v and len(v) <= length
    if isinstance(column_type, Integer):
        low, high = INTEGER_RANGES[BigInteger if isinstance(column_type, BigInteger) else Integer]
        return lambda v: type(v) is int and low <= v <= high
    return lambda v: True


@cache
def _column_checks(table: Table) -> dict[str, tuple[Callable[[object], bool], TypeEngine]]:
    # JSON().with_variant(JSONB) on PostgreSQL: the base type decides.
    return {column.name: (_plainly_fits(column.type), column.type) for column in table.columns}


def row_problems(table: Table, row: Mapping[str, object]) -> list[str]:
    """Every reason `row` cannot be stored in `table`, as `column: problem`."""
    checks = _column_checks(table)
    problems = []
    for name, value in row.items():
        check = checks.get(name)
        if check is None or value is None or check[0](value):
            continue
        problems.extend(f"{name} {p}" for p in _column_problems(check[1], value))
    return problems


def escaped(value: object, limit: int) -> str:
    """A storable, bounded rendering of something that was not storable."""
    text = json.dumps(value, ensure_ascii=True, default=repr)
    return text if len(text) <= limit else text[: limit - 1] + "…"
