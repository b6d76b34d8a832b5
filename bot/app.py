"""Builds the Application and registers every handler, in one place, in an order you can read.

Order matters:
0. group -3: updates from groups and channels stop here (one line, or the public card).
1. group -2: the safety net checks every text and caption; it never stops the update.
2. group -1: /crisis and "Need help now" show the card and stop the update, so whatever
   step a person is in stays as it was.
3. then each flow in FLOW_MODULES order, one group per handler. A handler that handles an
   update stops it there (so a message gets one answer); only handlers marked
   `passthrough` let it go on.
4. last: a polite answer for stale buttons, and for a message no flow wanted an answer that
   fits where its writer stands (flows/home/fallback.py). After a handler's error the person
   hears "something went wrong" once, and nothing else answers that update.
"""

from __future__ import annotations

import functools
import logging
from collections import deque
from types import ModuleType
from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import Forbidden, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    BaseHandler,
    BaseRateLimiter,
    CallbackQueryHandler,
    ContextTypes,
    ConversationHandler,
    Defaults,
    JobQueue,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from bot import outbox
from bot.chats import build_private_only
from bot.concurrency import PerPersonUpdateProcessor
from bot.deps import Deps
from bot.flowkit import Context, Flow, is_passthrough, passthrough
from bot.inbox import DurableUpdateQueue
from bot.lanes import LaneRateLimiter
from bot.menus import commands_for, set_role_commands
from bot.messaging import STATUS_UPDATE, answer_press
from bot.retention import RETENTION_JOB
from bot.routing import AppCtx, Job, Router
from bot.runtime import BotApplication
from bot.safety import build_safety_net, was_flagged
from bot.services.events import Event, EventBus, Subscriber

# commands_for and set_role_commands live in bot/menus.py; named here for older callers.
__all__ = ["FLOW_MODULES", "build_application", "commands_for", "set_role_commands"]

_LOG = logging.getLogger(__name__)


def _flow_modules() -> list[ModuleType]:
    # Flows are registered here, in priority order. Add a new flow with one line.
    from flows import (
        broadcast,
        careteam,
        checkins,
        coordinator,
        groups,
        home,
        matching,
        onboarding,
        privacy,
        profile,
        referral,
        relay,
        resources,
        safetyplan,
        settings,
        supervision,
    )

    return [
        onboarding,
        home,
        settings,
        privacy,
        safetyplan,
        coordinator,
        referral,
        careteam,
        checkins,
        groups,
        broadcast,
        resources,
        profile,
        matching,
        supervision,
        # relay stays last: its handler takes plain messages no conversation above wanted.
        relay,
    ]


FLOW_MODULES = _flow_modules


def _stopping(callback: Any) -> Any:
    """Wrap a handler callback so that, once it has handled an update, nothing else does."""

    @functools.wraps(callback)
    async def wrapper(update: Any, context: Any) -> Any:
        result = await callback(update, context)
        raise ApplicationHandlerStop(result)

    wrapper._stops = True  # type: ignore[attr-defined]
    return wrapper


def _make_stopping(handler: BaseHandler[Any, Any, Any]) -> None:
    if isinstance(handler, ConversationHandler):
        inner = [*handler.entry_points, *handler.fallbacks]
        for step in handler.states.values():
            inner.extend(step)
        for h in inner:
            _make_stopping(h)
        return
    if is_passthrough(handler) or getattr(handler.callback, "_stops", False):
        return
    handler.callback = _stopping(handler.callback)


async def _outbox_tick(app: AppCtx) -> None:
    await outbox.run(app.deps, app.bot, app.events)


OUTBOX_JOB = Job("tick:outbox", _outbox_tick, interval_s=1.0, first_s=1.0)


def _chosen_by_person(subscriber: Subscriber) -> Subscriber:
    """SUBSCRIBER, for an ending the person chose only: every other ending's one message to
    them already offers the next step (flows/relay/ending)."""

    async def run(event: Any, app: Any) -> None:
        if event.why == "person":
            await subscriber(event, app)

    run.__qualname__ = getattr(subscriber, "__qualname__", "?")
    return run


