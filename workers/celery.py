"""Worker entry module: `celery -A workers worker` and `celery -A workers beat`
find the app here (Celery looks for `workers.celery.app`). Built without the
web ingest: a worker needs none of its endpoints."""

from pcsync.app import create_base_app

app = create_base_app().extensions["celery"]
