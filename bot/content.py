"""Words live in content/: copy as YAML, loaded once, rendered as Telegram HTML."""

from __future__ import annotations

import html
import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from bot import yamlfiles
from bot.domain.contacts import AUDIENCES, Contact, RegionContacts

__all__ = ["Content", "ContentError", "Raw", "content_root"]

TELEGRAM_TEXT_LIMIT = 4096
TELEGRAM_BUTTON_LIMIT = 64


class ContentError(ValueError):
    """A content file is missing, malformed, or uses a key or parameter that doesn't exist."""


@dataclass(frozen=True, slots=True)
class Raw:
    """Already-safe HTML passed as a parameter (built from escaped parts by our own code)."""

    html: str

    def __str__(self) -> str:
        return self.html


def content_root() -> Path:
    """The content folder: packaged beside `bot/` in a wheel, or the repository's own."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "content", here.parent / "content"):
        if (candidate / "copy").is_dir():
            return candidate
    raise ContentError("The content folder was not found next to the bot package.")


def _flatten(prefix: str, data: Mapping[str, Any], out: dict[str, str], source: Path) -> None:
    for key, value in data.items():
        full = f"{prefix}.{key}"
        if isinstance(value, Mapping):
            _flatten(full, value, out, source)
        elif isinstance(value, str):
            out[full] = value.strip("\n") if "\n" in value else value
        else:
            raise ContentError(f"{source}: '{full}' must be text, not {type(value).__name__}.")


class Content:
    """All copy and crisis contacts, loaded once."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or content_root()
        self._copy: dict[str, str] = {}
        copy_dir = self.root / "copy"
        if not copy_dir.is_dir():
            raise ContentError(f"{copy_dir} is missing.")
        for file in sorted(copy_dir.glob("*.yaml")):
            try:
                data = yamlfiles.safe_load(file.read_text(encoding="utf-8")) or {}
            except yaml.YAMLError as exc:
                raise ContentError(f"{file} is not valid YAML: {exc}") from exc
            if not isinstance(data, Mapping):
                raise ContentError(f"{file} must be a mapping of keys to text.")
            _flatten(file.stem, data, self._copy, file)
        self.contacts = _load_contacts(self.root / "crisis_contacts.yaml")

    def keys(self) -> Iterator[str]:
        """Every copy key, e.g. 'onboarding.welcome'."""
        return iter(self._copy)

    def raw(self, key: str) -> str:
        """The template for KEY, unrendered."""
        try:
            return self._copy[key]
        except KeyError:
            raise ContentError(f"No copy for '{key}'.") from None

    def has(self, key: str) -> bool:
        """Whether KEY exists."""
        return key in self._copy

    def text(self, key: str, /, **params: Any) -> str:
        """Render KEY as HTML, escaping every parameter except `Raw` ones."""
        template = self.raw(key)
        safe = {
            k: (v.html if isinstance(v, Raw) else html.escape(str(v), quote=False))
            for k, v in params.items()
        }
        try:
            return template.format(**safe)
        except (KeyError, IndexError) as exc:
            raise ContentError(f"Copy '{key}' needs parameter {exc}.") from exc

    def count(self, key: str, n: int, /, **params: Any) -> str:
        """KEY's plural form for N (KEY.one for 1, else KEY.other) with N as {count}, as plain
        text (a parameter of text() is escaped there)."""
        return self.button(f"{key}.one" if n == 1 else f"{key}.other", count=n, **params)

    def button(self, key: str, /, **params: Any) -> str:
        """Render KEY as plain text for a button label (no HTML there)."""
        return self.raw(key).format(**params)

    def for_person(self, person: object | None = None) -> Content:
        """The copy for PERSON (one language today; a second one changes only this)."""
        return self

    # -- dates and times, in the words of content/copy/dates.yaml --------------------------

    def weekday(self, index: int, *, long: bool = False) -> str:
        """The name of weekday INDEX (0 = Monday)."""
        return self.raw("dates.weekdays_long" if long else "dates.weekdays").split()[index]

    def month(self, number: int) -> str:
        """The short name of month NUMBER (1 = January)."""
        return self.raw("dates.months").split()[number - 1]

    def day(self, local: datetime, *, year: bool = False) -> str:
        """A local date as people read it, like 'Tue 3 Mar'."""
        return self.raw("dates.day_year" if year else "dates.day").format(
            weekday=self.weekday(local.weekday()),
            day=local.day,
            month=self.month(local.month),
            year=local.year,
        )

    def clock(self, local: datetime) -> str:
        """A local time of day, like '18:00'."""
        return self.raw("dates.time").format(hour=f"{local.hour:02d}", minute=f"{local.minute:02d}")

    def when(self, local: datetime) -> str:
        """A local date and time, like 'Tue 3 Mar, 18:00'."""
        return self.raw("dates.when").format(day=self.day(local), time=self.clock(local))

    def template_fields(self, key: str) -> set[str]:
        """Names of the parameters KEY's template uses."""
        return {name for _, name, _, _ in string.Formatter().parse(self.raw(key)) if name}


def _audience(file: Path, region: object, value: object) -> str:
    audience = str(value or "everyone")
    if audience not in AUDIENCES:
        raise ContentError(
            f"{file}: {region} has a contact for '{audience}'; use one of {', '.join(AUDIENCES)}."
        )
    return audience


def _load_contacts(file: Path) -> dict[str, RegionContacts]:
    if not file.is_file():
        raise ContentError(f"{file} is missing: the bot cannot run without crisis contacts.")
    data = yamlfiles.safe_load(file.read_text(encoding="utf-8")) or {}
    out: dict[str, RegionContacts] = {}
    for region, entry in data.items():
        if not isinstance(entry, Mapping) or not entry.get("emergency"):
            raise ContentError(f"{file}: region {region} needs an emergency number.")
        contacts = []
        for item in entry.get("contacts", []):
            if not item.get("name") or not (item.get("phone") or item.get("text")):
                raise ContentError(f"{file}: every {region} contact needs a name and a number.")
            contacts.append(
                Contact(
                    name=str(item["name"]),
                    phone=str(item.get("phone") or ""),
                    text=str(item.get("text") or ""),
                    hours=str(item.get("hours") or ""),
                    note=str(item.get("note") or ""),
                    audience=_audience(file, region, item.get("audience")),
                )
            )
        out[str(region)] = RegionContacts(str(region), str(entry["emergency"]), tuple(contacts))
    return out
