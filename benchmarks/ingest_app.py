"""What `benchmarks.ingest` serves from one gunicorn: the real ingest, a bare
204 endpoint (the server's ceiling) and a minimal correct ingest (verify the
v3 signature, de-duplicate each event in Redis, one LPUSH), so the three are
measured on the same server in one run."""

from __future__ import annotations

import json
import os
import time

import redis
from flask import jsonify, request

from ingest.hubspot_events import dedup_key
from ingest.hubspot_webhook import public_request_uri
from ingest.signatures import SignatureError, SignedRequest, verify
from ingest.wsgi import app  # the app as gunicorn serves it

# How long the minimal ingest remembers an event, as HubSpot retries for 24 h.
SEEN_SECONDS = 24 * 3600

broker = redis.Redis.from_url(os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0"))


@app.post("/bench/bare")
def bare():
    return "", 204


@app.post("/bench/minimal")
def minimal():
    body = request.get_data()
    signed = SignedRequest(request.method, public_request_uri(), body, request.headers)
    try:
        verify(signed, os.environ["HUBSPOT_CLIENT_SECRET"], now_ms=int(time.time() * 1000))
    except SignatureError as exc:
        return jsonify(error=exc.reason), 401
    events = json.loads(body)
    seen = broker.pipeline(transaction=False)
    for event in events:
        seen.set(f"bench:seen:{dedup_key(event)}", 1, nx=True, ex=SEEN_SECONDS)
    new = [event for event, is_new in zip(events, seen.execute(), strict=True) if is_new]
    if new:
        broker.lpush("bench:minimal", json.dumps(new))
    return jsonify(received=len(events), recorded=len(new))
