"""Storage: one class over one aiosqlite connection, assembled from one part per area.

Each area (people, matching, relay, groups, check-ins) keeps its SQL in its own module and
its tables in its own numbered migration; `Storage` joins them so flows see one object.
"""

from __future__ import annotations

from bot.storage.base import (
    PERSONAL_TABLES,
    PersonalTable,
    StorageBase,
    StorageError,
    personal_table,
)
from bot.storage.broadcast import BroadcastStore
from bot.storage.careteam import CareTeamLink, CareTeamMember, CareTeamStore, NoteRead
from bot.storage.checkins import CheckinsStore
from bot.storage.coordination import CoordinationStore
from bot.storage.core import CoreStore, RedeemResult, User, epoch, from_epoch
from bot.storage.encrypted import ENCRYPTED_COLUMNS, KeyStore, encrypted_column
from bot.storage.groups import GroupsStore
from bot.storage.inbox import InboxStore
from bot.storage.matching import MatchingStore
from bot.storage.outbox import OutboxRow, OutboxStore
from bot.storage.referrals import ReferralSource, ReferralStore
from bot.storage.relay import RelayStore
from bot.storage.reports import ReportStore, ServiceReport
from bot.storage.safetyplans import SafetyPlanStore
from bot.storage.sessions import SessionRow, SessionStore
from bot.storage.standing import StandingStore
from bot.storage.supervision import SupervisionStore

__all__ = [
    "ENCRYPTED_COLUMNS",
    "PERSONAL_TABLES",
    "CareTeamLink",
    "CareTeamMember",
    "NoteRead",
    "OutboxRow",
    "PersonalTable",
    "RedeemResult",
    "ReferralSource",
    "ServiceReport",
    "SessionRow",
    "Storage",
    "StorageBase",
    "StorageError",
    "User",
    "encrypted_column",
    "epoch",
    "from_epoch",
    "personal_table",
]


# One line per area, so flows can be added without touching each other's lines.
class Storage(
    CoreStore,
    CheckinsStore,
    RelayStore,
    MatchingStore,
    GroupsStore,
    BroadcastStore,
    SupervisionStore,
    ReportStore,
    InboxStore,
    SessionStore,
    KeyStore,
    SafetyPlanStore,
    OutboxStore,
    ReferralStore,
    StandingStore,
    CoordinationStore,
    CareTeamStore,
):
    """The bot's one storage object."""
