"""Alembic environment: targets the models' metadata, URL from the config."""

from alembic import context
from sqlalchemy import engine_from_config, pool

import models

config = context.config


def render_item(type_, obj, _autogen_context):
    # Migrations must not import model code: render our decorated types as
    # the plain SQLAlchemy types they store.
    if type_ == "type" and isinstance(obj, models.base.UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


target_metadata = models.Base.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with connectable.connect() as connection:
        # Batch mode lets later migrations alter tables on SQLite too.
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,
            render_item=render_item,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
