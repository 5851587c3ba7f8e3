"""Tasks that failed for good, kept with the API's message so an operator can
fix the data and replay them (`pcsync failures replay`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, JsonColumn, UTCDateTime, utcnow


class FailedTask(Base):
    __tablename__ = "failed_tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    task_name: Mapped[str] = mapped_column(String(200))
    task_id: Mapped[str] = mapped_column(String(64), index=True)
    args: Mapped[list] = mapped_column(JsonColumn, default=list)
    kwargs: Mapped[dict] = mapped_column(JsonColumn, default=dict)
    exception_type: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text)
    field_errors: Mapped[list | None] = mapped_column(JsonColumn)
    traceback: Mapped[str | None] = mapped_column(Text)
    retries: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="failed")  # failed | replayed
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    replayed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replay_task_id: Mapped[str | None] = mapped_column(String(64))
