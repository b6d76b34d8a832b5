"""Command line: `python -m bot run | check | set-webhook | invite ROLE | report | crisis-check`."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import secrets
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.settings import (
    ENV_DATABASE_URL,
    ENV_ENCRYPTION_KEY,
    ENV_TOKEN,
    ENV_WEBHOOK_SECRET,
    Settings,
    SettingsError,
    load_settings,
    redacted_url,
)

if TYPE_CHECKING:
    from telegram.request import BaseRequest

__all__ = ["main", "set_webhook"]

_LOG = logging.getLogger("bot")

NO_TOKEN = f"""No bot token was found, so the bot can't start.

To get one:
  1. In Telegram, open a chat with @BotFather and send /newbot.
  2. Choose a name and a username; BotFather replies with a token like 123456:ABC-DEF...
  3. Set it in the environment and start again:
       export {ENV_TOKEN}='123456:ABC-DEF...'
       python -m bot run
"""

MAKE_KEY = (
    "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
)
MAKE_SECRET = "python -c 'import secrets; print(secrets.token_urlsafe(32))'"  # noqa: S105

NO_SHARED_KEY = (
    f"the database is PostgreSQL (database_url or {ENV_DATABASE_URL}), so every replica "
    f"must read what the others wrote, and they can only do that with one encryption key: set "
    f"{ENV_ENCRYPTION_KEY} to the same key in every replica (a key file in one replica's data "
    f"folder can't be shared). Make one with: {MAKE_KEY} and keep a copy away from the "
    "database's backups. If this service already has a key file (encryption.key in the data "
    f"folder of its SQLite days), set {ENV_ENCRYPTION_KEY} to what is in that file instead."
)

NO_SHARED_SECRET = (
    f"the database is PostgreSQL (database_url or {ENV_DATABASE_URL}), so several replicas may "
    "answer Telegram's pushes, and each must know the secret Telegram sends with them: set "
    f"{ENV_WEBHOOK_SECRET} to the same secret in every replica. Make one with: {MAKE_SECRET} "
    "then tell Telegram once, with the same value set: python -m bot set-webhook --url "
    "https://bot.example.org (replicas don't call setWebhook as they start)."
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Peer support bot for people living with BPD and the people who care for them.",
    )
    parser.add_argument(
        "--settings",
        type=Path,
        default=None,
        help="settings file (YAML); default: $BOT_SETTINGS, else built-in defaults",
    )
    # --settings works before or after the command: `check --settings x.yaml` reads naturally.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--settings", type=Path, default=argparse.SUPPRESS, help="settings file (YAML)"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser(
        "run", parents=[common], help="run the bot (long polling unless --webhook-url is given)"
    )
    run.add_argument("--webhook-url", help="public HTTPS URL Telegram should post updates to")
    run.add_argument(
        "--listen",
        default="0.0.0.0",  # noqa: S104 - a webhook server must listen
        help="address the webhook server listens on (default 0.0.0.0)",
    )
    run.add_argument("--port", type=int, default=8443, help="webhook server port (default 8443)")
    run.add_argument(
        "--webhook-path",
        default="telegram",
        help="path part of the webhook URL the server answers on (default 'telegram')",
    )
    run.add_argument("--log-level", default="INFO")

    sub.add_parser(
        "check", parents=[common], help="validate settings and content, print what was found"
    )

    hook = sub.add_parser(
        "set-webhook",
        parents=[common],
        help=f"tell Telegram once where to push updates, with the secret in {ENV_WEBHOOK_SECRET} "
        "(for several replicas), or --delete the webhook",
    )
    which = hook.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--url", help="the public HTTPS address of the bot, e.g. https://bot.example.org"
    )
    which.add_argument(
        "--delete", action="store_true", help="stop pushes (to go back to long polling)"
    )
    hook.add_argument(
        "--webhook-path",
        default="telegram",
        help="path part of the webhook URL, as given to `run` (default 'telegram')",
    )

    invite = sub.add_parser(
        "invite", parents=[common], help="print a single-use invite link for a staff role"
    )
    invite.add_argument("role", help="consumer_peer, carer_peer, coordinator or clinician")
    invite.add_argument(
        "--bot-username", help="the bot's @username (default: from settings or asked from Telegram)"
    )

    rotate = sub.add_parser(
        "rotate-key",
        parents=[common],
        help="re-encrypt everything stored with a new encryption key (stop the bot first)",
    )
    rotate.set_defaults(command="rotate-key")

    backup = sub.add_parser(
        "backup",
        parents=[common],
        help="make a consistent copy of the database, even while the bot runs",
    )
    backup.add_argument("path", type=Path, help="where to write the copy (a new file)")

    move = sub.add_parser(
        "copy-to-postgres",
        parents=[common],
        help="copy the SQLite database into an empty PostgreSQL one (stop the bot first)",
    )
    move.add_argument(
        "--to",
        dest="to_url",
        help="the PostgreSQL database's URL (default: database_url in the settings, or "
        "DATABASE_URL; the environment keeps its password out of your shell's history)",
    )

    report = sub.add_parser(
        "report",
        parents=[common],
        help="print the service's counts for a period (small numbers "
        "suppressed), or write them as CSV",
    )
    report.add_argument("--since", required=True, help="first day, e.g. 2026-01-01 or '1 Jan 2026'")
    report.add_argument("--until", help="last day, included (default: today)")
    report.add_argument("--csv", type=Path, dest="csv_path", help="write CSV to this file")

    sub.add_parser(
        "crisis-check",
        help="read messages, one per line, from standard input and "
        "print the detector's verdict for each as JSON",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point for `python -m bot` and the `bpd-peer-bot` script."""
    args = _parser().parse_args(argv)
    if args.command == "crisis-check":
        return _crisis_check()
    try:
        settings = load_settings(args.settings)
    except SettingsError as exc:
        print(f"Settings problem: {exc}", file=sys.stderr)
        return 2
    if args.command == "check":
        return _check(settings)
    if args.command == "set-webhook":
        return asyncio.run(
            set_webhook(settings, url=args.url, path=args.webhook_path, delete=args.delete)
        )
    if args.command == "invite":
        return asyncio.run(_invite(settings, args.role, args.bot_username))
    if args.command == "rotate-key":
        return asyncio.run(_rotate_key(settings))
    if args.command == "backup":
        return _backup(settings, args.path)
    if args.command == "copy-to-postgres":
        return asyncio.run(_copy_to_postgres(settings, args.to_url))
    if args.command == "report":
        return asyncio.run(_report(settings, args.since, args.until, args.csv_path))
    return _run(settings, args)


