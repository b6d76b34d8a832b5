"""Service settings: one YAML file for everything but secrets, which come from the environment."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from bot import yamlfiles

__all__ = [
    "ENV_DATABASE_URL",
    "ENV_DATA_DIR",
    "ENV_ENCRYPTION_KEY",
    "ENV_NEW_ENCRYPTION_KEY",
    "ENV_SETTINGS",
    "ENV_TOKEN",
    "ENV_WEBHOOK_SECRET",
    "REGIONS",
    "LocalContact",
    "Settings",
    "SettingsError",
    "load_settings",
    "redacted_url",
]

ENV_TOKEN = "TELEGRAM_BOT_TOKEN"  # noqa: S105 - a variable name, not a secret
ENV_ENCRYPTION_KEY = "BOT_ENCRYPTION_KEY"
ENV_SETTINGS = "BOT_SETTINGS"
ENV_WEBHOOK_SECRET = "TELEGRAM_WEBHOOK_SECRET"  # noqa: S105
ENV_DATA_DIR = "BOT_DATA_DIR"
ENV_NEW_ENCRYPTION_KEY = "BOT_NEW_ENCRYPTION_KEY"
ENV_DATABASE_URL = "DATABASE_URL"

REGIONS = ("AU", "NZ", "UK", "IE", "US", "CA")
MODELS = ("integrated", "complementary")
DEFAULT_TIMEZONES = {
    "AU": "Australia/Sydney",
    "NZ": "Pacific/Auckland",
    "UK": "Europe/London",
    "IE": "Europe/Dublin",
    "US": "America/New_York",
    "CA": "America/Toronto",
}


class SettingsError(ValueError):
    """A settings problem, worded for the service administrator who has to fix it."""


@dataclass(frozen=True, slots=True)
class LocalContact:
    """A service's own crisis contact (its acute care team, say), shown on the crisis card."""

    name: str
    phone: str = ""
    text: str = ""
    hours: str = ""
    region: str | None = None


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything a service sets. Defaults run; secrets are not here."""

    service_name: str = "Peer Support"
    region: str = "AU"
    timezone: str = "Australia/Sydney"
    regions_offered: tuple[str, ...] = ()
    timezones_offered: tuple[str, ...] = ()
    model: str = "complementary"
    consumer_peers_support_carers: bool = True
    carer_peers_support_consumers: bool = False
    caseload_cap: int = 6
    match_request_timeout_hours: int = 48
    invite_expiry_hours: int = 72
    checkin_default_time: str = "19:00"
    checkin_grace_minutes: int = 90
    step_timeout_minutes: int = 15
    relay_held_cap: int = 20
    coordinators: tuple[int, ...] = ()
    data_dir: Path = Path("data")
    resources_dir: Path | None = None
    bot_api_base_url: str = "https://api.telegram.org/bot"
    bot_username: str | None = None
    local_contacts: tuple[LocalContact, ...] = ()
    staff_support: LocalContact | None = None
    max_concurrent_updates: int = 256
    bulk_messages_per_second: int = 25
    chart_workers: int = 1
    retention_relay_days: int = 90
    retention_broadcast_days: int = 30
    retention_checkin_days: int = 730
    # May hold a password: never in repr (logs, tracebacks); show `database_label` instead.
    database_url: str | None = field(default=None, repr=False)
    source: Path | None = field(default=None, compare=False)

    @property
    def tz(self) -> ZoneInfo:
        """The service's time zone."""
        return ZoneInfo(self.timezone)

    @property
    def database_path(self) -> Path:
        """Where the SQLite database lives."""
        return self.data_dir / "bot.sqlite3"

    @property
    def database(self) -> Path | str:
        """What storage opens: the PostgreSQL URL when one is set, else the SQLite file."""
        return self.database_url if self.database_url is not None else self.database_path

    @property
    def postgres(self) -> bool:
        """Whether the database is PostgreSQL (database_url set) rather than SQLite."""
        return self.database_url is not None

    @property
    def database_label(self) -> str:
        """The database in use, fit to print: never a password."""
        if self.database_url is not None:
            return f"PostgreSQL {redacted_url(self.database_url)}"
        return f"SQLite {self.database_path}"

    @property
    def clinicians_exist(self) -> bool:
        """Clinicians exist only in the integrated model (study, Table 2)."""
        return self.model == "integrated"

    def offered_regions(self) -> tuple[str, ...]:
        """Regions a person may pick from; just the service's own unless several are offered."""
        return self.regions_offered or (self.region,)

    def offered_timezones(self) -> tuple[str, ...]:
        """Time zones a person may pick from; just the service's own unless several are offered."""
        return self.timezones_offered or (self.timezone,)


