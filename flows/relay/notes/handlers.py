"""/note (peer workers write; the person gets a copy and, in the integrated model, chooses
whether it is shared) and /notes (clinicians read what people chose to share).
State: flows/relay/notes/notes.mmd"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import InlineKeyboardMarkup
from telegram.error import BadRequest

from bot import outbox
from bot.content import Content
from bot.deps import Deps
from bot.domain.matching import Match
from bot.domain.relay import Note, clinicians_exist
from bot.domain.roles import PEOPLE_ROLES
from bot.keyboards import page_slice, rows
from bot.links import CARE_TEAM_COMMAND, command_handler, menu_row
from bot.routing import Ctx, StaleButton
from bot.services import notes
from bot.storage import User
from flows.relay.names import peer_name, person_name, person_names
from flows.relay.notes import views
from flows.relay.notes.callbacks import (
    NoteCancel,
    NoteChoice,
    NoteFor,
    NoteKeepFlagged,
    SharedPeople,
    SharedRead,
)

__all__ = ["PICK", "WRITE", "Handlers", "exporter"]

#: Choosing whom the note is about (several people); writing it (the draft: the match, and a
#: note the safety net flagged while it waits for the writer's yes, encrypted like any draft).
PICK, WRITE = "notes.pick", "notes.write"
PEOPLE_PAGE, NOTES_PAGE = 8, 3  # people per list; notes per page (each up to 1000 chars)


class Handlers:
    """One method per action."""

    # -- writing ---------------------------------------------------------------------------

    async def note(self, ctx: Ctx) -> None:
        """Whom is the note about (when there are several), then ask for it."""
        found = await ctx.deps.storage.active_matches_for_peer(ctx.user_id)
        if not found:
            await ctx.reply(ctx.copy.text("relay.note_none"))
        elif len(found) == 1:
            ctx.start_step(WRITE, match=found[0].id)
            await self.ask_note(ctx)
        else:
            ctx.start_step(PICK)
            await self.ask_who(ctx)

    async def ask_who(self, ctx: Ctx) -> None:
        """Who is this note about? (again, after a crisis card, say)"""
        names = await person_names(ctx.deps.storage, ctx.copy, ctx.user_id)
        await ctx.reply(*views.which(ctx.copy, names))

    async def typed_before_choosing(self, ctx: Ctx, text: str) -> None:
        """Typed before choosing whom the note is about: nothing is kept; ask again."""
        await ctx.reply(ctx.copy.text("relay.note_pick_first"))
        await self.ask_who(ctx)

    async def on_for(self, ctx: Ctx, data: NoteFor) -> None:
        """The note is about this person: ask for it."""
        match = await ctx.deps.storage.get_match(data.match)
        if (
            ctx.step != PICK
            or match is None
            or match.peer_id != ctx.user_id
            or match.status != "active"
        ):
            raise StaleButton
        ctx.start_step(WRITE, match=match.id)
        await ctx.show(await self._ask_text(ctx, match))

    async def on_cancel(self, ctx: Ctx, data: NoteCancel) -> None:
        """No note after all."""
        if ctx.step != PICK:
            raise StaleButton
        ctx.end_step()
        await ctx.show(ctx.copy.text("common.cancelled"))

    async def ask_note(self, ctx: Ctx) -> None:
        """Ask for the note's text (again, after a crisis card, say)."""
        match = await self._draft_match(ctx)
        if match is not None:
            await ctx.reply(await self._ask_text(ctx, match))

    async def on_text(self, ctx: Ctx, text: str) -> None:
        """Store the note (encrypted) and send the person their copy."""
        match = await self._draft_match(ctx)
        if match is None:
            return
        cleaned = notes.check(text)  # too long or empty: say so, and wait for another go
        message = ctx.message
        await self._save(
            ctx,
            match,
            cleaned,
            ctx.draft.get("pending_source")
            or (message.message_id if message is not None else None),
        )
        ctx.end_step()

    async def flagged(self, ctx: Ctx, text: str) -> None:
        """A note the safety net flagged (the card is above it): a note may well be about
        risk, so ask whether to save it, rather than keep it unasked or lose it. Until the
        answer it waits in the draft, encrypted like every draft."""
        if await self._draft_match(ctx) is None:
            return
        notes.check(text)
        ctx.draft["pending"] = text
        if ctx.message is not None:
            ctx.draft["pending_source"] = ctx.message.message_id
        await ctx.reply(*views.keep_flagged(ctx.copy))

    async def on_keep_flagged(self, ctx: Ctx, data: NoteKeepFlagged) -> None:
        """Save the flagged note, or let it go and ask again."""
        pending = ctx.draft.get("pending")
        if ctx.step != WRITE or not isinstance(pending, str):
            raise StaleButton
        del ctx.draft["pending"]
        if not data.keep:
            ctx.draft.pop("pending_source", None)
            await ctx.show(ctx.copy.text("relay.note_not_kept"))
            await self.ask_note(ctx)
            return
        await ctx.answer()
        await self.on_text(ctx, pending)

    async def _save(self, ctx: Ctx, match: Match, cleaned: str, source: int | None) -> None:
        """Store the note once per message that saves it (SOURCE), with the person's copy
        kept in the outbox in the same transaction; send the copy, and say what became of
        it (if it can never arrive, DeliveryFailed tells the writer)."""
        person = await ctx.deps.storage.get_user(match.person_id)

        async def keep_copy(match: Match, note: Note) -> None:
            text, markup = await _for_person(ctx, note, cleaned, person)
            await outbox.queue(
                ctx.deps, f"note:{note.id}", "note", outbox.Send(match.person_id, text, markup)
            )

        match, note = await notes.write(
            ctx.deps.storage,
            ctx.deps.cipher,
            match_id=match.id,
            author_id=ctx.user_id,
            text=cleaned,
            now=ctx.now,
            day=ctx.deps.local_day(),
            source=f"{match.id}:{source}" if source is not None else None,
            within=keep_copy,
        )
        key = f"note:{note.id}"
        await outbox.send_now(ctx.deps, ctx.bot, [key], ctx.events)
        status = await ctx.deps.storage.outbox_status(key)
        if status != "dropped":
            await ctx.reply(
                ctx.copy.text(
                    "relay.note_saved" if status == "sent" else "relay.note_saved_later",
                    person=await person_name(ctx.deps.storage, ctx.copy, match),
                )
            )

    async def not_text(self, ctx: Ctx) -> None:
        """A photo or voice note where the note is typed."""
        await ctx.reply(ctx.copy.text("relay.note_text_only"))

    # -- the person's choice ---------------------------------------------------------------

    async def on_choice(self, ctx: Ctx, data: NoteChoice) -> None:
        """Share one note with the clinical team, or keep it private."""
        before = await ctx.deps.storage.get_note(data.note)
        note = await notes.choose(
            ctx.deps.storage,
            note_id=data.note,
            person_id=ctx.user_id,
            share=data.share,
            model=ctx.deps.settings.model,
            now=ctx.now,
            day=ctx.deps.local_day(),
        )
        if note is None:
            raise StaleButton
        await ctx.answer(ctx.copy.button("relay.note_choice_saved"))
        view = await _for_person(ctx, note, ctx.deps.cipher.decrypt(note.body), ctx.user)
        await _edit(ctx, *view)
        if note.shared and before is not None and not before.shared:
            await _tell_care_team(ctx, note)

    # -- clinicians ------------------------------------------------------------------------

    async def notes(self, ctx: Ctx) -> None:
        """A clinician's list of people sharing notes (the complementary model has none)."""
        careteam = command_handler(ctx.flows, CARE_TEAM_COMMAND)
        if not clinicians_exist(ctx.deps.settings.model):
            await ctx.reply(ctx.copy.text("relay.notes_complementary"))
        elif ctx.user is not None and ctx.user.role in PEOPLE_ROLES and careteam is not None:
            await careteam(ctx)  # a person's view: their care team, and who read their notes
        elif ctx.user is None or ctx.user.role != "clinician":
            await ctx.reply(ctx.copy.text("common.not_for_you"))
        else:
            await ctx.reply(*await self._people(ctx, 0))

    async def on_people(self, ctx: Ctx, data: SharedPeople) -> None:
        """Another page of the list (or back to it)."""
        await ctx.show(*await self._people(ctx, data.page))

    async def on_read(self, ctx: Ctx, data: SharedRead) -> None:
        """A page of one person's shared notes, newest first."""
        viewer = ctx.user.alias if ctx.user is not None and ctx.user.alias else None
        found = await notes.reading(
            ctx.deps.storage,
            anchor=data.anchor,
            viewer_id=ctx.user_id,
            viewer_name=viewer or ctx.copy.button("careteam.clinician_fallback"),
            model=ctx.deps.settings.model,
            now=ctx.now,
        )
        if found is None:
            raise StaleButton  # not a note this clinician may read: nothing about it is shown
        newest, zone = list(reversed(found.notes)), ctx.deps.zone(ctx.user)
        shown, at, pages = page_slice(newest, data.page, NOTES_PAGE)
        entries = [
            views.Entry(
                await _author(ctx.deps, ctx.copy, n),
                n.created_at.astimezone(zone),
                ctx.deps.cipher.decrypt(n.body),
            )
            for n in shown
        ]
        person = await ctx.deps.storage.get_user(found.person_id)
        name = (
            person.alias
            if person is not None and person.alias
            else ctx.copy.button("relay.person_fallback", number=found.notes[0].id)
        )
        await ctx.show(
            *views.page(
                ctx.copy, person=name, entries=entries, anchor=data.anchor, at=at, pages=pages
            )
        )

    # -- helpers ---------------------------------------------------------------------------

    async def _draft_match(self, ctx: Ctx) -> Match | None:
        """The active match the open note is for; if it has ended, the step closes."""
        match = await ctx.deps.storage.get_match(int(ctx.draft.get("match", 0)))
        if match is None or match.peer_id != ctx.user_id or match.status != "active":
            ctx.end_step()
            await ctx.reply(ctx.copy.text("relay.note_ended"))
            return None
        return match

    async def _ask_text(self, ctx: Ctx, match: Match) -> str:
        person = await person_name(ctx.deps.storage, ctx.copy, match)
        return views.ask_text(ctx.copy, person, ctx.deps.settings.model)

    async def _people(self, ctx: Ctx, at: int) -> views.View:
        sharing = await notes.people_sharing(ctx.deps.storage, ctx.deps.settings.model, ctx.user_id)
        if not sharing:
            return ctx.copy.text("relay.notes_none"), rows(menu_row(ctx.copy))
        shown, at, pages = page_slice(sharing, at, PEOPLE_PAGE)
        sharers = []
        for s in shown:
            user = await ctx.deps.storage.get_user(s.person_id)
            name = (
                user.alias
                if user is not None and user.alias
                else ctx.copy.button("relay.person_fallback", number=s.first_note)
            )
            sharers.append(views.Sharer(name, s.count, s.first_note))
        return views.people(ctx.copy, sharers, at, pages)


