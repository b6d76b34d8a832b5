"""/profile for peer workers: display name, bio, nominated hours, caseload cap, optional
attributes, individual/group support, and pausing new matches. All editable later from a
menu that shows the current values.

State diagram: flows/profile.mmd
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.callbacks import CallbackCodec, InvalidCallback
from bot.content import Raw
from bot.deps import Deps
from bot.domain.hours import format_windows, parse_windows
from bot.domain.matching import (
    CHOICES,
    PeerProfile,
    clean_list,
    clean_text_value,
    profile_attribute_keys,
)
from bot.domain.roles import PEER_ROLES, RELATIONSHIPS, clean_alias
from bot.flowkit import END, Context, Flow, answer_query, buttons, conversation, send, show
from flows.matching import on_capacity_freed

__all__ = ["BIO_LIMIT", "P", "build"]

P = CallbackCodec("prof", {"menu", "edit", "set", "tog", "cap", "pause", "resume", "clear",
                           "done"})
SETUP_NAME, SETUP_BIO, SETUP_HOURS, EDIT_TEXT = "setup_name", "setup_bio", "setup_hours", "edit"
BIO_LIMIT = 600
CAP_CHOICES = tuple(range(1, 13))

TEXT_FIELDS = ("display_name", "bio", "hours", "languages", "culture")
# Attribute -> the CHOICES list its values come from.
CHOICE_ATTRS: Mapping[str, str] = {"gender": "gender", "age_band": "age_band",
                                   "recovery_stage": "recovery_stage",
                                   "years_caring": "years_caring"}
BOOL_ATTRS = ("lived_bpd", "lgbtqia")
MULTI_ATTRS: Mapping[str, tuple[str, ...]] = {
    "support_modes": CHOICES["support_mode"],
    "frequency": CHOICES["frequency"],
    "relationships": RELATIONSHIPS,
}
# Which preference question's option labels an attribute shares.
_LABELS = {"support_modes": "support_mode", "relationships": "relationship",
           "frequency": "frequency"}


def build(deps: Deps) -> Flow:
    """The profile flow's handlers."""
    content, settings, storage, clock = deps.content, deps.settings, deps.storage, deps.clock

    def value_label(attr: str, value: Any) -> str:
        if attr in BOOL_ATTRS:
            return content.button("profile.yes" if value else "profile.no")
        if attr == "years_caring":
            return content.button(f"profile.years.{value}")
        if attr in CHOICE_ATTRS:
            return content.button(f"matching.opt.{CHOICE_ATTRS[attr]}.{value}")
        if attr in MULTI_ATTRS:
            return ", ".join(content.button(f"matching.opt.{_LABELS[attr]}.{v}") for v in value)
        if attr == "languages":
            return ", ".join(value)
        return str(value)

    def menu_view(profile: PeerProfile, load: int, note: str | None = None
                  ) -> tuple[str, InlineKeyboardMarkup]:
        unset = content.button("profile.unset")
        lines = []
        for attr in profile_attribute_keys(profile.kind):
            value = profile.attributes.get(attr)
            shown = value_label(attr, value) if value not in (None, "", []) else unset
            lines.append(content.text("profile.line", label=content.button(f"profile.f.{attr}"),
                                      value=shown))
        text = content.text(
            "profile.menu", name=profile.display_name, bio=profile.bio,
            hours=format_windows(profile.hours) or unset,
            tz=profile.timezone.replace("_", " "), load=load, cap=profile.caseload_cap,
            status=content.button("profile.status_paused" if profile.paused
                                  else "profile.status_open"),
            attributes=Raw("\n".join(lines)))
        if note:
            text = content.text(note) + "\n\n" + text
        rows = [
            [(content.button("profile.f.display_name"), P.pack("edit", "display_name")),
             (content.button("profile.f.bio"), P.pack("edit", "bio"))],
            [(content.button("profile.f.hours"), P.pack("edit", "hours")),
             (content.button("profile.f.caseload_cap"), P.pack("edit", "caseload_cap"))],
        ]
        pair: list[tuple[str, str]] = []
        for attr in profile_attribute_keys(profile.kind):
            pair.append((content.button(f"profile.f.{attr}"), P.pack("edit", attr)))
            if len(pair) == 2:
                rows.append(pair)
                pair = []
        if pair:
            rows.append(pair)
        rows.append([(content.button("profile.resume_button"), P.pack("resume")) if profile.paused
                     else (content.button("profile.pause_button"), P.pack("pause"))])
        rows.append([(content.button("profile.done_button"), P.pack("done"))])
        return text, buttons(rows)

    async def peer_or_refuse(update: Update, context: Context) -> tuple[int, str] | None:
        assert update.effective_user is not None
        uid = update.effective_user.id
        user = await storage.get_user(uid)
        if user is None or not user.consented or user.role is None:
            await answer_query(update)
            await send(context, uid, content.text("common.need_start"))
            return None
        if user.role not in PEER_ROLES:
            await answer_query(update)
            await send(context, uid, content.text("profile.not_for_you"))
            return None
        return uid, user.role

    async def show_menu(update: Update, context: Context, uid: int,
                        note: str | None = None) -> None:
        profile = await storage.get_profile(uid)
        assert profile is not None
        user = await storage.get_user(uid)
        if user is not None and user.timezone and user.timezone != profile.timezone:
            # /settings changed their time zone: their hours follow it.
            profile = await storage.update_profile(uid, clock.now(), timezone=user.timezone)
            assert profile is not None
        text, markup = menu_view(profile, await storage.caseload(uid), note)
        await show(update, context, text, markup)

    # -- setting up: name, bio, hours -----------------------------------------------------

    async def profile_command(update: Update, context: Context) -> str | int:
        who = await peer_or_refuse(update, context)
        if who is None:
            return END
        uid, _ = who
        if await storage.get_profile(uid) is not None:
            await show_menu(update, context, uid)
            return END
        assert context.user_data is not None
        context.user_data["profile"] = {}
        await send(context, uid, content.text("profile.setup_intro"))
        await send(context, uid, content.text("profile.ask_display_name"))
        return SETUP_NAME

    async def setup_name(update: Update, context: Context) -> str:
        assert update.effective_user is not None and update.effective_message is not None
        assert context.user_data is not None
        name = clean_alias(update.effective_message.text or "")
        if name is None:
            await send(context, update.effective_user.id, content.text("profile.name_invalid"))
            return SETUP_NAME
        context.user_data.setdefault("profile", {})["display_name"] = name
        await send(context, update.effective_user.id, content.text("profile.ask_bio"))
        return SETUP_BIO

    async def setup_bio(update: Update, context: Context) -> str:
        assert update.effective_user is not None and update.effective_message is not None
        assert context.user_data is not None
        bio = (update.effective_message.text or "").strip()
        if not bio or len(bio) > BIO_LIMIT:
            await send(context, update.effective_user.id,
                       content.text("profile.bio_invalid", limit=BIO_LIMIT))
            return SETUP_BIO
        context.user_data.setdefault("profile", {})["bio"] = bio
        await send(context, update.effective_user.id, content.text("profile.ask_hours"))
        return SETUP_HOURS

    async def setup_hours(update: Update, context: Context) -> str | int:
        assert update.effective_user is not None and update.effective_message is not None
        assert context.user_data is not None
        uid = update.effective_user.id
        try:
            hours = parse_windows(update.effective_message.text or "")
        except ValueError as exc:
            await send(context, uid, content.text("profile.hours_invalid", reason=str(exc)))
            return SETUP_HOURS
        draft = context.user_data.pop("profile", {})
        user = await storage.get_user(uid)
        if user is None or user.role not in PEER_ROLES or not draft.get("display_name") \
                or not draft.get("bio"):
            await send(context, uid, content.text("profile.setup_lost"))
            return END
        await storage.create_profile(
            uid, user.role, clock.now(), display_name=draft["display_name"], bio=draft["bio"],
            hours=hours, timezone=user.timezone or settings.timezone,
            caseload_cap=settings.caseload_cap, attributes={"support_modes": ["individual"]})
        await show_menu(update, context, uid, note="profile.setup_done")
        await on_capacity_freed(context, deps)  # a new peer worker may suit someone waiting
        return END

    # -- editing a typed field ------------------------------------------------------------

    async def edit_text(update: Update, context: Context) -> str | int:
        who = await peer_or_refuse(update, context)
        if who is None:
            return END
        uid, _ = who
        try:
            field = P.unpack_query(update).arg()
        except InvalidCallback:
            field = ""
        if field not in TEXT_FIELDS or await storage.get_profile(uid) is None:
            await answer_query(update, content.button("common.stale_button"))
            return END
        assert context.user_data is not None
        context.user_data["profile_edit"] = field
        rows = [[(content.button("common.back_button"), P.pack("menu"))]]
        if field in ("languages", "culture"):
            rows.insert(0, [(content.button("profile.clear_button"), P.pack("clear", field))])
        await show(update, context, content.text(f"profile.ask_{field}"), buttons(rows))
        return EDIT_TEXT

    async def edit_text_value(update: Update, context: Context) -> str | int:
        assert update.effective_user is not None and update.effective_message is not None
        assert context.user_data is not None
        uid = update.effective_user.id
        field = context.user_data.get("profile_edit")
        text = update.effective_message.text or ""
        now = clock.now()
        profile = await storage.get_profile(uid)
        if profile is None or field not in TEXT_FIELDS:
            context.user_data.pop("profile_edit", None)
            return END
        if field == "display_name":
            name = clean_alias(text)
            if name is None:
                await send(context, uid, content.text("profile.name_invalid"))
                return EDIT_TEXT
            await storage.update_profile(uid, now, display_name=name)
        elif field == "bio":
            bio = text.strip()
            if not bio or len(bio) > BIO_LIMIT:
                await send(context, uid, content.text("profile.bio_invalid", limit=BIO_LIMIT))
                return EDIT_TEXT
            await storage.update_profile(uid, now, bio=bio)
        elif field == "hours":
            try:
                hours = parse_windows(text)
            except ValueError as exc:
                await send(context, uid, content.text("profile.hours_invalid", reason=str(exc)))
                return EDIT_TEXT
            await storage.update_profile(uid, now, hours=hours)
        else:
            attrs = dict(profile.attributes)
            if field == "languages":
                attrs["languages"] = list(clean_list(text))
            else:
                attrs["culture"] = clean_text_value(text)
            await storage.update_profile(uid, now, attributes=_tidy(attrs))
        context.user_data.pop("profile_edit", None)
        await show_menu(update, context, uid, note="profile.saved")
        return END

    async def leave_edit(update: Update, context: Context) -> int:
        """A menu button pressed while a typed edit was open: close the edit, then act."""
        if context.user_data is not None:
            context.user_data.pop("profile_edit", None)
        await on_button(update, context)
        return END

    # -- buttons --------------------------------------------------------------------------

    async def on_button(update: Update, context: Context) -> None:
        who = await peer_or_refuse(update, context)
        if who is None:
            return
        uid, _ = who
        profile = await storage.get_profile(uid)
        try:
            data = P.unpack_query(update)
            if profile is None:
                raise InvalidCallback("no profile yet")
        except InvalidCallback:
            await answer_query(update, content.button("common.stale_button"))
            return
        now = clock.now()
        attrs = dict(profile.attributes)
        allowed = profile_attribute_keys(profile.kind)
        back = [(content.button("common.back_button"), P.pack("menu"))]
        try:
            if data.action == "menu":
                await show_menu(update, context, uid)
            elif data.action == "done":
                await show(update, context, content.text("profile.closed"))
            elif data.action in ("pause", "resume"):
                paused = data.action == "pause"
                await storage.update_profile(uid, now, paused=paused)
                await show_menu(update, context, uid,
                                note="profile.paused" if paused else "profile.resumed")
                if not paused and profile.paused:
                    await on_capacity_freed(context, deps)
            elif data.action == "edit":
                field = data.arg()
                if field == "caseload_cap":
                    caps = sorted({*CAP_CHOICES, profile.caseload_cap})
                    rows = [[(str(n), P.pack("cap", n)) for n in caps[i:i + 4]]
                            for i in range(0, len(caps), 4)]
                    await show(update, context, content.text(
                        "profile.ask_caseload_cap", cap=profile.caseload_cap,
                        default=settings.caseload_cap), buttons([*rows, back]))
                elif field in CHOICE_ATTRS and field in allowed:
                    values = CHOICES[CHOICE_ATTRS[field]]
                    rows = [[(value_label(field, v), P.pack("set", field, v))] for v in values]
                    rows.append([(content.button("profile.not_saying"),
                                  P.pack("clear", field))])
                    await show(update, context, content.text(f"profile.ask_{field}"),
                               buttons([*rows, back]))
                elif field in BOOL_ATTRS and field in allowed:
                    rows = [[(content.button("profile.yes"), P.pack("set", field, "yes"))],
                            [(content.button("profile.no"), P.pack("set", field, "no"))],
                            [(content.button("profile.not_saying"), P.pack("clear", field))]]
                    await show(update, context, content.text(f"profile.ask_{field}"),
                               buttons([*rows, back]))
                elif field in MULTI_ATTRS and field in allowed:
                    await show_multi(update, context, field, attrs)
                else:
                    raise InvalidCallback("not an editable field here")
            elif data.action == "set":
                field, value = data.arg(0), data.arg(1)
                if field in CHOICE_ATTRS and field in allowed \
                        and value in CHOICES[CHOICE_ATTRS[field]]:
                    attrs[field] = value
                elif field in BOOL_ATTRS and field in allowed and value in ("yes", "no"):
                    attrs[field] = value == "yes"
                else:
                    raise InvalidCallback("not a value")
                await storage.update_profile(uid, now, attributes=_tidy(attrs))
                await show_menu(update, context, uid, note="profile.saved")
            elif data.action == "clear":
                field = data.arg()
                if field not in allowed:
                    raise InvalidCallback("not a field")
                attrs.pop(field, None)
                await storage.update_profile(uid, now, attributes=_tidy(attrs))
                await show_menu(update, context, uid, note="profile.saved")
            elif data.action == "tog":
                field, value = data.arg(0), data.arg(1)
                if field not in MULTI_ATTRS or field not in allowed \
                        or value not in MULTI_ATTRS[field]:
                    raise InvalidCallback("not a value")
                chosen = set(attrs.get(field) or ())
                chosen ^= {value}
                attrs[field] = [v for v in MULTI_ATTRS[field] if v in chosen]
                await storage.update_profile(uid, now, attributes=_tidy(attrs))
                await show_multi(update, context, field, attrs)
            elif data.action == "cap":
                cap = data.int_arg()
                if cap not in CAP_CHOICES and cap != profile.caseload_cap:
                    raise InvalidCallback("not a cap")
                await storage.update_profile(uid, now, caseload_cap=cap)
                await show_menu(update, context, uid, note="profile.saved")
                if cap > profile.caseload_cap:
                    await on_capacity_freed(context, deps)
        except InvalidCallback:
            await answer_query(update, content.button("common.stale_button"))

    async def show_multi(update: Update, context: Context, field: str,
                         attrs: Mapping[str, Any]) -> None:
        chosen = set(attrs.get(field) or ())
        rows = []
        for v in MULTI_ATTRS[field]:
            label = content.button(f"matching.opt.{_LABELS[field]}.{v}")
            if v in chosen:
                label = content.button("matching.chosen_mark", label=label)
            rows.append([(label, P.pack("tog", field, v))])
        rows.append([(content.button("profile.done_editing"), P.pack("menu"))])
        await show(update, context, content.text(f"profile.ask_{field}"), buttons(rows))

    EDIT_TEXT_PATTERN = rf"^prof:edit:({'|'.join(TEXT_FIELDS)})$"
    text_input = MessageHandler(filters.TEXT & ~filters.COMMAND, edit_text_value)
    setup = conversation(
        deps, "profile",
        entry_points=[CommandHandler("profile", profile_command),
                      CallbackQueryHandler(edit_text, pattern=EDIT_TEXT_PATTERN)],
        states={
            SETUP_NAME: [MessageHandler(filters.TEXT & ~filters.COMMAND, setup_name)],
            SETUP_BIO: [MessageHandler(filters.TEXT & ~filters.COMMAND, setup_bio)],
            SETUP_HOURS: [MessageHandler(filters.TEXT & ~filters.COMMAND, setup_hours)],
            EDIT_TEXT: [text_input, CallbackQueryHandler(leave_edit, pattern=P.pattern)],
        },
    )
    peer_commands = [("profile", "commands.profile")]
    return Flow(
        name="profile",
        handlers=[setup, CallbackQueryHandler(on_button, pattern=P.pattern)],
        commands={"consumer_peer": peer_commands, "carer_peer": peer_commands},
    )


def _tidy(attrs: Mapping[str, Any]) -> dict[str, Any]:
    """Attributes without empty values, so 'not set' is one thing."""
    return {k: v for k, v in attrs.items() if v not in (None, "", [], ())}
