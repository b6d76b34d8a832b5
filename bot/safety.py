"""The safety net: every text and caption is checked for risk before any flow sees it.

On risk the crisis card goes out first and the update carries on to its flow: the net never
swallows a message and never tries to handle the crisis itself. `/crisis` and the persistent
"Need help now" button show the card in any state.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot import outbox
from bot.callbacks import callback, pack
from bot.content import Content, Raw
from bot.deps import Deps
from bot.domain.contacts import Contact, RegionContacts, contacts_for
from bot.domain.crisis import Assessment, assess
from bot.domain.crisis.assess import LONG_FROM
from bot.domain.roles import PEER_ROLES, STAFF_ROLES
from bot.flowkit import Context, passthrough
from bot.services.events import Collector

__all__ = [
    "CardButtons",
    "CardKind",
    "ShowSafetyPlan",
    "assess_message",
    "build_safety_net",
    "card_kind",
    "render_card",
    "send_card",
    "was_flagged",
]

_LOG = logging.getLogger(__name__)

CardButtons = Callable[[int], Awaitable[list[InlineKeyboardButton]]]

_FLAG = "safety_net_sent_card"


def _remember(context: Context) -> None:
    # PTB builds one context per update and hands it to every handler group, so the mark
    # reaches the router (and nothing else: the next update gets a fresh context).
    context.__dict__[_FLAG] = True


def was_flagged(context: object) -> bool:
    """Whether the safety net sent the crisis card for the update CONTEXT belongs to."""
    return bool(getattr(context, "__dict__", {}).get(_FLAG, False))


#: Which card someone sees: for themselves, about someone else, or as staff.
CardKind = Literal["person", "about_someone", "staff"]


@callback("plan.show")
@dataclass(frozen=True, slots=True)
class ShowSafetyPlan:
    """The crisis card's first button for someone who wrote a safety plan."""


def card_kind(role: str | None, risk_kind: str | None = None) -> CardKind:
    """The card that fits who reads it: staff get theirs; someone writing about another
    person (or a carer asking for the numbers) gets the one about someone else."""
    if role in STAFF_ROLES:
        return "staff"
    if risk_kind == "third_party" or (role == "carer" and risk_kind is None):
        return "about_someone"
    return "person"


def _contact_line(copy: Content, contact: Contact) -> str:
    parts = []
    if contact.phone:
        parts.append(copy.text("crisis.call", number=contact.phone))
    if contact.text:
        parts.append(copy.text("crisis.text", number=contact.text))
    line = copy.text(
        "crisis.contact_line", name=contact.name, how=Raw(copy.text("crisis.or").join(parts))
    )
    if contact.hours:
        line += copy.text("crisis.hours", hours=contact.hours)
    return line


def region_contacts(deps: Deps, region: str | None, audience: str = "everyone") -> RegionContacts:
    """The contacts for REGION, the service's own local contacts first."""
    local = [
        (Contact(c.name, c.phone, c.text, c.hours), c.region) for c in deps.settings.local_contacts
    ]
    return contacts_for(
        region or deps.settings.region, deps.settings.region, deps.content.contacts, local, audience
    )


def render_card(
    deps: Deps,
    region: str | None,
    *,
    kind: CardKind = "person",
    has_peer: bool = False,
    copy: Content | None = None,
    supervision: bool = False,
) -> str:
    """The crisis card's text for someone in REGION: the emergency number first, then the
    lines answered by people, in the version that fits who reads it."""
    copy = copy or deps.content
    chosen = region_contacts(
        deps, region, "about_someone" if kind == "about_someone" else "everyone"
    )
    lines = "\n".join(_contact_line(copy, c) for c in chosen.contacts)
    # A line of its own, then a blank line, before the card's last paragraph (or nothing).
    peer_line = Raw(copy.text("crisis.peer_line") + "\n\n" if has_peer else "")
    if kind == "staff":
        support = deps.settings.staff_support
        staff_line = Raw(
            copy.text(
                "crisis.staff_support_line",
                line=Raw(
                    _contact_line(
                        copy, Contact(support.name, support.phone, support.text, support.hours)
                    )
                ),
            )
            + "\n\n"
            if support is not None
            else ""
        )
        # Supervision is offered to peer workers, the staff who have /supervision.
        supervision_line = Raw(copy.text("crisis.supervision_line") + " " if supervision else "")
        return copy.text(
            "crisis.card_staff",
            lines=Raw(lines),
            emergency=chosen.emergency,
            staff_line=staff_line,
            supervision_line=supervision_line,
        )
    key = "crisis.card_about_someone" if kind == "about_someone" else "crisis.card"
    return copy.text(key, lines=Raw(lines), emergency=chosen.emergency, peer_line=peer_line)


