"""The real ingest app plus a bare 204 route, so the benchmark measures both
on the same gunicorn server in one run."""

from ingest import create_app

app = create_app()


@app.post("/bench/bare")
def bare():
    return "", 204
