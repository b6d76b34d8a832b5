"""/careteam: a clinician's single-use link; a person's answer to one (passed on by /start
ct-CODE), their care team and who has read their notes (also /settings' "My care team" and a
person's /notes); removing a clinician. Integrated model only."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram.helpers import create_deep_linked_url

from bot import outbox
from bot.content import Content
from bot.deps import Deps
from bot.domain.relay import clinicians_exist
from bot.domain.roles import PEOPLE_ROLES
from bot.links import OpenCareTeam, OpenCareTeamLink
from bot.routing import Ctx, StaleButton
from bot.services import careteam
from bot.storage import User, from_epoch
from flows.careteam import views
from flows.careteam.callbacks import CareTeamAnswer, CareTeamRemove, CareTeamRemoveSure

__all__ = ["Handlers", "clinician_name", "exporter"]


def clinician_name(copy: Content, user: User | None) -> str:
    """How a person sees a clinician named: the name they chose, else "A clinician"."""
    return (
        user.alias
        if user is not None and user.alias
        else copy.button("careteam.clinician_fallback")
    )


def _person_name(copy: Content, user: User | None) -> str:
    return (
        user.alias if user is not None and user.alias else copy.button("careteam.person_fallback")
    )


class Handlers:
    """One method per action."""

    async def careteam(self, ctx: Ctx) -> None:
        """A clinician: a new link. A person: the link they opened (CODE after the command,
        or /start's payload), else their care team and access log."""
        if not clinicians_exist(ctx.deps.settings.model):
            await ctx.reply(ctx.copy.text("careteam.not_used"))
            return
        user = ctx.user
        payload = ctx.text.split(maxsplit=1)[0] if ctx.text else ""
        code = careteam.code_of(payload)
        if user is not None and user.role in PEOPLE_ROLES:
            if code is not None:
                await self._open(ctx, code)
            elif payload.startswith(careteam.CARE_TEAM_PREFIX):
                await ctx.reply(ctx.copy.text("careteam.link_unknown"))
            else:
                await ctx.reply(*await self._team(ctx))
        elif user is not None and user.role == "clinician" and not payload:
            await self._make(ctx)
        else:  # a link opened by staff (a clinician's own included) stays unused
            await ctx.reply(ctx.copy.text("careteam.not_for_staff"))

    async def _make(self, ctx: Ctx) -> None:
        settings = ctx.deps.settings
        payload, expires = await careteam.make_link(
            ctx.deps.storage,
            clinician_id=ctx.user_id,
            model=settings.model,
            hours=settings.invite_expiry_hours,
            now=ctx.now,
        )
        on_teams = len(await ctx.deps.storage.care_team_people(ctx.user_id))
        link = create_deep_linked_url(ctx.bot.username, payload)
        await ctx.reply(
            views.link_made(
                ctx.copy,
                link=link,
                expires=expires.astimezone(ctx.deps.zone(ctx.user)),
                on_teams=on_teams,
            )
        )

    async def _open(self, ctx: Ctx, code: str) -> None:
        link = await careteam.open_link(
            ctx.deps.storage,
            code=code,
            person_id=ctx.user_id,
            model=ctx.deps.settings.model,
            now=ctx.now,
        )
        clinician = await ctx.deps.storage.get_user(link.clinician_id)
        await ctx.reply(
            *views.ask(ctx.copy, link=link.id, name=clinician_name(ctx.copy, clinician))
        )

    async def on_answer(self, ctx: Ctx, data: CareTeamAnswer) -> None:
        """Add the clinician (they are told), or not (they aren't)."""
        storage = ctx.deps.storage
        async with storage.transaction():
            link = await careteam.answer_link(
                storage,
                link_id=data.link,
                person_id=ctx.user_id,
                accept=data.accept,
                model=ctx.deps.settings.model,
                now=ctx.now,
            )
            if link is None:
                raise StaleButton  # someone else's, answered already, or expired
            clinician = await storage.get_user(link.clinician_id)
            key = f"careteam:{link.id}:joined"
            if data.accept:
                copy = ctx.copy_for(clinician)
                await outbox.queue(
                    ctx.deps,
                    key,
                    "notice",
                    outbox.Send(
                        link.clinician_id,
                        copy.text("careteam.joined", person=_person_name(copy, ctx.user)),
                    ),
                )
        name = clinician_name(ctx.copy, clinician)
        await ctx.show(
            ctx.copy.text("careteam.accepted" if data.accept else "careteam.declined", name=name)
        )
        if data.accept:
            await outbox.send_now(ctx.deps, ctx.bot, [key], ctx.events)

    async def on_open(self, ctx: Ctx, data: OpenCareTeam) -> None:
        """The care team, in place (from /settings)."""
        if not clinicians_exist(ctx.deps.settings.model):
            raise StaleButton
        ctx.end_step()  # out of /settings' menu
        await ctx.show(*await self._team(ctx))

    async def on_open_link(self, ctx: Ctx, data: OpenCareTeamLink) -> None:
        """The link they opened before setting up, now they are: its question."""
        if not clinicians_exist(ctx.deps.settings.model):
            raise StaleButton
        await ctx.answer()
        await self._open(ctx, data.code)

    async def on_remove(self, ctx: Ctx, data: CareTeamRemove) -> None:
        """Remove this clinician? (asks first)"""
        member = await ctx.deps.storage.care_team_member(data.member)
        if member is None or member.person_id != ctx.user_id:
            raise StaleButton
        clinician = await ctx.deps.storage.get_user(member.clinician_id)
        await ctx.show(
            *views.remove_question(
                ctx.copy, member=member.id, name=clinician_name(ctx.copy, clinician)
            )
        )

    async def on_remove_sure(self, ctx: Ctx, data: CareTeamRemoveSure) -> None:
        """Remove them (from this moment they read nothing more), or keep them."""
        storage = ctx.deps.storage
        member = await storage.care_team_member(data.member)
        if member is None or member.person_id != ctx.user_id:
            raise StaleButton
        first = None
        if data.sure:
            if not await careteam.remove(storage, member_id=member.id, person_id=ctx.user_id):
                raise StaleButton
            clinician = await storage.get_user(member.clinician_id)
            first = ctx.copy.text("careteam.removed", name=clinician_name(ctx.copy, clinician))
        await ctx.show(*await self._team(ctx, first=first))

    async def _team(self, ctx: Ctx, *, first: str | None = None) -> views.View:
        deps, zone = ctx.deps, ctx.deps.zone(ctx.user)
        members = []
        for m in await careteam.team_of(deps.storage, ctx.user_id, deps.settings.model):
            clinician = await deps.storage.get_user(m.clinician_id)
            members.append(
                views.Member(
                    m.id,
                    clinician_name(ctx.copy, clinician),
                    from_epoch(m.added_at).astimezone(zone),
                )
            )
        reads = [
            views.Read(
                r.reader_name, r.reader_role, from_epoch(r.read_at).astimezone(zone), r.notes
            )
            for r in await deps.storage.note_reads(ctx.user_id)
        ]
        return views.team(ctx.copy, members, reads, first=first)


def exporter(deps: Deps) -> Callable[[int], Awaitable[dict[str, Any]]]:
    """/mydata's readable care-team section: who is on it, and who read the person's notes."""

    async def export(user_id: int) -> dict[str, Any]:
        """USER_ID's care team and access log, readable."""
        storage = deps.storage
        copy = deps.content.for_person(await storage.get_user(user_id))
        members = [
            {
                "name": clinician_name(copy, await storage.get_user(m.clinician_id)),
                "role": "clinician",
                "since": from_epoch(m.added_at).isoformat(),
            }
            for m in await storage.care_team(user_id)
        ]
        reads = [
            {
                "who": r.reader_name,
                "role": r.reader_role,
                "notes": r.notes,
                "when": from_epoch(r.read_at).isoformat(),
            }
            for r in await storage.note_reads(user_id)
        ]
        out: dict[str, Any] = {}
        if members:
            out["my_care_team"] = members
        if reads:
            out["who_read_my_notes"] = reads
        return out

    return export