async def _author(deps: Deps, copy: Content, note: Note) -> str:
    """Who wrote NOTE, in COPY (their data erased: a former peer worker)."""
    if note.author_id is None:
        return copy.button("relay.notes_former_author")
    return await peer_name(deps.storage, copy, note.author_id)


async def _tell_care_team(ctx: Ctx, note: Note) -> None:
    """Tell each clinician on the person's care team that they shared NOTE (once per
    share), with a button that opens it (the read is logged like any other)."""
    storage, person = ctx.deps.storage, ctx.user
    keys = []
    for member in await storage.care_team(note.person_id):
        clinician = await storage.get_user(member.clinician_id)
        copy = ctx.copy_for(clinician)
        name = (
            person.alias
            if person is not None and person.alias
            else copy.button("careteam.person_fallback")
        )
        decided = int(note.decided_at.timestamp()) if note.decided_at else 0
        key = f"careteam:{note.id}:{member.clinician_id}:{decided}"
        markup = rows([(copy.button("careteam.read_button"), SharedRead(note.id, 0))])
        if await outbox.queue(
            ctx.deps,
            key,
            "notice",
            outbox.Send(
                member.clinician_id, copy.text("careteam.note_shared", person=name), markup
            ),
        ):
            keys.append(key)
    if keys:
        await outbox.send_now(ctx.deps, ctx.bot, keys, ctx.events)


