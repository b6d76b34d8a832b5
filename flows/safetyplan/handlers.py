"""/safetyplan: write, read and share a personal safety plan."""

from __future__ import annotations

import json
from typing import Any, cast

from bot.domain.safetyplan import MAX_PART_LENGTH, PARTS, clean_part, plan_from, with_part
from bot.routing import Ctx, StaleButton
from bot.safety import ShowSafetyPlan, region_contacts
from flows.safetyplan.callbacks import (
    Part,
    PlanClear,
    PlanDone,
    PlanEdit,
    PlanKeep,
    PlanKeepFlagged,
    PlanMenu,
    PlanShare,
    PlanShareAnswer,
)
from flows.safetyplan.views import (
    ask_part,
    keep_flagged_question,
    menu,
    read_only,
    share_question,
    shared_copy,
)

__all__ = ["STEP", "Handlers"]

STEP = "safetyplan.part"


class Handlers:
    """One method per action."""

    # -- reading and writing the plan -------------------------------------------------------

    async def _plan(self, ctx: Ctx, user_id: int | None = None) -> dict[str, str]:
        stored = await ctx.deps.storage.safety_plan(user_id or ctx.user_id)
        if stored is None:
            return {}
        return plan_from(json.loads(ctx.deps.cipher.decrypt(stored)))

    async def _save(self, ctx: Ctx, plan: dict[str, str]) -> None:
        blob = ctx.deps.cipher.encrypt(json.dumps(plan)) if plan else None
        await ctx.deps.storage.save_safety_plan(ctx.user_id, blob, ctx.now)

    async def _peer_name(self, ctx: Ctx) -> tuple[int, str] | None:
        match = await ctx.deps.storage.active_match_for_person(ctx.user_id)
        if match is None:
            return None
        profile = await ctx.deps.storage.get_profile(match.peer_id)
        name = (
            profile.display_name
            if profile is not None
            else ctx.copy.button("matching.peer_fallback")
        )
        return match.peer_id, name

    async def _menu(self, ctx: Ctx, note: str | None = None) -> None:
        can_share = await self._peer_name(ctx) is not None
        await ctx.show(*menu(ctx.copy, await self._plan(ctx), can_share=can_share, note=note))

    # -- actions ----------------------------------------------------------------------------

    async def command(self, ctx: Ctx) -> None:
        """/safetyplan: the plan so far, with a button for each part."""
        await self._menu(ctx)

    async def show(self, ctx: Ctx, _: ShowSafetyPlan) -> None:
        """From the crisis card: the plan as it is, first."""
        plan = await self._plan(ctx)
        if not plan:
            raise StaleButton
        await ctx.answer()
        await ctx.reply(*read_only(ctx.copy, plan))

    async def open_menu(self, ctx: Ctx, _: PlanMenu) -> None:
        """Back to the plan's menu."""
        ctx.end_step()
        await self._menu(ctx)

    async def edit(self, ctx: Ctx, data: PlanEdit) -> None:
        """Ask for one part, showing what it says now."""
        ctx.start_step(STEP, part=data.part)
        await ctx.answer()
        await self.ask(ctx)

    async def ask(self, ctx: Ctx) -> None:
        """(Re)send the question for the part being written."""
        part = cast(Part, ctx.draft.get("part"))
        current = (await self._plan(ctx)).get(part)
        if current is None and part == "professionals":
            current = self._professionals_default(ctx)
        await ctx.reply(*ask_part(ctx.copy, part, current))

    async def answer(self, ctx: Ctx, text: str) -> None:
        """Keep what they typed for the part (a flagged message never reaches here)."""
        part = str(ctx.draft.get("part"))
        cleaned = clean_part(text)
        if cleaned is None:
            await ctx.reply(ctx.copy.text("safetyplan.too_long", most=MAX_PART_LENGTH))
            return
        await self._save(ctx, with_part(await self._plan(ctx), part, cleaned))
        ctx.end_step()
        await self._menu(ctx, note=ctx.copy.text("safetyplan.saved"))

    async def flagged(self, ctx: Ctx, text: str) -> None:
        """Words the safety net flagged (the card is already above): ask whether to keep
        them, since a plan is, by its nature, about hard moments."""
        if clean_part(text) is None:
            await self.ask(ctx)
            return
        ctx.draft["pending"] = text
        await ctx.reply(*keep_flagged_question(ctx.copy))

    async def keep_flagged(self, ctx: Ctx, data: PlanKeepFlagged) -> None:
        """Keep the flagged words in the part, or let them go."""
        pending, part = ctx.draft.get("pending"), ctx.draft.get("part")
        if ctx.step != STEP or not isinstance(pending, str) or part not in PARTS:
            raise StaleButton
        if data.answer == "no":
            ctx.draft.pop("pending", None)
            await ctx.show(ctx.copy.text("safetyplan.not_kept"))
            await self.ask(ctx)
            return
        await self.answer(ctx, pending)

    async def keep(self, ctx: Ctx, _: PlanKeep) -> None:
        """Leave the part as it is."""
        ctx.end_step()
        await self._menu(ctx)

    async def clear(self, ctx: Ctx, data: PlanClear) -> None:
        """Clear one part."""
        ctx.end_step()
        await self._save(ctx, with_part(await self._plan(ctx), data.part, None))
        await self._menu(ctx, note=ctx.copy.text("safetyplan.cleared"))

    async def done(self, ctx: Ctx, _: PlanDone) -> None:
        """Close the menu, leaving the plan on screen."""
        ctx.end_step()
        plan = await self._plan(ctx)
        await ctx.show(*read_only(ctx.copy, plan)) if plan else await ctx.answer()

    # -- sharing ----------------------------------------------------------------------------

    async def share(self, ctx: Ctx, _: PlanShare) -> None:
        """Ask before sending the plan to their peer worker."""
        peer = await self._peer_name(ctx)
        if peer is None or not await self._plan(ctx):
            raise StaleButton
        await ctx.show(*share_question(ctx.copy, peer[1]))

    async def share_answer(self, ctx: Ctx, data: PlanShareAnswer) -> None:
        """Send it after a yes; nothing after a no."""
        peer, plan = await self._peer_name(ctx), await self._plan(ctx)
        if data.answer == "no" or peer is None or not plan:
            await self._menu(ctx)
            return
        person = (
            ctx.user.alias
            if ctx.user is not None and ctx.user.alias
            else ctx.copy.button("matching.no_alias")
        )
        peer_user = await ctx.deps.storage.get_user(peer[0])
        delivered = await ctx.tell(peer[0], shared_copy(ctx.copy_for(peer_user), person, plan))
        if delivered:
            await ctx.deps.storage.mark_safety_plan_shared(ctx.user_id, ctx.now)
        key = "safetyplan.shared" if delivered else "safetyplan.share_failed"
        await self._menu(ctx, note=ctx.copy.text(key, name=peer[1]))

    # -- /mydata ----------------------------------------------------------------------------

    def exporter(self, deps: Any) -> Any:
        """The /mydata section: the plan, decrypted, for its owner only."""

        async def export(user_id: int) -> dict[str, Any]:
            stored = await deps.storage.safety_plan(user_id)
            if stored is None:
                return {}
            return {"safety_plan": plan_from(json.loads(deps.cipher.decrypt(stored)))}

        return export

    def _professionals_default(self, ctx: Ctx) -> str:
        region = ctx.user.region if ctx.user is not None else None
        chosen = region_contacts(ctx.deps, region)
        lines = "\n".join(f"{c.name}: {c.phone or c.text}" for c in chosen.contacts)
        return ctx.copy.button(
            "safetyplan.professionals_default", lines=lines, emergency=chosen.emergency
        )


assert set(PARTS) == set(Part.__args__)  # type: ignore[attr-defined]
