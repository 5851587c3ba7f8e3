"""Three-way merge of field values: the base both sides last agreed on,
``ours`` (HubSpot, mapped) and ``theirs`` (Partner Central, extracted).

Per field:
- neither side changed → unchanged;
- only ours changed → ``to_pc``; only theirs changed → ``to_hubspot``;
- both changed to the same value → agreed;
- both changed differently → a conflict, settled by the field's strategy.

A path missing from ``ours`` or ``theirs`` means "no opinion" (the value could
not be mapped): that side counts as unchanged.

**No base (first sync of a linked opportunity).** Equal values agree; if one
side is empty the other side's value fills it; two different non-empty
values are a conflict settled by the strategy (MANUAL gives a pending
conflict). Nothing is treated as "changed" merely because no base exists.

**Directions.** A push-only field never writes HubSpot: a change made only in
Partner Central is overwritten by HubSpot's value. A pull-only field mirrors
that. In a conflict, one-way fields always let their source win.

``new_base`` is what to store once the writes succeed: the agreed or winning
value per field; for a pending MANUAL conflict the old base stays, so the
conflict remains visible until an operator settles it.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from .strategies import IMPLIED_STRATEGY, Direction, Strategy

_ABSENT = object()  # "no value known", distinct from None ("known to be empty")


class Outcome(enum.StrEnum):
    UNCHANGED = "unchanged"
    TO_PC = "to_pc"
    TO_HUBSPOT = "to_hubspot"
    AGREED = "agreed"
    CONFLICT_PENDING = "conflict_pending"


class Winner(enum.StrEnum):
    HUBSPOT = "hubspot"
    PARTNER_CENTRAL = "partner_central"
    NONE = "none"  # MANUAL: an operator decides


@dataclass(frozen=True)
class Conflict:
    path: str
    base: Any
    ours: Any  # HubSpot's value
    theirs: Any  # Partner Central's value
    strategy: Strategy
    winner: Winner
    ours_modified_at: datetime | None = None
    theirs_modified_at: datetime | None = None

    @property
    def pending(self) -> bool:
        return self.winner is Winner.NONE

    @property
    def fingerprint(self) -> str:
        """Stable id of this exact disagreement, to record a pending conflict
        once however often the same merge runs."""
        body = json.dumps([self.path, self.ours, self.theirs], sort_keys=True, default=str)
        return hashlib.sha256(body.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class FieldDecision:
    path: str
    outcome: Outcome
    value: Any = None  # the value written / agreed (None for unchanged & pending)
    reason: str = ""


@dataclass(frozen=True)
class MergeResult:
    to_pc: dict[str, Any]
    to_hubspot: dict[str, Any]
    conflicts: list[Conflict]  # every conflict, settled or pending, for the audit
    decisions: dict[str, FieldDecision]
    new_base: dict[str, Any]
    old_base: dict[str, Any] = field(default_factory=dict)
    deferred: dict[str, Any] = field(default_factory=dict)  # filled by editability
    deferred_reason: str | None = None

    @property
    def pending_conflicts(self) -> list[Conflict]:
        return [c for c in self.conflicts if c.pending]

    @property
    def has_writes(self) -> bool:
        return bool(self.to_pc or self.to_hubspot)

    def defer(self, paths: set[str], reason: str) -> MergeResult:
        """This result with ``paths`` of ``to_pc`` held back: they are not
        written, and their base stays as it was so the next merge still sees
        the HubSpot change and writes it once allowed."""
        if not paths:
            return self
        new_base = dict(self.new_base)
        for path in paths:
            if path in self.old_base:
                new_base[path] = self.old_base[path]
            else:
                new_base.pop(path, None)
        return replace(
            self,
            to_pc={p: v for p, v in self.to_pc.items() if p not in paths},
            deferred={**self.deferred, **{p: self.to_pc[p] for p in paths}},
            deferred_reason=reason,
            new_base=new_base,
        )


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo:
        return moment
    return moment.replace(tzinfo=UTC)


def _last_write_winner(ours_at: datetime | None, theirs_at: datetime | None) -> Winner:
    """HubSpot wins only if its change is known to be strictly newer; a tie or
    a missing HubSpot timestamp keeps Partner Central's value (no write spent)."""
    if ours_at is None:
        return Winner.PARTNER_CENTRAL
    if theirs_at is None or ours_at > theirs_at:
        return Winner.HUBSPOT
    return Winner.PARTNER_CENTRAL


