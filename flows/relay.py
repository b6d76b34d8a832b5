"""Chat between a person and their peer worker, through the bot; endings, handovers, notes.

Relay. Every plain message (text, photo, voice, video, document, sticker...) from a matched
person goes to their peer worker, and a peer worker's replies come back, with
`copy_message` (never forward): neither side ever sees the other's Telegram account,
username or id. A name label (the person's chosen name, the peer worker's display name)
starts each run of messages in a chat: the first message, a change of sender, or the first
after a pause. A peer worker with several people answers by replying to a relayed message
(each copy and label is mapped to its match), or picks "Write to ..." from a chooser.

Hours and flood. Outside the peer worker's nominated hours a person's message is held (its id
only: no text is stored) and the person is told at once when it will arrive, in their own
time, with resources offered. Over the flood limit (bot/domain/relay.py) extra messages are
held too and passed on a few at a time; the person is asked once to slow down. The
`tick:relay` job delivers whatever is due, so a restart loses nothing.

Endings and handover. Either side can `/end` a match after a confirmation; the other is told
kindly, the person is offered a new shortlist at once and the freed place goes to the
waitlist. A coordinator's `/handover` moves a person to another peer worker with a message
to all three.

Notes (study Table 2). A peer worker writes a note with `/note`; it is stored encrypted and
the person is sent it at once. In the integrated model the person chooses per note whether
the clinical team may read it (private by default) and clinicians read shared notes with
`/notes`; in the complementary model nothing is shared and `/notes` explains why.

This flow's plain-message handler takes any message no earlier flow wanted, so the module is
registered last in bot/app.py: conversations of other flows see their free-text steps first.

```mermaid
stateDiagram-v2
    state "relay (stateless)" as R {
        [*] --> Copied: in hours, under the flood limit
        [*] --> Held: outside hours / over the limit
        Held --> Copied: tick:relay when due
        [*] --> Chooser: peer worker, several people, not a reply
        Chooser --> Copied: Write to ...
    }
    state "/note conversation" as N {
        [*] --> Pick: several people
        [*] --> Write: one person
        Pick --> Write: a person
        Write --> [*]: text saved (encrypted), sent to the person
    }
```
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup, Message, ReplyParameters, Update
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.callbacks import CallbackCodec, InvalidCallback
from bot.content import Raw
from bot.deps import Deps
from bot.domain.matching import Match, MatchPolicy, PeerProfile, is_offerable, offerable_kinds
from bot.domain.relay import (
    FLOOD_WINDOW,
    NOTE_MAX_CHARS,
    Note,
    clean_note,
    clinicians_exist,
    day_word,
    may_share_notes,
    needs_label,
    plan_delivery,
    slots_to_keep,
    visible_notes,
)
from bot.domain.roles import PEER_ROLES, PEOPLE_ROLES
from bot.flowkit import (
    END,
    Context,
    Flow,
    RepeatingJob,
    answer_query,
    buttons,
    conversation,
    current_user,
    passthrough,
    require_role,
    send,
    show,
)
from bot.storage import User
from bot.storage.relay import HeldMessage
from flows import matching
from flows.resources import home_data

__all__ = ["HO", "NOTE", "RLY", "TICK_SECONDS", "build"]

_LOG = logging.getLogger(__name__)

RLY = CallbackCodec("rly", {"to", "drop", "end", "endok", "keep"})
NOTE = CallbackCodec("note", {"for", "cancel", "share", "private", "people", "read"})
HO = CallbackCodec("ho", {"page", "person", "peer", "ok"})

TICK_SECONDS = 20.0
PICK, WRITE = "note_pick", "note_write"
_PAGE = 8           # people per chooser page
_NOTES_PAGE = 3     # notes per page for clinicians (each up to NOTE_MAX_CHARS)

# What can be relayed: copy_message handles each of these. Contacts, locations, polls and
# the like are refused with a word, never passed on (a contact card would expose a number).
RELAYABLE = (filters.TEXT | filters.PHOTO | filters.VOICE | filters.VIDEO | filters.AUDIO
             | filters.Document.ALL | filters.Sticker.ALL | filters.ANIMATION
             | filters.VIDEO_NOTE)


class _Transient(Exception):
    """Telegram could not be reached just now; the message is kept and tried again."""


def build(deps: Deps) -> Flow:
    """The relay flow's handlers, job and hooks."""
    content, storage, clock, settings = deps.content, deps.storage, deps.clock, deps.settings
    policy = MatchPolicy(settings.consumer_peers_support_carers,
                         settings.carer_peers_support_consumers)

    # -- names and times --------------------------------------------------------------------

    async def peer_name(peer_id: int) -> str:
        profile = await storage.get_profile(peer_id)
        if profile is not None and profile.display_name:
            return profile.display_name
        user = await storage.get_user(peer_id)
        if user is not None and user.alias:
            return user.alias
        return content.button("relay.peer_fallback")

    async def person_names(peer_id: int) -> dict[int, str]:
        """Each of PEER_ID's active matches by the person's chosen name, told apart when two
        share a name (never by anything from Telegram)."""
        names = {mid: alias or content.button("relay.person_fallback", number=mid)
                 for mid, alias in await storage.person_aliases_for_peer(peer_id)}
        seen: dict[str, int] = {}
        for name in names.values():
            seen[name.casefold()] = seen.get(name.casefold(), 0) + 1
        return {mid: (f"{name} ({mid})" if seen[name.casefold()] > 1 else name)
                for mid, name in names.items()}

    async def person_name(match: Match) -> str:
        """The person's label as their peer worker sees it."""
        names = await person_names(match.peer_id)
        if match.id in names:
            return names[match.id]
        user = await storage.get_user(match.person_id)  # an ended match
        return user.alias if user is not None and user.alias \
            else content.button("relay.person_fallback", number=match.id)

    async def tz_of(user_id: int) -> ZoneInfo:
        user = await storage.get_user(user_id)
        try:
            return ZoneInfo(user.timezone) if user is not None and user.timezone \
                else settings.tz
        except (ValueError, KeyError):
            return settings.tz

    def when_text(at: datetime, tz: ZoneInfo, now: datetime) -> str:
        local = at.astimezone(tz)
        time_text = local.strftime("%H:%M")
        word = day_word(at, tz, now)
        if word == "later":
            return content.button("relay.when_later", time=time_text,
                                  day=f"{local:%A} {local.day} {local:%B}")
        return content.button(f"relay.when_{word}", time=time_text)

    def unsent_line(count: int, peer: str) -> str:
        if count <= 0:
            return ""
        key = "relay.unsent_waiting.one" if count == 1 else "relay.unsent_waiting.many"
        return "\n\n" + content.text(key, count=count, peer=peer)

    async def tell(context: Context, chat_id: int, text: str,
                   markup: InlineKeyboardMarkup | None = None) -> bool:
        """Send a notice; a person who blocked the bot is marked inactive, never an error."""
        try:
            await send(context, chat_id, text, markup)
        except Forbidden:
            await storage.set_active(chat_id, False)
            return False
        return True

    # -- copying one message ----------------------------------------------------------------

    async def relay_one(context: Context, match: Match, sender_id: int, recipient_id: int,
                        message_id: int, *, held_since: datetime | None = None) -> str:
        """Copy MESSAGE_ID from the sender's chat into the recipient's, with a name label when
        a run starts. Returns 'ok', 'blocked' (the recipient blocked the bot) or 'gone' (the
        original was deleted); raises _Transient when Telegram can't be reached."""
        now = clock.now()
        run = await storage.last_run(recipient_id)
        label_needed = held_since is not None or needs_label(
            run[0] if run else None, run[1] if run else None, sender_id, now)
        sent: list[int] = []
        try:
            if label_needed:
                if sender_id == match.person_id:
                    name = await person_name(match)
                else:
                    name = await peer_name(sender_id)
                if held_since is not None:
                    since = held_since.astimezone(await tz_of(recipient_id))
                    text = content.text("relay.label_held", name=name,
                                        since=f"{since:%a} {since:%H:%M}")
                else:
                    text = content.text("relay.label", name=name)
                label = await context.bot.send_message(recipient_id, text)
                sent.append(label.message_id)
            copied = await context.bot.copy_message(recipient_id, from_chat_id=sender_id,
                                                    message_id=message_id)
        except Forbidden:
            await storage.set_active(recipient_id, False)
            return "blocked"
        except BadRequest:
            await storage.remember_copies(recipient_id, sent, match.id, sender_id, now)
            return "gone"
        except TelegramError as exc:
            await storage.remember_copies(recipient_id, sent, match.id, sender_id, now)
            raise _Transient from exc
        await storage.remember_copies(recipient_id, [*sent, copied.message_id], match.id,
                                      sender_id, now)
        return "ok"

    async def deliver_held(context: Context, due: Sequence[HeldMessage]) -> None:
        """Deliver held messages in order; tell senders what arrived and what could not."""
        labelled: set[int] = set()
        passed_on: dict[int, Match] = {}
        for held in due:
            match = await storage.get_match(held.match_id)
            if match is None or match.status != "active":
                await storage.delete_held(held.id)
                continue
            since = None
            if held.reason == "hours" and held.match_id not in labelled:
                since = held.sent_at
                labelled.add(held.match_id)
            try:
                result = await relay_one(context, match, held.sender_id, held.recipient_id,
                                         held.message_id, held_since=since)
            except _Transient:
                _LOG.warning("Telegram unreachable; held messages stay for the next tick")
                break
            await storage.delete_held(held.id)
            if result == "ok" and held.reason == "hours":
                passed_on[held.sender_id] = match
            elif result == "gone":
                sender_tz = await tz_of(held.sender_id)
                await tell(context, held.sender_id, content.text(
                    "relay.gone", time=held.sent_at.astimezone(sender_tz).strftime("%H:%M"),
                    name=await peer_name(held.recipient_id)
                    if held.recipient_id == match.peer_id else await person_name(match)))
            elif result == "blocked":
                await tell(context, held.sender_id, content.text(
                    "relay.not_delivered", name=await peer_name(held.recipient_id)))
        for sender_id, match in passed_on.items():
            await tell(context, sender_id, content.text("relay.held_delivered",
                                                        peer=await peer_name(match.peer_id)))
        if due:
            _LOG.info("Held messages processed: %d", len(due))

    async def tick(context: Context) -> None:
        """tick:relay: deliver every held message whose slot has come."""
        due = await storage.due_held(clock.now())
        if due:
            await deliver_held(context, due)

    # -- the plain-message handler ------------------------------------------------------------

    async def on_message(update: Update, context: Context) -> None:
        message = update.effective_message
        chat = update.effective_chat
        if message is None or chat is None or chat.type != "private":
            return
        user = await current_user(deps, update)
        if user is None or user.role is None:
            return
        if user.role in PEOPLE_ROLES:
            match = await storage.active_match_for_person(user.user_id)
            if match is None:
                return
            if not RELAYABLE.check_update(update):
                await send(context, chat.id, content.text("relay.unsupported"))
            else:
                await from_person(context, user, match, message)
            raise ApplicationHandlerStop
        if user.role in PEER_ROLES:
            matches = await storage.active_matches_for_peer(user.user_id)
            if not matches:
                return
            if not RELAYABLE.check_update(update):
                await send(context, chat.id, content.text("relay.unsupported"))
            else:
                await from_peer(context, user, matches, message)
            raise ApplicationHandlerStop

    async def from_person(context: Context, user: User, match: Match, message: Message) -> None:
        now = clock.now()
        profile = await storage.get_profile(match.peer_id)
        windows = profile.hours if profile is not None else ()
        try:
            peer_tz = ZoneInfo(profile.timezone) if profile is not None else settings.tz
        except (ValueError, KeyError):
            peer_tz = settings.tz
        slots = await storage.recent_slots(user.user_id)
        plan = plan_delivery(now, windows, peer_tz, slots)
        await storage.save_slots(user.user_id, slots_to_keep([*slots, plan.at], now))
        if plan.is_now(now):
            # Anything of this match already due goes first, so the order is kept.
            earlier = await storage.due_held(now, match_id=match.id)
            if earlier:
                await deliver_held(context, earlier)
            try:
                result = await relay_one(context, match, user.user_id, match.peer_id,
                                         message.message_id)
            except _Transient:
                await storage.hold_message(
                    match_id=match.id, sender_id=user.user_id, recipient_id=match.peer_id,
                    message_id=message.message_id, reason="retry", sent_at=now,
                    deliver_at=now + FLOOD_WINDOW)
                return
            if result != "ok":
                await send(context, user.user_id, content.text(
                    "relay.not_delivered", name=await peer_name(match.peer_id)))
            return
        earlier_held = await storage.held_for_match(match.id, sender_id=user.user_id)
        reason = "hours" if plan.held_for_hours else "flood"
        await storage.hold_message(
            match_id=match.id, sender_id=user.user_id, recipient_id=match.peer_id,
            message_id=message.message_id, reason=reason, sent_at=now, deliver_at=plan.at)
        peer = await peer_name(match.peer_id)
        if plan.held_for_hours:
            await deps.storage.bump_counter("relay_held", deps.local_day())
            if not any(h.reason == "hours" for h in earlier_held):
                when = when_text(plan.opens, await tz_of(user.user_id), now)
                await send(context, user.user_id,
                           content.text("relay.held", peer=peer, when=when),
                           buttons([[(content.button("relay.held_resources_button"),
                                      home_data())]]))
        elif plan.tell_slow_down:
            await send(context, user.user_id, content.text("relay.slow_down", peer=peer))

    async def from_peer(context: Context, user: User, matches: Sequence[Match],
                        message: Message) -> None:
        target: Match | None = None
        reply = message.reply_to_message
        if reply is not None:
            mapped = await storage.match_for_copy(user.user_id, reply.message_id)
            if mapped is not None:
                target = next((m for m in matches if m.id == mapped), None)
                if target is None:
                    await send(context, user.user_id, content.text("relay.conversation_ended"))
                    return
        if target is None and len(matches) == 1:
            target = matches[0]
        if target is None:
            names = await person_names(user.user_id)
            rows = [[(content.button("relay.write_to_button", name=names[m.id]),
                      RLY.pack("to", m.id, message.message_id))] for m in matches]
            rows.append([(content.button("relay.dont_send_button"),
                          RLY.pack("drop", message.message_id))])
            await context.bot.send_message(
                user.user_id, content.text("relay.choose_recipient"),
                reply_markup=buttons(rows),
                reply_parameters=ReplyParameters(message.message_id,
                                                 allow_sending_without_reply=True))
            return
        await peer_to_person(context, target, message.message_id)

    async def peer_to_person(context: Context, match: Match, message_id: int) -> bool:
        try:
            result = await relay_one(context, match, match.peer_id, match.person_id, message_id)
        except _Transient:
            result = "blocked"
        if result != "ok":
            await send(context, match.peer_id, content.text(
                "relay.not_delivered", name=await person_name(match)))
        return result == "ok"

    # -- buttons: the chooser and ending a match ----------------------------------------------

    async def on_rly(update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None and update.effective_user is not None
        uid = update.effective_user.id
        try:
            data = RLY.unpack(query.data)
            if data.action == "drop":
                await show(update, context, content.text("relay.not_sent"))
                return
            if data.action == "keep":
                await show(update, context, content.text("relay.end_kept"))
                return
            match = await storage.get_match(data.int_arg(0))
            if match is None or uid not in (match.person_id, match.peer_id):
                raise InvalidCallback("not their match")
            if data.action == "to" and uid != match.peer_id:
                raise InvalidCallback("only the peer worker writes with the chooser")
            message_id = data.int_arg(1) if data.action == "to" else 0
        except InvalidCallback:
            await answer_query(update, content.button("common.stale_button"))
            return
        if match.status != "active":
            await show(update, context, content.text("relay.conversation_ended"))
            return
        if data.action == "to":
            await answer_query(update)
            if await peer_to_person(context, match, message_id):
                await show(update, context, content.text(
                    "relay.sent_to", name=await person_name(match)))
            return
        if data.action == "end":
            await show(update, context, *await end_confirmation(match, uid))
            return
        await finish_end(update, context, match, uid)

    async def end_confirmation(match: Match, uid: int) -> tuple[str, InlineKeyboardMarkup]:
        if uid == match.person_id:
            text = content.text("relay.end_confirm_person", peer=await peer_name(match.peer_id))
        else:
            text = content.text("relay.end_confirm_peer", person=await person_name(match))
        return text, buttons([
            [(content.button("relay.end_yes_button"), RLY.pack("endok", match.id))],
            [(content.button("relay.end_no_button"), RLY.pack("keep", match.id))],
        ])

    async def end_command(update: Update, context: Context) -> None:
        assert update.effective_chat is not None
        chat_id = update.effective_chat.id
        user = await current_user(deps, update)
        if user is None or user.role is None:
            await send(context, chat_id, content.text("common.need_start"))
            return
        if user.role in PEOPLE_ROLES:
            match = await storage.active_match_for_person(user.user_id)
            if match is None:
                await send(context, chat_id, content.text("relay.end_none_person"))
                return
            await send(context, chat_id, *await end_confirmation(match, user.user_id))
            return
        if user.role in PEER_ROLES:
            matches = await storage.active_matches_for_peer(user.user_id)
            if not matches:
                await send(context, chat_id, content.text("relay.end_none_peer"))
            elif len(matches) == 1:
                await send(context, chat_id, *await end_confirmation(matches[0], user.user_id))
            else:
                names = await person_names(user.user_id)
                rows = [[(content.button("relay.end_with_button", name=names[m.id]),
                          RLY.pack("end", m.id))] for m in matches]
                rows.append([(content.button("relay.end_no_button"), RLY.pack("keep", 0))])
                await send(context, chat_id, content.text("relay.end_which"), buttons(rows))
            return
        await send(context, chat_id, content.text("common.not_for_you"))

    async def finish_end(update: Update, context: Context, match: Match, uid: int) -> None:
        by = "person" if uid == match.person_id else "peer"
        peer = await peer_name(match.peer_id)
        person = await person_name(match)
        ended = await storage.end_match(match.id, by, clock.now())
        if ended is None:
            await show(update, context, content.text("relay.conversation_ended"))
            return
        dropped = await storage.drop_held_for_match(match.id)
        await storage.forget_copies(match.id)
        await storage.bump_counter("match_ended", deps.local_day())
        unsent = unsent_line(dropped, peer)
        if by == "person":
            await show(update, context, content.text(
                "relay.ended_by_you_person", peer=peer) + unsent)
            await tell(context, match.peer_id,
                       content.text("relay.ended_by_person", person=person))
        else:
            await show(update, context, content.text("relay.ended_by_you_peer", person=person))
            await tell(context, match.person_id,
                       content.text("relay.ended_by_peer", peer=peer) + unsent)
        await matching.offer_shortlist(context, deps, match.person_id)
        await matching.on_capacity_freed(context, deps)

    # -- coordinator handover ---------------------------------------------------------------

    async def is_coordinator(update: Update, context: Context) -> bool:
        return await require_role(deps, update, context, "coordinator") is not None

    async def handover_list(update: Update, context: Context, page: int) -> None:
        pairs = await storage.active_pairs()
        if not pairs:
            await show(update, context, content.text("relay.handover_none"))
            return
        pages = max(1, -(-len(pairs) // _PAGE))
        page = min(max(page, 0), pages - 1)
        rows = []
        for match_id, person_id, peer_id in pairs[page * _PAGE:(page + 1) * _PAGE]:
            person = await storage.get_user(person_id)
            rows.append([(content.button(
                "relay.handover_person_button",
                person=(person.alias if person is not None and person.alias
                        else content.button("relay.person_fallback", number=match_id)),
                peer=await peer_name(peer_id)), HO.pack("person", match_id))])
        nav = []
        if page > 0:
            nav.append((content.button("relay.earlier_button"), HO.pack("page", page - 1)))
        if page + 1 < pages:
            nav.append((content.button("relay.more_button"), HO.pack("page", page + 1)))
        if nav:
            rows.append(nav)
        await show(update, context, content.text("relay.handover_pick_person", page=page + 1,
                                                 pages=pages), buttons(rows))

    async def handover_command(update: Update, context: Context) -> None:
        if await is_coordinator(update, context):
            await handover_list(update, context, 0)

    async def candidates_for(match: Match) -> list[tuple[PeerProfile, int]]:
        person = await storage.get_user(match.person_id)
        kinds = offerable_kinds(person.role or "", policy) if person is not None else ()
        out = []
        for profile in await storage.offerable_profiles(kinds):
            if profile.user_id == match.peer_id:
                continue
            load = await storage.caseload(profile.user_id)
            if is_offerable(profile, load):
                out.append((profile, load))
        return sorted(out, key=lambda pl: (pl[1], pl[0].display_name.casefold(),
                                           pl[0].user_id))

    async def on_handover(update: Update, context: Context) -> None:
        if not await is_coordinator(update, context):
            return
        try:
            data = HO.unpack_query(update)
            if data.action == "page":
                await handover_list(update, context, data.int_arg())
                return
            match = await storage.get_match(data.int_arg(0))
            if match is None:
                raise InvalidCallback("no such match")
        except InvalidCallback:
            await answer_query(update, content.button("common.stale_button"))
            return
        if match.status != "active":
            await show(update, context, content.text("relay.handover_stale"))
            return
        person = await person_name(match)
        back = [(content.button("common.back_button"), HO.pack("page", 0))]
        if data.action == "person":
            options = await candidates_for(match)
            if not options:
                await show(update, context, content.text("relay.handover_no_peer",
                                                         person=person), buttons([back]))
                return
            rows = [[(content.button("relay.handover_peer_button", peer=p.display_name,
                                     load=load, cap=p.caseload_cap),
                      HO.pack("peer", match.id, p.user_id))] for p, load in options[:_PAGE]]
            await show(update, context, content.text("relay.handover_pick_peer", person=person),
                       buttons([*rows, back]))
            return
        try:
            new_peer = data.int_arg(1)
        except InvalidCallback:
            await answer_query(update, content.button("common.stale_button"))
            return
        if new_peer not in {p.user_id for p, _ in await candidates_for(match)}:
            await show(update, context, content.text("relay.handover_stale"))
            return
        old, new = await peer_name(match.peer_id), await peer_name(new_peer)
        if data.action == "peer":
            await show(update, context, content.text(
                "relay.handover_confirm", person=person, old=old, new=new), buttons([
                    [(content.button("relay.handover_yes_button"),
                      HO.pack("ok", match.id, new_peer))], back]))
            return
        dropped = len(await storage.held_for_match(match.id))
        new_id = await storage.hand_over(match.id, new_peer, clock.now())
        if new_id is None:
            await show(update, context, content.text("relay.handover_stale"))
            return
        await storage.bump_counter("handover", deps.local_day())
        await show(update, context, content.text("relay.handover_done", person=person, new=new))
        await tell(context, match.person_id, content.text(
            "relay.handover_to_person", new=new, old=old) + unsent_line(dropped, old))
        await tell(context, new_peer, content.text("relay.handover_to_new_peer", person=person))
        await tell(context, match.peer_id, content.text("relay.handover_to_old_peer",
                                                        person=person, new=new))
        await matching.on_capacity_freed(context, deps)

    # -- /note (peer workers) ------------------------------------------------------------------

    def ask_note_text(person: str) -> str:
        key = "relay.note_ask_integrated" if may_share_notes(settings.model) \
            else "relay.note_ask_complementary"
        return content.text(key, person=person, limit=NOTE_MAX_CHARS)

    async def note_command(update: Update, context: Context) -> str | int:
        assert update.effective_chat is not None and context.user_data is not None
        chat_id = update.effective_chat.id
        user = await current_user(deps, update)
        if user is None or user.role not in PEER_ROLES:
            await send(context, chat_id, content.text("common.not_for_you"))
            return END
        matches = await storage.active_matches_for_peer(user.user_id)
        if not matches:
            await send(context, chat_id, content.text("relay.note_none"))
            return END
        if len(matches) == 1:
            context.user_data["relay_note"] = {"match": matches[0].id}
            await send(context, chat_id, ask_note_text(await person_name(matches[0])))
            return WRITE
        names = await person_names(user.user_id)
        rows = [[(content.button("relay.note_for_button", name=names[m.id]),
                  NOTE.pack("for", m.id))] for m in matches]
        rows.append([(content.button("relay.note_cancel_button"), NOTE.pack("cancel"))])
        await send(context, chat_id, content.text("relay.note_which"), buttons(rows))
        return PICK

    async def note_pick(update: Update, context: Context) -> str | int:
        assert update.effective_user is not None and context.user_data is not None
        try:
            data = NOTE.unpack_query(update)
            if data.action == "cancel":
                context.user_data.pop("relay_note", None)
                await show(update, context, content.text("common.cancelled"))
                return END
            match = await storage.get_match(data.int_arg())
            if match is None or match.peer_id != update.effective_user.id \
                    or match.status != "active":
                raise InvalidCallback("not theirs")
        except InvalidCallback:
            await answer_query(update, content.button("common.stale_button"))
            return PICK
        context.user_data["relay_note"] = {"match": match.id}
        await show(update, context, ask_note_text(await person_name(match)))
        return WRITE

    async def note_text(update: Update, context: Context) -> str | int:
        assert update.effective_user is not None and update.effective_message is not None
        assert context.user_data is not None
        uid = update.effective_user.id
        draft = context.user_data.get("relay_note") or {}
        match = await storage.get_match(int(draft.get("match", 0)))
        if match is None or match.peer_id != uid or match.status != "active":
            context.user_data.pop("relay_note", None)
            await send(context, uid, content.text("relay.note_ended"))
            return END
        text = clean_note(update.effective_message.text or "")
        if text is None:
            await send(context, uid, content.text("relay.note_invalid", limit=NOTE_MAX_CHARS))
            return WRITE
        # Only ciphertext is stored; the text itself is never put in drafts or the database.
        note = await storage.add_note(person_id=match.person_id, author_id=uid,
                                      match_id=match.id, body=deps.cipher.encrypt(text),
                                      now=clock.now())
        context.user_data.pop("relay_note", None)
        await storage.bump_counter("note_written", deps.local_day())
        person = await person_name(match)
        text_, markup = await note_message(note, text)
        try:
            await send(context, match.person_id, text_, markup)
            sent = True
        except Forbidden:
            await storage.set_active(match.person_id, False)
            sent = False
        await send(context, uid, content.text(
            "relay.note_saved" if sent else "relay.note_saved_unsent", person=person))
        return END

    async def note_not_text(update: Update, context: Context) -> str:
        assert update.effective_chat is not None
        await send(context, update.effective_chat.id, content.text("relay.note_text_only"))
        return WRITE

    async def note_message(note: Note, text: str) -> tuple[str, InlineKeyboardMarkup | None]:
        """The note as its person sees it, with their sharing choice where the model has one."""
        peer = await peer_name(note.author_id) if note.author_id is not None \
            else content.button("relay.notes_former_author")
        if not may_share_notes(settings.model):
            status = content.text("relay.note_status_complementary", peer=peer)
            markup = None
        elif note.shared:
            status = content.text("relay.note_status_shared")
            markup = buttons([[(content.button("relay.note_unshare_button"),
                                NOTE.pack("private", note.id))]])
        else:
            status = content.text("relay.note_status_private")
            markup = buttons([[(content.button("relay.note_share_button"),
                                NOTE.pack("share", note.id))],
                              [(content.button("relay.note_keep_button"),
                                NOTE.pack("private", note.id))]])
        return content.text("relay.note_to_person", peer=peer, text=text,
                            status=Raw(status)), markup

    # -- note buttons: the person's choice, clinicians reading -----------------------------

    async def on_note_button(update: Update, context: Context) -> None:
        assert update.effective_user is not None
        uid = update.effective_user.id
        try:
            data = NOTE.unpack_query(update)
            if data.action in ("share", "private"):
                await note_choice(update, context, uid, data.int_arg(), data.action == "share")
                return
            if data.action == "people":
                await clinician_people(update, context, data.int_arg())
                return
            if data.action == "read":
                # A person is named by one of their notes, never by their Telegram id.
                anchor = await storage.get_note(data.int_arg(0))
                if anchor is None:
                    raise InvalidCallback("no such note")
                await clinician_read(update, context, anchor.person_id, anchor.id,
                                     data.int_arg(1))
                return
            raise InvalidCallback("a stale step of /note")
        except InvalidCallback:
            await answer_query(update, content.button("common.stale_button"))

    async def note_choice(update: Update, context: Context, uid: int, note_id: int,
                          share: bool) -> None:
        if share and not may_share_notes(settings.model):
            raise InvalidCallback("sharing is not part of this model")
        note = await storage.set_note_shared(note_id, uid, share, clock.now())
        if note is None:
            raise InvalidCallback("not their note")
        if share:
            await storage.bump_counter("note_shared", deps.local_day())
        text, markup = await note_message(note, deps.cipher.decrypt(note.body))
        await answer_query(update, content.button("relay.note_choice_saved"))
        query = update.callback_query
        if query is not None and query.message is not None:
            try:
                await query.edit_message_text(text, reply_markup=markup)
            except BadRequest as exc:
                if "not modified" not in str(exc).lower():
                    raise

    async def clinician_ok(update: Update, context: Context) -> bool:
        assert update.effective_chat is not None
        user = await current_user(deps, update)
        if not clinicians_exist(settings.model):
            await answer_query(update)
            await send(context, update.effective_chat.id,
                       content.text("relay.notes_complementary"))
            return False
        if user is None or user.role != "clinician":
            await answer_query(update)
            await send(context, update.effective_chat.id, content.text("common.not_for_you"))
            return False
        return True

    async def notes_command(update: Update, context: Context) -> None:
        if await clinician_ok(update, context):
            await clinician_people(update, context, 0)

    async def clinician_people(update: Update, context: Context, page: int) -> None:
        if not await clinician_ok(update, context):
            return
        people = await storage.people_with_shared_notes()
        if not people:
            await show(update, context, content.text("relay.notes_none"))
            return
        pages = max(1, -(-len(people) // _PAGE))
        page = min(max(page, 0), pages - 1)
        rows = []
        for person_id, count, first_note in people[page * _PAGE:(page + 1) * _PAGE]:
            user = await storage.get_user(person_id)
            name = user.alias if user is not None and user.alias \
                else content.button("relay.person_fallback", number=first_note)
            rows.append([(content.button("relay.notes_person_button", person=name,
                                         count=count), NOTE.pack("read", first_note, 0))])
        nav = []
        if page > 0:
            nav.append((content.button("relay.earlier_button"), NOTE.pack("people", page - 1)))
        if page + 1 < pages:
            nav.append((content.button("relay.more_button"), NOTE.pack("people", page + 1)))
        if nav:
            rows.append(nav)
        await show(update, context, content.text("relay.notes_pick_person", page=page + 1,
                                                 pages=pages), buttons(rows))

    async def clinician_read(update: Update, context: Context, person_id: int, anchor: int,
                             page: int) -> None:
        if not await clinician_ok(update, context):
            return
        assert update.effective_user is not None
        person = await storage.get_user(person_id)
        notes = visible_notes(await storage.notes_about(person_id), update.effective_user.id,
                              "clinician", settings.model)
        # Without a chosen name, a person is "Person N" by their first shared note, never
        # by anything from Telegram.
        name = person.alias if person is not None and person.alias \
            else content.button("relay.person_fallback", number=notes[0].id if notes else 0)
        back = [(content.button("relay.people_button"), NOTE.pack("people", 0))]
        if not notes:
            await show(update, context, content.text("relay.notes_empty_person", person=name),
                       buttons([back]))
            return
        notes.reverse()  # newest first
        pages = max(1, -(-len(notes) // _NOTES_PAGE))
        page = min(max(page, 0), pages - 1)
        tz = await tz_of(update.effective_user.id)
        parts = [content.text("relay.notes_header", person=name, page=page + 1, pages=pages)]
        for note in notes[page * _NOTES_PAGE:(page + 1) * _NOTES_PAGE]:
            author = await peer_name(note.author_id) if note.author_id is not None \
                else content.button("relay.notes_former_author")
            written = note.created_at.astimezone(tz)
            parts.append(content.text("relay.notes_entry", author=author,
                                      date=f"{written:%a} {written.day} {written:%b %Y}",
                                      text=deps.cipher.decrypt(note.body)))
        nav = []
        if page > 0:
            nav.append((content.button("relay.earlier_button"),
                        NOTE.pack("read", anchor, page - 1)))
        if page + 1 < pages:
            nav.append((content.button("relay.more_button"),
                        NOTE.pack("read", anchor, page + 1)))
        await show(update, context, "\n\n".join(parts), buttons([nav, back] if nav else [back]))

    # -- /mydata ------------------------------------------------------------------------------

    async def export(user_id: int) -> dict[str, Any]:
        notes = await storage.notes_about(user_id)
        if not notes:
            return {}
        out = []
        for note in notes:
            out.append({
                "id": note.id,
                "written_at": note.created_at.isoformat(),
                "written_by": (await peer_name(note.author_id) if note.author_id is not None
                               else content.button("relay.notes_former_author")),
                "text": deps.cipher.decrypt(note.body),
                "shared_with_clinical_team": note.shared,
                "decided_at": note.decided_at.isoformat() if note.decided_at else None,
            })
        return {"notes": out}

    note_conv = conversation(
        deps, "relay_note",
        entry_points=[CommandHandler("note", note_command)],
        states={
            PICK: [CallbackQueryHandler(note_pick, pattern=r"^note:(for|cancel)")],
            WRITE: [MessageHandler(filters.TEXT & ~filters.COMMAND, note_text),
                    MessageHandler(~filters.COMMAND & ~filters.StatusUpdate.ALL,
                                   note_not_text)],
        },
    )

    relay_handler = passthrough(MessageHandler(
        filters.ChatType.PRIVATE & ~filters.COMMAND & ~filters.StatusUpdate.ALL, on_message))

    return Flow(
        name="relay",
        handlers=[
            note_conv,
            CommandHandler("end", end_command),
            CommandHandler("handover", handover_command),
            CommandHandler("notes", notes_command),
            CallbackQueryHandler(on_rly, pattern=RLY.pattern),
            CallbackQueryHandler(on_note_button, pattern=NOTE.pattern),
            CallbackQueryHandler(on_handover, pattern=HO.pattern),
            relay_handler,  # last: only messages no conversation wanted reach it
        ],
        commands={
            "consumer": [("end", "commands.end")],
            "carer": [("end", "commands.end")],
            "consumer_peer": [("note", "commands.note"), ("end", "commands.end")],
            "carer_peer": [("note", "commands.note"), ("end", "commands.end")],
            "coordinator": [("handover", "commands.handover")],
            "clinician": [("notes", "commands.notes")],
        },
        jobs=[RepeatingJob("tick:relay", tick, TICK_SECONDS)],
        export=export,
    )
