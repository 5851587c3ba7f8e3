"""Injected failures: server errors, throttling and latency, with a seeded RNG."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from .errors import InternalError, Throttled


@dataclass
class FaultPlan:
    error_rate: float = 0.0
    throttle_rate: float = 0.0
    latency_ms: int = 0
    operations: frozenset[str] | None = None  # None: every operation

    def applies_to(self, operation: str) -> bool:
        return self.operations is None or operation in self.operations


@dataclass
class FaultInjector:
    plan: FaultPlan = field(default_factory=FaultPlan)
    rng: random.Random = field(default_factory=lambda: random.Random(0))

    def configure(
        self,
        error_rate: float = 0.0,
        throttle_rate: float = 0.0,
        latency_ms: int = 0,
        operations: list[str] | None = None,
        seed: int | None = None,
    ) -> FaultPlan:
        for name, rate in (("error_rate", error_rate), ("throttle_rate", throttle_rate)):
            if not 0.0 <= float(rate) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")
        if int(latency_ms) < 0:
            raise ValueError("latency_ms must not be negative")
        self.plan = FaultPlan(
            float(error_rate),
            float(throttle_rate),
            int(latency_ms),
            frozenset(operations) if operations is not None else None,
        )
        if seed is not None:
            self.rng = random.Random(seed)
        return self.plan

    def latency_seconds(self, operation: str) -> float:
        return self.plan.latency_ms / 1000 if self.plan.applies_to(operation) else 0.0

    def raise_injected(self, operation: str) -> None:
        if not self.plan.applies_to(operation):
            return
        if self.plan.error_rate and self.rng.random() < self.plan.error_rate:
            raise InternalError("Injected internal server error.")
        if self.plan.throttle_rate and self.rng.random() < self.plan.throttle_rate:
            raise Throttled("Injected throttling.")

    def reset(self) -> None:
        self.plan = FaultPlan()
        self.rng = random.Random(0)
