"""Declarative base shared by every table, with a naming convention so that
Alembic migrations name constraints identically on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import has_app_context
from sqlalchemy import JSON, DateTime, MetaData
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

from pcsync import runtime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# JSONB on PostgreSQL (indexable, compact), plain JSON text elsewhere.
JsonColumn = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    """Now, from the app's clock inside an app context (pcsync.runtime; tests
    inject a fixed one), else from the real clock: column defaults also fill
    rows written outside any app, by migrations and scripts."""
    if has_app_context():
        return runtime.utc_now()
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware timestamps on both backends.

    SQLite has no timezone type and hands back naive values; they were
    written as UTC, so they are read back as UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware UTC datetime")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
