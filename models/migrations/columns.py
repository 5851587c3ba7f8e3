"""Column types the migrations repeat: written once, so each table reads as
its columns. Changing what these return changes history: never edit them."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# JSON everywhere, stored as JSONB on PostgreSQL.
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def json_column(name: str, *, nullable: bool) -> sa.Column:
    return sa.Column(name, JSON, nullable=nullable)
