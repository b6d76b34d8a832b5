"""Onboarding: what the bot is, consent, role, region and name; invites; /help; /settings.

State diagram: flows/onboarding.mmd
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.app import commands_for, set_role_commands
from bot.callbacks import CallbackCodec, InvalidCallback
from bot.deps import Deps
from bot.domain.invites import code_hash, invitable_roles, looks_like_code
from bot.domain.roles import RELATIONSHIPS, clean_alias
from bot.flowkit import (
    END,
    Context,
    Flow,
    answer_query,
    buttons,
    conversation,
    current_user,
    main_keyboard,
    send,
    show,
)
from bot.storage import User

__all__ = ["build"]

CONSENT, ROLE, RELATIONSHIP, REGION, TIMEZONE, ALIAS, CODE = (
    "consent", "role", "relationship", "region", "timezone", "alias", "code",
)
SET_MENU, SET_NAME, SET_REL, SET_REGION, SET_TZ = (
    "set_menu", "set_name", "set_rel", "set_region", "set_tz",
)

CB = CallbackCodec("onb", {"consent", "role", "rel", "region", "tz", "skip", "back"})
SET = CallbackCodec("set", {"open", "name", "rel", "region", "tz", "pick_rel", "pick_region",
                            "pick_tz", "done", "back"})


def build(deps: Deps) -> Flow:
    """The onboarding flow's handlers."""
    content, settings, storage, clock = deps.content, deps.settings, deps.storage, deps.clock

    def role_name(role: str) -> str:
        return content.button(f"onboarding.role_name_{role}")

    def help_text(context: Context, role: str | None) -> str:
        # Made from the role's command menu itself, so /help never drifts from it.
        lines = [content.text("help.line", command=c.command, description=c.description)
                 for c in commands_for(context.application.bot_data["flows"], role, deps)]
        return "\n".join([content.text(f"help.{role or 'none'}"), "", *lines])

    async def ask_consent(update: Update, context: Context) -> str:
        chat = update.effective_chat
        assert chat is not None
        await send(context, chat.id, content.text("onboarding.welcome",
                                                  service=settings.service_name),
                   main_keyboard(deps))
        await send(context, chat.id, content.text("onboarding.privacy"), consent_buttons())
        return CONSENT

    def consent_buttons() -> InlineKeyboardMarkup:
        return buttons([
            [(content.button("onboarding.consent_yes"), CB.pack("consent", "yes"))],
            [(content.button("onboarding.consent_more"), CB.pack("consent", "more"))],
            [(content.button("onboarding.consent_no"), CB.pack("consent", "no"))],
        ])

    def role_buttons() -> InlineKeyboardMarkup:
        return buttons([
            [(content.button("onboarding.role_consumer"), CB.pack("role", "consumer"))],
            [(content.button("onboarding.role_carer"), CB.pack("role", "carer"))],
            [(content.button("onboarding.role_invite"), CB.pack("role", "invite"))],
        ])

    async def start(update: Update, context: Context) -> str | int:
        assert update.effective_user is not None and context.user_data is not None
        uid = update.effective_user.id
        payload = context.args[0] if context.args else None
        draft: dict[str, object] = {}
        if payload and looks_like_code(payload):
            draft["invite"] = code_hash(payload)
        context.user_data["onboarding"] = draft
        user = await storage.get_user(uid)
        if user is None or not user.consented:
            return await ask_consent(update, context)
        if draft.get("invite"):
            return await redeem(update, context, user, str(draft["invite"]))
        if user.role is None:
            await send(context, uid, content.text("onboarding.ask_role"), role_buttons())
            return ROLE
        await send(context, uid, content.text("onboarding.welcome_back",
                                              name_part=name_part(user.alias)),
                   main_keyboard(deps))
        await send(context, uid, help_text(context, user.role))
        await set_role_commands(context.application, uid, user.role)
        return END

    def name_part(alias: str | None) -> str:
        return f", {alias}" if alias else ""

    async def on_consent(update: Update, context: Context) -> str | int:
        assert update.effective_user is not None and context.user_data is not None
        uid = update.effective_user.id
        try:
            choice = CB.unpack_query(update)
        except InvalidCallback:
            await answer_query(update)
            return CONSENT
        answer = choice.arg()
        if answer == "more":
            await show(update, context, content.text("onboarding.privacy_more"),
                       consent_buttons())
            return CONSENT
        if answer == "no":
            await storage.record_consent(uid, clock.now(), given=False)
            context.user_data.pop("onboarding", None)
            await show(update, context, content.text("onboarding.refused"))
            return END
        user = await storage.record_consent(uid, clock.now(), given=True)
        draft = context.user_data.setdefault("onboarding", {})
        if uid in settings.coordinators:
            await storage.update_user(uid, clock.now(), role="coordinator")
            await show(update, context, content.text("onboarding.role_given",
                                                     role=role_name("coordinator")))
            return await after_role(update, context)
        if draft.get("invite"):
            await answer_query(update)
            return await redeem(update, context, user, str(draft["invite"]))
        await show(update, context, content.text("onboarding.ask_role"),
                   role_buttons())
        return ROLE

    async def redeem(update: Update, context: Context, user: User, hashed: str) -> str | int:
        assert context.user_data is not None
        context.user_data.get("onboarding", {}).pop("invite", None)
        result = await storage.redeem_invite(hashed, user.user_id, clock.now())
        if result.role is not None and result.role not in invitable_roles(settings.model):
            await storage.update_user(user.user_id, clock.now(), role=None)
            result_problem = "role_unavailable"
        else:
            result_problem = result.problem or ""
        if result.role is not None and not result_problem:
            await send(context, user.user_id, content.text("onboarding.role_given",
                                                           role=role_name(result.role)))
            return await after_role(update, context)
        await send(context, user.user_id, content.text(f"onboarding.code_{result_problem}"))
        if user.role is None:
            return CODE
        return END

    async def on_role(update: Update, context: Context) -> str | int:
        assert update.effective_user is not None
        uid = update.effective_user.id
        try:
            role = CB.unpack_query(update).arg()
        except InvalidCallback:
            await answer_query(update)
            return ROLE
        if role == "consumer":
            await storage.update_user(uid, clock.now(), role="consumer", relationship=None)
            await answer_query(update)
            return await after_role(update, context)
        if role == "carer":
            rows = [[(content.button(f"onboarding.rel_{r}"), CB.pack("rel", r))]
                    for r in RELATIONSHIPS]
            rows.append([(content.button("common.back_button"), CB.pack("back", "role"))])
            await show(update, context, content.text("onboarding.ask_relationship"),
                       buttons(rows))
            return RELATIONSHIP
        await show(update, context, content.text("onboarding.ask_code"),
                   buttons([[(content.button("common.back_button"), CB.pack("back", "role"))]]))
        return CODE

    async def back_to_role(update: Update, context: Context) -> str:
        await show(update, context, content.text("onboarding.ask_role"),
                   role_buttons())
        return ROLE

    async def on_relationship(update: Update, context: Context) -> str | int:
        assert update.effective_user is not None
        try:
            rel = CB.unpack_query(update).arg()
        except InvalidCallback:
            rel = ""
        if rel not in RELATIONSHIPS:
            await answer_query(update)
            return RELATIONSHIP
        await storage.update_user(update.effective_user.id, clock.now(), role="carer",
                                  relationship=rel)
        await answer_query(update)
        return await after_role(update, context)

    async def after_role(update: Update, context: Context) -> str:
        assert update.effective_user is not None
        uid = update.effective_user.id
        regions, zones = settings.offered_regions(), settings.offered_timezones()
        if len(regions) > 1:
            rows = [[(r, CB.pack("region", r))] for r in regions]
            await send(context, uid, content.text("onboarding.ask_region"), buttons(rows))
            return REGION
        await storage.update_user(uid, clock.now(), region=regions[0])
        if len(zones) > 1:
            return await ask_timezone(context, uid)
        await storage.update_user(uid, clock.now(), timezone=zones[0])
        return await ask_alias(context, uid)

    async def ask_timezone(context: Context, uid: int) -> str:
        zones = settings.offered_timezones()
        rows = [[(z.replace("_", " "), CB.pack("tz", i))] for i, z in enumerate(zones)]
        await send(context, uid, content.text("onboarding.ask_timezone"), buttons(rows))
        return TIMEZONE

    async def ask_alias(context: Context, uid: int) -> str:
        await send(context, uid, content.text("onboarding.ask_alias"),
                   buttons([[(content.button("common.skip_button"), CB.pack("skip"))]]))
        return ALIAS

    async def on_region(update: Update, context: Context) -> str:
        assert update.effective_user is not None
        uid = update.effective_user.id
        try:
            region = CB.unpack_query(update).arg()
        except InvalidCallback:
            region = ""
        if region not in settings.offered_regions():
            await answer_query(update)
            return REGION
        await storage.update_user(uid, clock.now(), region=region)
        await answer_query(update)
        zones = settings.offered_timezones()
        if len(zones) > 1:
            return await ask_timezone(context, uid)
        await storage.update_user(uid, clock.now(), timezone=zones[0])
        return await ask_alias(context, uid)

    async def on_timezone(update: Update, context: Context) -> str:
        assert update.effective_user is not None
        uid = update.effective_user.id
        zones = settings.offered_timezones()
        try:
            index = CB.unpack_query(update).int_arg()
            zone = zones[index]
        except (InvalidCallback, IndexError):
            await answer_query(update)
            return TIMEZONE
        await storage.update_user(uid, clock.now(), timezone=zone)
        await answer_query(update)
        return await ask_alias(context, uid)

    async def on_alias_text(update: Update, context: Context) -> str | int:
        assert update.effective_user is not None and update.effective_message is not None
        alias = clean_alias(update.effective_message.text or "")
        if alias is None:
            await send(context, update.effective_user.id, content.text("onboarding.alias_invalid"))
            return ALIAS
        await storage.update_user(update.effective_user.id, clock.now(), alias=alias)
        return await finish(update, context)

    async def on_alias_skip(update: Update, context: Context) -> int:
        await answer_query(update)
        return await finish(update, context)

    async def finish(update: Update, context: Context) -> int:
        assert update.effective_user is not None and context.user_data is not None
        uid = update.effective_user.id
        context.user_data.pop("onboarding", None)
        user = await storage.get_user(uid)
        assert user is not None
        await set_role_commands(context.application, uid, user.role)
        await send(context, uid, content.text("onboarding.done", name_part=name_part(user.alias),
                                              help=help_text(context, user.role)),
                   main_keyboard(deps))
        return END

    async def on_code(update: Update, context: Context) -> str | int:
        assert update.effective_user is not None and update.effective_message is not None
        text = (update.effective_message.text or "").strip()
        user = await storage.get_user(update.effective_user.id)
        assert user is not None
        if not looks_like_code(text):
            await send(context, user.user_id, content.text("onboarding.code_unknown"))
            return CODE
        return await redeem(update, context, user, code_hash(text))

    onboarding = conversation(
        deps, "onboarding",
        entry_points=[CommandHandler("start", start)],
        states={
            CONSENT: [CallbackQueryHandler(on_consent, pattern=r"^onb:consent:")],
            ROLE: [CallbackQueryHandler(on_role, pattern=r"^onb:role:")],
            RELATIONSHIP: [CallbackQueryHandler(on_relationship, pattern=r"^onb:rel:"),
                           CallbackQueryHandler(back_to_role, pattern=r"^onb:back:")],
            REGION: [CallbackQueryHandler(on_region, pattern=r"^onb:region:")],
            TIMEZONE: [CallbackQueryHandler(on_timezone, pattern=r"^onb:tz:")],
            ALIAS: [MessageHandler(filters.TEXT & ~filters.COMMAND, on_alias_text),
                    CallbackQueryHandler(on_alias_skip, pattern=r"^onb:skip")],
            CODE: [MessageHandler(filters.TEXT & ~filters.COMMAND, on_code),
                   CallbackQueryHandler(back_to_role, pattern=r"^onb:back:")],
        },
    )

    # -- /help --------------------------------------------------------------------------

    async def help_command(update: Update, context: Context) -> None:
        assert update.effective_chat is not None
        user = await current_user(deps, update)
        role = user.role if user is not None else None
        await send(context, update.effective_chat.id, help_text(context, role))

    # -- /settings ----------------------------------------------------------------------

    def settings_menu(user: User) -> InlineKeyboardMarkup:
        rows = [[(content.button("onboarding.settings_name",
                                 alias=user.alias or content.button("onboarding.name_unset")),
                  SET.pack("name"))]]
        if user.role == "carer":
            rows.append([(content.button("onboarding.settings_relationship"), SET.pack("rel"))])
        if len(settings.offered_regions()) > 1:
            rows.append([(content.button("onboarding.settings_region",
                                         region=user.region or settings.region),
                          SET.pack("region"))])
        if len(settings.offered_timezones()) > 1:
            rows.append([(content.button("onboarding.settings_timezone",
                                         timezone=(user.timezone or settings.timezone)
                                         .replace("_", " ")),
                          SET.pack("tz"))])
        rows.append([(content.button("onboarding.settings_done"), SET.pack("done"))])
        return buttons(rows)

    async def settings_command(update: Update, context: Context) -> str | int:
        assert update.effective_chat is not None
        user = await current_user(deps, update)
        if user is None or user.role is None:
            await send(context, update.effective_chat.id, content.text("common.need_start"))
            return END
        await show(update, context, content.text("onboarding.settings_menu"),
                   settings_menu(user))
        return SET_MENU

    async def settings_pick(update: Update, context: Context) -> str | int:
        user = await current_user(deps, update)
        try:
            action = SET.unpack_query(update).action
        except InvalidCallback:
            await answer_query(update)
            return SET_MENU
        if user is None:
            await answer_query(update)
            return END
        back = [(content.button("common.back_button"), SET.pack("back"))]
        if action == "name":
            await show(update, context, content.text("onboarding.ask_alias"), buttons([back]))
            return SET_NAME
        if action == "rel" and user.role == "carer":
            rows = [[(content.button(f"onboarding.rel_{r}"), SET.pack("pick_rel", r))]
                    for r in RELATIONSHIPS]
            await show(update, context, content.text("onboarding.ask_relationship"),
                       buttons([*rows, back]))
            return SET_REL
        if action == "region" and len(settings.offered_regions()) > 1:
            rows = [[(r, SET.pack("pick_region", r))] for r in settings.offered_regions()]
            await show(update, context, content.text("onboarding.ask_region"),
                       buttons([*rows, back]))
            return SET_REGION
        if action == "tz" and len(settings.offered_timezones()) > 1:
            rows = [[(z.replace("_", " "), SET.pack("pick_tz", i))]
                    for i, z in enumerate(settings.offered_timezones())]
            await show(update, context, content.text("onboarding.ask_timezone"),
                       buttons([*rows, back]))
            return SET_TZ
        if action == "done":
            await show(update, context, content.text("onboarding.settings_closed"))
            return END
        return await settings_command(update, context)

    async def settings_saved(update: Update, context: Context) -> str:
        user = await current_user(deps, update)
        assert user is not None
        await show(update, context, content.text("onboarding.settings_saved"),
                   settings_menu(user))
        return SET_MENU

    async def settings_value(update: Update, context: Context) -> str | int:
        assert update.effective_user is not None
        uid = update.effective_user.id
        try:
            data = SET.unpack_query(update)
            if data.action == "pick_rel" and data.arg() in RELATIONSHIPS:
                await storage.update_user(uid, clock.now(), relationship=data.arg())
            elif data.action == "pick_region" and data.arg() in settings.offered_regions():
                await storage.update_user(uid, clock.now(), region=data.arg())
            elif data.action == "pick_tz":
                zone = settings.offered_timezones()[data.int_arg()]
                await storage.update_user(uid, clock.now(), timezone=zone)
                # Check-ins follow the person's clock, so the next one moves with them.
                from flows.checkins import reschedule_for_timezone

                await reschedule_for_timezone(deps, uid, zone)
            else:
                raise InvalidCallback("not a value")
        except (InvalidCallback, IndexError):
            await answer_query(update)
            return SET_MENU
        return await settings_saved(update, context)

    async def settings_name(update: Update, context: Context) -> str:
        assert update.effective_user is not None and update.effective_message is not None
        alias = clean_alias(update.effective_message.text or "")
        if alias is None:
            await send(context, update.effective_user.id, content.text("onboarding.alias_invalid"))
            return SET_NAME
        await storage.update_user(update.effective_user.id, clock.now(), alias=alias)
        return await settings_saved(update, context)

    back_to_menu = CallbackQueryHandler(settings_command, pattern=r"^set:back")
    settings_conv = conversation(
        deps, "settings",
        entry_points=[CommandHandler("settings", settings_command)],
        states={
            SET_MENU: [CallbackQueryHandler(settings_pick, pattern=r"^set:")],
            SET_NAME: [MessageHandler(filters.TEXT & ~filters.COMMAND, settings_name),
                       back_to_menu],
            SET_REL: [CallbackQueryHandler(settings_value, pattern=r"^set:pick_rel:"),
                      back_to_menu],
            SET_REGION: [CallbackQueryHandler(settings_value, pattern=r"^set:pick_region:"),
                         back_to_menu],
            SET_TZ: [CallbackQueryHandler(settings_value, pattern=r"^set:pick_tz:"),
                     back_to_menu],
        },
    )

    everyone = [("start", "commands.start"), ("help", "commands.help"),
                ("settings", "commands.settings"), ("crisis", "commands.crisis")]
    return Flow(
        name="onboarding",
        handlers=[onboarding, settings_conv, CommandHandler("help", help_command)],
        commands={"none": [("start", "commands.start"), ("help", "commands.help"),
                           ("crisis", "commands.crisis")],
                  "*": everyone},
    )
