"""The simulator's state and its Python control surface.

`HubSpotSimulator` owns one instance of every store and service and offers
the same controls as the `/_sim` HTTP endpoints as methods, so tests in the
same process can drive it directly (`app.extensions["hubspot_simulator"]`).
Controls that change records act as a HubSpot user (changeSource `CRM_UI`).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from . import associations as assoc
from .associations import AssociationStore
from .calllog import CallLog
from .crm import Crm, check_type
from .events import Change, EventBuilder
from .faults import FaultInjector
from .objects import ChangeSource, ObjectStore
from .owners import OwnerStore
from .properties import PropertySchema
from .ratelimits import RateLimiter, SearchLimiter
from .subscriptions import Subscriptions
from .webhooks import WebhookSender

# The user controls act as when no owner is seeded (any HubSpot user id).
DEFAULT_USER_ID = 9000000


class HubSpotSimulator:
    def __init__(
        self,
        *,
        access_token: str = "sim-hubspot-token",
        client_secret: str = "sim-client-secret",
        app_id: int = 1001,
        portal_id: int = 62515,
        clock: Callable[[], float] = time.time,
        ten_second_limit: int = 190,
        daily_limit: int = 625000,
        webhook_url: str | None = None,
        webhook_batch_delay: float = 0.2,
    ):
        self.access_token = access_token
        self.client_secret = client_secret
        self.app_id = app_id
        self.portal_id = portal_id
        self.clock = clock
        self._initial = {
            "ten_second_limit": ten_second_limit,
            "daily_limit": daily_limit,
            "webhook_url": webhook_url,
            "webhook_batch_delay": webhook_batch_delay,
        }
        self.owners = OwnerStore(clock)
        self.properties = PropertySchema(clock, self.owners.options)
        self.objects = ObjectStore()
        self.associations = AssociationStore()
        self.subscriptions = Subscriptions()
        self.event_builder = EventBuilder(self.subscriptions, portal_id, app_id)
        self.webhooks = WebhookSender(client_secret, clock, webhook_batch_delay)
        self.webhooks.url = webhook_url
        self.rate_limiter = RateLimiter(clock, ten_second_limit, daily_limit, app_id)
        self.search_limiter = SearchLimiter(clock)
        self.faults = FaultInjector()
        self.call_log = CallLog()
        self.crm = Crm(
            clock=clock,
            portal_id=portal_id,
            properties=self.properties,
            objects=self.objects,
            associations=self.associations,
            emit=self._emit,
        )
        # API calls are the app's changes: HubSpot reports them as INTEGRATION
        # with the app id as source, which is how pcsync spots its own echoes.
        self.app_source = ChangeSource("INTEGRATION", str(app_id))

    def _emit(self, changes: list[Change]) -> None:
        events = [event for change in changes for event in self.event_builder.events_for(change)]
        self.webhooks.enqueue(events)

    def user_source(self, user_id: int | None = None) -> ChangeSource:
        if user_id is None:
            owners = self.owners.list()
            user_id = owners[0]["userId"] if owners else DEFAULT_USER_ID
        return ChangeSource("CRM_UI", f"userId:{user_id}", int(user_id))

    # -- lifecycle -----------------------------------------------------------

    def reset(self) -> None:
        """Back to a fresh portal: no records, owners or logs; initial options."""
        with self.crm.lock:
            self.owners.reset()
            self.properties.reset()
            self.objects.reset()
            self.associations.reset()
            self.subscriptions.reset()
            self.webhooks.reset()
            self.webhooks.url = self._initial["webhook_url"]
            self.webhooks.batch_delay = self._initial["webhook_batch_delay"]
            self.rate_limiter.configure(
                self._initial["ten_second_limit"], self._initial["daily_limit"]
            )
            self.rate_limiter.reset()
            self.search_limiter.reset()
            self.crm.search_lag_seconds = 0.0
            self.faults.reset()
            self.call_log.reset()

    def close(self) -> None:
        """Stop the webhook thread (tests call this when done)."""
        self.webhooks.stop()

    # -- owners ----------------------------------------------------------------

    def seed_owners(self, owners: list[dict]) -> list[dict]:
        with self.crm.lock:
            return self.owners.seed(owners)

    # -- records, as a HubSpot user ----------------------------------------------

    def get_object(self, object_type: str, object_id) -> dict:
        """Every property of a record, with history (for assertions)."""
        with self.crm.lock:
            record = self.crm.get(object_type, object_id)
            names = list(record.properties)
            return self.crm.render(record, names, with_history=names)

    def list_objects(self, object_type: str) -> list[dict]:
        """Every live record of a type with every property it has (no
        history): what a HubSpot user sees in the CRM's list view."""
        with self.crm.lock:
            return [
                self.crm.render(record, list(record.properties))
                for record in self.objects.all(object_type, archived=False)
            ]

    def create_object(
        self, object_type: str, properties: dict, associations=None, user_id=None
    ) -> dict:
        """Create a record as a user; `associations` as in the v3 create body."""
        with self.crm.lock:
            item = {"properties": properties, "associations": associations or []}
            record = self.crm.create(object_type, item, self.user_source(user_id))
            return self.crm.render(record, list(record.properties))

    def update_object(self, object_type: str, object_id, properties: dict, user_id=None) -> dict:
        with self.crm.lock:
            record = self.crm.update(object_type, object_id, properties, self.user_source(user_id))
            return self.crm.render(record, list(record.properties))

    def delete_object(self, object_type: str, object_id, user_id=None) -> None:
        with self.crm.lock:
            self.crm.archive(object_type, object_id, self.user_source(user_id))

    def merge_objects(self, object_type: str, primary_id, merged_id, user_id=None) -> dict:
        with self.crm.lock:
            record = self.crm.merge(object_type, primary_id, merged_id, self.user_source(user_id))
            return self.crm.render(record, list(record.properties))

    def associate(
        self, from_type, from_id, to_type, to_id, primary: bool = False, user_id=None
    ) -> list[int]:
        """Associate two records as a user; `primary` adds the Primary label."""
        with self.crm.lock:
            check_type(from_type)
            check_type(to_type)
            type_ids = [assoc.DEFAULT_TYPE.get((from_type, to_type))]
            if primary:
                type_ids += [
                    row[2]
                    for row in assoc.ASSOCIATION_TYPES
                    if row[0] == from_type and row[1] == to_type and row[5]
                ]
            if None in type_ids:
                type_ids = []  # let the CRM report the invalid pair
            return self.crm.associate(
                from_type, from_id, to_type, to_id, type_ids, self.user_source(user_id)
            )

    def disassociate(self, from_type, from_id, to_type, to_id, user_id=None) -> None:
        with self.crm.lock:
            self.crm.disassociate(
                from_type, from_id, to_type, to_id, None, self.user_source(user_id)
            )

    # -- webhooks ----------------------------------------------------------------

    def set_webhook_url(self, url: str | None) -> None:
        self.webhooks.url = url

    def set_subscriptions(self, specs: list[dict]) -> list[dict]:
        with self.crm.lock:
            return self.subscriptions.replace(specs)

    def list_subscriptions(self) -> list[dict]:
        return self.subscriptions.list()

    def set_delivery(self, **settings) -> dict:
        """Switches: duplicate, delay, out_of_order, retry_delays, timeout,
        max_batch_size, batch_delay."""
        return vars(self.webhooks.configure(**settings)) | {
            "batch_delay": self.webhooks.batch_delay
        }

    def deliveries(self) -> list[dict]:
        return self.webhooks.deliveries()

    def webhook_events(self) -> list[dict]:
        """Every event generated, delivered or not (no URL drops delivery)."""
        return self.webhooks.events()

    def flush(self, timeout: float = 10.0) -> bool:
        return self.webhooks.flush(timeout)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        return self.webhooks.wait_idle(timeout)

    # -- limits, faults, calls -------------------------------------------------

    def set_rate_limits(self, ten_second_limit=None, daily_limit=None, search_per_second=None):
        self.rate_limiter.configure(ten_second_limit, daily_limit)
        if search_per_second is not None:
            self.search_limiter.per_second = int(search_per_second)
        return self.rate_limit_usage()

    def set_search_lag(self, seconds: float) -> None:
        """How long a new record stays out of search results (HubSpot's search
        docs: newly created objects "may take a few moments" to appear)."""
        if seconds < 0:
            raise ValueError("search lag must not be negative")
        self.crm.search_lag_seconds = float(seconds)

    def rate_limit_usage(self) -> dict:
        return self.rate_limiter.usage() | {"searchPerSecond": self.search_limiter.per_second}

    def set_faults(self, error_rate=None, statuses=None, latency=None, seed=None) -> dict:
        return self.faults.configure(error_rate, statuses, latency, seed)

    def fail_next(self, count: int = 1, status: int = 503) -> None:
        self.faults.fail_next(count, status)

    def calls(self, method: str | None = None, path_prefix: str | None = None) -> list[dict]:
        return self.call_log.calls(method, path_prefix)

    def clear_calls(self) -> None:
        self.call_log.reset()