async def _for_person(
    ctx: Ctx, note: Note, text: str, person: User | None
) -> tuple[str, InlineKeyboardMarkup | None]:
    """NOTE as the person it is about sees it, in their copy."""
    copy = ctx.copy_for(person)
    return views.for_person(
        copy,
        note_id=note.id,
        peer=await _author(ctx.deps, copy, note),
        text=text,
        shared=note.shared,
        model=ctx.deps.settings.model,
        team=bool(await ctx.deps.storage.care_team(note.person_id)),
    )


async def _edit(ctx: Ctx, text: str, markup: InlineKeyboardMarkup | None) -> None:
    """Edit the pressed message in place (the press was answered already)."""
    query = ctx.query
    if query is None or query.message is None:
        return
    try:
        await query.edit_message_text(text, reply_markup=markup)
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            raise


def exporter(deps: Deps) -> Callable[[int], Awaitable[dict[str, Any]]]:
    """/mydata's readable notes section: every note about a person, decrypted."""

    async def export(user_id: int) -> dict[str, Any]:
        """The notes about USER_ID, readable."""
        found = await deps.storage.notes_about(user_id)
        if not found:
            return {}
        copy = deps.content.for_person(await deps.storage.get_user(user_id))
        return {
            "notes": [
                {
                    "id": note.id,
                    "written_at": note.created_at.isoformat(),
                    "written_by": await _author(deps, copy, note),
                    "text": deps.cipher.decrypt(note.body),
                    "shared_with_clinical_team": note.shared,
                    "decided_at": note.decided_at.isoformat() if note.decided_at else None,
                }
                for note in found
            ]
        }

    return export
