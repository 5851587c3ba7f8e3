"""WSGI entry for gunicorn: `gunicorn ingest.wsgi:app`."""

from ingest import create_app

app = create_app()
