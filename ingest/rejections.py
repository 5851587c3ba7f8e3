"""Events the database cannot store: recorded as rejected, with the reason.

A webhook batch is one transaction. An event with a value its columns refuse
(a NUL, a lone surrogate, an over-long name, an integer past BIGINT) would
fail that transaction for the whole batch, and HubSpot would retry the valid
events with it for 24 hours and then drop them all. So each inbox row is
checked first (`models.storable`), and a row that does not fit is replaced by
one that does: outcome `rejected`, the problems as its reason, the offending
values escaped. It queues nothing and counts as recorded, so a redelivery is
a duplicate.
"""

from __future__ import annotations

from ingest.hubspot_events import Interpretation
from models.inbox import InboxEvent
from models.storable import escaped, row_problems

REJECTED = "rejected"
# What is kept of a rejected event's body: enough to see what was sent.
MAX_REJECTED_PAYLOAD_CHARS = 20_000
_TABLE = InboxEvent.__table__


def _storable_value(name: str, value: object) -> object:
    """`value` if its column takes it, else an escaped string that fits, or None."""
    if value is None or not row_problems(_TABLE, {name: value}):
        return value
    length = getattr(_TABLE.columns[name].type, "length", None)
    if length is None or isinstance(value, int):
        return None
    return escaped(value, length)


def rejected_row(row: dict, problems: list[str]) -> dict:
    kept = {name: _storable_value(name, value) for name, value in row.items()}
    return {
        **kept,
        "outcome": REJECTED,
        "ignore_reason": "; ".join(problems),
        "payload": {"rejected": escaped(row["payload"], MAX_REJECTED_PAYLOAD_CHARS)},
    }


def checked(
    row: dict,
    meaning: Interpretation,
    extra_problems: list[str] = (),
    known_to_fit: frozenset[str] = frozenset(),
) -> tuple[dict, Interpretation]:
    """The row and its meaning as they will be recorded: unchanged when every
    value fits, else the rejection row, which touches nothing. The columns
    `known_to_fit` (the caller has shown they fit) are not checked again."""
    columns = {name: value for name, value in row.items() if name not in known_to_fit}
    problems = [*row_problems(_TABLE, columns), *extra_problems]
    if not problems:
        return row, meaning
    return rejected_row(row, problems), Interpretation((), "; ".join(problems))
