"""Celery tasks, one module per capability. Tasks are thin: take ids, load
state, call the clients and the engine, persist and audit."""
