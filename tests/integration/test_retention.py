from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from ingest import create_app
from models.base import utcnow
from tasks.retention import prune_inbox
from workers.sync.retention import INBOX_RETENTION


def test_old_inbox_rows_are_pruned_and_the_audit_says_so(make_settings, database_url, redis_url):
    app = create_app(make_settings(database_url=database_url, redis_url=redis_url))
    engine = app.extensions["pcsync.db"].engine
    old = utcnow() - INBOX_RETENTION - timedelta(hours=1)
    recent = utcnow() - timedelta(days=1)
    with engine.begin() as connection:
        for key, when in (("old", old), ("recent", recent)):
            connection.execute(
                sa.text(
                    "INSERT INTO inbox_events (source, dedup_key, event_type, outcome, payload,"
                    " received_at) VALUES ('hubspot', :k, 'deal.creation', 'queued', '{}', :w)"
                ),
                {"k": key, "w": when},
            )
    with app.app_context():
        assert prune_inbox.apply().get() == 1
    with engine.connect() as connection:
        keys = connection.execute(sa.text("SELECT dedup_key FROM inbox_events")).scalars().all()
        audit = connection.execute(sa.text("SELECT action, outcome FROM audit_entries")).all()
    assert keys == ["recent"]
    assert [tuple(row) for row in audit] == [("retention.inbox", "pruned")]
