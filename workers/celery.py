"""Worker entry module: `celery -A workers worker` and `celery -A workers beat`
find the app here (Celery looks for `workers.celery.app`)."""

from ingest import create_app

app = create_app().extensions["celery"]
