"""A personal safety plan in the Stanley-Brown structure: seven parts, each optional."""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["MAX_PART_LENGTH", "PARTS", "clean_part", "plan_from", "with_part"]

#: The parts, in the order people work through them in a hard moment.
PARTS = (
    "warning_signs",
    "coping",
    "distractions",
    "helpers",
    "professionals",
    "environment",
    "reasons",
)
MAX_PART_LENGTH = 1000


def clean_part(text: str) -> str | None:
    """TEXT tidied for a part of the plan, or None if it is empty or too long."""
    lines = [" ".join(line.split()) for line in text.strip().splitlines()]
    cleaned = "\n".join(line for line in lines if line)
    if not cleaned or len(cleaned) > MAX_PART_LENGTH:
        return None
    return cleaned


def plan_from(data: Mapping[str, object]) -> dict[str, str]:
    """A stored plan with unknown parts and empty ones left out."""
    return {
        part: str(data[part])
        for part in PARTS
        if isinstance(data.get(part), str) and str(data[part]).strip()
    }


def with_part(plan: Mapping[str, str], part: str, text: str | None) -> dict[str, str]:
    """PLAN with PART set to TEXT (or removed, when TEXT is None)."""
    if part not in PARTS:
        raise ValueError(f"not a part of a safety plan: {part}")
    updated = dict(plan)
    if text is None:
        updated.pop(part, None)
    else:
        updated[part] = text
    return updated