def _settle(strategy: Strategy, ours_at: datetime | None, theirs_at: datetime | None) -> Winner:
    if strategy is Strategy.HUBSPOT_WINS:
        return Winner.HUBSPOT
    if strategy is Strategy.PARTNER_CENTRAL_WINS:
        return Winner.PARTNER_CENTRAL
    if strategy is Strategy.LAST_WRITE_WINS:
        return _last_write_winner(ours_at, theirs_at)
    return Winner.NONE


@dataclass(frozen=True)
class _FieldInput:
    path: str
    base: Any
    ours: Any
    theirs: Any
    direction: Direction
    strategy: Strategy
    ours_at: datetime | None
    theirs_at: datetime | None


def _write_ours(f: _FieldInput, reason: str) -> FieldDecision:
    if f.ours is _ABSENT:
        return FieldDecision(f.path, Outcome.UNCHANGED, reason=f"{reason}; HubSpot value unusable")
    if not f.direction.pushes:
        return _write_theirs(f, f"{reason}; pull-only field, Partner Central restored")
    return FieldDecision(f.path, Outcome.TO_PC, f.ours, reason)


def _write_theirs(f: _FieldInput, reason: str) -> FieldDecision:
    if f.theirs is _ABSENT:
        return FieldDecision(
            f.path, Outcome.UNCHANGED, reason=f"{reason}; Partner Central value unknown"
        )
    if not f.direction.pulls:
        if f.ours is _ABSENT:
            return FieldDecision(
                f.path, Outcome.UNCHANGED, reason=f"{reason}; push-only, HubSpot unusable"
            )
        return FieldDecision(
            f.path, Outcome.TO_PC, f.ours, f"{reason}; push-only field, HubSpot restored"
        )
    return FieldDecision(f.path, Outcome.TO_HUBSPOT, f.theirs, reason)


def _conflict(f: _FieldInput) -> tuple[FieldDecision, Conflict]:
    strategy = IMPLIED_STRATEGY.get(f.direction, f.strategy)
    winner = _settle(strategy, f.ours_at, f.theirs_at)
    base = None if f.base is _ABSENT else f.base
    conflict = Conflict(f.path, base, f.ours, f.theirs, strategy, winner, f.ours_at, f.theirs_at)
    reason = f"conflict settled by {strategy}"
    if winner is Winner.HUBSPOT:
        return FieldDecision(f.path, Outcome.TO_PC, f.ours, reason), conflict
    if winner is Winner.PARTNER_CENTRAL:
        return FieldDecision(f.path, Outcome.TO_HUBSPOT, f.theirs, reason), conflict
    return FieldDecision(
        f.path, Outcome.CONFLICT_PENDING, reason="conflict left to an operator"
    ), conflict


def _decide(f: _FieldInput) -> tuple[FieldDecision, Conflict | None]:
    if f.base is _ABSENT:
        return _decide_without_base(f)
    ours_changed = f.ours is not _ABSENT and f.ours != f.base
    theirs_changed = f.theirs is not _ABSENT and f.theirs != f.base
    if ours_changed and theirs_changed:
        if f.ours == f.theirs:
            return FieldDecision(f.path, Outcome.AGREED, f.ours, "both sides changed alike"), None
        return _conflict(f)
    if ours_changed:
        return _write_ours(f, "changed in HubSpot"), None
    if theirs_changed:
        return _write_theirs(f, "changed in Partner Central"), None
    return FieldDecision(f.path, Outcome.UNCHANGED, f.base), None


