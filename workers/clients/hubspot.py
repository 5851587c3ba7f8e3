"""The one HubSpot client.

Every call takes a token from the global limiter's `hubspot` group first.
Transient failures (429, 5xx, 423, 477, connection errors) on idempotent
calls are retried briefly by urllib3's `Retry` (honouring Retry-After);
whatever is still failing becomes a `RetryableError` for the task to retry
with backoff. Non-idempotent creates are never retried at the HTTP layer.
Batch endpoints are chunked to HubSpot's limits (100 objects, 1000 ids for
association reads).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from pcsync.metrics import count_hubspot_response
from workers.engine.batches import batched
from workers.errors import NotFound, PermanentError, RetryableError, Throttled
from workers.limiter import Priority, RateLimiter

log = logging.getLogger(__name__)

BATCH_SIZE = 100
# A batch read that asks for property history takes at most 50 inputs.
HISTORY_BATCH_SIZE = 50
# Search answers at most 10,000 results per query; the page past them is a 400
# although the last page still offers `paging.next.after`.
SEARCH_RESULT_CAP = 10_000
ASSOCIATION_BATCH_SIZE = 1000
RETRYABLE_STATUSES = frozenset({423, 429, 477, 500, 502, 503, 504, 521, 523, 524})
# When a 429 carries no Retry-After, wait out HubSpot's 10-second window.
DEFAULT_RATE_LIMIT_WAIT = 10.0
OBJECT_TYPES = ("deals", "contacts", "companies", "notes")


def _session(token: str, *, retry: bool) -> requests.Session:
    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {token}", "Accept": "application/json"})
    policy = Retry(
        total=3 if retry else 0,
        connect=3 if retry else 0,
        read=0,
        status=2 if retry else 0,
        backoff_factor=0.5,
        backoff_jitter=0.5,
        status_forcelist=sorted(RETRYABLE_STATUSES - {429}) if retry else [],
        # urllib3 skips POST and PATCH by default; our retried calls are
        # reads, batch reads/updates and upserts, all safe to repeat.
        allowed_methods=None,
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    adapter = HTTPAdapter(max_retries=policy, pool_maxsize=10)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.hooks["response"].append(count_hubspot_response)
    return session


class HubSpot:
    def __init__(
        self, base_url: str, token: str, limiter: RateLimiter, *, timeout: float = 20.0
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.limiter = limiter
        self.timeout = timeout
        self._retrying = _session(token, retry=True)
        self._once = _session(token, retry=False)

    # -- transport ---------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict | None = None,
        idempotent: bool = True,
        priority: Priority = "event",
    ) -> Any:
        operation = f"{method} {path}"
        self.limiter.take("hubspot", priority=priority, operation=operation)
        session = self._retrying if idempotent else self._once
        try:
            response = session.request(
                method, self.base_url + path, json=json, params=params, timeout=self.timeout
            )
        except requests.RequestException as exc:
            raise RetryableError(
                f"HubSpot unreachable: {exc}", service="hubspot", operation=operation
            ) from exc
        if response.status_code >= 400:
            raise _error_for(response, operation)
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    # -- objects -----------------------------------------------------------

    def get_object(
        self,
        object_type: str,
        object_id: str,
        properties: Iterable[str] = (),
        *,
        associations: Iterable[str] = (),
        properties_with_history: Iterable[str] = (),
    ) -> dict:
        params = {"archived": "false"}
        if properties:
            params["properties"] = ",".join(properties)
        if associations:
            params["associations"] = ",".join(associations)
        if properties_with_history:
            params["propertiesWithHistory"] = ",".join(properties_with_history)
        return self.request("GET", f"/crm/v3/objects/{object_type}/{object_id}", params=params)

    def get_object_by(
        self, object_type: str, id_property: str, value: str, properties: Iterable[str] = ()
    ) -> dict | None:
        """The record whose unique-value property ``id_property`` holds ``value``
        (read at once, unlike search, whose index lags writes), or None."""
        params = {"idProperty": id_property, "archived": "false"}
        if properties:
            params["properties"] = ",".join(properties)
        try:
            return self.request(
                "GET", f"/crm/v3/objects/{object_type}/{quote(value, safe='')}", params=params
            )
        except NotFound:
            return None

    def batch_read(
        self,
        object_type: str,
        ids: Iterable[str],
        properties: Iterable[str],
        *,
        properties_with_history: Iterable[str] = (),
        priority: Priority = "event",
    ) -> dict[str, dict]:
        """Objects by id; ids HubSpot does not know are simply absent."""
        found: dict[str, dict] = {}
        size = HISTORY_BATCH_SIZE if properties_with_history else BATCH_SIZE
        for chunk in batched(sorted(set(map(str, ids))), size):
            body = {"inputs": [{"id": i} for i in chunk], "properties": list(properties)}
            if properties_with_history:
                body["propertiesWithHistory"] = list(properties_with_history)
            response = self.request(
                "POST", f"/crm/v3/objects/{object_type}/batch/read", json=body, priority=priority
            )
            found.update({record["id"]: record for record in response.get("results", [])})
        return found

    def batch_update(
        self, object_type: str, updates: dict[str, dict[str, str]], *, priority: Priority = "event"
    ) -> list[dict]:
        """Write properties to many objects, 100 per call."""
        results: list[dict] = []
        items = sorted(updates.items())
        for chunk in batched(items, BATCH_SIZE):
            body = {"inputs": [{"id": i, "properties": props} for i, props in chunk]}
            response = self.request(
                "POST", f"/crm/v3/objects/{object_type}/batch/update", json=body, priority=priority
            )
            results.extend(response.get("results", []))
        return results

    def update_object(self, object_type: str, object_id: str, properties: dict[str, str]) -> dict:
        return self.request(
            "PATCH",
            f"/crm/v3/objects/{object_type}/{object_id}",
            json={"properties": properties},
        )

    def create_object(
        self, object_type: str, properties: dict[str, str], associations: list[dict] | None = None
    ) -> dict:
        body: dict[str, Any] = {"properties": properties}
        if associations:
            body["associations"] = associations
        # A retried create could create twice: let the task decide instead.
        return self.request("POST", f"/crm/v3/objects/{object_type}", json=body, idempotent=False)

    def search(
        self, object_type: str, body: dict, *, priority: Priority = "event"
    ) -> Iterator[dict]:
        """The results of a search, following `paging.next.after` up to the
        10,000-result cap of one query. A caller that needs more sorts by
        `hs_object_id` and searches again after the last id it saw."""
        after = None
        while after is None or int(after) < SEARCH_RESULT_CAP:
            page_body = {**body, "limit": body.get("limit", 100)}
            if after:
                page_body["after"] = after
            response = self.request(
                "POST", f"/crm/v3/objects/{object_type}/search", json=page_body, priority=priority
            )
            yield from response.get("results", [])
            after = (response.get("paging") or {}).get("next", {}).get("after")
            if not after:
                return

    # -- associations (v4) -------------------------------------------------

    def associations(
        self, from_type: str, to_type: str, ids: Iterable[str], *, priority: Priority = "event"
    ) -> dict[str, list[dict]]:
        """Associated objects per id: {from_id: [{"id", "types": [...]}, ...]}."""
        result: dict[str, list[dict]] = {}
        pending = [{"id": str(i)} for i in sorted(set(map(str, ids)))]
        while pending:
            chunk, pending = pending[:ASSOCIATION_BATCH_SIZE], pending[ASSOCIATION_BATCH_SIZE:]
            response = self.request(
                "POST",
                f"/crm/v4/associations/{from_type}/{to_type}/batch/read",
                json={"inputs": chunk},
                priority=priority,
            )
            for row in response.get("results", []):
                targets = result.setdefault(str(row["from"]["id"]), [])
                targets.extend(
                    {"id": str(to["toObjectId"]), "types": to.get("associationTypes", [])}
                    for to in row.get("to", [])
                )
                after = (row.get("paging") or {}).get("next", {}).get("after")
                if after:
                    pending.append({"id": str(row["from"]["id"]), "after": after})
        return result

    # -- owners, properties, notes ------------------------------------------

    def get_owner(self, owner_id: str) -> dict:
        return self.request("GET", f"/crm/v3/owners/{owner_id}", params={"idProperty": "id"})

    def get_property(self, object_type: str, name: str) -> dict | None:
        try:
            return self.request("GET", f"/crm/v3/properties/{object_type}/{name}")
        except NotFound:
            return None

    def create_property(self, object_type: str, definition: dict) -> dict:
        return self.request("POST", f"/crm/v3/properties/{object_type}", json=definition)

    def get_property_group(self, object_type: str, name: str) -> dict | None:
        try:
            return self.request("GET", f"/crm/v3/properties/{object_type}/groups/{name}")
        except NotFound:
            return None

    def create_property_group(self, object_type: str, definition: dict) -> dict:
        return self.request("POST", f"/crm/v3/properties/{object_type}/groups", json=definition)

    def create_note(self, deal_id: str, body: str, timestamp_ms: int) -> dict:
        note = _note_input(deal_id, body, timestamp_ms)
        return self.create_object("notes", note["properties"], note["associations"])

    def create_notes(self, notes: list[tuple[str, str, int]]) -> list[dict]:
        """Notes (deal id, body, timestamp in ms) on deals, 100 per batch
        create; the created records, in no particular order."""
        created: list[dict] = []
        for chunk in batched(notes, BATCH_SIZE):
            body = {"inputs": [_note_input(*note) for note in chunk]}
            # A retried create could create twice: let the caller decide instead.
            response = self.request(
                "POST", "/crm/v3/objects/notes/batch/create", json=body, idempotent=False
            )
            created.extend(response.get("results", []))
        return created


def _note_input(deal_id: str, body: str, timestamp_ms: int) -> dict:
    """One note associated with its deal (note-to-deal is HubSpot-defined type 214)."""
    return {
        "properties": {"hs_note_body": body, "hs_timestamp": str(timestamp_ms)},
        "associations": [
            {
                "to": {"id": str(deal_id)},
                "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 214}],
            }
        ],
    }


def _retry_after(response: requests.Response) -> float:
    header = response.headers.get("Retry-After")
    if header:
        try:
            value = float(header)
        except ValueError:
            return DEFAULT_RATE_LIMIT_WAIT
        # The workflow docs give Retry-After in milliseconds; the HTTP standard
        # says seconds. A value above an hour can only be milliseconds.
        return value / 1000 if value > 3600 else value
    return DEFAULT_RATE_LIMIT_WAIT


def _field_name(error: dict) -> str | None:
    names = (error.get("context") or {}).get("propertyName")
    if isinstance(names, list) and names:
        return names[0]
    return error.get("in")


class AlreadyExists(PermanentError):
    """HubSpot refused a second record with a value a unique property already
    holds (409 CONFLICT)."""


def _error_for(response: requests.Response, operation: str) -> Exception:
    try:
        body = response.json()
    except ValueError:
        body = {}
    message = body.get("message") or response.text[:500] or response.reason
    where = {"service": "hubspot", "operation": operation, "status_code": response.status_code}
    status = response.status_code
    if status in RETRYABLE_STATUSES:
        policy = body.get("policyName")
        retry_after = _retry_after(response) if status == 429 else None
        if policy == "DAILY":
            retry_after = max(retry_after or 0.0, 3600.0)
        label = f"{status} {policy}" if policy else str(status)
        kind = Throttled if status == 429 else RetryableError
        return kind(f"HubSpot {label}: {message}", retry_after=retry_after, **where)
    field_errors = [
        {"field": _field_name(e), "message": e.get("message"), "code": e.get("code")}
        for e in body.get("errors") or []
    ]
    kind = {404: NotFound, 409: AlreadyExists}.get(status, PermanentError)
    return kind(
        f"HubSpot {status} {body.get('category', '')}: {message}".replace("  ", " "),
        api_message=message,
        field_errors=field_errors,
        **where,
    )
