"""What follows a check-in being sent, skipped or answered, a match starting or ending, and a
prompt that could not be delivered.

The daily counts a service evaluates itself by (DESIGN rule 9) are counts, never content, and
keep scheduled check-ins apart from those a person asked for now, so a response rate is
never mixed: `checkin_sent`, `checkin_answered` and `checkin_low` are scheduled ones;
`checkin_now`, `checkin_now_answered` and `checkin_now_low` are asked for. A prompt counts as
sent when it is kept for delivery; one Telegram refused for good counts as
`checkin_undelivered` (and its check-in is forgotten).
"""

from __future__ import annotations

from bot.domain.checkins import SCHEDULED
from bot.outbox import DeliveryFailed
from bot.routing import AppCtx
from bot.services import checkins as service
from bot.services.checkins import CheckinAnswered, CheckinsSent, CheckinsSkipped
from bot.services.matches import MatchEnded, MatchHandedOver, MatchMade
from flows.checkins import sends, views

__all__ = [
    "ask_to_share",
    "count_answer",
    "count_sent",
    "count_skipped",
    "forget_undelivered",
    "stop_sharing",
]


async def count_sent(event: CheckinsSent, app: AppCtx) -> None:
    """Count check-ins sent: scheduled ones, or one asked for now."""
    name = "checkin_sent" if event.kind == SCHEDULED else "checkin_now"
    await app.deps.storage.bump_counter(name, app.deps.local_day(), "", event.count)


async def count_skipped(event: CheckinsSkipped, app: AppCtx) -> None:
    """Count check-ins skipped after downtime."""
    await app.deps.storage.bump_counter("checkin_skipped", app.deps.local_day(), "", event.count)


async def count_answer(event: CheckinAnswered, app: AppCtx) -> None:
    """Count an answered check-in, and a low rating among them (scheduled or asked for now
    apart)."""
    day, prefix = app.deps.local_day(), "checkin" if event.kind == SCHEDULED else "checkin_now"
    await app.deps.storage.bump_counter(f"{prefix}_answered", day)
    if event.low:
        await app.deps.storage.bump_counter(f"{prefix}_low", day)


async def forget_undelivered(event: DeliveryFailed, app: AppCtx) -> None:
    """A check-in's prompt could not reach its person for good: forget the check-in."""
    checkin_id = sends.checkin_of_key(event.key, sends.PROMPT)
    if checkin_id is None:
        return
    await service.undelivered(app.deps.storage, checkin_id)
    await app.deps.storage.bump_counter("checkin_undelivered", app.deps.local_day())


async def stop_sharing(event: MatchEnded, app: AppCtx) -> None:
    """A match ended (or was handed over): weekly ratings stop going to that peer worker,
    until the person chooses again."""
    await service.match_ended(app.deps.storage, event.match, app.deps.clock.now())


async def ask_to_share(event: MatchMade | MatchHandedOver, app: AppCtx) -> None:
    """A new match: someone who shared their ratings with their last peer worker is asked
    whether to share them with this one (nothing is shared until they say yes)."""
    match = event.new if isinstance(event, MatchHandedOver) else event.match
    storage = app.deps.storage
    peer = await service.share_question(storage, match.person_id)
    if peer is None or peer.match_id != match.id:
        return
    copy = app.copy_for(await storage.get_user(match.person_id))
    await app.tell(match.person_id, *views.share_question(copy, peer))