def _crisis_check() -> int:
    from bot.domain.crisis import assess

    for line in sys.stdin:
        text = line.rstrip("\n")
        if not text.strip():
            print(json.dumps({"crisis": False, "kind": None}))
            continue
        verdict = assess(text)
        print(
            json.dumps(
                {"crisis": verdict.crisis, "kind": verdict.kind, "score": round(verdict.score, 4)}
            ),
            flush=False,
        )
    sys.stdout.flush()
    return 0


def _check(settings: Settings) -> int:
    from bot.content import Content, ContentError
    from bot.domain.language import find_stigmatising

    problems: list[str] = []
    print(f"Settings: {settings.source or 'built-in defaults'}")
    print(
        f"  service: {settings.service_name}; region {settings.region}; "
        f"time zone {settings.timezone}; model {settings.model}"
    )
    print(
        f"  caseload cap {settings.caseload_cap}; coordinators: {len(settings.coordinators)}; "
        f"data folder {settings.data_dir}"
    )
    print(f"  database: {settings.database_label}")
    try:
        content = Content()
    except ContentError as exc:
        print(f"Content problem: {exc}", file=sys.stderr)
        return 1
    keys = list(content.keys())
    print(
        f"Content: {len(keys)} messages; crisis contacts for {', '.join(sorted(content.contacts))}"
    )
    for region in {settings.region, *settings.offered_regions()}:
        if region not in content.contacts:
            problems.append(f"no crisis contacts for region {region}")
    for key in keys:
        for term, better in find_stigmatising(content.raw(key)):
            problems.append(f"copy '{key}' uses '{term}'; say '{better}' instead")
    problems.extend(_check_resources(settings))
    problems.extend(_check_detector())
    for problem in problems:
        print(f"Problem: {problem}", file=sys.stderr)
    if problems:
        return 1
    print("Everything looks right.")
    return 0


