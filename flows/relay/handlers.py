"""The relay's catch-all (plain messages between matched people) and the chooser's buttons."""

from __future__ import annotations

from telegram.ext import filters

from bot.domain.roles import PEER_ROLES, PEOPLE_ROLES
from bot.routing import Ctx, StaleButton
from flows.relay import delivery
from flows.relay.callbacks import DontSend, WriteTo
from flows.relay.names import person_name

__all__ = ["RELAYABLE", "Handlers"]

# What can be relayed: copy_message handles each of these. Contacts, locations, polls and
# the like are refused with a word, never passed on (a contact card would expose a number).
RELAYABLE = (filters.TEXT | filters.PHOTO | filters.VOICE | filters.VIDEO | filters.AUDIO
             | filters.Document.ALL | filters.Sticker.ALL | filters.ANIMATION
             | filters.VIDEO_NOTE)


class Handlers:
    """One method per action."""

    async def catch_all(self, ctx: Ctx) -> bool:
        """A plain message nothing else wanted: relay it if its sender is matched (and say
        so if it is a kind that can't be passed on). False leaves it to what comes after."""
        user, message = ctx.user, ctx.update.effective_message  # an edit is passed on too
        if (user is None or not user.consented or message is None
                or filters.StatusUpdate.ALL.check_update(ctx.update)):
            return False
        if user.role in PEOPLE_ROLES:
            match = await ctx.deps.storage.active_match_for_person(ctx.user_id)
            if match is None:
                return False
            if not RELAYABLE.check_update(ctx.update):
                await ctx.reply(ctx.copy.text("relay.unsupported"))
            else:
                await delivery.from_person(ctx, match, message)
            return True
        if user.role in PEER_ROLES:
            matches = await ctx.deps.storage.active_matches_for_peer(ctx.user_id)
            if not matches:
                return False
            if not RELAYABLE.check_update(ctx.update):
                await ctx.reply(ctx.copy.text("relay.unsupported"))
            else:
                await delivery.from_peer(ctx, matches, message)
            return True
        return False

    async def on_write_to(self, ctx: Ctx, data: WriteTo) -> None:
        """The peer worker chose who their message is for."""
        match = await ctx.deps.storage.get_match(data.match)
        if match is None or match.peer_id != ctx.user_id:
            raise StaleButton
        if match.status != "active":
            await ctx.show(ctx.copy.text("relay.conversation_ended"))
            return
        if await delivery.peer_to_person(ctx, match, data.message):
            name = await person_name(ctx.deps.storage, ctx.copy, match)
            await ctx.show(ctx.copy.text("relay.sent_to", name=name))
        else:
            await ctx.answer()  # the peer worker has been told it could not be passed on

    async def on_dont_send(self, ctx: Ctx, data: DontSend) -> None:
        """The peer worker sends that message to nobody."""
        await ctx.show(ctx.copy.text("relay.not_sent"))

