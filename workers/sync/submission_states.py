"""The states of a deal's submission to AWS (`submission_status`), apart from
the worker that moves them, so the ingest can check them without the clients."""

from __future__ import annotations

# submission_status lifecycle; None is "never asked".
TRANSITIONS: dict[str | None, frozenset[str]] = {
    None: frozenset({"requested", "starting", "not_submittable"}),
    "requested": frozenset({"starting", "failed", "not_submittable"}),
    "starting": frozenset({"in_progress", "failed", "not_submittable"}),
    "in_progress": frozenset({"submitted", "failed"}),
    "submitted": frozenset({"requested", "starting"}),  # AWS asked for changes: resubmit
    "failed": frozenset({"requested", "starting"}),
    "not_submittable": frozenset({"requested", "starting"}),
}
# A deal's "Submit to AWS" = true (re)starts a submission only from these.
REQUESTABLE_BY_DEAL = frozenset({None, "", "failed"})
# Runs already under way: a new request would only duplicate them.
UNDER_WAY = frozenset({"requested", "starting", "in_progress"})
