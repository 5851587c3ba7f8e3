"""Sync commands: the orchestration between the two API clients and the pure
engine (read state, merge, write, persist, audit). Celery tasks call these;
each command is idempotent and safe to run again after a crash."""
