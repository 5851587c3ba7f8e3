"""WSGI entry for gunicorn: `gunicorn ingest.wsgi:app`."""

import gc

from ingest import create_app

app = create_app()
# What is loaded by now lives as long as the process: the cyclic collector
# stops walking it. A full collection walked ~130,000 such objects in about
# 50 ms, a stall for every request queued behind it (the ingest's p99).
gc.freeze()