_FIELDS: dict[str, str] = {
    "service_name": "str",
    "region": "region",
    "timezone": "tz",
    "regions_offered": "regions",
    "timezones_offered": "tzs",
    "model": "model",
    "consumer_peers_support_carers": "bool",
    "carer_peers_support_consumers": "bool",
    "caseload_cap": "posint",
    "match_request_timeout_hours": "posint",
    "invite_expiry_hours": "posint",
    "checkin_default_time": "hhmm",
    "checkin_grace_minutes": "posint",
    "step_timeout_minutes": "posint",
    "relay_held_cap": "posint",
    "coordinators": "ids",
    "data_dir": "path",
    "resources_dir": "optpath",
    "bot_api_base_url": "url",
    "bot_username": "optstr",
    "local_contacts": "contacts",
    "staff_support": "contact",
    "max_concurrent_updates": "posint",
    "bulk_messages_per_second": "posint",
    "chart_workers": "posint",
    "retention_relay_days": "days",
    "retention_broadcast_days": "days",
    "retention_checkin_days": "days",
    "database_url": "dburl",
}


# The largest value each number may take: beyond these a setting is a typo, and every one
# stays far inside what the database can store.
_MAXIMUM = {
    "caseload_cap": 200,
    "match_request_timeout_hours": 24 * 30,
    "invite_expiry_hours": 24 * 30,
    "checkin_grace_minutes": 24 * 60,
    "step_timeout_minutes": 24 * 60,
    "relay_held_cap": 1000,
    "max_concurrent_updates": 100_000,
    "bulk_messages_per_second": 29,
    "chart_workers": 32,
    # ten years: past that, keeping is not a retention period any more
    "retention_relay_days": 3650,
    "retention_broadcast_days": 3650,
    "retention_checkin_days": 3650,
}
_MAX_TELEGRAM_ID = 1 << 53
# The fewest days a retention period may be: a check-in stays open to answer for two days
# and a weekly summary reads the last seven, so check-ins are kept at least a week.
_MINIMUM_DAYS = {"retention_checkin_days": 7}


def _fail(key: str, why: str) -> SettingsError:
    return SettingsError(f"Setting '{key}': {why}")


def _check_tz(key: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise _fail(key, "give a time zone name such as Australia/Sydney or Europe/London.")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise _fail(key, f"'{value}' is not a time zone this computer knows.") from exc
    return value


def _check_region(key: str, value: Any) -> str:
    region = str(value).upper()
    if region not in REGIONS:
        raise _fail(
            key,
            f"'{value}' is not a region the bot has crisis contacts for. "
            f"Use one of: {', '.join(REGIONS)}.",
        )
    return region


def _text(key: str, value: Any, base: Path) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(key, "must be some text.")
    return value.strip()


def _optional_text(key: str, value: Any, base: Path) -> str | None:
    if value in (None, ""):
        return None
    return str(value).lstrip("@")


def _region(key: str, value: Any, base: Path) -> str:
    return _check_region(key, value)


def _regions(key: str, value: Any, base: Path) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise _fail(key, "must be a list of regions, for example [AU, NZ].")
    return tuple(_check_region(key, v) for v in value)


def _timezone(key: str, value: Any, base: Path) -> str:
    return _check_tz(key, value)


def _timezones(key: str, value: Any, base: Path) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise _fail(key, "must be a list of time zones.")
    return tuple(_check_tz(key, v) for v in value)


def _model(key: str, value: Any, base: Path) -> str:
    if value not in MODELS:
        raise _fail(
            key,
            "must be 'integrated' (shared notes reach the clinical team) "
            "or 'complementary' (notes stay between peer worker and person).",
        )
    return str(value)


def _bool(key: str, value: Any, base: Path) -> bool:
    if not isinstance(value, bool):
        raise _fail(key, "must be true or false.")
    return value


def _positive_int(key: str, value: Any, base: Path) -> int:
    most = _MAXIMUM.get(key, 1_000_000)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= most:
        raise _fail(key, f"must be a whole number from 1 to {most:,}.")
    return value


def _days(key: str, value: Any, base: Path) -> int:
    least, most = _MINIMUM_DAYS.get(key, 1), _MAXIMUM[key]
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= most:
        raise _fail(
            key,
            f"must be a number of days from {least} to {most:,}: how long these records are "
            "kept before they are deleted.",
        )
    return value


def _clock_time(key: str, value: Any, base: Path) -> str:
    parts = str(value).split(":")
    if (
        len(parts) != 2
        or not all(p.isdigit() for p in parts)
        or not (0 <= int(parts[0]) < 24 and 0 <= int(parts[1]) < 60)
    ):
        raise _fail(key, f"'{value}' is not a time; write it like 19:00.")
    return f"{int(parts[0]):02d}:{int(parts[1]):02d}"


def _telegram_ids(key: str, value: Any, base: Path) -> tuple[int, ...]:
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) and 0 < v < _MAX_TELEGRAM_ID for v in value
    ):
        raise _fail(
            key,
            "must be a list of numeric Telegram user ids, for example "
            "[123456789]. A person can find theirs with @userinfobot.",
        )
    return tuple(value)


