"""Owners: the users deals and contacts are assigned to (Owners API v3).

Seeded through a control; `hubspot_owner_id` values must name one of them.
"""

from __future__ import annotations

from collections.abc import Callable

from .timefmt import iso_from_epoch

FIRST_OWNER_ID = 70000001
FIRST_USER_ID = 9000001


class OwnerStore:
    def __init__(self, clock: Callable[[], float]):
        self._clock = clock
        self.reset()

    def reset(self) -> None:
        self._owners: dict[str, dict] = {}
        self._next_owner_id = FIRST_OWNER_ID
        self._next_user_id = FIRST_USER_ID

    def seed(self, owners: list[dict]) -> list[dict]:
        """Add or replace owners; ids and userIds are assigned when absent."""
        return [self._add(dict(owner)) for owner in owners]

    def _add(self, given: dict) -> dict:
        owner_id = str(given.get("id") or self._take_owner_id())
        user_id = int(given.get("userId") or self._take_user_id())
        now = iso_from_epoch(self._clock())
        owner = {
            "id": owner_id,
            "email": given.get("email", ""),
            "type": "PERSON",
            "firstName": given.get("firstName", ""),
            "lastName": given.get("lastName", ""),
            "userId": user_id,
            "userIdIncludingInactive": user_id,
            "createdAt": now,
            "updatedAt": now,
            "archived": bool(given.get("archived", False)),
            "teams": list(given.get("teams", [])),
        }
        self._owners[owner_id] = owner
        return owner

    def _take_owner_id(self) -> int:
        while str(self._next_owner_id) in self._owners:
            self._next_owner_id += 1
        self._next_owner_id += 1
        return self._next_owner_id - 1

    def _take_user_id(self) -> int:
        self._next_user_id += 1
        return self._next_user_id - 1

    def get(self, key: str, id_property: str = "id", archived: bool = False) -> dict | None:
        for owner in self._owners.values():
            if owner["archived"] != archived:
                continue
            if id_property == "userId" and str(owner["userId"]) == key:
                return owner
            if id_property == "id" and owner["id"] == key:
                return owner
        return None

    def list(self, email: str | None = None, archived: bool = False) -> list[dict]:
        owners = [o for o in self._owners.values() if o["archived"] == archived]
        if email:
            owners = [o for o in owners if o["email"].lower() == email.lower()]
        return sorted(owners, key=lambda o: int(o["id"]))

    def options(self) -> list[tuple[str, str]]:
        """(owner id, label) pairs: the options of `hubspot_owner_id`."""
        return [
            (o["id"], f"{o['firstName']} {o['lastName']} ({o['email']})".strip())
            for o in self.list()
        ]