def event_table() -> dict[type[Event], list[Subscriber]]:
    """Every consequence of each domain event, in the order they run (bot/services/)."""
    from bot import menus
    from bot.services import broadcasts as bc
    from bot.services import checkins as chk
    from bot.services import coordination as coord
    from bot.services import departures as dep
    from bot.services import groups as grp
    from bot.services import matches as m
    from bot.services import people, profiles
    from bot.services import supervision as sup
    from bot.services.erasure import PersonErased
    from flows.broadcast import consequences as broadcast
    from flows.careteam import consequences as careteam
    from flows.checkins import consequences as checkins
    from flows.coordinator import consequences as coordinator
    from flows.groups import consequences as groups
    from flows.matching import consequences as matching
    from flows.relay import consequences as relay
    from flows.relay.departure import consequences as departure
    from flows.relay.ending import consequences as ending
    from flows.relay.handover import consequences as handover
    from flows.settings import consequences as settings
    from flows.supervision import consequences as supervision

    return {
        people.Onboarded: [menus.on_onboarded, supervision.tell_new_coordinator],
        people.RoleChanged: [menus.on_role_changed],
        people.TimeZoneChanged: [settings.move_checkins],
        people.NameChanged: [relay.tell_new_name],
        profiles.HoursChanged: [relay.tell_new_hours],
        chk.CheckinsSent: [checkins.count_sent],
        chk.CheckinsSkipped: [checkins.count_skipped],
        chk.CheckinAnswered: [checkins.count_answer],
        m.RequestMade: [matching.send_request, matching.count],
        m.RequestReminder: [matching.remind_peer],
        m.RequestUndelivered: [matching.tell_unreachable],
        m.MatchMade: [matching.tell_accepted, matching.count, checkins.ask_to_share],
        m.RequestDeclined: [matching.tell_declined, matching.count, matching.offer_again],
        m.RequestExpired: [matching.tell_expired, matching.count, matching.offer_again],
        m.MatchEnded: [
            ending.tell_other_side,
            ending.tell_coordinators,
            matching.count,
            _chosen_by_person(matching.offer_new_choice),
            departure.after_ending,
            checkins.stop_sharing,
        ],
        m.MatchHandedOver: [handover.tell_all_three, matching.count, checkins.ask_to_share],
        dep.DepartureStarted: [departure.on_started],
        dep.LeaveChosen: [departure.on_chosen],
        dep.BackFromLeave: [departure.on_back],
        dep.AccessEnded: [departure.on_access_ended],
        outbox.DeliveryFailed: [
            relay.tell_sender,
            matching.tell_struggle_failed,
            checkins.forget_undelivered,
            matching.withdraw_undelivered,
            supervision.tell_taken_failed,
        ],
        m.StruggleNoticed: [matching.tell_peer_struggling, matching.count],
        profiles.CapacityFreed: [matching.offer_places],
        sup.SupervisionRequested: [supervision.tell_coordinators],
        sup.SupervisionAdded: [supervision.tell_coordinators],
        sup.CoordinatorsTold: [supervision.confirm_to_peer],
        sup.SupervisionTaken: [supervision.tell_peer_taken],
        grp.MemberJoined: [groups.count_join],
        grp.PlaceOffered: [groups.tell_now],
        grp.MeetingCancelled: [groups.tell_now],
        grp.GroupRetired: [groups.tell_now],
        PersonErased: [groups.fill_freed_places],
        bc.BroadcastConfirmed: [broadcast.show_progress],
        bc.BroadcastStopped: [broadcast.finish_stopped],
        coord.StaffDeactivated: [coordinator.on_deactivated, careteam.on_clinician_left],
        coord.CoordinatorUnlisted: [coordinator.on_unlisted],
    }


def build_flows(deps: Deps) -> list[Flow]:
    """Every flow, built with DEPS, in registration order."""
    return [module.build(deps) for module in FLOW_MODULES()]


