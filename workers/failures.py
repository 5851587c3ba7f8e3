"""Permanently failed tasks: show them to operators and replay them.

`workers/celery_app.py::record_failure` writes one `failed_tasks` row when a
task ends in FAILURE (validation errors are never retried), with the API's
message and field errors. After the operator fixed the data, a replay sends
the same task name with the stored args and kwargs again. The row is never
deleted: it is marked `replayed` with the new task id and time, and the
replay is audited as `failure.replayed` under the new task id, so the
replayed run's own audit entries and the replay decision share one id.

The CLI (`pcsync failures`) and the management API (`/api/failures`) both
come through here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from models.audit import record_audit
from models.failures import FailedTask
from pcsync import runtime
from workers.publishing import publish_after_commit

FAILED, REPLAYED = "failed", "replayed"


class FailureNotFound(LookupError):
    """No failed task has this id."""

    def __init__(self, failure_ids: list[int]):
        self.failure_ids = failure_ids
        listed = ", ".join(str(i) for i in failure_ids)
        super().__init__(f"no failed task with id {listed}")


class AlreadyReplayed(Exception):
    """The row was replayed before; replaying it again needs `force`."""

    def __init__(self, rows: list[FailedTask]):
        self.failure_ids = [row.id for row in rows]
        details = ", ".join(f"{row.id} (as task {row.replay_task_id})" for row in rows)
        super().__init__(f"already replayed: {details}; use force to replay again")


@dataclass(frozen=True)
class Replay:
    failure_id: int
    task_name: str
    task_id: str  # the id of the newly queued task


def list_failures(session, *, include_replayed: bool = False) -> list[FailedTask]:
    """Failed tasks, newest first; only those not yet replayed unless asked."""
    query = select(FailedTask).order_by(FailedTask.failed_at.desc(), FailedTask.id.desc())
    if not include_replayed:
        query = query.where(FailedTask.status == FAILED)
    return list(session.scalars(query))


def failure_as_dict(row: FailedTask, *, with_traceback: bool = False) -> dict[str, Any]:
    """A JSON-ready view of one row (CLI --json and the API share it)."""
    view = {
        "id": row.id,
        "task_name": row.task_name,
        "task_id": row.task_id,
        "args": list(row.args or []),
        "kwargs": dict(row.kwargs or {}),
        "exception_type": row.exception_type,
        "message": row.message,
        "field_errors": list(row.field_errors or []),
        "retries": row.retries,
        "status": row.status,
        "failed_at": row.failed_at.isoformat() if row.failed_at else None,
        "replayed_at": row.replayed_at.isoformat() if row.replayed_at else None,
        "replay_task_id": row.replay_task_id,
    }
    if with_traceback:
        view["traceback"] = row.traceback
    return view


def replay_failures(
    failure_ids: list[int] | None, *, actor: str, force: bool = False
) -> list[Replay]:
    """Re-queue the given failed tasks (None: every row still `failed`).

    All ids are checked before anything is queued, so a typo or an already
    replayed row (without `force`) queues nothing at all.
    """
    rows = _rows_to_replay(failure_ids, force=force)
    return [_replay_one(row.id, actor=actor) for row in rows]


def _rows_to_replay(failure_ids: list[int] | None, *, force: bool) -> list[FailedTask]:
    with runtime.database().transaction() as session:
        if failure_ids is None:
            return list(
                session.scalars(
                    select(FailedTask).where(FailedTask.status == FAILED).order_by(FailedTask.id)
                )
            )
        wanted = list(dict.fromkeys(failure_ids))
        found = {
            row.id: row
            for row in session.scalars(select(FailedTask).where(FailedTask.id.in_(wanted)))
        }
        missing = [i for i in wanted if i not in found]
        if missing:
            raise FailureNotFound(missing)
        replayed = [found[i] for i in wanted if found[i].status == REPLAYED]
        if replayed and not force:
            raise AlreadyReplayed(replayed)
        return [found[i] for i in wanted]


def _replay_one(failure_id: int, *, actor: str) -> Replay:
    """Mark the row and audit in one transaction, then publish after the
    commit, so the replayed task never runs without its audit row. A broker
    failure then raises with the row marked `replayed` but nothing queued:
    replay it again with `force`."""
    new_task_id = str(uuid.uuid4())
    with runtime.database().transaction() as session:
        row = session.get(FailedTask, failure_id, with_for_update=True)
        was = row.status
        row.status = REPLAYED
        row.replayed_at = runtime.utc_now()
        row.replay_task_id = new_task_id
        record_audit(
            session,
            action="failure.replayed",
            outcome="queued",
            source="operator",
            actor=actor,
            task_id=new_task_id,
            object_type="failed_task",
            object_id=str(row.id),
            diff={
                "task_name": row.task_name,
                "args": list(row.args or []),
                "kwargs": dict(row.kwargs or {}),
                "failed_task_id": row.task_id,
                "previous_status": was,
            },
            message=f"replayed {row.exception_type}: {row.message}"[:2000],
        )
        task = runtime.celery_app().signature(
            row.task_name, args=list(row.args or []), kwargs=dict(row.kwargs or {})
        )
        publish_after_commit(session, [task.set(task_id=new_task_id)])
        return Replay(failure_id=row.id, task_name=row.task_name, task_id=new_task_id)
