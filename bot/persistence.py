"""PTB persistence that writes through to our database on every change.

PTB's own persistence classes cache in memory and flush on a timer; a crash would lose the
last steps. Here the Application flushes after every update (see bot/app.py), and each
write goes straight to SQLite.
"""

from __future__ import annotations

import json
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import ConversationDict, ConversationKey

from bot.storage import Storage

__all__ = ["SQLitePersistence"]


class SQLitePersistence(BasePersistence[dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """Conversation states and per-person drafts, stored in the bot's database."""

    def __init__(self, storage: Storage) -> None:
        super().__init__(
            store_data=PersistenceInput(bot_data=False, chat_data=False, user_data=True,
                                        callback_data=False),
            update_interval=3600,  # a backstop only; we flush after every update
        )
        self.storage = storage
        # What was last written per person, so an unchanged draft is not written again on
        # every update (PTB hands over every touched person's data each flush).
        self._written: dict[int, str] = {}

    async def get_user_data(self) -> dict[int, dict[Any, Any]]:
        """Every person's drafts."""
        data = await self.storage.load_user_data()
        self._written = {uid: _key(d) for uid, d in data.items()}
        return data

    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        """Chat data is not used."""
        return {}

    async def get_bot_data(self) -> dict[Any, Any]:
        """Bot data is not used."""
        return {}

    async def get_callback_data(self) -> None:
        """Arbitrary callback data is not used; callback data is typed per flow."""
        return None

    async def get_conversations(self, name: str) -> ConversationDict:
        """Stored states of conversation NAME."""
        stored = await self.storage.load_conversations(name)
        return {tuple(json.loads(key)): state for key, state in stored.items()}

    async def update_conversation(self, name: str, key: ConversationKey,
                                  new_state: object | None) -> None:
        """Write one conversation state (None when it ended)."""
        user_id = key[-1] if key and isinstance(key[-1], int) else None
        await self.storage.save_conversation(name, json.dumps(list(key)), user_id, new_state)

    async def update_user_data(self, user_id: int, data: dict[Any, Any]) -> None:
        """Write one person's drafts, if they changed."""
        key = _key(data)
        if self._written.get(user_id, _key({})) == key:
            return
        await self.storage.save_user_data(user_id, data)
        self._written[user_id] = key

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        """Chat data is not used."""

    async def update_bot_data(self, data: dict[Any, Any]) -> None:
        """Bot data is not used."""

    async def update_callback_data(self, data: Any) -> None:
        """Callback data is not used."""

    async def drop_chat_data(self, chat_id: int) -> None:
        """Chat data is not used."""

    async def drop_user_data(self, user_id: int) -> None:
        """Forget one person's drafts."""
        await self.storage.save_user_data(user_id, None)
        self._written.pop(user_id, None)

    async def refresh_user_data(self, user_id: int, user_data: dict[Any, Any]) -> None:
        """Nothing to refresh: one process owns the drafts it loaded."""

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        """Chat data is not used."""

    async def refresh_bot_data(self, bot_data: dict[Any, Any]) -> None:
        """Bot data is not used."""

    async def flush(self) -> None:
        """Everything is already written."""


def _key(data: dict[Any, Any] | None) -> str:
    return json.dumps(data or {}, sort_keys=True, default=str)