async def send_card(
    deps: Deps,
    context: Context,
    user_id: int,
    chat_id: int,
    extra: Sequence[CardButtons],
    risk_kind: str | None = None,
    update_id: int | None = None,
) -> None:
    """Send the card that fits this person, count it by day and region, and offer their
    safety plan first (if they wrote one), then resources (and more)."""
    user = await deps.storage.get_user(user_id)
    consented = user is not None and user.consented
    region = user.region if user is not None and user.region else deps.settings.region
    role = user.role if consented and user is not None else None
    kind = card_kind(role, risk_kind)
    has_peer = consented and await deps.storage.active_match_for_person(user_id) is not None
    rows: list[list[InlineKeyboardButton]] = []
    if consented and await deps.storage.has_safety_plan(user_id):
        rows.append(
            [
                InlineKeyboardButton(
                    deps.content.button("crisis.safety_plan_button"),
                    callback_data=pack(ShowSafetyPlan()),
                )
            ]
        )
    rows.append(
        [
            InlineKeyboardButton(
                deps.content.button("crisis.resources_button"), callback_data="res:home"
            )
        ]
    )
    if consented:
        for hook in extra:
            try:
                rows.extend([b] for b in await hook(user_id))
            except Exception:  # the card must go out even if an extra button fails
                _LOG.exception("A crisis card button hook failed")
    copy = deps.content.for_person(user)
    text = render_card(
        deps, region, kind=kind, has_peer=has_peer, copy=copy, supervision=role in PEER_ROLES
    )
    # First and fastest: sent now, and if Telegram can't take it this moment, kept and
    # retried every few seconds (bot/outbox.py) instead of lost behind an error message.
    key = (
        f"card:{chat_id}:{update_id}"
        if update_id is not None
        else f"card:{chat_id}:{deps.clock.now().timestamp():.3f}"
    )
    await outbox.deliver(
        deps,
        context.bot,
        key,
        "card",
        outbox.Send(chat_id, text, InlineKeyboardMarkup(rows)),
        Collector(),
    )
    await deps.storage.bump_counter("crisis_card", deps.local_day(), region)


async def assess_message(text: str) -> Assessment:
    """The detector's verdict; a long message (read in parts too, tens of milliseconds of
    work) on a worker thread, so other people's replies do not wait behind it."""
    if len(text) > LONG_FROM:
        return await asyncio.to_thread(assess, text)
    return assess(text)


def build_safety_net(
    deps: Deps, extra: Sequence[CardButtons]
) -> tuple[list[BaseHandler[Any, Any, Any]], list[BaseHandler[Any, Any, Any]]]:
    """(net, card) handlers: the net goes in the first group and never stops the update; the
    card handlers go in the second group and stop it, so a flow's state is left untouched."""

    async def check(update: Update, context: Context) -> None:
        message = update.effective_message
        if message is None or update.effective_user is None or update.effective_chat is None:
            return
        text = message.text or message.caption or ""
        if text.startswith("/"):
            # A command's own word carries no risk; what follows it may ("/start i want to die").
            text = text.partition(" ")[2]
        if not text.strip():
            return
        risk_kind: str | None = None
        try:
            verdict = await assess_message(text)
            risky, risk_kind = verdict.crisis, verdict.kind
        except Exception:
            # Fail safe: a broken detector must never hide the numbers from someone.
            _LOG.exception("The crisis detector failed; sending the card to be safe")
            risky = True
        if not risky:
            return
        _LOG.info("Risk signalled; crisis card sent")
        _remember(context)
        await send_card(
            deps,
            context,
            update.effective_user.id,
            update.effective_chat.id,
            extra,
            risk_kind,
            update.update_id,
        )

    async def card(update: Update, context: Context) -> None:
        if update.effective_user is None or update.effective_chat is None:
            return
        await send_card(
            deps,
            context,
            update.effective_user.id,
            update.effective_chat.id,
            extra,
            update_id=update.update_id,
        )
        raise ApplicationHandlerStop

    need_help = deps.content.button("common.need_help_button")
    not_card = ~filters.Text([need_help]) & ~filters.Regex(r"^/crisis\b")
    net: list[BaseHandler[Any, Any, Any]] = [
        passthrough(MessageHandler((filters.TEXT | filters.CAPTION) & not_card, check))
    ]
    cards: list[BaseHandler[Any, Any, Any]] = [
        passthrough(CommandHandler("crisis", card)),
        passthrough(MessageHandler(filters.Text([need_help]), card)),
    ]
    return net, cards
