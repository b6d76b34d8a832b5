"""Storage: one class over the database, assembled from one part per area.

Each area (people, matching, relay, groups, check-ins) keeps its SQL in its own module and
its tables in its own numbered migration; `Storage` joins them so flows see one object.
`Storage(path)` opens SQLite; `Storage("postgresql://...")` gives the same object over
PostgreSQL (bot/storage/postgres.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

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
from bot.storage.postgres import PostgresBase, is_postgres_url
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

    def __new__(cls, target: Path | str, *args: Any, **kwargs: Any) -> Storage:
        if cls is Storage and is_postgres_url(target):
            return super().__new__(PostgresStorage)
        return super().__new__(cls)


class PostgresStorage(PostgresBase, Storage):
    """The same storage object over PostgreSQL: PostgresBase's connection, transaction and
    read methods come first, every store's SQL after."""
