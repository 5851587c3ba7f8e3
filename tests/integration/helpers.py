"""Small helpers several integration test modules share."""

from __future__ import annotations

WEBHOOK_COUNTS = ("received", "recorded", "duplicates", "ignored", "rejected", "queued")


def webhook_answer(**counts: int) -> dict[str, int]:
    """What a webhook endpoint answers: the counts given, every other one zero."""
    unknown = set(counts) - set(WEBHOOK_COUNTS)
    assert not unknown, f"not a webhook count: {unknown}"
    return {name: counts.get(name, 0) for name in WEBHOOK_COUNTS}


def route_events_to_ingest(stack) -> None:
    """Play the EventBridge rule and API destination: the Partner Central
    simulator POSTs its events to the ingest with the stack's events secret."""
    settings = stack.app.extensions["pcsync.settings"]
    stack.pc.emitter.target_url = f"{settings.public_url}/webhooks/partner-central"
    stack.pc.emitter.secret = settings.events_secret