async def _on_error(update: object, context: Context) -> None:
    """Log with the traceback (never the person's text) and tell them something went wrong."""
    if isinstance(context.error, Forbidden):
        _LOG.info("A person has blocked the bot")
        return
    _LOG.error("Unhandled error while processing an update", exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        deps: Deps = context.application.bot_data["deps"]
        try:
            await context.bot.send_message(
                update.effective_chat.id, deps.content.text("common.error")
            )
        except TelegramError:
            _LOG.warning("Could not tell a person about an error")


class FinishingJobQueue(JobQueue[Any]):
    """PTB's JobQueue, but a stop lets the jobs running finish without starting new ones.

    PTB waits for the running jobs and then shuts the scheduler down; a job that came due
    meanwhile (the outbox's, every second) was started and then cancelled half-way, and
    could reach the database after it closed. Pausing first means none starts.
    """

    async def stop(self, wait: bool = True) -> None:
        """Pause (no new runs), let the running ones end, then stop."""
        if self.scheduler.running:
            self.scheduler.pause()
        await super().stop(wait)


def build_application(
    deps: Deps,
    *,
    token: str,
    request: BaseRequest | None = None,
    rate_limiter: BaseRateLimiter[Any] | None = None,
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The real Application with every handler, job and hook registered."""
    builder = (
        ApplicationBuilder()
        .application_class(BotApplication)
        .token(token)
        .base_url(deps.settings.bot_api_base_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        # Two lanes to Telegram: replies never queue behind bulk sends (bot/lanes.py).
        .rate_limiter(
            rate_limiter or LaneRateLimiter(bulk_per_second=deps.settings.bulk_messages_per_second)
        )
        # Updates run concurrently, one person at a time (bot/concurrency.py).
        .concurrent_updates(
            PerPersonUpdateProcessor(
                deps.settings.max_concurrent_updates,
                across=deps.storage.person_turn if deps.storage.dialect != "sqlite" else None,
            )
        )
        .context_types(ContextTypes())
        .update_queue(DurableUpdateQueue(deps))
        .job_queue(FinishingJobQueue())
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    else:
        # Two connections for getUpdates: a long poll in flight at SIGTERM no longer times
        # out the last confirming call (PoolTimeout, python-telegram-bot issue #3893).
        builder = builder.get_updates_connection_pool_size(2)
    app = builder.build()
    flows = build_flows(deps)
    app.bot_data["deps"] = deps
    app.bot_data["flows"] = flows

    # Private chats only: every update from a group or channel stops here (DESIGN).
    app.add_handler(build_private_only(deps), group=-3)

    extra_card_buttons = [f.card_buttons for f in flows if f.card_buttons is not None]
    net, cards = build_safety_net(deps, extra_card_buttons)
    for handler in net:
        app.add_handler(handler, group=-2)
    for handler in cards:
        app.add_handler(handler, group=-1)

    # Flows on route tables: one dispatcher reads the person's stored step and routes
    # commands, buttons, typed steps and the catch-all chain (bot/routing.py).
    router = Router(deps, flows, EventBus(event_table()))
    app.bot_data["router"] = router
    app.add_handler(passthrough(TypeHandler(Update, router.dispatch)), group=0)
    # Sends that matter are kept until Telegram has them (bot/outbox.py), the card first;
    # old records go once a day, as the service's retention settings say (bot/retention.py).
    assert app.job_queue is not None
    for job in (OUTBOX_JOB, RETENTION_JOB):
        app.job_queue.run_repeating(
            router.job_callback(job), interval=job.interval_s, first=job.first_s, name=job.name
        )

    group = 1
    for flow in flows:
        for handler in flow.handlers:
            _make_stopping(handler)
            app.add_handler(handler, group=group)
            group += 1
        for job in flow.jobs:
            assert app.job_queue is not None
            callback = router.job_callback(job) if isinstance(job, Job) else job.callback
            app.job_queue.run_repeating(
                callback, interval=job.interval_s, first=job.first_s, name=job.name
            )

    # Updates the error handler has answered ("something went wrong"): PTB goes on to later
    # groups after an error, and these last answers must not add a second reply to one.
    answered_by_error: deque[int] = deque(maxlen=1024)

    async def on_error(update: object, context: Context) -> None:
        if isinstance(update, Update):
            answered_by_error.append(update.update_id)
        await _on_error(update, context)

    async def stale_button(update: Update, context: Context) -> None:
        assert update.callback_query is not None
        if update.update_id in answered_by_error:
            await answer_press(update.callback_query)  # only the spinner is left to stop
            return
        await answer_press(
            update.callback_query, deps.content.button("common.stale_button"), alert=True
        )

    from flows.home.fallback import last_resort

    async def unknown(update: Update, context: Context) -> None:
        if update.update_id in answered_by_error:
            return
        await last_resort(router.app_ctx(context.application), update, flagged=was_flagged(context))

    app.add_handler(CallbackQueryHandler(stale_button), group=group)
    app.add_handler(
        MessageHandler(
            filters.ChatType.PRIVATE & ~filters.UpdateType.EDITED & ~STATUS_UPDATE,
            unknown,
        ),
        group=group,
    )
    app.add_error_handler(on_error)
    return app