def _check_detector() -> list[str]:
    from bot.domain.crisis import DetectorUnavailable, load

    try:
        load()
    except DetectorUnavailable as exc:
        return [str(exc)]
    print("Crisis detector: loaded")
    return []


def _check_resources(settings: Settings) -> list[str]:
    from bot.content import content_root
    from bot.domain.resources import ResourceFileError, load_library, validate_library

    dirs = [content_root() / "resources"]
    if settings.resources_dir is not None:
        if not settings.resources_dir.is_dir():
            return [f"the resources folder {settings.resources_dir} does not exist"]
        dirs.append(settings.resources_dir)
    try:
        library = load_library(dirs, model=settings.model)
    except ResourceFileError as exc:
        return [str(exc)]
    print(f"Resources: {len(library)} topics")
    return list(validate_library(dirs))


async def _invite(settings: Settings, role: str, username: str | None) -> int:
    from bot.clock import SystemClock
    from bot.content import Content
    from bot.crypto import load_cipher
    from bot.deps import Deps
    from bot.domain.invites import invitable_roles
    from bot.services.invites import make_invite
    from bot.storage import Storage, StorageError

    if role not in invitable_roles(settings.model):
        print(
            f"'{role}' can't be invited here. Choose one of: "
            f"{', '.join(invitable_roles(settings.model))}.",
            file=sys.stderr,
        )
        return 2
    username = username or settings.bot_username
    if not username:
        token = os.environ.get(ENV_TOKEN)
        if not token:
            print(
                "I need the bot's username to make a link: pass --bot-username, set "
                f"bot_username in the settings, or set {ENV_TOKEN}.",
                file=sys.stderr,
            )
            return 2
        from telegram import Bot
        from telegram.error import TelegramError

        try:
            async with Bot(token, base_url=settings.bot_api_base_url) as bot:
                username = bot.username
        except TelegramError as exc:
            print(f"Telegram didn't accept the token ({exc.__class__.__name__}).", file=sys.stderr)
            return 2
    storage = Storage(settings.database)
    try:
        cipher, _ = load_cipher(settings.data_dir)
        await storage.connect()
    except (StorageError, ValueError, OSError) as exc:
        print(f"Can't make an invite: {_plain(exc)}", file=sys.stderr)
        return 2
    try:
        deps = Deps(settings, storage, SystemClock(), Content(), cipher)
        link = await make_invite(
            storage, settings, role, by=None, bot_username=username, now=deps.clock.now()
        )
    finally:
        await storage.close()
    print(link)
    print(f"It works once and expires in {settings.invite_expiry_hours} hours.", file=sys.stderr)
    return 0


