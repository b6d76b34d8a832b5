"""/broadcast: a coordinator chooses who, writes, previews, and sends (broadcast.mmd); and
stops a broadcast that is being sent (their own or another coordinator's: broadcasts are
the service's). One method per action; the draft lives in the coordinator's stored session
(encrypted), never in memory."""

from __future__ import annotations

from bot.routing import Ctx, StaleButton, Step
from bot.services import broadcasts as service
from bot.services.events import DomainError
from flows.broadcast import views
from flows.broadcast.callbacks import (
    Back,
    PickAudience,
    PickGroup,
    Retext,
    Send,
    Stop,
    StopSending,
)

__all__ = ["AUDIENCE", "GROUP", "PREVIEW", "TEXT", "Handlers"]

AUDIENCE, GROUP, TEXT, PREVIEW = (
    "broadcast.audience",
    "broadcast.group",
    "broadcast.text",
    "broadcast.preview",
)
LEFT = "broadcast.left"  # said when a command steps out of composing


def _at(ctx: Ctx, step: str) -> None:
    """A composing button works only while its step is open."""
    if ctx.step != step:
        raise StaleButton


class Handlers:
    """One method per action."""

    def steps(self) -> list[Step]:
        """The composing steps; at a button step, typing asks the question again."""

        async def ask_again(ctx: Ctx, text: str) -> None:
            """Typing where a button is wanted asks the question again."""
            await self.ask(ctx)

        return [
            Step(AUDIENCE, ask=self.ask, on_text=ask_again, left=LEFT),
            Step(GROUP, ask=self.ask, on_text=ask_again, left=LEFT),
            Step(TEXT, ask=self.ask, on_text=self.on_text, on_other=self.on_media, left=LEFT),
            Step(PREVIEW, ask=self.ask, on_text=ask_again, left=LEFT),
        ]

    async def start(self, ctx: Ctx) -> None:
        """/broadcast: any announcements being sent now (to stop, if need be), then who
        should the new one go to?"""
        storage = ctx.deps.storage
        sending = await service.sending_now(storage)
        authors = {
            b.created_by: getattr(await storage.get_user(b.created_by), "alias", None)
            for b, _ in sending
            if b.created_by is not None
        }
        shown = views.sending_now(ctx.copy, sending, authors)
        if shown is not None:
            await ctx.reply(*shown)
        ctx.start_step(AUDIENCE)
        await self.ask(ctx)

    async def ask(self, ctx: Ctx) -> None:
        """The open step's question (again, after a crisis card or something unreadable)."""
        if ctx.step == GROUP:
            await ctx.show(*views.group_question(ctx.copy, await ctx.deps.storage.list_groups()))
        elif ctx.step == TEXT:
            await ctx.show(
                *views.text_question(
                    ctx.copy, ctx.draft.get("audience", ""), ctx.draft.get("group_name", "")
                )
            )
        elif ctx.step == PREVIEW:
            await self._preview(ctx)
        else:
            await ctx.show(*views.audience_question(ctx.copy))

    async def on_audience(self, ctx: Ctx, data: PickAudience) -> None:
        """The audience; for one group's members, which group."""
        _at(ctx, AUDIENCE)
        ctx.draft["audience"] = data.audience
        ctx.goto(GROUP if data.audience == "group" else TEXT)
        await self.ask(ctx)

    async def on_back(self, ctx: Ctx, data: Back) -> None:
        """Back to the audiences."""
        _at(ctx, GROUP)
        ctx.goto(AUDIENCE)
        await self.ask(ctx)

    async def on_group(self, ctx: Ctx, data: PickGroup) -> None:
        """The group; then the text."""
        _at(ctx, GROUP)
        try:
            group = await service.addressed_group(ctx.deps.storage, data.group)
        except service.BroadcastGone:
            raise StaleButton from None
        ctx.draft.update(group=group.group_id, group_name=group.name)
        ctx.goto(TEXT)
        await self.ask(ctx)

    async def on_text(self, ctx: Ctx, text: str) -> None:
        """The announcement's text; then the preview."""
        await self._compose(ctx, text, None)

    async def on_media(self, ctx: Ctx) -> None:
        """A photo with a caption; anything else is not something to announce."""
        message = ctx.message
        photo = message.photo[-1].file_id if message is not None and message.photo else None
        await self._compose(
            ctx, ((message.caption if message else None) or "").strip() if photo else "", photo
        )

    async def _compose(self, ctx: Ctx, text: str, photo: str | None) -> None:
        rendered = views.announcement(
            ctx.copy, ctx.deps.settings.service_name, text, await _group_name(ctx)
        )
        try:
            service.check_announcement(text, photo, rendered)
        except service.BadAnnouncement as refused:
            await ctx.reply(*views.text_refused(ctx.copy, refused.key))
            return
        ctx.draft.update(text=text, photo=photo)
        ctx.goto(PREVIEW)
        await self._preview(ctx)

    async def _preview(self, ctx: Ctx) -> None:
        draft = ctx.draft
        count = len(
            await service.recipients(ctx.deps.storage, draft["audience"], draft.get("group"))
        )
        await ctx.reply(ctx.copy.text("broadcast.preview_intro"))
        rendered = views.announcement(
            ctx.copy, ctx.deps.settings.service_name, draft["text"], await _group_name(ctx)
        )
        if draft.get("photo"):
            await ctx.bot.send_photo(ctx.chat_id, draft["photo"], caption=rendered)
        else:
            await ctx.reply(rendered)
        await ctx.reply(*views.preview_question(ctx.copy, count))

    async def on_retext(self, ctx: Ctx, data: Retext) -> None:
        """Write the text again."""
        _at(ctx, PREVIEW)
        ctx.goto(TEXT)
        await self.ask(ctx)

    async def on_send(self, ctx: Ctx, data: Send) -> None:
        """Send it: the outbox is written now, the job sends it (progress shows below)."""
        _at(ctx, PREVIEW)
        draft = ctx.draft
        announcement = service.Announcement(
            draft["audience"], draft["text"], draft.get("photo"), draft.get("group")
        )
        ctx.end_step()
        _, count = await service.confirm(
            ctx.deps.storage, ctx.events, ctx.user_id, announcement, ctx.now
        )
        await ctx.show(ctx.copy.text("broadcast.confirmed", people=views.people(ctx.copy, count)))

    async def on_stop(self, ctx: Ctx, data: Stop) -> None:
        """Stop composing; nothing is sent."""
        if ctx.step not in (AUDIENCE, GROUP, TEXT, PREVIEW):
            raise StaleButton
        ctx.end_step()
        await ctx.show(ctx.copy.text("broadcast.stopped"))

    async def on_stop_sending(self, ctx: Ctx, data: StopSending) -> None:
        """Stop a broadcast being sent, whoever wrote it; people who already have it keep it
        (its author is told who stopped it)."""
        try:
            await service.stop(ctx.deps.storage, ctx.events, data.broadcast, ctx.user_id, ctx.now)
        except service.BroadcastGone:
            raise StaleButton from None
        except DomainError as refused:  # already finished
            await ctx.answer(ctx.copy.button(refused.key))
            return
        await ctx.answer(ctx.copy.button("broadcast.cancelling"))


async def _group_name(ctx: Ctx) -> str | None:
    """The name of the group a draft announcement is for (None: not for a group)."""
    group_id = ctx.draft.get("group")
    group = None if group_id is None else await ctx.deps.storage.get_group(int(group_id))
    return None if group is None else group.name