def _decide_without_base(f: _FieldInput) -> tuple[FieldDecision, Conflict | None]:
    if f.ours is _ABSENT and f.theirs is _ABSENT:
        return FieldDecision(f.path, Outcome.UNCHANGED, reason="no value on either side"), None
    if f.ours is _ABSENT:
        return FieldDecision(
            f.path, Outcome.AGREED, f.theirs, "first sync; HubSpot value unusable"
        ), None
    if f.theirs is _ABSENT or f.theirs is None:
        if f.ours is None:
            return FieldDecision(
                f.path, Outcome.AGREED, None, "first sync; empty on both sides"
            ), None
        if not f.direction.pushes:
            return _keep(f, "first sync; pull-only field, HubSpot value not sent")
        return FieldDecision(
            f.path, Outcome.TO_PC, f.ours, "first sync; Partner Central empty"
        ), None
    if f.ours == f.theirs:
        return FieldDecision(f.path, Outcome.AGREED, f.ours, "first sync; already equal"), None
    if f.ours is None:
        if not f.direction.pulls:
            # Filling gaps, never clearing: an empty HubSpot property does not
            # wipe what Partner Central already has on the first sync.
            return _keep(f, "first sync; push-only field empty in HubSpot, Partner Central kept")
        return FieldDecision(
            f.path, Outcome.TO_HUBSPOT, f.theirs, "first sync; HubSpot empty"
        ), None
    return _conflict(f)


def _keep(f: _FieldInput, reason: str) -> tuple[FieldDecision, None]:
    """No write and no base: the next sync asks the same question again."""
    return FieldDecision(f.path, Outcome.UNCHANGED, reason=reason), None


def merge(
    base: Mapping[str, Any],
    ours: Mapping[str, Any],
    theirs: Mapping[str, Any],
    *,
    strategies: Mapping[str, Strategy],
    ours_modified_at: Mapping[str, datetime] | None = None,
    theirs_modified_at: datetime | None = None,
    directions: Mapping[str, Direction] | None = None,
) -> MergeResult:
    """Merge every path named in ``strategies`` (the synced fields, e.g.
    ``config.strategies``). ``ours_modified_at`` holds HubSpot's per-path
    change times, ``theirs_modified_at`` the opportunity's LastModifiedDate;
    both only matter for LAST_WRITE_WINS. ``directions`` defaults to both ways."""
    ours_times = {path: _aware(t) for path, t in (ours_modified_at or {}).items()}
    to_pc: dict[str, Any] = {}
    to_hubspot: dict[str, Any] = {}
    conflicts: list[Conflict] = []
    decisions: dict[str, FieldDecision] = {}
    new_base: dict[str, Any] = {}
    for path, strategy in strategies.items():
        f = _FieldInput(
            path=path,
            base=base.get(path, _ABSENT),
            ours=ours.get(path, _ABSENT),
            theirs=theirs.get(path, _ABSENT),
            direction=Direction((directions or {}).get(path, Direction.BOTH)),
            strategy=Strategy(strategy),
            ours_at=ours_times.get(path),
            theirs_at=_aware(theirs_modified_at),
        )
        decision, conflict = _decide(f)
        decisions[path] = decision
        if conflict:
            conflicts.append(conflict)
        if decision.outcome is Outcome.TO_PC:
            to_pc[path] = decision.value
        elif decision.outcome is Outcome.TO_HUBSPOT:
            to_hubspot[path] = decision.value
        if decision.outcome is Outcome.CONFLICT_PENDING or (
            decision.outcome is Outcome.UNCHANGED and decision.value is None
        ):
            if f.base is not _ABSENT:
                new_base[path] = f.base
        else:
            new_base[path] = decision.value
    return MergeResult(
        to_pc=to_pc,
        to_hubspot=to_hubspot,
        conflicts=conflicts,
        decisions=decisions,
        new_base=new_base,
        old_base=dict(base),
    )