def _run(settings: Settings, args: argparse.Namespace) -> int:
    token = os.environ.get(ENV_TOKEN, "").strip()
    if not token:
        print(NO_TOKEN, file=sys.stderr)
        return 2
    refusal = _replica_refusal(settings, webhook=bool(args.webhook_url), path=args.webhook_path)
    if refusal:
        print(f"Can't start: {refusal}", file=sys.stderr)
        return 2
    from bot.app import build_application
    from bot.clock import SystemClock
    from bot.content import Content, ContentError
    from bot.crypto import load_cipher
    from bot.deps import Deps
    from bot.logs import setup_logging
    from bot.runtime import Polling, StartupError, UpdateSource, Webhook, serve
    from bot.storage import Storage

    os.environ.setdefault("PTB_TIMEDELTA", "true")  # RetryAfter as timedelta, as PTB 23 will
    setup_logging(args.log_level)
    try:
        content = Content()
        cipher, _ = load_cipher(settings.data_dir)
    except (ContentError, ValueError) as exc:
        print(f"Can't start: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(
            f"Can't start: the bot can't write to its data folder {settings.data_dir} "
            f"({exc.strerror or exc}). Fix the folder's owner or permissions, or point "
            "data_dir in the settings (or BOT_DATA_DIR) at a folder that is writable.",
            file=sys.stderr,
        )
        return 2
    # A postgresql:// URL gives the same Storage over PostgreSQL (bot/storage/__init__.py).
    storage = Storage(settings.database)
    deps = Deps(settings, storage, SystemClock(), content, cipher)
    app = build_application(deps, token=token)
    source: UpdateSource = Polling()
    if args.webhook_url:
        source = Webhook(
            url=args.webhook_url,
            listen=args.listen,
            port=args.port,
            path=args.webhook_path,
            secret=os.environ.get(ENV_WEBHOOK_SECRET, "").strip() or secrets.token_urlsafe(32),
            # Several replicas: Telegram is pointed once, by `set-webhook`, never as one starts.
            register=not settings.postgres,
        )
    try:
        asyncio.run(serve(app, source))
    except StartupError as exc:
        print(f"Can't start: {exc}", file=sys.stderr)
        return 2
    return 0


def _replica_refusal(settings: Settings, *, webhook: bool, path: str) -> str | None:
    """Why the bot must not start with these settings and this environment, or None.

    On PostgreSQL several replicas may run: they must share one encryption key and, in
    webhook mode, one webhook secret, so neither may be made up by one replica."""
    from bot.webhook import HEALTH_PATH, secret_problem

    secret = os.environ.get(ENV_WEBHOOK_SECRET, "").strip()
    if settings.postgres and not os.environ.get(ENV_ENCRYPTION_KEY, "").strip():
        return NO_SHARED_KEY
    if webhook and settings.postgres and not secret:
        return NO_SHARED_SECRET
    if webhook and secret and secret_problem(secret):
        return f"{ENV_WEBHOOK_SECRET}: {secret_problem(secret)}. Make one with: {MAKE_SECRET}"
    if webhook and path.strip("/") == HEALTH_PATH:
        return (
            f"--webhook-path can't be '{HEALTH_PATH}': the webhook server answers health "
            "checks there. Keep the default ('telegram') or choose another path."
        )
    return None


