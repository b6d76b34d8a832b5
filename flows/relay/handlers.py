"""The relay's catch-all (plain messages, and edits, between matched people) and its buttons:
the chooser of whom a message is for, and Send it / Change it for a message that may be hard
for the person to read."""

from __future__ import annotations

from telegram import Message
from telegram.ext import filters

from bot import outbox
from bot.domain.matching import Match
from bot.domain.roles import PEER_ROLES, PEOPLE_ROLES
from bot.messaging import STATUS_UPDATE
from bot.routing import Ctx, StaleButton
from bot.services.matches import MatchOver
from flows.relay import delivery, edits, views
from flows.relay.callbacks import DontSend, RiskyChange, RiskySend, WriteTo
from flows.relay.names import person_name

__all__ = ["RELAYABLE", "Handlers"]

# What can be relayed: copy_message handles each of these. Contacts, locations, polls and
# the like are refused with a word, never passed on (a contact card would expose a number).
RELAYABLE = (
    filters.TEXT
    | filters.PHOTO
    | filters.VOICE
    | filters.VIDEO
    | filters.AUDIO
    | filters.Document.ALL
    | filters.Sticker.ALL
    | filters.ANIMATION
    | filters.VIDEO_NOTE
)


class Handlers:
    """One method per action."""

    async def catch_all(self, ctx: Ctx) -> bool:
        """A plain message (or an edit) nothing else wanted: relay it if its sender is
        matched (and say so if it is a kind that can't be passed on). False leaves it to
        what comes after."""
        user, message = ctx.user, ctx.update.effective_message
        if (
            user is None
            or not user.consented
            or message is None
            or STATUS_UPDATE.check_update(ctx.update)
        ):
            return False
        if user.role in PEOPLE_ROLES:
            match = await ctx.deps.storage.active_match_for_person(ctx.user_id)
            if match is None:
                return await self._just_ended(ctx)
            if not RELAYABLE.check_update(ctx.update):
                await ctx.reply(ctx.copy.text("relay.unsupported"))
            elif ctx.update.edited_message is None or not await edits.correct(ctx, message):
                # A consumer's or a carer's words are never held back, whatever they say.
                await delivery.from_person(ctx, match, message)
            return True
        if user.role in PEER_ROLES:
            matches = await ctx.deps.storage.active_matches_for_peer(ctx.user_id)
            if not matches:
                return False
            if not RELAYABLE.check_update(ctx.update):
                await ctx.reply(ctx.copy.text("relay.unsupported"))
            elif ctx.update.edited_message is not None:
                await self._peer_edit(ctx, matches, message)
            else:
                await self._from_peer(ctx, matches, message)
            return True
        return False

    async def _from_peer(self, ctx: Ctx, matches: list[Match], message: Message) -> None:
        """To the person it is for; first, if the safety net flagged it, ask whether it
        should go as it is (the staff card is above)."""
        target = await delivery.target_of(ctx, matches, message)
        if ctx.flagged:
            name = (
                await person_name(ctx.deps.storage, ctx.copy, target)
                if target is not None
                else None
            )
            await ctx.reply(
                *views.risky(ctx.copy, name, target.id if target else 0, message.message_id)
            )
        elif target is None:
            await delivery.choose_recipient(ctx, message.message_id)
        else:
            await delivery.peer_to_person(ctx, target, message.message_id)

    async def _peer_edit(self, ctx: Ctx, matches: list[Match], message: Message) -> None:
        """A peer worker's edit: carried to the copy, unless it now reads as risk (then it
        waits for them to send it again as a message, which asks first)."""
        if ctx.flagged:
            await ctx.reply(ctx.copy.text("relay.risky_edit"))
        elif not await edits.correct(ctx, message):
            await self._from_peer(ctx, matches, message)

    async def _just_ended(self, ctx: Ctx) -> bool:
        """A person writing in the minutes before they hear their match has ended: the news
        goes now (it was waiting for the peer worker's few words), and this isn't sent."""
        waiting = await ctx.deps.storage.waiting_sends(ctx.user_id, "match:%:ended:%")
        if not waiting:
            return False
        await outbox.send_now(ctx.deps, ctx.bot, waiting, ctx.events)
        await ctx.reply(ctx.copy.text("relay.conversation_ended"))
        return True

    async def on_write_to(self, ctx: Ctx, data: WriteTo) -> None:
        """The peer worker chose who their message is for."""
        match = await _own(ctx, data.match)
        status = await delivery.peer_to_person(ctx, match, data.message)
        await self._sent(ctx, match, status)

    async def on_dont_send(self, ctx: Ctx, data: DontSend) -> None:
        """The peer worker sends that message to nobody."""
        await ctx.show(ctx.copy.text("relay.not_sent"))

    async def on_risky_send(self, ctx: Ctx, data: RiskySend) -> None:
        """Send the flagged message as it is (first asking who it is for, if need be)."""
        if data.match == 0:
            if not await ctx.deps.storage.active_matches_for_peer(ctx.user_id):
                raise StaleButton
            await ctx.answer()
            await delivery.choose_recipient(ctx, data.message)
            return
        match = await _own(ctx, data.match)
        status = await delivery.peer_to_person(ctx, match, data.message)
        await self._sent(ctx, match, status)

    async def on_risky_change(self, ctx: Ctx, data: RiskyChange) -> None:
        """Not sent: the peer worker will write it again."""
        await ctx.show(ctx.copy.text("relay.risky_changed"))

    async def _sent(self, ctx: Ctx, match: Match, status: delivery.Status) -> None:
        if status == "failed":
            await ctx.answer()  # the peer worker is told it could not be passed on
            return
        key = "relay.sending_soon" if status == "kept" else "relay.sent_to"
        await ctx.show(
            ctx.copy.text(key, name=await person_name(ctx.deps.storage, ctx.copy, match))
        )


async def _own(ctx: Ctx, match_id: int) -> Match:
    """MATCH_ID if it is the pressing peer worker's (else the press is stale, as if it did
    not exist); MatchOver (the conversation has ended) if it is theirs but over."""
    match = await ctx.deps.storage.get_match(match_id)
    if match is None or match.peer_id != ctx.user_id:
        raise StaleButton
    if match.status != "active":
        raise MatchOver
    return match
