"""What follows a coordinator ending someone's staff access (bot/services/coordination.py):
their command menu becomes that of someone not set up, and they are told kindly, in one
message kept in the outbox (bot/outbox.py) until Telegram has it. The people they supported
were each told by the handover or the ending itself."""

from __future__ import annotations

from bot import outbox
from bot.menus import set_role_commands
from bot.routing import AppCtx
from bot.services.coordination import CoordinatorUnlisted, StaffDeactivated

__all__ = ["on_deactivated", "on_unlisted"]


async def on_deactivated(event: StaffDeactivated, app: AppCtx) -> None:
    """Their menu ends now, and they hear what happened, without blame."""
    await set_role_commands(app.bot, app.deps, app.flows, event.user_id, None)
    copy = app.copy_for(await app.deps.storage.get_user(event.user_id))
    key = f"staff:{event.user_id}:off:{int(app.deps.clock.now().timestamp())}"
    text = copy.text(
        "coordinator.deactivated_you",
        role=copy.button(f"onboarding.role_name_{event.role}"),
        service=app.deps.settings.service_name,
    )
    if await outbox.queue(app.deps, key, "notice", outbox.Send(event.user_id, text)):
        await outbox.send_now(app.deps, app.bot, [key], app.events)


async def on_unlisted(event: CoordinatorUnlisted, app: AppCtx) -> None:
    """A coordinator taken off the settings' list: their menu ends now, and they hear so."""
    await set_role_commands(app.bot, app.deps, app.flows, event.user_id, None)
    copy = app.copy_for(await app.deps.storage.get_user(event.user_id))
    key = f"staff:{event.user_id}:unlisted:{int(app.deps.clock.now().timestamp())}"
    text = copy.text("coordinator.unlisted_you", service=app.deps.settings.service_name)
    if await outbox.queue(app.deps, key, "notice", outbox.Send(event.user_id, text)):
        await outbox.send_now(app.deps, app.bot, [key], app.events)
