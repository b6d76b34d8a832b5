"""/profile: a peer worker sets up their profile (name, bio, hours), then changes any of it
from a menu that shows the current values."""

from __future__ import annotations

from collections.abc import Callable

from bot.domain.matching import PeerProfile
from bot.domain.roles import PEER_ROLES
from bot.nominated_hours import hours_words
from bot.routing import Ctx, StaleButton
from bot.services import profiles
from bot.services.profiles import TEXT_FIELDS
from flows.profile import views
from flows.profile.callbacks import (
    AskCap,
    AskMany,
    AskOne,
    Clear,
    Done,
    EditText,
    KeepBio,
    ManyDone,
    Menu,
    Pause,
    SetCap,
    SetOne,
    Toggle,
)

__all__ = ["BIO", "EDIT", "HOURS", "NAME", "Handlers"]

NAME, BIO, HOURS, EDIT = "profile.name", "profile.bio", "profile.hours", "profile.edit"


def _always(profile: PeerProfile) -> bool:
    return True


class Handlers:
    """One method per action."""

    # -- /profile and setting up ---------------------------------------------------------------

    async def profile(self, ctx: Ctx) -> None:
        """The menu; the first time, three questions to set the profile up."""
        if ctx.user is None or ctx.user.role not in PEER_ROLES:
            await ctx.reply(ctx.copy.text("profile.not_for_you"))
            return
        if await ctx.deps.storage.get_profile(ctx.user_id) is not None:
            await self._menu(ctx)
            return
        ctx.start_step(NAME)
        await ctx.reply(views.intro(ctx.copy))
        await self.ask_name(ctx)

    async def ask_name(self, ctx: Ctx) -> None:
        """Ask for the name people will see."""
        await ctx.reply(views.ask_name(ctx.copy))

    async def on_name(self, ctx: Ctx, text: str) -> None:
        """Keep the name, ask for a few words."""
        ctx.draft["display_name"] = profiles.check_name(text)
        ctx.goto(BIO)
        await self.ask_bio(ctx)

    async def ask_bio(self, ctx: Ctx) -> None:
        """Ask for a few words about them."""
        await ctx.reply(views.ask_bio(ctx.copy))

    async def on_bio(self, ctx: Ctx, text: str) -> None:
        """Keep the bio, ask for the hours."""
        ctx.draft["bio"] = profiles.check_bio(text)
        ctx.draft.pop("pending", None)
        ctx.goto(HOURS)
        await self.ask_hours(ctx)

    async def bio_flagged(self, ctx: Ctx, text: str) -> None:
        """Words about them the safety net flagged (its card is above): ask whether to keep
        them, since a peer worker's lived experience often touches hard times."""
        await self._ask_to_keep(ctx, text)

    async def _ask_to_keep(self, ctx: Ctx, text: str) -> None:
        # Too long or empty: say so (a DomainError), as for any bio. Until the answer the
        # words wait in the draft, encrypted like every draft.
        ctx.draft["pending"] = profiles.check_bio(text)
        await ctx.reply(*views.keep_bio_question(ctx.copy))

    def _bio_step(self, ctx: Ctx) -> bool:
        return ctx.step == BIO or (ctx.step == EDIT and ctx.draft.get("field") == "bio")

    async def on_keep_bio(self, ctx: Ctx, data: KeepBio) -> None:
        """Keep the flagged words as the bio and go on, or ask for it again."""
        pending = ctx.draft.get("pending")
        if not self._bio_step(ctx) or not isinstance(pending, str):
            raise StaleButton
        del ctx.draft["pending"]
        if data.answer == "no":
            await ctx.show(ctx.copy.text("profile.bio_not_kept"))
            await (self.ask_bio(ctx) if ctx.step == BIO else self.ask_edit(ctx))
        elif ctx.step == BIO:
            await ctx.show(ctx.copy.text("profile.bio_kept"))
            await self.on_bio(ctx, pending)
        else:
            await self.on_edit_value(ctx, pending)  # "Saved. About you: ..." in its place

    async def ask_hours(self, ctx: Ctx) -> None:
        """Ask for their nominated hours."""
        await ctx.reply(views.ask_hours(ctx.copy))

    async def on_hours(self, ctx: Ctx, text: str) -> None:
        """Create the profile and show the menu (people waiting may now be offered)."""
        hours = profiles.check_hours(text, hours_words(ctx.copy))
        name, bio, user = ctx.draft.get("display_name"), ctx.draft.get("bio"), ctx.user
        ctx.end_step()
        if user is None or user.role not in PEER_ROLES or not name or not bio:
            await ctx.reply(ctx.copy.text("profile.setup_lost"))
            return
        await profiles.set_up(
            ctx.deps.storage,
            ctx.events,
            user_id=ctx.user_id,
            kind=user.role,
            now=ctx.now,
            display_name=str(name),
            bio=str(bio),
            hours=hours,
            timezone=user.timezone or ctx.deps.settings.timezone,
            caseload_cap=ctx.deps.settings.caseload_cap,
        )
        await self._menu(ctx, "profile.setup_done")

    # -- the menu ------------------------------------------------------------------------------

    async def _mine(
        self, ctx: Ctx, allowed: Callable[[PeerProfile], bool] = _always
    ) -> PeerProfile:
        """The presser's profile if the press is ALLOWED for it, else StaleButton (and nothing
        changes). A press closes a typed edit left open, as the menu moves on."""
        profile = await ctx.deps.storage.get_profile(ctx.user_id)
        if profile is None or not allowed(profile):
            raise StaleButton
        if ctx.step is not None and ctx.step.startswith("profile."):
            ctx.end_step()
        return profile

    async def _menu(self, ctx: Ctx, note: str | None = None) -> None:
        timezone = ctx.user.timezone if ctx.user is not None else None
        found = await profiles.current(ctx.deps.storage, ctx.user_id, timezone, ctx.now)
        if found is None:
            raise StaleButton
        await ctx.show(*views.menu(ctx.copy, *found, note=note))

    async def on_menu(self, ctx: Ctx, data: Menu) -> None:
        """Back to the menu."""
        await self._mine(ctx)
        await self._menu(ctx)

    async def on_done(self, ctx: Ctx, data: Done) -> None:
        """Close the menu."""
        await self._mine(ctx)
        await ctx.show(views.closed(ctx.copy))

    async def on_pause(self, ctx: Ctx, data: Pause) -> None:
        """Pause or resume new matches."""
        profile = await self._mine(ctx)
        await profiles.set_paused(ctx.deps.storage, ctx.events, profile, data.paused, ctx.now)
        await ctx.show(*views.pause_changed(ctx.copy, data.paused))

    async def on_cap_question(self, ctx: Ctx, data: AskCap) -> None:
        """Offer the caseload caps."""
        profile = await self._mine(ctx)
        await ctx.show(
            *views.ask_cap(
                ctx.copy,
                profiles.cap_choices(profile),
                profile.caseload_cap,
                ctx.deps.settings.caseload_cap,
            )
        )

    async def on_cap(self, ctx: Ctx, data: SetCap) -> None:
        """Set the caseload cap (a higher one may offer people waiting a place)."""
        profile = await self._mine(ctx, lambda p: data.cap in profiles.cap_choices(p))
        await profiles.set_cap(ctx.deps.storage, ctx.events, profile, data.cap, ctx.now)
        await self._saved(ctx, "caseload_cap")

    # -- one field -----------------------------------------------------------------------------

    async def on_edit_text(self, ctx: Ctx, data: EditText) -> None:
        """Ask for a typed field; the answer comes to on_edit_value."""
        await self._mine(ctx, lambda p: profiles.editable(p, data.field))
        ctx.start_step(EDIT, field=data.field)
        await ctx.show(*views.ask_text(ctx.copy, data.field))

    async def _saved(self, ctx: Ctx, field: str) -> None:
        """One short line for what changed, with a button to see the whole profile."""
        profile = await ctx.deps.storage.get_profile(ctx.user_id)
        if profile is None:
            raise StaleButton
        await ctx.show(*views.saved(ctx.copy, profile, field))

    async def edit_flagged(self, ctx: Ctx, text: str) -> None:
        """A typed value the safety net flagged: for the bio, ask whether to keep it; for
        anything else, ask again below the card."""
        if ctx.draft.get("field") == "bio":
            await self._ask_to_keep(ctx, text)
        else:
            await self.ask_edit(ctx)

    async def ask_edit(self, ctx: Ctx) -> None:
        """Ask for the typed field again (a draft that names none closes the step)."""
        field = str(ctx.draft.get("field"))
        if field not in TEXT_FIELDS:
            ctx.end_step()
            return
        await ctx.reply(*views.ask_text(ctx.copy, field))

    async def on_edit_value(self, ctx: Ctx, text: str) -> None:
        """Save the typed field (or say what to fix, and wait), and say it is saved."""
        field = str(ctx.draft.get("field"))
        profile = await ctx.deps.storage.get_profile(ctx.user_id)
        if profile is None or field not in TEXT_FIELDS:
            ctx.end_step()
            return
        await profiles.set_text(
            ctx.deps.storage, profile, field, text, hours_words(ctx.copy), ctx.now, ctx.events
        )
        ctx.end_step()
        await self._saved(ctx, field)

    async def on_one_question(self, ctx: Ctx, data: AskOne) -> None:
        """Offer the values of a one-of attribute."""
        await self._mine(ctx, lambda p: profiles.editable(p, data.field))
        await ctx.show(*views.ask_one(ctx.copy, data.field))

    async def on_one(self, ctx: Ctx, data: SetOne) -> None:
        """Set a one-of attribute."""
        profile = await self._mine(ctx, lambda p: profiles.editable(p, data.field, data.value))
        await profiles.set_one(ctx.deps.storage, profile, data.field, data.value, ctx.now)
        await self._saved(ctx, data.field)

    async def on_many_question(self, ctx: Ctx, data: AskMany) -> None:
        """Show the switches of a many-of attribute."""
        profile = await self._mine(ctx, lambda p: profiles.editable(p, data.field))
        await ctx.show(
            *views.ask_many(ctx.copy, data.field, profile.attributes.get(data.field) or ())
        )

    async def on_toggle(self, ctx: Ctx, data: Toggle) -> None:
        """Switch one value on or off, and show the switches again."""
        profile = await self._mine(ctx, lambda p: profiles.editable(p, data.field, data.value))
        profile = await profiles.toggle(ctx.deps.storage, profile, data.field, data.value, ctx.now)
        await ctx.show(*views.ask_many(ctx.copy, data.field, profile.attributes[data.field]))

    async def on_many_done(self, ctx: Ctx, data: ManyDone) -> None:
        """Done switching: say what is saved."""
        await self._mine(ctx, lambda p: profiles.editable(p, data.field))
        await self._saved(ctx, data.field)

    async def on_clear(self, ctx: Ctx, data: Clear) -> None:
        """Forget an attribute."""
        profile = await self._mine(ctx, lambda p: profiles.editable(p, data.field))
        await profiles.clear(ctx.deps.storage, profile, data.field, ctx.now)
        await self._saved(ctx, data.field)