def _path(key: str, value: Any, base: Path) -> Path:
    if not isinstance(value, str):
        raise _fail(key, "must be a folder path.")
    path = Path(value).expanduser()
    return path if path.is_absolute() else (base / path)


def _optional_path(key: str, value: Any, base: Path) -> Path | None:
    if value in (None, ""):
        return None
    return _path(key, value, base)


def _url(key: str, value: Any, base: Path) -> str:
    if not isinstance(value, str) or not value.startswith(("https://", "http://")):
        raise _fail(key, "must be a web address starting with https://.")
    return value


_DATABASE_SCHEMES = ("postgresql", "postgres")


def _database_url(key: str, value: Any, base: Path) -> str | None:
    """A PostgreSQL URL, or None for SQLite. Messages never repeat the value: it may hold a
    password."""
    if value in (None, ""):
        return None
    problem = _database_url_problem(value)
    if problem:
        raise _fail(key, problem)
    return str(value).strip()


def _database_url_problem(value: Any) -> str | None:
    """What is wrong with VALUE as a PostgreSQL URL, in words that never include it."""
    example = (
        "for example postgresql://bot:PASSWORD@db.example.org:5432/peer_support. Leave it out "
        "to keep the SQLite database in the data folder."
    )
    if not isinstance(value, str) or "://" not in value:
        return f"must be a PostgreSQL address starting with postgresql://, {example}"
    try:
        parts = urlsplit(value.strip())
        scheme = parts.scheme.lower()
        parts.port  # noqa: B018 - raises when the port is not a number
    except ValueError:
        return f"the address can't be read (look at the host and the port). Write it {example}"
    if scheme not in _DATABASE_SCHEMES:
        return (
            "must be a PostgreSQL address starting with postgresql:// (or postgres://); "
            f"other databases can't be used. Write it {example}"
        )
    return None


