"""The pure checks that keep one bad event from failing its batch."""

from __future__ import annotations

import pytest

from ingest.json_body import MalformedJSON, parse_json
from models.inbox import InboxEvent
from models.storable import row_problems

TABLE = InboxEvent.__table__


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ({"property_name": "a\x00b"}, "property_name contains a NUL character"),
        ({"property_name": "x" * 256}, "property_name is longer than 255 characters"),
        ({"object_id": 42}, "object_id is not a string"),
        ({"occurred_at_ms": 2**63}, f"occurred_at_ms is outside {-(2**63)}..{2**63 - 1}"),
        ({"payload": {"k\x00": "v"}}, "payload contains a NUL character"),
        ({"payload": [{"v": "\udc00"}]}, "payload contains an unpaired surrogate"),
    ],
)
def test_values_a_column_refuses_are_named(row, problem):
    assert row_problems(TABLE, row) == [problem]


def test_storable_values_and_unknown_keys_pass():
    row = {"property_name": "x" * 255, "occurred_at_ms": 2**63 - 1, "payload": {"a": ["ü"]}}
    assert row_problems(TABLE, {**row, "not_a_column": "\x00"}) == []


@pytest.mark.parametrize(
    "body",
    [b"[" * 100_000 + b"]" * 100_000, b"[" + b"9" * 5000 + b"]", b"[NaN]", b"[1e999]", b"\xff"],
)
def test_json_python_cannot_decode_is_one_error(body):
    with pytest.raises(MalformedJSON):
        parse_json(body)
