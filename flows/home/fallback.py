"""The last resort: a message no flow wanted gets an answer that fits where its writer stands.

bot/app.py calls this after every flow, the relay's catch-all included (which takes the plain
messages of matched people), so what reaches it is from someone with no conversation open:
not yet started, said no, half set up, a person with no peer worker (a request waiting, a
place in line, a match that ended), or staff with nobody to write to. A person who sounds
like they're having a hard time hears a kind word and the options first. A message the
safety net answered with the crisis card gets nothing more, and neither does an edit (its
message was answered when it came).
"""

from __future__ import annotations

import difflib

from telegram import Update

from bot.content import Content
from bot.domain.distress import asks_for_help, sounds_hard
from bot.domain.roles import PEER_ROLES, PEOPLE_ROLES
from bot.keyboards import Choice
from bot.menus import commands_for, support_line
from bot.routing import AppCtx
from bot.services.people import Standing, standing
from flows.home import views

__all__ = ["last_resort", "reply_for"]


async def last_resort(app: AppCtx, update: Update, *, flagged: bool) -> None:
    """Answer UPDATE, a message nothing else took (FLAGGED: the crisis card went out for it)."""
    message, sender, chat = update.message, update.effective_user, update.effective_chat
    if message is None or sender is None or chat is None or flagged:
        return
    user = await app.deps.storage.get_user(sender.id)
    copy = app.copy_for(user)
    text = (message.text or message.caption or "").strip()
    reply, markup = await reply_for(app, copy, await standing(app.deps.storage, sender.id), text)
    await app.bot.send_message(chat.id, reply, reply_markup=markup, disable_web_page_preview=True)


async def reply_for(app: AppCtx, copy: Content, where: Standing, text: str) -> views.Inline:
    """The reply to TEXT (empty for a sticker or a photo) from someone who stands WHERE."""
    if where.stage == "new":
        return views.paragraphs(
            [copy.text("home.fallback.new", service=app.deps.settings.service_name)],
            [views.start_button(copy, "home.start_button")],
        )
    if where.stage == "declined":
        return views.paragraphs(
            [copy.text("home.fallback.declined")],
            [views.start_button(copy, "home.start_again_button")],
        )
    if where.stage == "no_role":
        return views.paragraphs(
            [copy.text("home.fallback.no_role")], [views.start_button(copy, "home.carry_on_button")]
        )
    if text.startswith("/"):  # a command no flow has (or /cancel with nothing open)
        word = text.split(maxsplit=1)[0][1:].split("@", 1)[0].lower()
        if word == "cancel":
            return views.paragraphs(
                [copy.text("home.fallback.nothing_to_cancel")], [views.menu_row(copy)]
            )
        mine = [c.command for c in commands_for(app.flows, where.role, app.deps)]
        close = difflib.get_close_matches(word, mine, n=1, cutoff=0.75)  # "/checkin"
        line = (
            copy.text("home.fallback.did_you_mean", command=close[0])
            if close
            else copy.text("home.fallback.unknown_command")
        )
        return views.paragraphs([line], [views.menu_row(copy)])
    if where.role in PEOPLE_ROLES:
        state = await support_line(app, copy, where, "home.fallback")
        lead = "home.asked_help" if asks_for_help(text) else "home.hard"
        if text and (lead == "home.asked_help" or sounds_hard(text)):
            return views.paragraphs(
                [copy.text(lead), state, copy.text("home.options")],
                views.hard_time_buttons(copy, where.support),
            )
        return views.paragraphs(
            [copy.text("home.not_sure"), state],
            [[views.support_button(copy, where.support)], views.menu_row(copy)],
        )
    if where.role in PEER_ROLES:
        key, first = (
            ("home.fallback.peer_no_profile", views.profile_button(copy))
            if where.profile is None
            else ("home.fallback.peer_alone", views.people_button(copy))
        )
        if where.profile is not None and where.requests:  # "yes happy to support Dana"
            key = "home.fallback.peer_request_waiting"  # the answer is a button on the request
        return views.paragraphs(
            [copy.text("home.not_sure"), copy.text(key)], [first, views.menu_row(copy)]
        )
    rows: list[list[Choice]] = [views.menu_row(copy)]
    return views.paragraphs([copy.text("home.not_sure"), copy.text("home.fallback.staff")], rows)
