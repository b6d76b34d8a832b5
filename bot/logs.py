"""Logging that never carries secrets, message text or names."""

from __future__ import annotations

import logging
import os
import sys

from bot.settings import ENV_ENCRYPTION_KEY, ENV_TOKEN, ENV_WEBHOOK_SECRET

__all__ = ["RedactSecrets", "quiet_libraries", "setup_logging"]

# Library loggers that, below these levels, write request parameters (message text, ids) or
# URLs holding the token. They stay at these levels even when the bot runs with DEBUG.
_LIBRARY_FLOORS = {
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "apscheduler": logging.WARNING,
    "telegram.Bot": logging.INFO,
    "telegram.ext.ExtBot": logging.INFO,
    "telegram.ext.ConversationHandler": logging.INFO,
    "telegram.ext.Application": logging.WARNING,
    "aiosqlite": logging.INFO,
}


class RedactSecrets(logging.Filter):
    """Replaces the bot token and keys wherever they would appear in a log line."""

    def __init__(self, secrets: list[str] | None = None) -> None:
        super().__init__()
        env = [os.environ.get(n, "") for n in (ENV_TOKEN, ENV_ENCRYPTION_KEY, ENV_WEBHOOK_SECRET)]
        self.secrets = [s for s in (secrets or []) + env if s and len(s) >= 8]

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite RECORD with every secret replaced; always keep the record."""
        if not self.secrets:
            return True
        message = record.getMessage()
        cleaned = message
        for secret in self.secrets:
            cleaned = cleaned.replace(secret, "[redacted]")
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def setup_logging(level: str = "INFO") -> None:
    """Log to stderr, with secrets redacted and chatty HTTP logs (which hold the token in
    their URLs) turned down."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    quiet_libraries()


def quiet_libraries() -> None:
    """Keep libraries that would log message text, ids or the token above that level."""
    for name, floor in _LIBRARY_FLOORS.items():
        logging.getLogger(name).setLevel(floor)
