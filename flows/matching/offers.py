"""Showing someone a shortlist, wherever it starts: their own tap, a job, or a consequence of
a match ending or a place freeing (offered to the waitlist in the order people joined)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from bot.deps import Deps
from bot.domain.hours import next_open
from bot.domain.matching import MatchPolicy, PeerProfile
from bot.routing import AppCtx
from bot.services import matches, shortlists
from bot.storage import User
from flows.matching import views

__all__ = [
    "next_available",
    "offer_waitlist",
    "peer_label",
    "policy",
    "send_shortlist",
    "shortlist_view",
    "timeout",
]


def policy(deps: Deps) -> MatchPolicy:
    """The service's cross-support policy."""
    return matches.policy(deps.settings)


def timeout(deps: Deps) -> timedelta:
    """How long a peer worker has to answer a request."""
    return timedelta(hours=deps.settings.match_request_timeout_hours)


def next_available(deps: Deps, profile: PeerProfile | None, now: datetime) -> datetime | None:
    """When PROFILE's nominated hours next open (NOW if open; None if none are set)."""
    if profile is None:
        return None
    return next_open(profile.hours, deps.zone(profile), now)


def peer_label(app: AppCtx, profile: PeerProfile | None, person: User | None) -> str:
    """The peer worker's display name, in PERSON's copy."""
    if profile is not None:
        return profile.display_name
    return app.copy_for(person).button("matching.peer_fallback")


async def shortlist_view(
    app: AppCtx,
    person: User,
    *,
    offset: int = 0,
    intro: str = "matching.shortlist_intro",
    intro_params: Mapping[str, str] | None = None,
    show_again: bool = False,
    leave_out: int | None = None,
) -> views.View:
    """PERSON's shortlist from OFFSET (back to the start if that page is empty now); with
    SHOW_AGAIN, the peer worker whose match with them just ended is added, last; LEAVE_OUT
    is not shown."""
    deps, now = app.deps, app.deps.clock.now()
    assert person.role is not None
    page = await shortlists.candidates(
        deps.storage,
        now,
        policy(deps),
        person.user_id,
        person.role,
        offset=offset,
        show_again=show_again,
        leave_out=leave_out,
    )
    if not page.found and offset:
        offset = 0
        page = await shortlists.candidates(
            deps.storage,
            now,
            policy(deps),
            person.user_id,
            person.role,
            show_again=show_again,
            leave_out=leave_out,
        )
    waiting = await deps.storage.waitlist_position(person.user_id) is not None
    again = page.again.profile.display_name if page.again is not None and not page.shown else None
    return views.shortlist(
        app.copy_for(person),
        page.found,
        more=page.more,
        offset=offset,
        intro=intro,
        waiting=waiting,
        now=now,
        zone=deps.zone(person),
        timeout_hours=deps.settings.match_request_timeout_hours,
        seal=deps.cipher.seal_id,
        intro_params=intro_params,
        show_again=again,
        asked=page.asked,
    )


async def send_shortlist(
    app: AppCtx,
    person_id: int,
    *,
    intro: str = "matching.shortlist_intro",
    intro_params: Mapping[str, str] | None = None,
    leave_out: int | None = None,
) -> None:
    """Send PERSON_ID a fresh shortlist (without LEAVE_OUT), unless they have an open request
    or a match now (or are no longer someone who looks for a peer worker)."""
    person = await shortlists.looking(app.deps.storage, person_id)
    if not isinstance(person, User):
        return
    await app.tell(
        person_id,
        *await shortlist_view(
            app, person, intro=intro, intro_params=intro_params, leave_out=leave_out
        ),
    )


async def offer_waitlist(app: AppCtx, *, include_offered: bool) -> int:
    """Offer waiting people a shortlist, in the order they joined, while places are free (a
    place held for each, which nobody else can take meanwhile); returns how many were
    offered."""
    deps = app.deps
    offers = await shortlists.waitlist_offers(
        deps.storage, deps.clock.now(), policy(deps), timeout(deps), include_offered=include_offered
    )
    for offer in offers:
        await send_shortlist(app, offer.person_id, intro="matching.waitlist_offer")
    return len(offers)
