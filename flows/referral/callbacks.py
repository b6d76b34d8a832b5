"""Referral links' buttons."""

from __future__ import annotations

from dataclasses import dataclass

from bot.callbacks import callback

__all__ = ["NewReferral", "ReferralQr"]


@callback("ref.new")
@dataclass(frozen=True, slots=True)
class NewReferral:
    """Make a new referral link."""


@callback("ref.qr")
@dataclass(frozen=True, slots=True)
class ReferralQr:
    """Send one source's link and QR code again."""

    code: str