async def set_webhook(
    settings: Settings,
    *,
    url: str | None,
    path: str = "telegram",
    delete: bool = False,
    request: BaseRequest | None = None,
) -> int:
    """`set-webhook --url URL [--webhook-path PATH]` or `set-webhook --delete`: one call to
    Telegram. REQUEST replaces the HTTP client (tests)."""
    from telegram import Bot, Update
    from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError

    token = os.environ.get(ENV_TOKEN, "").strip()
    if not token:
        print(
            NO_TOKEN.replace("python -m bot run", "python -m bot set-webhook ..."), file=sys.stderr
        )
        return 2
    secret = os.environ.get(ENV_WEBHOOK_SECRET, "").strip()
    full_url = ""
    if not delete:
        problem = _set_webhook_problem(url or "", path, secret)
        if problem:
            print(f"Can't set the webhook: {problem}", file=sys.stderr)
            return 2
        full_url = f"{(url or '').rstrip('/')}/{path.strip('/')}"
    api = settings.bot_api_base_url
    try:
        async with Bot(token, base_url=api, request=request) as bot:
            if delete:
                await bot.delete_webhook()
            else:
                await bot.set_webhook(
                    url=full_url, secret_token=secret, allowed_updates=Update.ALL_TYPES
                )
    except InvalidToken:
        print(
            f"Can't {'delete' if delete else 'set'} the webhook: Telegram's Bot API at {api} "
            f"refused the bot token. Check {ENV_TOKEN} against the token @BotFather gave you.",
            file=sys.stderr,
        )
        return 2
    except BadRequest as exc:
        print(
            f"Can't set the webhook: Telegram refused it ({_hide(exc.message, token, secret)}). "
            "Give --url the bot's public HTTPS address, like https://bot.example.org.",
            file=sys.stderr,
        )
        return 2
    except NetworkError as exc:
        print(
            f"Can't reach Telegram's Bot API at {api} ({_hide(str(exc), token, secret)}). "
            "Is this machine online, and is bot_api_base_url in the settings right? Nothing "
            "was changed.",
            file=sys.stderr,
        )
        return 2
    except TelegramError as exc:
        print(
            f"Telegram answered with an error ({_hide(str(exc), token, secret)}).",
            file=sys.stderr,
        )
        return 2
    if delete:
        print(
            "Deleted the webhook: Telegram keeps updates until something fetches them. Start "
            "the bot without --webhook-url (long polling), or set a webhook again."
        )
    else:
        print(
            f"Telegram will push every kind of update to {full_url}, with the secret from "
            f"{ENV_WEBHOOK_SECRET}. Start each replica with the same {ENV_WEBHOOK_SECRET} "
            f"and: python -m bot run --webhook-url {(url or '').rstrip('/')} --webhook-path "
            f"{path.strip('/')}"
        )
    return 0


def _set_webhook_problem(url: str, path: str, secret: str) -> str | None:
    """What stops `set-webhook --url URL` before Telegram is asked, or None."""
    from bot.webhook import HEALTH_PATH, secret_problem

    if not secret:
        return (
            f"{ENV_WEBHOOK_SECRET} is not set. Every replica checks Telegram's pushes against "
            f"it, so it must be fixed and the same everywhere: make one with {MAKE_SECRET}, set "
            "it here and in every replica's environment, and run this again."
        )
    if secret_problem(secret):
        return f"{ENV_WEBHOOK_SECRET}: {secret_problem(secret)}. Make one with: {MAKE_SECRET}"
    if path.strip("/") == HEALTH_PATH:
        return f"--webhook-path can't be '{HEALTH_PATH}': that path answers health checks."
    return _webhook_url_problem(url)


