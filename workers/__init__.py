"""Celery workers: the Celery app, API clients, rate limiter, locks, retry
policy and the pure sync engine (`workers.engine`).

The Celery app itself is built by the app factory; `workers/celery.py` is
the entry module Celery's `-A workers` finds.
"""
