"""What the safety plan shows: pure functions from copy and the plan to text and buttons."""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from telegram import InlineKeyboardMarkup

from bot.content import Content, Raw
from bot.domain.safetyplan import PARTS
from bot.keyboards import Choice, choose_one, rows
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

__all__ = [
    "ask_part",
    "keep_flagged_question",
    "menu",
    "plan_text",
    "read_only",
    "share_question",
    "shared_copy",
]


def plan_text(copy: Content, plan: Mapping[str, str], *, show_empty: bool) -> str:
    """The plan, part by part (parts with nothing written only when SHOW_EMPTY)."""
    blocks = []
    for part in PARTS:
        text = plan.get(part)
        if text is None and not show_empty:
            continue
        title = copy.text("safetyplan.heading", title=copy.button(f"safetyplan.title_{part}"))
        body = (
            copy.text("safetyplan.part_text", text=text)
            if text is not None
            else copy.text("safetyplan.part_empty")
        )
        blocks.append(f"{title}\n{body}")
    return "\n\n".join(blocks)


def menu(
    copy: Content, plan: Mapping[str, str], *, can_share: bool, note: str | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    """The plan with a button for each part, Share (when matched) and Done."""
    parts = [
        plan_text(copy, plan, show_empty=True) if plan else copy.text("safetyplan.empty"),
        copy.text("safetyplan.menu_hint"),
    ]
    text = "\n\n".join([note, *parts] if note else [copy.text("safetyplan.intro"), *parts])
    choices: list[Choice] = [
        (
            copy.button("safetyplan.edit_button", title=copy.button(f"safetyplan.title_{part}")),
            PlanEdit(cast(Part, part)),
        )
        for part in PARTS
    ]
    footer: list[list[Choice]] = (
        [[(copy.button("safetyplan.share_button"), PlanShare())]] if can_share and plan else []
    )
    footer.append([(copy.button("safetyplan.done_button"), PlanDone())])
    return text, choose_one(choices, footer=footer)


def read_only(copy: Content, plan: Mapping[str, str]) -> tuple[str, InlineKeyboardMarkup]:
    """The plan as it is, for a hard moment (from the crisis card), with a way to change it."""
    return plan_text(copy, plan, show_empty=False), rows(
        [(copy.button("safetyplan.edit_plan_button"), PlanMenu())]
    )


def ask_part(copy: Content, part: Part, current: str | None) -> tuple[str, InlineKeyboardMarkup]:
    """The question for PART, what it says now (if anything), and Keep / Clear."""
    title = copy.text("safetyplan.heading", title=copy.button(f"safetyplan.title_{part}"))
    lines = [title, copy.text(f"safetyplan.ask_{part}"), copy.text("safetyplan.ask_footer")]
    if current:
        lines.append(copy.text("safetyplan.now_reads", text=current))
    buttons: list[list[Choice]] = [[(copy.button("safetyplan.keep_button"), PlanKeep())]]
    if current:
        buttons.append([(copy.button("safetyplan.clear_button"), PlanClear(part))])
    return "\n\n".join(lines), rows(*buttons)


def keep_flagged_question(copy: Content) -> tuple[str, InlineKeyboardMarkup]:
    """After the crisis card: keep the words in the plan, or not."""
    return copy.text("safetyplan.keep_flagged"), rows(
        [(copy.button("safetyplan.keep_flagged_yes"), PlanKeepFlagged("yes"))],
        [(copy.button("safetyplan.keep_flagged_no"), PlanKeepFlagged("no"))],
    )


def share_question(copy: Content, peer_name: str) -> tuple[str, InlineKeyboardMarkup]:
    """ "Send your safety plan to Kim?" with Send / Not now."""
    return copy.text("safetyplan.share_confirm", name=peer_name), rows(
        [
            (copy.button("safetyplan.share_yes"), PlanShareAnswer("yes")),
            (copy.button("safetyplan.share_no"), PlanShareAnswer("no")),
        ]
    )


def shared_copy(copy: Content, person_name: str, plan: Mapping[str, str]) -> str:
    """What the peer worker receives when a person shares their plan."""
    return copy.text(
        "safetyplan.shared_with_peer",
        name=person_name,
        plan=Raw(plan_text(copy, plan, show_empty=False)),
    )
