"""What follows the match lifecycle's events, as far as matching goes: the request reaches the
peer worker, the person hears the answer, people are counted and offered a new choice, and a
freed place goes to the waitlist. Each runs in the order bot/app.py's event_table lists.

The request, its reminder, the answer and an expiry go through the outbox (flows/matching/
notices.py): kept with the change, sent at once here, retried until Telegram has them. A
request that can never reach its peer worker is withdrawn, and the person hears so."""

from __future__ import annotations

from datetime import datetime

from bot import outbox
from bot.domain.matching import Match
from bot.routing import AppCtx
from bot.services import matches
from bot.services.events import Event
from bot.services.matches import (
    CapacityFreed,
    MatchEnded,
    MatchHandedOver,
    MatchMade,
    RequestDeclined,
    RequestExpired,
    RequestMade,
    RequestReminder,
    RequestUndelivered,
    StruggleNoticed,
)
from flows.matching import notices, views
from flows.matching.offers import next_available, offer_waitlist, peer_label, send_shortlist

__all__ = [
    "count",
    "offer_again",
    "offer_new_choice",
    "offer_places",
    "remind_peer",
    "send_request",
    "tell_accepted",
    "tell_declined",
    "tell_expired",
    "tell_peer_struggling",
    "tell_struggle_failed",
    "tell_unreachable",
    "withdraw_undelivered",
]

_COUNTERS: dict[type[Event], str] = {
    RequestMade: "match_requested",
    MatchMade: "match_accepted",
    RequestDeclined: "match_declined",
    RequestExpired: "match_expired",
    MatchEnded: "match_ended",
    MatchHandedOver: "handover",
    StruggleNoticed: "struggle_notice",
}


async def count(event: Event, app: AppCtx) -> None:
    """Count the event by day and the person's region (counts only, never who: DESIGN 9).
    An open request that closes unanswered is not a match ending."""
    if isinstance(event, MatchEnded) and not event.was_active:
        return
    match: Match = event.old if isinstance(event, MatchHandedOver) else event.match  # type: ignore[attr-defined]
    person = await app.deps.storage.get_user(match.person_id)
    region = person.region if person is not None and person.region else ""
    await app.deps.storage.bump_counter(_COUNTERS[type(event)], app.deps.local_day(), region)


async def _keep_and_send(event: Event, app: AppCtx) -> None:
    """Keep EVENT's notices (a no-op when its change kept them already) and try them now."""
    await notices.send(app, await notices.keep(event, app))


async def send_request(event: RequestMade, app: AppCtx) -> None:
    """The peer worker sees the person's chosen name and preferences, nothing else."""
    await _keep_and_send(event, app)


async def remind_peer(event: RequestReminder, app: AppCtx) -> None:
    """The peer worker is reminded, once, a day before the request closes."""
    await _keep_and_send(event, app)


async def tell_accepted(event: MatchMade, app: AppCtx) -> None:
    """The person hears who accepted, their hours and when they're next available."""
    await _keep_and_send(event, app)


async def tell_declined(event: RequestDeclined, app: AppCtx) -> None:
    """The person hears, without blame, that the peer worker can't take them on (and that
    they kept their place on the waitlist, if they had one)."""
    await _keep_and_send(event, app)


async def tell_expired(event: RequestExpired, app: AppCtx) -> None:
    """Both hear the request closed unanswered (the person, that they kept their place on
    the waitlist, if they had one)."""
    await _keep_and_send(event, app)


async def withdraw_undelivered(event: outbox.DeliveryFailed, app: AppCtx) -> None:
    """A request notice that can never reach its peer worker: the request is withdrawn,
    freeing both (other failed sends are not this one's)."""
    match_id = notices.request_of(event.key)
    if match_id is not None:
        await matches.undelivered(app.deps.storage, app.events, match_id, app.deps.clock.now())


async def tell_unreachable(event: RequestUndelivered, app: AppCtx) -> None:
    """The person hears the truth, that the peer worker can't be reached through the bot
    now, and is offered someone else."""
    person = await app.deps.storage.get_user(event.match.person_id)
    profile = await app.deps.storage.get_profile(event.match.peer_id)
    await send_shortlist(
        app,
        event.match.person_id,
        intro="matching.unreachable",
        intro_params={"name": peer_label(app, profile, person)},
        leave_out=event.match.peer_id,
    )


async def offer_again(event: RequestDeclined | RequestExpired, app: AppCtx) -> None:
    """A fresh shortlist for the person whose request closed."""
    await send_shortlist(app, event.match.person_id, intro="matching.shortlist_again")


async def offer_new_choice(event: MatchEnded, app: AppCtx) -> None:
    """The person may choose again: a shortlist at once, or, when their peer worker left the
    service, a button for when they're ready. Nothing for a person who is leaving, or who has
    just been handed over to a new peer worker."""
    if event.why == "handover" or (event.why == "erasure" and event.by == "person"):
        return
    if event.why == "erasure":
        person = await app.deps.storage.get_user(event.match.person_id)
        await app.tell(event.match.person_id, *views.peer_left(app.copy_for(person)))
        return
    await send_shortlist(app, event.match.person_id)


async def offer_places(event: CapacityFreed, app: AppCtx) -> None:
    """A place may have freed: offer people waiting a shortlist, in the order they joined."""
    await offer_waitlist(app, include_offered=True)


def _struggle_key(match: Match, at: datetime) -> str:
    return f"struggle:{match.id}:{int(at.timestamp())}"


async def tell_peer_struggling(event: StruggleNoticed, app: AppCtx) -> None:
    """The peer worker hears that the person asked for support, and nothing they wrote (kept
    in the outbox until Telegram has it); then the person hears the truth: told now, or on
    its way. If it can never arrive, `tell_struggle_failed` says so instead."""
    storage, match, now = app.deps.storage, event.match, app.deps.clock.now()
    person, peer = await storage.get_user(match.person_id), await storage.get_user(match.peer_id)
    copy = app.copy_for(peer)
    key = _struggle_key(match, now)
    await outbox.queue(
        app.deps,
        key,
        "notice",
        outbox.Send(
            match.peer_id,
            copy.text(
                # a carer may be writing about the person they support, not about themselves
                "matching.struggle_peer_carer"
                if person is not None and person.role == "carer"
                else "matching.struggle_peer",
                alias=views.name_of(copy, person.alias if person else None),
            ),
        ),
    )
    await outbox.send_now(app.deps, app.bot, [key], app.events)
    status = await storage.outbox_status(key)
    if status == "dropped":
        return
    profile = await storage.get_profile(match.peer_id)
    copy = app.copy_for(person)
    when = views.when_text(copy, next_available(app.deps, profile, now), now, app.deps.zone(person))
    await app.tell(
        match.person_id,
        copy.text(
            "matching.struggle_sent" if status == "sent" else "matching.struggle_trying",
            name=peer_label(app, profile, person),
            when=when,
        ),
    )


async def tell_struggle_failed(event: outbox.DeliveryFailed, app: AppCtx) -> None:
    """A "struggling" notice never reached the peer worker: the person hears so, and where
    help is now (other failed sends are not this one's)."""
    kind, _, rest = event.key.partition(":")
    if kind != "struggle":
        return
    match = await app.deps.storage.get_match(int(rest.split(":")[0]))
    if match is None:
        return
    person = await app.deps.storage.get_user(match.person_id)
    profile = await app.deps.storage.get_profile(match.peer_id)
    await app.tell(
        match.person_id,
        app.copy_for(person).text(
            "matching.struggle_unreachable", name=peer_label(app, profile, person)
        ),
    )
