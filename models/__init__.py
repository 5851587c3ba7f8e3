"""SQL models, session handling, marshmallow schemas and Alembic migrations.

Importing this package registers every table on `Base.metadata`, which is
what Alembic compares against.
"""

from models.audit import AuditEntry, record_audit
from models.audit_chain import AuditChain
from models.base import Base
from models.conflicts import Conflict
from models.customer_records import CustomerRecord
from models.db import Database
from models.engagements import EngagementNote, EngagementState
from models.failures import FailedTask
from models.inbox import InboxEvent, PendingObject
from models.invitations import Invitation
from models.links import OpportunityLink
from models.notifications import SentNotification
from models.resources import (
    LibraryResource,
    RelatedEntityBase,
    ResourceAttachment,
    ResourceSnapshot,
)
from models.sync_state import SyncState, get_state, set_state

__all__ = [
    "AuditChain",
    "AuditEntry",
    "Base",
    "Conflict",
    "CustomerRecord",
    "Database",
    "EngagementNote",
    "EngagementState",
    "FailedTask",
    "InboxEvent",
    "Invitation",
    "LibraryResource",
    "OpportunityLink",
    "PendingObject",
    "RelatedEntityBase",
    "ResourceAttachment",
    "ResourceSnapshot",
    "SentNotification",
    "SyncState",
    "get_state",
    "record_audit",
    "set_state",
]
