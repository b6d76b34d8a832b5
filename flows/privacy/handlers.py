"""/mydata sends everything stored about a person; /delete erases it after a yes."""

from __future__ import annotations

import io
import logging
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from telegram import BotCommandScopeChat
from telegram.error import TelegramError

from bot.content import Raw
from bot.nominated_hours import zone_name
from bot.routing import Ctx
from bot.services.erasure import erase_person, export_person
from flows.privacy.callbacks import EraseAnswer
from flows.privacy.views import erase_question, export_document

__all__ = ["Handlers"]


def _local(epoch: Any, zone: ZoneInfo) -> datetime:
    return datetime.fromtimestamp(int(epoch), tz=UTC).astimezone(zone)


_LOG = logging.getLogger(__name__)


class Handlers:
    """One method per action."""

    async def mydata(self, ctx: Ctx) -> None:
        """Send everything stored about the person as a JSON file."""
        data = await export_person(ctx.deps.storage, ctx.user_id, ctx.exporters())
        if not data:
            await ctx.reply(ctx.copy.text("privacy.mydata_none"))
            return
        try:
            await ctx.reply(await self._summary(ctx, data))
        except TelegramError:  # the summary is a courtesy: the file is what was asked for
            _LOG.warning("Could not send the /mydata summary; sending the file")
        await ctx.bot.send_document(
            ctx.chat_id,
            io.BytesIO(export_document(data)),
            filename="my-data.json",
            caption=ctx.copy.text("privacy.mydata_caption"),
        )

    async def _summary(self, ctx: Ctx, data: dict[str, Any]) -> str:
        """What the file holds, in a few lines a person can read on a phone: who they are
        here, each match by the peer worker's chosen name, and how many of everything else;
        dates in their own time zone."""
        copy, zone = ctx.copy, ctx.deps.zone(ctx.user)
        parts = [copy.text("privacy.summary_title")]
        for user in data.get("users", [])[:1]:
            role = (
                copy.button(f"onboarding.role_name_{user.get('role')}")
                if copy.has(f"onboarding.role_name_{user.get('role')}")
                else ""
            )
            key = "privacy.summary_you" if user.get("alias") else "privacy.summary_you_unnamed"
            parts.append(
                copy.text(
                    key,
                    role=role,
                    alias=user.get("alias") or "",
                    zone=zone_name(copy, str(user.get("timezone") or ctx.deps.settings.timezone)),
                    since=copy.day(_local(user["created_at"], zone), year=True),
                )
            )
        lines = [await self._match_line(ctx, row, zone) for row in data.get("matches", [])]
        parts.extend(line for line in lines if line)
        counts = [
            copy.text(
                "privacy.summary_row",
                table=copy.button(f"privacy.tables.{table}")
                if copy.has(f"privacy.tables.{table}")
                else table.replace("_", " "),
                count=len(rows),
            )
            for table, rows in data.items()
            if table not in ("users", "matches") and isinstance(rows, list) and rows
        ]
        if counts:
            parts.append(copy.text("privacy.summary_rows", rows=Raw(", ".join(counts))))
        parts.append(copy.text("privacy.summary_foot"))
        return "\n\n".join(parts)

    async def _match_line(self, ctx: Ctx, row: dict[str, Any], zone: ZoneInfo) -> str:
        match = await ctx.deps.storage.get_match(int(row["id"]))
        if match is None:
            return ""
        profile = await ctx.deps.storage.get_profile(match.peer_id)
        peer = (
            profile.display_name
            if profile is not None
            else ctx.copy.button("matching.peer_fallback")
        )
        day = ctx.copy.day
        since = day(_local(row.get("accepted_at") or row["requested_at"], zone), year=True)
        if row.get("status") == "active":
            return ctx.copy.text("privacy.summary_match_active", peer=peer, since=since)
        if row.get("status") == "requested":
            return ctx.copy.text("privacy.summary_match_waiting", peer=peer, since=since)
        if row.get("accepted_at") and row.get("ended_at"):
            until = day(_local(row["ended_at"], zone), year=True)
            return ctx.copy.text("privacy.summary_match_ended", peer=peer, since=since, until=until)
        return ctx.copy.text("privacy.summary_match_asked", peer=peer, since=since)

    async def delete(self, ctx: Ctx) -> None:
        """Ask before erasing anything."""
        await ctx.reply(*erase_question(ctx.copy))

    async def on_erase_answer(self, ctx: Ctx, data: EraseAnswer) -> None:
        """Erase everything after a yes; keep everything after a no."""
        if data.answer != "yes":
            await ctx.show(ctx.copy.text("privacy.delete_kept"))
            return
        removed = await erase_person(
            ctx.deps.storage, ctx.user_id, ctx.events, before=ctx.erasure_steps()
        )
        ctx.end_step()
        ctx.user = None
        _LOG.info("A person erased their data (%d rows)", removed)
        await ctx.show(ctx.copy.text("privacy.deleted"))
        try:
            await ctx.bot.delete_my_commands(scope=BotCommandScopeChat(ctx.user_id))
        except TelegramError:  # the erase already happened; a stale menu is harmless
            _LOG.warning("Could not reset a command menu after /delete")
