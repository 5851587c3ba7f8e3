"""The simulator: one partner account's Partner Central, behind one lock.

`Simulator.handle` is the request pipeline every API call goes through:
log → injected faults → quota → model validation → catalog → handler →
response encoding (checked against the output shape). The methods below it
are the controls that play AWS's part; the HTTP control API mirrors them.
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
import threading
import time
from collections.abc import Callable

from . import aws_side, codec, events, service_model, store, validation
from .calllog import CallLog, CallRecord
from .clock import SimClock
from .errors import (
    REQUEST_VALIDATION_FAILED,
    ApiError,
    InternalError,
    NotImplementedBySimulator,
    UnknownOperation,
    ValidationError,
    business_error,
)
from .faults import FaultInjector
from .operations import HANDLERS, invitations, tasks
from .quotas import QuotaLimiter, default_groups

log = logging.getLogger(__name__)


class Simulator:
    def __init__(
        self,
        clock: Callable[[], float] = time.time,
        # None: the published quota (see quotas.PUBLISHED_QUOTAS).
        write_per_second: int | None = None,
        write_per_day: int | None = None,
        read_per_second: int | None = None,
        read_per_day: int | None = None,
        account_id: str = "123456789012",
        event_target_url: str | None = None,
        event_secret: str | None = None,
    ):
        self.account_id = account_id
        self.clock = SimClock(clock)
        self._initial_quotas = dict(
            write_per_second=write_per_second,
            write_per_day=write_per_day,
            read_per_second=read_per_second,
            read_per_day=read_per_day,
        )
        self.quotas = QuotaLimiter(default_groups(**self._initial_quotas))
        self.faults = FaultInjector()
        self.call_log = CallLog()
        self.emitter = events.EventEmitter(event_target_url, event_secret)
        self.lock = threading.RLock()
        self._reset_state()

    def _reset_state(self) -> None:
        self.ids = store.IdFactory()
        self.catalogs = {name: store.CatalogState(name) for name in store.CATALOGS}
        self.partner_users = {u["Email"]: dict(u) for u in store.SEED_PARTNER_USERS}
        self.published_events: list[dict] = []
        self.task_delay_seconds = 0.0
        for state in self.catalogs.values():
            for seed in store.SEED_SOLUTIONS:
                aws_side.add_solution(
                    self, state, seed["Id"], seed["Name"], seed["Status"], seed["Category"]
                )

    # --- the request pipeline ---------------------------------------------------------

    def handle(self, operation: str, params) -> tuple[int, dict]:
        """Run one API call; returns (HTTP status, JSON body)."""
        record = self.call_log.add(
            CallRecord(
                time=self.clock.now(),
                operation=operation,
                catalog=params.get("Catalog") if isinstance(params, dict) else None,
                parameters=copy.deepcopy(params),
            )
        )
        try:
            if operation not in service_model.operation_names():
                raise UnknownOperation(f"Unknown operation {operation}.")
            latency = self.faults.latency_seconds(operation)
            if latency:
                time.sleep(latency)
            with self.lock:
                body = self._run(operation, params)
        except ApiError as error:
            return self._reject(record, error)
        except Exception as error:  # a simulator bug: answer like AWS would, and say so
            log.exception("simulator failure in %s", operation)
            return self._reject(record, InternalError(f"Simulator failure: {error!r}"))
        return 200, body

    def reject(self, operation: str, params, error: ApiError) -> tuple[int, dict]:
        """Log a request the wire layer refused before it reached the pipeline."""
        record = self.call_log.add(
            CallRecord(time=self.clock.now(), operation=operation, catalog=None, parameters=params)
        )
        return self._reject(record, error)

    def _reject(self, record: CallRecord, error: ApiError) -> tuple[int, dict]:
        body = error.body()
        record.status = error.status
        record.error_type = error.error_type
        record.error_message = error.message
        record.reason = body.get("Reason")
        record.error_list = body.get("ErrorList", [])
        return error.status, body

    def _run(self, operation: str, params) -> dict:
        self.advance_world()
        self.faults.raise_injected(operation)
        self.quotas.admit(operation, self.clock.now())
        model = service_model.operation(operation)
        errors = validation.validate(model.input_shape, params)
        if errors:
            raise ValidationError(errors, REQUEST_VALIDATION_FAILED)
        handler = HANDLERS.get(operation)
        if handler is None:
            raise NotImplementedBySimulator(
                f"The Partner Central simulator does not implement {operation}."
            )
        state = self._catalog_state(params["Catalog"])
        result = handler(self, state, codec.decode(model.input_shape, params))
        if model.output_shape is None:
            return {}
        return self._encode_checked(model.output_shape, result)

    def _catalog_state(self, catalog: str) -> store.CatalogState:
        state = self.catalogs.get(catalog)
        if state is None:
            known = " or ".join(store.CATALOGS)
            raise business_error("Catalog", f"Catalog must be {known}.", "INVALID_VALUE")
        return state

    def _encode_checked(self, shape, result: dict) -> dict:
        body = codec.encode(shape, result)
        problems = validation.validate(shape, body)
        if problems:
            # A simulator bug, not a client error: say so loudly instead of lying.
            detail = "; ".join(f"{p.field_name}: {p.message}" for p in problems)
            log.error("simulator response violates %s: %s", shape.name, detail)
            raise InternalError(f"Simulator response violates the model ({shape.name}): {detail}")
        return body

    def advance_world(self) -> None:
        """Let time-driven things happen: tasks complete, invitations expire."""
        with self.lock:
            for state in self.catalogs.values():
                tasks.complete_due_tasks(self, state)
                invitations.expire_due_invitations(self, state)

    # --- services for handlers --------------------------------------------------------

    def today(self) -> dt.date:
        return dt.datetime.fromtimestamp(self.clock.now(), tz=dt.UTC).date()

    def publish(self, detail_type: str, detail: dict, resource_arn: str) -> None:
        event = events.envelope(
            detail_type, detail, self.account_id, resource_arn, self.clock.now_ms()
        )
        self.published_events.append(event)
        self.emitter.emit(event)

    # --- inspection -------------------------------------------------------------------

    def calls(self, operation: str | None = None) -> list[dict]:
        return self.call_log.records(operation)

    def model_rejections(self) -> list[dict]:
        return self.call_log.model_rejections()

    def rejections(self) -> list[dict]:
        return self.call_log.rejections()

    def events(self, detail_type: str | None = None) -> list[dict]:
        return [e for e in self.published_events if detail_type in (None, e["detail-type"])]

    def flush_events(self, timeout: float = 5.0) -> bool:
        return self.emitter.flush(timeout)

    def quota_usage(self) -> dict:
        return self.quotas.usage(self.clock.now())

    # --- controls ---------------------------------------------------------------------

    def reset(self) -> None:
        """Forget everything: state, call log, faults, quota usage and limits, clock offset."""
        with self.lock:
            self._reset_state()
            self.call_log.clear()
            self.faults.reset()
            self.quotas = QuotaLimiter(default_groups(**self._initial_quotas))
            self.clock.reset()

    def set_quotas(self, **limits: int) -> dict:
        with self.lock:
            self.quotas.set_limits(**limits)
            return self.quota_usage()

    def set_faults(self, **plan) -> dict:
        with self.lock:
            applied = self.faults.configure(**plan)
            return {
                "error_rate": applied.error_rate,
                "throttle_rate": applied.throttle_rate,
                "latency_ms": applied.latency_ms,
                "operations": sorted(applied.operations)
                if applied.operations is not None
                else None,
            }

    def set_task_delay(self, seconds: float) -> None:
        """How long engagement tasks stay IN_PROGRESS (simulator clock seconds)."""
        with self.lock:
            self.task_delay_seconds = float(seconds)

    def advance_clock(self, seconds: float) -> float:
        with self.lock:
            self.clock.advance(float(seconds))
            self.advance_world()
            return self.clock.now()

    def set_review_status(self, opportunity_id: str, **changes) -> dict:
        with self.lock:
            self.advance_world()
            return aws_side.set_review_status(self, opportunity_id, **changes)

    def set_aws_summary(self, opportunity_id: str, **summary) -> dict:
        with self.lock:
            self.advance_world()
            return aws_side.set_aws_summary(self, opportunity_id, **summary)

    def create_invitation(self, catalog: str = "Sandbox", **options) -> dict:
        with self.lock:
            self.advance_world()
            return aws_side.create_referral_invitation(self, catalog, **options)

    def expire_invitation(self, invitation_id: str) -> dict:
        with self.lock:
            self.advance_world()
            return aws_side.expire_invitation(self, invitation_id)

    def add_engagement_member(self, engagement_id: str, **member) -> dict:
        with self.lock:
            self.advance_world()
            return aws_side.add_engagement_member(self, engagement_id, **member)

    def register_partner_user(
        self,
        email: str,
        first_name: str,
        last_name: str,
        business_title: str = "PartnerAccountManager",
    ) -> dict:
        with self.lock:
            return aws_side.register_partner_user(
                self, email, first_name, last_name, business_title
            )

    def add_solution(
        self, solution_id: str, name: str, catalog: str = "Sandbox", **options
    ) -> dict:
        with self.lock:
            state = aws_side.catalog_state(self, catalog)
            return aws_side.add_solution(self, state, solution_id, name, **options)
