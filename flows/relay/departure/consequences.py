"""What follows a peer worker going on leave or leaving (bot/services/departures.py): the
people concerned and the coordinators are told, each in one message kept in the outbox
(bot/outbox.py); a leaving peer worker's access ends once nobody is left with them."""

from __future__ import annotations

from collections.abc import Sequence

from bot import outbox
from bot.domain.matching import Match
from bot.menus import set_role_commands
from bot.routing import AppCtx
from bot.services import departures
from bot.services.departures import AccessEnded, BackFromLeave, DepartureStarted, LeaveChosen
from bot.services.matches import MatchEnded
from flows.relay.departure import views
from flows.relay.names import peer_name, person_name, person_names

__all__ = [
    "after_ending",
    "ask_coordinators",
    "on_access_ended",
    "on_back",
    "on_chosen",
    "on_started",
]


async def _send(app: AppCtx, key: str, send: outbox.Send) -> None:
    if await outbox.queue(app.deps, key, "notice", send):
        await outbox.send_now(app.deps, app.bot, [key], app.events)


def _stamp(app: AppCtx) -> int:
    return int(app.deps.clock.now().timestamp())


async def on_started(event: DepartureStarted, app: AppCtx) -> None:
    """Leaving: every coordinator is asked to hand each person over. A coordinator started
    it: the peer worker hears (and, for leave, is asked what happens for each person)."""
    storage = app.deps.storage
    if event.kind == "leaving":
        await ask_coordinators(app, event.peer_id, event.matches, leaving=True)
    if event.by is None:
        return
    copy = app.copy_for(await storage.get_user(event.peer_id))
    key = f"depart:{event.peer_id}:{event.kind}:{_stamp(app)}"
    if event.kind == "leaving":
        send = outbox.Send(
            event.peer_id,
            copy.text(
                "relay.leaving_by_coordinator",
                people=copy.count("common.people", len(event.matches)),
            ),
        )
    else:
        names = await person_names(storage, copy, event.peer_id)
        text, markup = views.leave(copy, names, {})
        send = outbox.Send(
            event.peer_id, copy.text("relay.leave_by_coordinator") + "\n\n" + text, markup
        )
    await _send(app, key, send)


async def ask_coordinators(
    app: AppCtx, peer_id: int, people: Sequence[Match], *, leaving: bool
) -> None:
    """Every coordinator is asked to hand each of PEOPLE over (the peer worker's and the
    person's chosen names only)."""
    storage = app.deps.storage
    for coordinator in await storage.users_with_roles(("coordinator",)):
        copy = app.copy_for(coordinator)
        peer = await peer_name(storage, copy, peer_id)
        for match in people:
            text, markup = views.ask_coordinator(
                copy,
                peer=peer,
                person=await person_name(storage, copy, match),
                match_id=match.id,
                leaving=leaving,
            )
            await _send(
                app,
                f"depart:{match.id}:ask:{coordinator.user_id}",
                outbox.Send(coordinator.user_id, text, markup),
            )


async def on_chosen(event: LeaveChosen, app: AppCtx) -> None:
    """A pause: the person hears their peer worker is on leave and their match waits. A
    handover: every coordinator is asked to move them."""
    match = event.match
    if event.choice == "handover":
        await ask_coordinators(app, match.peer_id, [match], leaving=False)
        return
    storage = app.deps.storage
    copy = app.copy_for(await storage.get_user(match.person_id))
    await _send(
        app,
        f"leave:{match.id}:pause:{_stamp(app)}",
        outbox.Send(
            match.person_id,
            copy.text(
                "relay.leave_paused_person", peer=await peer_name(storage, copy, match.peer_id)
            ),
        ),
    )


async def on_back(event: BackFromLeave, app: AppCtx) -> None:
    """Everyone who waited hears their peer worker is back."""
    storage = app.deps.storage
    for match in event.paused:
        copy = app.copy_for(await storage.get_user(match.person_id))
        await _send(
            app,
            f"leave:{match.id}:back:{_stamp(app)}",
            outbox.Send(
                match.person_id,
                copy.text(
                    "relay.leave_back_person", peer=await peer_name(storage, copy, match.peer_id)
                ),
            ),
        )


async def after_ending(event: MatchEnded, app: AppCtx) -> None:
    """A leaving peer worker's person has moved on (handed over, or the match ended): if
    nobody is left with them, their access ends."""
    await departures.finish_if_done(
        app.deps.storage, app.events, event.match.peer_id, app.deps.clock.now()
    )


async def on_access_ended(event: AccessEnded, app: AppCtx) -> None:
    """The peer worker hears their access has ended, and their command menu becomes that of
    someone not set up."""
    copy = app.copy_for(await app.deps.storage.get_user(event.peer_id))
    await _send(
        app,
        f"depart:{event.peer_id}:done:{_stamp(app)}",
        outbox.Send(event.peer_id, copy.text("relay.access_ended")),
    )
    await set_role_commands(app.bot, app.deps, app.flows, event.peer_id, None)
