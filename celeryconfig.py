"""Celery settings for at-least-once delivery (Celery's `acks_late` and
`task_reject_on_worker_lost`: https://docs.celeryq.dev/en/stable/userguide/configuration.html).

Late acknowledgement means a task whose worker dies is delivered again, so
every task is idempotent: ids travel in messages, writes are upserts and
Partner Central client tokens are deterministic. Broker URL and transport
details come from pcsync's Settings (see workers/celery_app.py).
"""

# The longest delay any message may sit unacknowledged in a worker
# (countdown, retry backoff) must stay well below the Redis visibility
# timeout (PCSYNC_VISIBILITY_TIMEOUT, default 3 h), or Redis redelivers it
# while it is still waiting. workers/task_policy.py checks the retry cap.
MAX_COUNTDOWN_SECONDS = 600

task_acks_late = True
task_reject_on_worker_lost = True
worker_prefetch_multiplier = 1
worker_cancel_long_running_tasks_on_connection_loss = True
worker_soft_shutdown_timeout = 30
task_time_limit = 900
task_soft_time_limit = 840
task_default_retry_delay = 10
task_ignore_result = True
task_serializer = "json"
accept_content = ["json"]
timezone = "UTC"
enable_utc = True

worker_send_task_events = True
task_send_sent_event = True
worker_hijack_root_logger = False

broker_connection_retry_on_startup = True
broker_connection_timeout = 2
# Publishing from the ingest must fail fast (and answer 503) when the broker
# is down, not hang past HubSpot's 5 s timeout.
task_publish_retry_policy = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}

imports = (
    "tasks.hubspot_sync",
    "tasks.retention",
    "tasks.reconcile",
    "tasks.engagements",
    "tasks.referrals",
    "tasks.submission",
    "tasks.assignment",
    "tasks.resources",
    "tasks.conflicts",
    "tasks.pending",
    "tasks.notifications",
)

ENGAGEMENT_BEAT_ENTRY = "sync-engagements"
SWEEPER_BEAT_ENTRY = "requeue-stale-pending"
MAX_SWEEP_SECONDS = 30.0


def _every(seconds: float, task: str, *, expires: int) -> dict:
    """A beat entry: ``task`` every ``seconds``; a run not started within
    ``expires`` seconds is dropped for the next."""
    return {"task": task, "schedule": seconds, "options": {"expires": expires}}


beat_schedule: dict = {
    # Queue again pending work whose message was lost (tasks/pending.py);
    # cheap (one UPDATE), so often: it bounds how late a change can be. The
    # interval follows PCSYNC_PENDING_MARGIN_SECONDS (workers/celery_app.py).
    SWEEPER_BEAT_ENTRY: _every(30.0, "pcsync.requeue_stale_pending", expires=25),
    # Operator notifications (PCSYNC_NOTIFY_URL); each subject at most once a
    # day, so a run dropped for the next one loses nothing.
    "send-notifications": _every(300.0, "pcsync.send_notifications", expires=240),
    # Inbox rows only serve de-duplication; the audit trail is kept
    # PCSYNC_AUDIT_RETENTION_DAYS and purged daily past that.
    "prune-inbox": _every(24 * 3600.0, "pcsync.prune_inbox", expires=3600),
    "purge-audit": _every(24 * 3600.0, "pcsync.purge_audit", expires=3600),
    # Catch the Partner Central changes whose events were lost (best-effort
    # delivery); a run not started within 9 minutes is dropped for the next.
    "reconcile-opportunities": _every(600.0, "pcsync.reconcile_opportunities", expires=540),
    # AWS referrals: pending invitations become deals, late ones expire; a
    # run not started within 14 minutes is dropped for the next.
    "poll-invitations": _every(900.0, "pcsync.poll_invitations", expires=840),
    # AWS engagement lifecycle on deals. The interval comes from
    # PCSYNC_ENGAGEMENT_SYNC_MINUTES (workers/celery_app.py sets it and an
    # `expires` just short of it); these are the defaults.
    ENGAGEMENT_BEAT_ENTRY: _every(1800.0, "pcsync.sync_engagements", expires=1740),
}
