"""Referral links as text, buttons and a printable QR code."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

import segno
from telegram import InlineKeyboardMarkup

from bot.content import Content
from bot.keyboards import Choice, rows
from bot.storage import ReferralSource
from flows.referral.callbacks import NewReferral, ReferralQr

__all__ = ["made", "qr_png", "sources"]


def sources(
    copy: Content,
    found: Sequence[ReferralSource],
    started: Mapping[str, int],
    joined: Mapping[str, int],
) -> tuple[str, InlineKeyboardMarkup]:
    """Every source with its counts, a QR button each, and "Make a new link"."""
    lines = [copy.text("referral.list_title")]
    if not found:
        lines.append(copy.text("referral.none_yet"))
    for source in found:
        lines.append(
            copy.text(
                "referral.row",
                name=source.name,
                started=started.get(source.code, 0),
                joined=joined.get(source.name, 0),
            )
        )
    buttons: list[list[Choice]] = [
        [(copy.button("referral.qr_button", name=s.name[:28]), ReferralQr(s.code))]
        for s in found[:20]
    ]
    buttons.append([(copy.button("referral.new_button"), NewReferral())])
    return "\n".join(lines), rows(*buttons)


def made(copy: Content, name: str, link: str) -> str:
    """The message with a new (or re-sent) link."""
    return copy.text("referral.made", name=name, link=link)


def qr_png(link: str) -> bytes:
    """A printable QR code for LINK, as a PNG (error correction M, a quiet border)."""
    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind="png", scale=12, border=4)
    return buffer.getvalue()
