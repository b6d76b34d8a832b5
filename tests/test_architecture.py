"""The dependency direction, checked: the domain and the services know nothing of Telegram or
SQLite."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = ROOT / "bot" / "domain"
SERVICES = ROOT / "bot" / "services"
FORBIDDEN = (
    "telegram",
    "aiosqlite",
    "sqlite3",
    "asyncpg",
    "bot.storage",
    "bot.app",
    "bot.routing",
    "flows",
)


def imported_modules(file: Path) -> set[str]:
    tree = ast.parse(file.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_domain_and_service_modules_import_no_framework() -> None:
    files = sorted([*DOMAIN.rglob("*.py"), *SERVICES.rglob("*.py")])
    assert len(files) >= 8
    offenders = {
        str(file.relative_to(ROOT)): sorted(
            m
            for m in imported_modules(file)
            if any(m == f or m.startswith(f + ".") for f in FORBIDDEN)
        )
        for file in files
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_check_itself_catches_an_offender(tmp_path: Path) -> None:
    planted = tmp_path / "bad.py"
    planted.write_text("from telegram import Bot\nimport aiosqlite\n")
    assert {"telegram", "aiosqlite"} <= imported_modules(planted)