def _webhook_url_problem(url: str) -> str | None:
    """Why URL is not an address Telegram could push to, or None."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises when the port is not a number
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme not in ("https", "http")
        or not parts.hostname
        or parts.query
        or parts.fragment
    ):
        return (
            f"'{url}' is not a web address Telegram can call. Give --url the bot's public "
            "HTTPS address without the path, like https://bot.example.org (the path is "
            "--webhook-path)."
        )
    return None


def _hide(text: str, *secrets_: str) -> str:
    """TEXT with any of SECRETS_ (the token, the webhook secret) blanked out."""
    for value in secrets_:
        if value:
            text = text.replace(value, "***")
    return text[:300]


def _plain(exc: BaseException) -> str:
    """An exception as one plain sentence for the person running the service."""
    if isinstance(exc, OSError) and not str(exc).startswith("The "):
        return f"the data folder can't be used ({exc.strerror or exc})."
    return str(exc)


async def _rotate_key(settings: Settings) -> int:
    from cryptography.fernet import Fernet

    from bot.crypto import Cipher, KeyMismatch, load_cipher, verify_key
    from bot.runtime import DataFolderLock, StartupError
    from bot.settings import ENV_ENCRYPTION_KEY, ENV_NEW_ENCRYPTION_KEY
    from bot.storage import Storage, StorageError

    lock = DataFolderLock(settings.data_dir)
    storage = Storage(settings.database)
    try:
        lock.acquire()  # never while the bot runs: it would write with the old key
        old, _ = load_cipher(settings.data_dir)
        await storage.connect()
        await verify_key(storage, old, settings.database_label)
    except (StartupError, StorageError, KeyMismatch, ValueError, OSError) as exc:
        await storage.close()
        lock.release()
        print(f"Can't rotate the key: {_plain(exc)}", file=sys.stderr)
        return 2
    key_file = settings.data_dir / "encryption.key"
    from_env = bool(os.environ.get(ENV_ENCRYPTION_KEY))
    new_key = os.environ.get(ENV_NEW_ENCRYPTION_KEY, "").strip().encode()
    try:
        if from_env and not new_key:
            print(
                f"The key comes from {ENV_ENCRYPTION_KEY}, so give the new one in "
                f"{ENV_NEW_ENCRYPTION_KEY} (make one with: python -c 'from "
                "cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'). "
                "Nothing was changed.",
                file=sys.stderr,
            )
            return 2
        new_key = new_key or Fernet.generate_key()
        try:
            new = Cipher(new_key)
        except ValueError:
            print(
                f"{ENV_NEW_ENCRYPTION_KEY} is not a valid key. Nothing was changed.",
                file=sys.stderr,
            )
            return 2
        pending = key_file.with_suffix(".key.new")
        if not from_env:  # the new key is safe on disk before any data depends on it
            fd = os.open(pending, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(new_key)
                handle.flush()
                os.fsync(handle.fileno())
        from bot.crypto import KEY_CHECK_TEXT

        count = await storage.reencrypt_all(
            lambda token: new.encrypt(old.decrypt(token)), new.encrypt(KEY_CHECK_TEXT)
        )
        if not from_env:
            os.replace(pending, key_file)
    finally:
        await storage.close()
        lock.release()
    print(f"Re-encrypted {count} stored value(s) with the new key, all in one step.")
    if from_env:
        print(
            f"Now set {ENV_ENCRYPTION_KEY} to the new key (the value of "
            f"{ENV_NEW_ENCRYPTION_KEY}) before starting the bot again."
        )
    else:
        print(f"The new key is in {key_file}. Back it up, away from the data folder's own backups.")
    return 0


async def _report(settings: Settings, since: str, until: str | None, csv_path: Path | None) -> int:
    """`report --since DATE [--until DATE] [--csv FILE]`: the counts /report shows, suppressed
    the same way, as plain lines or CSV."""
    import csv
    from datetime import datetime

    from bot.content import Content
    from bot.services.evaluation import Period, evaluate, parse_date, publish
    from bot.storage import Storage, StorageError
    from flows.coordinator.views import report_date, report_rows

    today = datetime.now(settings.tz).date()
    first, last = parse_date(since, today), parse_date(until, today) if until else today
    for typed, read in ((since, first), (until, last)):
        if read is None:
            print(
                f"Can't make a report: '{typed}' can't be read as a date. Write it like "
                "2026-01-31 or '31 Jan 2026'.",
                file=sys.stderr,
            )
            return 2
    assert first is not None and last is not None
    if first > last:
        print(
            f"Can't make a report: --since ({since}) is after --until ({until or 'today'}).",
            file=sys.stderr,
        )
        return 2
    if not settings.postgres and not settings.database_path.is_file():
        print(
            f"Can't make a report: there is no database at {settings.database_path}. Point "
            "--settings (or data_dir) at the service's data folder.",
            file=sys.stderr,
        )
        return 2
    storage = Storage(settings.database)
    try:
        await storage.connect()
        period = Period(first, min(last, today))
        found = await evaluate(storage, period, datetime.now(settings.tz), settings.tz)
    except (StorageError, OSError) as exc:
        print(f"Can't make a report: {_plain(exc)}", file=sys.stderr)
        return 2
    finally:
        await storage.close()
    copy = Content()
    lines = report_rows(copy, publish(found))
    heading = (
        f"{settings.service_name}: {report_date(copy, period.first)} to "
        f"{report_date(copy, period.last)}. Counts only; a count from 1 to 4 shows as "
        "<5, and * is held back so a small one can't be worked out."
    )
    if csv_path is not None:
        try:
            with csv_path.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(["section", "measure", "part", "value"])
                writer.writerow(["period", "from", "", period.first.isoformat()])
                writer.writerow(["period", "to", "", period.last.isoformat()])
                writer.writerows(row for row in lines if row[3])  # not a heading
        except OSError as exc:
            print(f"Can't write {csv_path}: {exc.strerror or exc}.", file=sys.stderr)
            return 2
        print(f"{heading}\nWrote {len(lines)} counts to {csv_path}.")
        return 0
    print(heading)
    section = None
    for title, measure, part, value in lines:
        if title != section:
            print(f"\n{title}")
            section = title
        print(f"    {part}: {value}" if part else f"  {measure}: {value}".rstrip())
    return 0


async def _copy_to_postgres(settings: Settings, to_url: str | None) -> int:
    from bot.runtime import DataFolderLock, StartupError
    from bot.storage.transfer import TransferError, copy_to_postgres

    url = to_url or settings.database_url
    if not url or not url.startswith(("postgresql:", "postgres:")):
        print(
            "Where to? Give the PostgreSQL database's address with --to, or set DATABASE_URL"
            " (a postgresql:// URL, as the replicas will use). The copy goes into an empty"
            " database; the bot makes its tables there.",
            file=sys.stderr,
        )
        return 2
    lock = DataFolderLock(settings.data_dir)
    try:
        lock.acquire()  # the bot must not write to the SQLite file while it is copied
    except StartupError as exc:
        print(f"{exc} Stop the bot before copying its database.", file=sys.stderr)
        return 2
    try:
        copied = await copy_to_postgres(settings.database_path, url)
    except TransferError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    finally:
        lock.release()
    print(
        f"Copied {sum(copied.values())} rows in {len(copied)} tables from "
        f"{settings.database_path} to PostgreSQL {redacted_url(url)}. Start the replicas with"
        " database_url (or DATABASE_URL) set to it and the same BOT_ENCRYPTION_KEY: notes"
        " and safety plans were copied encrypted. The SQLite file is unchanged; keep it as"
        " safe as a backup until you no longer need it, then delete it."
    )
    return 0


def _backup(settings: Settings, target: Path) -> int:
    import sqlite3

    if settings.postgres:
        print(
            "This service keeps its data in PostgreSQL, so back it up with PostgreSQL's own "
            f"tool, while the bot runs: pg_dump -Fc -f {target} followed by the database's "
            "address (as in DATABASE_URL). Restore with pg_restore. The README's section on "
            "several replicas has both commands. Keep the encryption key apart from backups.",
            file=sys.stderr,
        )
        return 2
    source_path = settings.database_path
    if not source_path.is_file():
        print(f"Can't back up: there is no database at {source_path}.", file=sys.stderr)
        return 2
    if target.exists():
        print(f"Can't back up: {target} already exists. Choose a new file name.", file=sys.stderr)
        return 2
    try:
        fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)
        source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True, timeout=10)
        try:
            copy = sqlite3.connect(target)
            try:
                # SQLite's online backup: a consistent copy while the bot keeps writing.
                source.backup(copy)
            finally:
                copy.close()
        finally:
            source.close()
    except (sqlite3.Error, OSError) as exc:
        target.unlink(missing_ok=True)
        print(f"Can't back up {source_path}: {exc}.", file=sys.stderr)
        return 2
    print(
        f"Backed up {source_path} to {target}. It holds people's data: keep it as safe as "
        "the original, and keep the encryption key apart from it."
    )
    return 0
