"""`python -m bot`."""

import importlib.util
import sys

# What `pip install -e .` installs (pyproject.toml's dependencies), by the module each gives.
# Checked before anything imports them, so a bot started without its packages says so in one
# plain line instead of a traceback from deep inside the start-up.
NEEDED = {
    "telegram": "python-telegram-bot",
    "apscheduler": "python-telegram-bot[job-queue]",
    "tornado": "python-telegram-bot[webhooks]",
    "aiosqlite": "aiosqlite",
    "asyncpg": "asyncpg",
    "yaml": "pyyaml",
    "cryptography": "cryptography",
    "matplotlib": "matplotlib",
    "onnxruntime": "onnxruntime",
    "tokenizers": "tokenizers",
    "numpy": "numpy",
    "segno": "segno",
}


def missing_packages() -> list[str]:
    """The packages of NEEDED that this Python cannot import."""
    return [
        package for module, package in NEEDED.items() if importlib.util.find_spec(module) is None
    ]


if __name__ == "__main__":
    missing = missing_packages()
    if missing:
        print(
            f"The bot's Python packages are not all installed ({', '.join(missing)} missing"
            f" for {sys.executable}). From the project's folder, run: pip install -e ."
            " (the README's set-up command), then start the bot again.",
            file=sys.stderr,
        )
        sys.exit(2)

    from bot.cli import main

    sys.exit(main())
