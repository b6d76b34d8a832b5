"""A coordinator's new-group wizard, and changing one detail of a group (wizard.mmd).

Every step, and everything answered so far, is kept in the person's stored session
(ctx.draft, encrypted), never in memory. A press that belongs to a step no longer open is
stale. Typed answers are checked by bot/domain/groups.py; a problem is explained and the
same question stays open.

Every question has Back (to the question before it; from the first, to the groups) and
Stop. The last screen is a summary to check: Save, and a Change button for every answer.
Changing one answer from there asks that question alone and comes back to the summary
(after a change of format the link or address is asked again, and after a change of how
often it meets, the date when the old one no longer fits).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from bot.domain.groups import (
    Group,
    InputProblem,
    Schedule,
    clean_description,
    clean_facilitator,
    clean_name,
    clean_place,
    parse_capacity,
    parse_dates,
    parse_time_range,
)
from bot.nominated_hours import zone_name
from bot.routing import Ctx, StaleButton, Step
from bot.services import groups as service
from flows.groups import views
from flows.groups.callbacks import (
    ChangeField,
    EditField,
    NewGroup,
    NoLimit,
    PickAudience,
    PickFormat,
    PickKind,
    Save,
    StopWizard,
    WizardBack,
    WizardField,
    WizardVisible,
)
from flows.groups.handlers import EDIT, show_card, show_manage, stale_when_gone

__all__ = ["EDIT", "STEPS", "Wizard", "draft_group"]

NAME, DESC, AUDIENCE, FORMAT, PLACE = (
    "groups.new.name",
    "groups.new.desc",
    "groups.new.audience",
    "groups.new.format",
    "groups.new.place",
)
KIND, DATES, TIME, FACILITATOR, CAPACITY, CONFIRM = (
    "groups.new.kind",
    "groups.new.dates",
    "groups.new.time",
    "groups.new.facilitator",
    "groups.new.capacity",
    "groups.new.confirm",
)
LEFT = "groups.wizard_left"  # said when a command steps out of a new group
#: The wizard's steps in the order it asks them, each with the name its buttons use.
STEPS: tuple[tuple[WizardField, str], ...] = (
    ("name", NAME),
    ("desc", DESC),
    ("aud", AUDIENCE),
    ("fmt", FORMAT),
    ("place", PLACE),
    ("kind", KIND),
    ("dates", DATES),
    ("time", TIME),
    ("fac", FACILITATOR),
    ("cap", CAPACITY),
    ("sum", CONFIRM),
)
_STEP_OF: dict[str, str] = dict(STEPS)
_FIELD_OF: dict[str, WizardField] = {step: field for field, step in STEPS}
#: What each step stores in the draft: the summary needs them all.
_NEEDS: tuple[tuple[str, str], ...] = (
    ("name", NAME),
    ("description", DESC),
    ("audience", AUDIENCE),
    ("format", FORMAT),
    ("place", PLACE),
    ("kind", KIND),
    ("dates", DATES),
    ("minutes", TIME),
    ("facilitator", FACILITATOR),
    ("capacity", CAPACITY),
)
_EDIT_QUESTIONS = {
    "name": "groups.ask_name",
    "desc": "groups.ask_description",
    "time": "groups.ask_time",
    "fac": "groups.ask_facilitator",
    "cap": "groups.ask_capacity",
}


def _tz_name(ctx: Ctx) -> str:
    return zone_name(ctx.copy, ctx.deps.settings.timezone)


def draft_group(draft: dict[str, Any], group_id: int = 0) -> Group:
    """The group a finished draft describes (KeyError or ValueError if it is not finished)."""
    dates = tuple(date.fromisoformat(x) for x in draft["dates"])
    schedule = Schedule(
        kind=draft["kind"],
        first=dates[0],
        minutes=int(draft["minutes"]),
        duration=int(draft["duration"]),
        dates=dates if draft["kind"] == "once" else (),
    )
    return Group(
        group_id,
        draft["name"],
        draft["description"],
        draft["audience"],
        draft["format"],
        draft["place"],
        schedule,
        draft["facilitator"],
        draft.get("capacity"),
        members_visible=bool(draft.get("visible")),
    )


def _missing(draft: dict[str, Any]) -> str | None:
    """The first step whose answer the draft lacks (None: ready for the summary)."""
    for key, step in _NEEDS:
        if key not in draft:
            return step
    return None


class Wizard:
    """One method per question and per answer."""

    def steps(self) -> list[Step]:
        """The wizard's steps, for the route table; at a button step, typing asks again."""
        asks: dict[str, Callable[[Ctx], Awaitable[None]]] = {
            AUDIENCE: self.ask_audience,
            FORMAT: self.ask_format,
            KIND: self.ask_kind,
            CONFIRM: self.ask_summary,
        }
        typed: dict[
            str, tuple[Callable[[Ctx], Awaitable[None]], Callable[[Ctx, str], Awaitable[None]]]
        ] = {
            NAME: (self.ask_name, self.on_name),
            DESC: (self.ask_desc, self.on_desc),
            PLACE: (self.ask_place, self.on_place),
            DATES: (self.ask_dates, self.on_dates),
            TIME: (self.ask_time, self.on_time),
            FACILITATOR: (self.ask_facilitator, self.on_facilitator),
            CAPACITY: (self.ask_capacity, self.on_capacity),
            EDIT: (self.ask_edit, self.on_edit),
        }
        # EDIT changes one answer of a saved group: nothing else is lost by leaving it
        return [
            *(
                Step(name, ask=ask, on_text=self._asks_again(ask), left=LEFT)
                for name, ask in asks.items()
            ),
            *(
                Step(name, ask=ask, on_text=answer, left=None if name == EDIT else LEFT)
                for name, (ask, answer) in typed.items()
            ),
        ]

    @staticmethod
    def _asks_again(ask: Callable[[Ctx], Awaitable[None]]) -> Callable[[Ctx, str], Awaitable[None]]:
        async def typed_at_a_button_step(ctx: Ctx, text: str) -> None:
            """Typing where a button is wanted asks the question again."""
            await ask(ctx)

        return typed_at_a_button_step

    @staticmethod
    def _at(ctx: Ctx, *steps: str) -> None:
        if ctx.step not in steps:
            raise StaleButton

    async def _retry(self, ctx: Ctx, problem: InputProblem) -> None:
        why = views.reason(ctx.copy, problem)
        if ctx.step == EDIT:
            await ctx.reply(*views.try_again(ctx.copy, why, edit_of=int(ctx.draft["group"])))
        else:
            await ctx.reply(
                *views.try_again(ctx.copy, why, back=_FIELD_OF.get(ctx.step or "", "name"))
            )

    async def _ask(self, ctx: Ctx, step: str) -> None:
        """Open STEP and ask its question."""
        ctx.goto(step)
        ask = {
            NAME: self.ask_name,
            DESC: self.ask_desc,
            AUDIENCE: self.ask_audience,
            FORMAT: self.ask_format,
            PLACE: self.ask_place,
            KIND: self.ask_kind,
            DATES: self.ask_dates,
            TIME: self.ask_time,
            FACILITATOR: self.ask_facilitator,
            CAPACITY: self.ask_capacity,
            CONFIRM: self.ask_summary,
        }[step]
        await ask(ctx)

    async def _then(self, ctx: Ctx, step: str) -> None:
        """After an answer: the next question STEP, or, when changing one answer from the
        summary, the summary again (or whatever that change left unanswered)."""
        if ctx.draft.get("review"):
            step = _missing(ctx.draft) or CONFIRM
        await self._ask(ctx, step)

    # -- starting, stopping, going back, changing one answer --------------------------------

    async def start(self, ctx: Ctx, data: NewGroup) -> None:
        """Add a new group: its name first."""
        ctx.start_step(NAME)
        await self.ask_name(ctx)

    async def on_stop(self, ctx: Ctx, data: StopWizard) -> None:
        """Stop without saving anything."""
        if ctx.step is None or not (ctx.step.startswith("groups.new.") or ctx.step == EDIT):
            raise StaleButton
        ctx.end_step()
        await ctx.show(ctx.copy.text("groups.wizard_stopped"))

    async def on_back(self, ctx: Ctx, data: WizardBack) -> None:
        """Back: to the question before (from the first, to the groups); when changing one
        answer from the summary, to the summary."""
        self._at(ctx, _STEP_OF[data.at])
        if ctx.step == NAME and not ctx.draft.get("review"):
            ctx.end_step()
            await show_manage(ctx)
            return
        if ctx.draft.get("review") and ctx.step != CONFIRM:
            await self._ask(ctx, _missing(ctx.draft) or CONFIRM)
            return
        order = [step for _, step in STEPS]
        await self._ask(ctx, order[order.index(ctx.step or NAME) - 1])

    async def on_change(self, ctx: Ctx, data: ChangeField) -> None:
        """From the summary: ask one question again, then come back to the summary."""
        self._at(ctx, CONFIRM)
        ctx.draft["review"] = True
        await self._ask(ctx, _STEP_OF[data.field])

    async def on_visible(self, ctx: Ctx, data: WizardVisible) -> None:
        """From the summary: switch whether members see who else is coming."""
        self._at(ctx, CONFIRM)
        ctx.draft["visible"] = not ctx.draft.get("visible", False)
        await self.ask_summary(ctx)

    # -- typed answers ----------------------------------------------------------------------

    async def ask_name(self, ctx: Ctx) -> None:
        """What is the group called?"""
        await ctx.show(*views.question(ctx.copy, "groups.ask_name", back="name"))

    async def on_name(self, ctx: Ctx, text: str) -> None:
        """The name; then the description."""
        try:
            ctx.draft["name"] = clean_name(text)
        except InputProblem as problem:
            await self._retry(ctx, problem)
            return
        await self._then(ctx, DESC)

    async def ask_desc(self, ctx: Ctx) -> None:
        """Describe the group."""
        await ctx.show(*views.question(ctx.copy, "groups.ask_description", back="desc"))

    async def on_desc(self, ctx: Ctx, text: str) -> None:
        """The description; then who it is for."""
        try:
            ctx.draft["description"] = clean_description(text)
        except InputProblem as problem:
            await self._retry(ctx, problem)
            return
        await self._then(ctx, AUDIENCE)

    async def ask_place(self, ctx: Ctx) -> None:
        """The link (online) or the address (in person)."""
        online = ctx.draft.get("format") == "online"
        await ctx.show(
            *views.question(
                ctx.copy, "groups.ask_link" if online else "groups.ask_address", back="place"
            )
        )

    async def on_place(self, ctx: Ctx, text: str) -> None:
        """The link or address; then how often it meets."""
        try:
            ctx.draft["place"] = clean_place(ctx.draft.get("format", ""), text)
        except InputProblem as problem:
            await self._retry(ctx, problem)
            return
        await self._then(ctx, KIND)

    async def ask_dates(self, ctx: Ctx) -> None:
        """The first meeting's date, or every date of a one-off group."""
        once = ctx.draft.get("kind") == "once"
        await ctx.show(
            *views.question(
                ctx.copy, "groups.ask_dates" if once else "groups.ask_first_date", back="dates"
            )
        )

    async def on_dates(self, ctx: Ctx, text: str) -> None:
        """The date(s); then the time."""
        today = ctx.now.astimezone(ctx.deps.settings.tz).date()
        try:
            dates = parse_dates(text, today, views.typed_words(ctx.copy))
            if ctx.draft.get("kind") != "once" and len(dates) > 1:
                raise InputProblem("one_date", "give just one date")
        except InputProblem as problem:
            await self._retry(ctx, problem)
            return
        ctx.draft["dates"] = [d.isoformat() for d in dates]
        await self._then(ctx, TIME)

    async def ask_time(self, ctx: Ctx) -> None:
        """What time it starts (and ends), in the service's time zone."""
        await ctx.show(*views.question(ctx.copy, "groups.ask_time", back="time", tz=_tz_name(ctx)))

    async def on_time(self, ctx: Ctx, text: str) -> None:
        """The time; then the facilitator."""
        try:
            minutes, duration = parse_time_range(text, views.typed_words(ctx.copy))
        except InputProblem as problem:
            await self._retry(ctx, problem)
            return
        ctx.draft.update(minutes=minutes, duration=duration)
        await self._then(ctx, FACILITATOR)

    async def ask_facilitator(self, ctx: Ctx) -> None:
        """Who facilitates it?"""
        await ctx.show(*views.question(ctx.copy, "groups.ask_facilitator", back="fac"))

    async def on_facilitator(self, ctx: Ctx, text: str) -> None:
        """The facilitator; then the number of places."""
        try:
            ctx.draft["facilitator"] = clean_facilitator(text)
        except InputProblem as problem:
            await self._retry(ctx, problem)
            return
        await self._then(ctx, CAPACITY)

    async def ask_capacity(self, ctx: Ctx) -> None:
        """How many places (or no limit)?"""
        await ctx.show(*views.question(ctx.copy, "groups.ask_capacity", no_limit=True, back="cap"))

    async def on_capacity(self, ctx: Ctx, text: str) -> None:
        """The number of places; then the summary."""
        try:
            ctx.draft["capacity"] = parse_capacity(text)
        except InputProblem as problem:
            await self._retry(ctx, problem)
            return
        await self._then(ctx, CONFIRM)

    # -- button answers -------------------------------------------------------------------

    async def ask_audience(self, ctx: Ctx) -> None:
        """Who is the group for?"""
        await ctx.show(*views.audience_question(ctx.copy))

    async def on_audience(self, ctx: Ctx, data: PickAudience) -> None:
        """Who it is for; then online or in person."""
        self._at(ctx, AUDIENCE)
        ctx.draft["audience"] = data.audience
        await self._then(ctx, FORMAT)

    async def ask_format(self, ctx: Ctx) -> None:
        """Online or in person?"""
        await ctx.show(*views.format_question(ctx.copy))

    async def on_format(self, ctx: Ctx, data: PickFormat) -> None:
        """The format; then the link or address (asked again if the format changed)."""
        self._at(ctx, FORMAT)
        if ctx.draft.get("format") != data.format:
            ctx.draft.pop("place", None)  # an address is no link, and a link no address
        ctx.draft["format"] = data.format
        await self._then(ctx, PLACE)

    async def ask_kind(self, ctx: Ctx) -> None:
        """How often does it meet?"""
        await ctx.show(*views.kind_question(ctx.copy))

    async def on_kind(self, ctx: Ctx, data: PickKind) -> None:
        """How often; then the date(s) (asked again if they no longer fit)."""
        self._at(ctx, KIND)
        dates = ctx.draft.get("dates")
        if dates is not None and data.kind != "once" and len(dates) != 1:
            ctx.draft.pop("dates")  # a regular group starts on one date
        ctx.draft["kind"] = data.kind
        await self._then(ctx, DATES)

    async def on_no_limit(self, ctx: Ctx, data: NoLimit) -> None:
        """No limit on places: in the wizard, then the summary; when editing, saved."""
        self._at(ctx, CAPACITY, EDIT)
        if ctx.step == EDIT:
            if ctx.draft.get("field") != "cap":
                raise StaleButton
            await self._save_edit(ctx, {"capacity": None})
            return
        ctx.draft["capacity"] = None
        await self._then(ctx, CONFIRM)

    async def ask_summary(self, ctx: Ctx) -> None:
        """The new group, to check, change and save."""
        missing = _missing(ctx.draft)
        if missing is not None:  # a change left something to answer first
            ctx.draft["review"] = True
            await self._ask(ctx, missing)
            return
        await ctx.show(
            *views.summary(
                ctx.copy,
                draft_group(ctx.draft),
                ctx.deps.settings.tz,
                ctx.deps.zone(ctx.user),
                ctx.now,
            )
        )

    async def on_save(self, ctx: Ctx, data: Save) -> None:
        """Save the new group; it shows in the directory at once."""
        self._at(ctx, CONFIRM)
        try:
            group = draft_group(ctx.draft)
        except (KeyError, ValueError, IndexError):
            raise StaleButton from None
        await service.create_group(ctx.deps.storage, group, ctx.now)
        ctx.end_step()
        await show_manage(ctx, ctx.copy.text("groups.created", name=group.name))

    # -- changing one detail ----------------------------------------------------------------

    @stale_when_gone
    async def start_edit(self, ctx: Ctx, data: EditField) -> None:
        """Change one detail: ask for its new value."""
        await service.active_group(ctx.deps.storage, data.group)
        ctx.start_step(EDIT, group=data.group, field=data.field)
        await self.ask_edit(ctx)

    async def ask_edit(self, ctx: Ctx) -> None:
        """The question for the detail being changed, with Back to the list of details."""
        field, group_id = ctx.draft.get("field", ""), int(ctx.draft.get("group", 0))
        if field == "place":
            group = await service.active_group(ctx.deps.storage, group_id)
            key = "groups.ask_link" if group.format == "online" else "groups.ask_address"
        else:
            key = _EDIT_QUESTIONS.get(field, "groups.ask_name")
        await ctx.show(
            *views.question(
                ctx.copy, key, no_limit=field == "cap", edit_of=group_id, tz=_tz_name(ctx)
            )
        )

    async def on_edit(self, ctx: Ctx, text: str) -> None:
        """The new value: checked, saved, and the card shown again."""
        try:
            group = await service.active_group(ctx.deps.storage, int(ctx.draft["group"]))
            changes = _changes(str(ctx.draft.get("field")), group, text, ctx)
        except service.GroupGone:
            ctx.end_step()
            await ctx.reply(ctx.copy.text("groups.wizard_stopped"))
            return
        except InputProblem as problem:
            await self._retry(ctx, problem)
            return
        await self._save_edit(ctx, changes)

    async def _save_edit(self, ctx: Ctx, changes: dict[str, Any]) -> None:
        group_id = int(ctx.draft["group"])
        try:
            await service.edit_group(ctx.deps.storage, ctx.events, group_id, changes, ctx.now)
        except service.GroupGone:
            ctx.end_step()
            if ctx.query is not None:
                raise StaleButton from None
            await ctx.reply(ctx.copy.text("groups.wizard_stopped"))
            return
        ctx.end_step()
        await show_card(ctx, group_id, ctx.copy.text("groups.saved"))


def _changes(field: str, group: Group, text: str, ctx: Ctx) -> dict[str, Any]:
    """The columns a typed value for FIELD changes (InputProblem if it can't be used)."""
    if field == "name":
        return {"name": clean_name(text)}
    if field == "desc":
        return {"description": clean_description(text)}
    if field == "place":
        return {"place": clean_place(group.format, text)}
    if field == "time":
        minutes, duration = parse_time_range(text, views.typed_words(ctx.copy))
        return {"minutes": minutes, "duration": duration}
    if field == "fac":
        return {"facilitator": clean_facilitator(text)}
    return {"capacity": parse_capacity(text)}
