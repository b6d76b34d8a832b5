"""A private, throwaway PostgreSQL cluster for tests and CI (standard library only).

    python tests/postgres_cluster.py start FOLDER   # prints a libpq URL on stdout
    python tests/postgres_cluster.py stop FOLDER

`start` makes a cluster in FOLDER/data (trust auth, UTF8, no locale, no durability: fsync,
synchronous_commit and full_page_writes off) listening only on a unix socket in FOLDER, and
returns its URL once it accepts connections. Run as root, the server runs as the unprivileged
`postgres` user (created if missing), which then owns FOLDER; FOLDER's parents must let that
user through (a folder made by tempfile.mkdtemp() does; pytest's tmp_path, under a 0700
folder of root's, does not).
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

__all__ = ["PostgresNotInstalled", "binaries", "start", "stop", "url"]

#: The unprivileged user the server runs as when this runs as root.
OWNER = "postgres"
#: Where the Debian/Ubuntu packages put each major version's server binaries.
_PACKAGED = Path("/usr/lib/postgresql")
#: A unix socket's path must fit in sockaddr_un.sun_path (108 bytes, with the NUL).
_SOCKET_MAX = 107
_SETTINGS = {
    "listen_addresses": "",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
}


class PostgresNotInstalled(RuntimeError):
    """initdb and pg_ctl are neither on PATH nor under /usr/lib/postgresql/*/bin."""


def binaries() -> tuple[Path, Path]:
    """(initdb, pg_ctl): from PATH if both are there, else the newest packaged version."""
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if initdb and pg_ctl:
        return Path(initdb), Path(pg_ctl)
    versions = sorted(
        (
            (int(m.group(1)), int(m.group(2) or 0), bindir)
            for bindir in _PACKAGED.glob("*/bin")
            if (m := re.fullmatch(r"(\d+)(?:\.(\d+))?", bindir.parent.name))
            and (bindir / "initdb").is_file()
            and (bindir / "pg_ctl").is_file()
        ),
        reverse=True,
    )
    if not versions:
        raise PostgresNotInstalled(
            "PostgreSQL is not installed: no initdb and pg_ctl on PATH or in "
            f"{_PACKAGED}/*/bin. Install the server (e.g. apt-get install postgresql) "
            "or set BOT_TEST_POSTGRES_URL to a server to use."
        )
    bindir = versions[0][2]
    return bindir / "initdb", bindir / "pg_ctl"


def url(folder: Path) -> str:
    """The libpq URL of the cluster in FOLDER (socket in FOLDER, superuser postgres)."""
    return f"postgresql:///postgres?host={quote(str(folder.resolve()), safe='/')}&user=postgres"


def start(folder: Path) -> str:
    """Make (if new) and start the cluster in FOLDER; its URL once it accepts connections.
    Starting one that is already running just returns its URL."""
    folder = folder.resolve()
    initdb, pg_ctl = binaries()
    socket = folder / ".s.PGSQL.5432"
    if len(os.fsencode(socket)) > _SOCKET_MAX:
        raise RuntimeError(f"{folder} is too long a path for a unix socket; use a shorter one")
    folder.mkdir(parents=True, exist_ok=True)
    owner = _owner()
    if owner is not None:
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        _check_reachable(folder, owner)
    data = folder / "data"
    if not (data / "PG_VERSION").exists():
        options = ["-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync"]
        _run(owner, folder, [str(initdb), "-D", str(data), *options, "--no-instructions"])
        settings = {**_SETTINGS, "unix_socket_directories": str(folder)}
        with (data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write("\n# tests/postgres_cluster.py: a private test cluster\n")
            for name, value in settings.items():
                conf.write(f"{name} = '{value.replace(chr(39), chr(39) * 2)}'\n")
    if _running(owner, folder, pg_ctl):
        return url(folder)
    log = folder / "postgres.log"
    try:
        _run(
            owner, folder, [str(pg_ctl), "-D", str(data), "-l", str(log), "-w", "-t", "60", "start"]
        )
    except RuntimeError as exc:
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        raise RuntimeError(f"{exc}\n--- {log} ---\n{tail}") from None
    return url(folder)


def stop(folder: Path) -> None:
    """Stop the cluster in FOLDER at once (immediate mode); nothing if it isn't running."""
    folder = folder.resolve()
    data = folder / "data"
    if not (data / "postmaster.pid").exists():
        return
    _, pg_ctl = binaries()
    owner = _owner()
    if not _running(owner, folder, pg_ctl):
        return
    _run(owner, folder, [str(pg_ctl), "-D", str(data), "-m", "immediate", "-w", "stop"])


def _owner() -> pwd.struct_passwd | None:
    """The user to run the server as: None (this user) unless this is root."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(OWNER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", OWNER],
            check=True,
            capture_output=True,
        )
        return pwd.getpwnam(OWNER)


def _check_reachable(folder: Path, owner: pwd.struct_passwd) -> None:
    """Fail clearly if OWNER can't get into FOLDER (a parent folder shuts it out)."""
    done = subprocess.run(
        ["runuser", "-u", owner.pw_name, "--", "test", "-x", str(folder)], check=False
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"The user {owner.pw_name!r} the server runs as cannot reach {folder}: a parent "
            "folder shuts it out. Use a folder under a world-searchable one, such as one "
            "made by tempfile.mkdtemp()."
        )


def _running(owner: pwd.struct_passwd | None, folder: Path, pg_ctl: Path) -> bool:
    command = _as(owner, [str(pg_ctl), "-D", str(folder / "data"), "status"])
    done = subprocess.run(command, cwd=folder, capture_output=True, check=False)
    return done.returncode == 0


def _run(owner: pwd.struct_passwd | None, folder: Path, command: list[str]) -> None:
    done = subprocess.run(
        _as(owner, command),
        cwd=folder,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"{Path(command[0]).name} failed ({done.returncode}): "
            f"{(done.stderr or done.stdout).strip()}"
        )


def _as(owner: pwd.struct_passwd | None, command: list[str]) -> list[str]:
    return command if owner is None else ["runuser", "-u", owner.pw_name, "--", *command]


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("start", "stop"):
        print("usage: postgres_cluster.py start|stop FOLDER", file=sys.stderr)
        return 2
    try:
        if argv[0] == "start":
            print(start(Path(argv[1])))
        else:
            stop(Path(argv[1]))
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
