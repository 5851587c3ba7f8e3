"""Webhook subscriptions: which changes become events (Webhooks API).

HubSpot subscribes per object and event type, and `propertyChange` per
property. The defaults below cover what a CRM sync watches, so the embedded
demo works without setup; tests and operators replace them via the control.
"""

from __future__ import annotations

from . import errors

SUBSCRIBABLE_OBJECTS = ("deal", "contact", "company")
EVENT_KINDS = ("creation", "deletion", "propertyChange", "associationChange", "merge")
# HubSpot refuses subscriptions to these properties.
UNSUBSCRIBABLE_PROPERTIES = frozenset({"hs_lastmodifieddate", "num_unique_conversion_events"})
FIRST_SUBSCRIPTION_ID = 3000001

DEFAULT_PROPERTY_SUBSCRIPTIONS = {
    "deal": (
        "dealname", "amount", "dealstage", "pipeline", "closedate", "hubspot_owner_id",
        "description", "dealtype",
    ),
    "contact": ("email", "firstname", "lastname", "phone", "mobilephone", "jobtitle"),
    "company": (
        "name", "domain", "website", "industry", "country", "city", "state", "zip", "address",
        "phone", "numberofemployees", "description",
    ),
}  # fmt: skip


def default_subscription_specs() -> list[dict]:
    specs = []
    for obj in SUBSCRIBABLE_OBJECTS:
        for kind in ("creation", "deletion", "associationChange", "merge"):
            specs.append({"subscriptionType": f"{obj}.{kind}"})
        for name in DEFAULT_PROPERTY_SUBSCRIPTIONS[obj]:
            specs.append({"subscriptionType": f"{obj}.propertyChange", "propertyName": name})
    return specs


class Subscriptions:
    def __init__(self):
        self.reset()

    def reset(self) -> None:
        self._items: list[dict] = []
        self._next_id = FIRST_SUBSCRIPTION_ID
        self.replace(default_subscription_specs())

    def replace(self, specs: list[dict]) -> list[dict]:
        """Replace every subscription; the whole list is checked first."""
        if not isinstance(specs, list):
            raise errors.validation_error("subscriptions must be a list")
        problems = [p for spec in specs for p in _problems(spec)]
        if problems:
            raise errors.validation_error("Invalid subscriptions: " + "; ".join(problems))
        self._items = [self._subscription(spec) for spec in specs]
        return self.list()

    def _subscription(self, spec: dict) -> dict:
        subscription = {
            "id": self._next_id,
            "subscriptionType": spec["subscriptionType"],
            "active": bool(spec.get("active", True)),
        }
        if spec["subscriptionType"].endswith(".propertyChange"):
            subscription["propertyName"] = spec["propertyName"]
        self._next_id += 1
        return subscription

    def list(self) -> list[dict]:
        return [dict(s) for s in self._items]

    def matching(self, subscription_type: str, property_name: str | None = None) -> list[dict]:
        return [
            s
            for s in self._items
            if s["active"]
            and s["subscriptionType"] == subscription_type
            and s.get("propertyName") == property_name
        ]


def _problems(spec) -> list[str]:
    if not isinstance(spec, dict) or not isinstance(spec.get("subscriptionType"), str):
        return [f"{spec!r}: subscriptionType is required"]
    obj, _, kind = spec["subscriptionType"].partition(".")
    if obj not in SUBSCRIBABLE_OBJECTS or kind not in EVENT_KINDS:
        return [f"{spec['subscriptionType']}: unknown subscription type"]
    name = spec.get("propertyName")
    if kind == "propertyChange":
        if not name:
            return [f"{spec['subscriptionType']}: propertyName is required"]
        if name in UNSUBSCRIBABLE_PROPERTIES:
            return [f"{name}: HubSpot does not allow subscribing to this property"]
    elif name:
        return [f"{spec['subscriptionType']}: propertyName only applies to propertyChange"]
    return []
