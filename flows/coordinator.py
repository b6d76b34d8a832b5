"""Coordinators: /invite staff with single-use deep links; /report counts (never content)."""

from __future__ import annotations

from datetime import timedelta

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler
from telegram.helpers import create_deep_linked_url

from bot.callbacks import CallbackCodec, InvalidCallback
from bot.deps import Deps
from bot.domain.invites import code_hash, invitable_roles, invite_expiry, new_code
from bot.flowkit import Context, Flow, answer_query, buttons, require_role, send, show

__all__ = ["build", "make_invite"]

CB = CallbackCodec("coord", {"invite"})


async def make_invite(deps: Deps, role: str, created_by: int | None, bot_username: str) -> str:
    """Store a new single-use invite for ROLE and return its t.me deep link."""
    if role not in invitable_roles(deps.settings.model):
        raise ValueError(f"'{role}' can't be invited in the {deps.settings.model} model")
    code = new_code()
    now = deps.clock.now()
    await deps.storage.create_invite(code_hash(code), role, created_by, now,
                                     invite_expiry(now, deps.settings.invite_expiry_hours))
    return create_deep_linked_url(bot_username, code)


def build(deps: Deps) -> Flow:
    """The coordinator flow's handlers."""
    content = deps.content

    async def is_coordinator(update: Update, context: Context) -> bool:
        return await require_role(deps, update, context, "coordinator") is not None

    async def invite(update: Update, context: Context) -> None:
        if not await is_coordinator(update, context):
            return
        rows = [[(content.button(f"onboarding.role_name_{r}").capitalize(), CB.pack("invite", r))]
                for r in invitable_roles(deps.settings.model)]
        assert update.effective_chat is not None
        await send(context, update.effective_chat.id,
                   content.text("coordinator.invite_which",
                                hours=deps.settings.invite_expiry_hours), buttons(rows))

    async def on_invite(update: Update, context: Context) -> None:
        if not await is_coordinator(update, context):
            return
        assert update.effective_user is not None
        try:
            role = CB.unpack_query(update).arg()
            if role not in invitable_roles(deps.settings.model):
                raise InvalidCallback(role)
        except InvalidCallback:
            await answer_query(update)
            return
        username = deps.settings.bot_username or context.bot.username
        link = await make_invite(deps, role, update.effective_user.id, username)
        await show(update, context, content.text(
            "coordinator.invite_link", role=content.button(f"onboarding.role_name_{role}"),
            link=link, hours=deps.settings.invite_expiry_hours))

    async def report(update: Update, context: Context) -> None:
        if not await is_coordinator(update, context):
            return
        assert update.effective_chat is not None
        by_role = await deps.storage.count_by_role()
        people = "\n".join(
            content.text("coordinator.report_line",
                         label=content.button(f"onboarding.role_name_{role}"), value=count)
            for role, count in sorted(by_role.items())
        ) or content.text("coordinator.report_none")
        now = deps.clock.now()
        since = (now.astimezone(deps.settings.tz) - timedelta(days=30)).date()
        totals: dict[str, int] = {}
        cards_by_region: dict[str, int] = {}
        for day, name, region, value in await deps.storage.counters():
            if day < since.isoformat():
                continue
            if name == "crisis_card":
                cards_by_region[region] = cards_by_region.get(region, 0) + value
            else:
                totals[name] = totals.get(name, 0) + value
        counts = "\n".join(
            content.text("coordinator.report_line", label=name.replace("_", " "), value=value)
            for name, value in sorted(totals.items())
        )
        cards = sum(cards_by_region.values())
        if cards:
            regions = ", ".join(f"{r or '?'} {n}" for r, n in sorted(cards_by_region.items()))
            cards_text = content.text("coordinator.report_by_region", total=cards, regions=regions)
        else:
            cards_text = "0"
        figures = await deps.storage.service_report(now - timedelta(days=30))
        time_to_match = (content.text("coordinator.report_hours",
                                      hours=figures.median_hours_to_match)
                         if figures.median_hours_to_match is not None
                         else content.text("coordinator.report_no_matches"))
        await send(context, update.effective_chat.id, content.text(
            "coordinator.report", service=deps.settings.service_name, people=_raw(people),
            counts=_raw(counts), active_pairs=figures.active_pairs,
            open_requests=figures.open_requests, waitlist=figures.waitlist,
            group_members=figures.group_members, group_waiting=figures.group_waiting,
            supervision_open=figures.supervision_open, matches_made=figures.matches_made,
            time_to_match=_raw(time_to_match), checkins_sent=figures.checkins_sent,
            checkins_answered=figures.checkins_answered, crisis_cards=_raw(cards_text)))

    return Flow(
        name="coordinator",
        handlers=[CommandHandler("invite", invite), CommandHandler("report", report),
                  CallbackQueryHandler(on_invite, pattern=CB.pattern)],
        commands={"coordinator": [("invite", "commands.invite"), ("report", "commands.report")]},
    )


def _raw(text: str) -> object:
    from bot.content import Raw

    return Raw(text)