def redacted_url(url: str) -> str:
    """URL with any password (in the address or as ?password=) replaced by ***."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        user, host = netloc.rsplit("@", 1)
        if ":" in user:
            user = user.split(":", 1)[0] + ":***"
        netloc = f"{user}@{host}"
    query = parts.query
    pairs = parse_qsl(query, keep_blank_values=True)
    if any(k.lower() == "password" for k, _ in pairs):
        query = urlencode(
            [(k, "***" if k.lower() == "password" else v) for k, v in pairs],
            safe="/*",
            quote_via=quote,
        )
    # Not urlunsplit: it drops the // of an address with no host (a unix socket's).
    return f"{parts.scheme}://{netloc}{parts.path}" + (f"?{query}" if query else "")


def _contact(key: str, value: Any, base: Path) -> LocalContact:
    if not isinstance(value, Mapping):
        raise _fail(key, "must be one contact with a name and a phone or text number.")
    return _contacts(key, [value], base)[0]


def _contacts(key: str, value: Any, base: Path) -> tuple[LocalContact, ...]:
    if not isinstance(value, list):
        raise _fail(key, "must be a list of contacts, each with a name and a phone or text.")
    return tuple(_one_contact(key, i, item) for i, item in enumerate(value, 1))


def _one_contact(key: str, i: int, item: Any) -> LocalContact:
    """Contact number I of setting KEY."""
    if not isinstance(item, Mapping) or not item.get("name"):
        raise _fail(key, f"contact {i} needs a name.")
    if not (item.get("phone") or item.get("text")):
        raise _fail(key, f"contact {i} ({item['name']}) needs a phone number or a text number.")
    unknown = set(item) - {"name", "phone", "text", "hours", "region"}
    if unknown:
        raise _fail(key, f"contact {i} has unknown fields: {', '.join(sorted(unknown))}.")
    region = item.get("region")
    return LocalContact(
        name=str(item["name"]),
        phone=str(item.get("phone") or ""),
        text=str(item.get("text") or ""),
        hours=str(item.get("hours") or ""),
        region=_check_region(key, region) if region else None,
    )


#: Each kind of setting in _FIELDS, and what checks and converts its value.
_CONVERTERS: dict[str, Callable[[str, Any, Path], Any]] = {
    "str": _text,
    "optstr": _optional_text,
    "region": _region,
    "regions": _regions,
    "tz": _timezone,
    "tzs": _timezones,
    "model": _model,
    "bool": _bool,
    "posint": _positive_int,
    "days": _days,
    "hhmm": _clock_time,
    "ids": _telegram_ids,
    "path": _path,
    "optpath": _optional_path,
    "url": _url,
    "contact": _contact,
    "contacts": _contacts,
    "dburl": _database_url,
}


def _convert(key: str, kind: str, value: Any, base: Path) -> Any:
    """VALUE of setting KEY, checked and converted as its KIND says (paths against BASE)."""
    return _CONVERTERS[kind](key, value, base)


def settings_from_mapping(
    data: Mapping[str, Any], base: Path | None = None, source: Path | None = None
) -> Settings:
    """Build settings from a parsed mapping, with messages an administrator can act on."""
    base = base or Path.cwd()
    unknown = sorted(set(data) - set(_FIELDS))
    if unknown:
        raise SettingsError(
            f"Unknown setting(s): {', '.join(unknown)}. Check the spelling against "
            "settings.example.yaml."
        )
    values: dict[str, Any] = {}
    for key, kind in _FIELDS.items():
        if key in data and data[key] is not None:
            values[key] = _convert(key, kind, data[key], base)
    settings = Settings(**values, source=source)
    if "timezone" not in values and "region" in values:
        settings = _replace(settings, timezone=DEFAULT_TIMEZONES[settings.region])
    if settings.bulk_messages_per_second >= 30:
        raise SettingsError(
            "Setting 'bulk_messages_per_second' must be below Telegram's limit of 30 a second, "
            "so replies and crisis cards always have room; 25 is a good share."
        )
    if settings.region not in settings.offered_regions():
        raise SettingsError("Setting 'regions_offered' must include the service's own 'region'.")
    if settings.timezone not in settings.offered_timezones():
        raise SettingsError(
            "Setting 'timezones_offered' must include the service's own 'timezone'."
        )
    return settings


def _replace(settings: Settings, **changes: Any) -> Settings:
    from dataclasses import replace

    return replace(settings, **changes)


def load_settings(path: Path | str | None = None) -> Settings:
    """Load settings from PATH, else $BOT_SETTINGS, else defaults that run."""
    chosen = path or os.environ.get(ENV_SETTINGS)
    settings = _load_file(Path(chosen)) if chosen else settings_from_mapping({}, base=Path.cwd())
    data_dir = os.environ.get(ENV_DATA_DIR)
    if data_dir:  # containers point the data folder at their volume this way
        settings = _replace(settings, data_dir=Path(data_dir).expanduser())
    database_url = os.environ.get(ENV_DATABASE_URL, "").strip()
    if database_url:  # so a password need not be written into the settings file
        problem = _database_url_problem(database_url)
        if problem:
            raise SettingsError(f"{ENV_DATABASE_URL} (in the environment): {problem}")
        settings = _replace(settings, database_url=database_url)
    return settings


def _load_file(chosen: Path) -> Settings:
    file = Path(chosen).expanduser()
    if not file.is_file():
        raise SettingsError(f"The settings file {file} does not exist.")
    try:
        data = yamlfiles.safe_load(file.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise SettingsError(f"The settings file {file} is not valid YAML{where}.") from exc
    if not isinstance(data, Mapping):
        raise SettingsError(f"The settings file {file} must be a list of 'name: value' lines.")
    return settings_from_mapping(data, base=file.resolve().parent, source=file)
