"""The botocore service model: the single source of shapes, enums and patterns.

Everything the simulator knows about request and response shapes comes from
here, so an SDK upgrade changes the simulator's idea of the API in one step.
"""

from __future__ import annotations

from functools import cache

import botocore.session
from botocore.model import OperationModel, ServiceModel, Shape

SERVICE_NAME = "partnercentral-selling"


@cache
def service_model() -> ServiceModel:
    return botocore.session.get_session().get_service_model(SERVICE_NAME)


def target_prefix() -> str:
    return service_model().metadata["targetPrefix"]


def operation_names() -> frozenset[str]:
    return frozenset(service_model().operation_names)


def operation(name: str) -> OperationModel:
    return service_model().operation_model(name)


def shape(name: str) -> Shape:
    return service_model().shape_for(name)


def enum_values(shape_name: str) -> tuple[str, ...]:
    return tuple(shape(shape_name).enum)


def member_shape(structure_name: str, *path: str) -> Shape:
    """The shape reached by following member names from a structure."""
    current = shape(structure_name)
    for name in path:
        current = current.members[name]
    return current


def member_names(structure_name: str) -> tuple[str, ...]:
    return tuple(shape(structure_name).members)
