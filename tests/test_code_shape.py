"""The shape issue 12 asked of flows, checked: no function in flows/ longer than one screen
(60 lines, decorators included). Complexity is ruff's C90 (max 15, pyproject.toml)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLOWS = ROOT / "flows"
MAX_LINES = 60


def long_functions(file: Path, limit: int = MAX_LINES) -> list[str]:
    """'path:line name (n lines)' for each function in FILE longer than LIMIT lines."""
    tree = ast.parse(file.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            lines = (node.end_lineno or node.lineno) - start + 1
            if lines > limit:
                found.append(f"{file.name}:{node.lineno} {node.name} ({lines} lines)")
    return found


def test_no_function_in_flows_is_longer_than_a_screen() -> None:
    files = sorted(FLOWS.rglob("*.py"))
    assert len(files) >= 30
    assert [hit for file in files for hit in long_functions(file)] == []


def test_the_check_itself_catches_a_long_function(tmp_path: Path) -> None:
    planted = tmp_path / "long.py"
    body = "".join(f"    x{i} = {i}\n" for i in range(60))
    planted.write_text(f"@decorated\nasync def handler():\n{body}\ndef short():\n    pass\n")
    assert long_functions(planted) == ["long.py:2 handler (62 lines)"]
