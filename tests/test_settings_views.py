"""The settings flow's views (/settings), as a person reads them."""

from __future__ import annotations

from dataclasses import replace

from bot.content import Content
from bot.settings import Settings
from bot.storage import User
from flows.settings.views import (
    menu,
    name_question,
    region_question,
    relationship_question,
    timezone_question,
)
from tests.snapshot import check_snapshot

COPY = Content()
CARER = User(
    user_id=1,
    consent="given",
    role="carer",
    relationship="parent",
    region=None,
    timezone=None,
    alias=None,
    active=True,
    created_at=0,
)
WIDE = Settings(
    regions_offered=("AU", "NZ"), timezones_offered=("Australia/Sydney", "Pacific/Auckland")
)


def test_menus() -> None:
    check_snapshot("settings/menu_carer_one_region", *menu(COPY, CARER, Settings()))
    consumer = replace(
        CARER,
        role="consumer",
        relationship=None,
        alias="Ally",
        region="NZ",
        timezone="Pacific/Auckland",
    )
    check_snapshot("settings/menu_saved_several_regions", *menu(COPY, consumer, WIDE, saved=True))


def test_questions() -> None:
    check_snapshot("settings/name_question", *name_question(COPY))
    check_snapshot("settings/relationship_question", *relationship_question(COPY))
    check_snapshot("settings/region_question", *region_question(COPY, WIDE.offered_regions()))
    check_snapshot("settings/timezone_question", *timezone_question(COPY, WIDE.offered_timezones()))
