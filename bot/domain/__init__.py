"""Domain rules as plain functions: no Telegram, no SQLite (a test enforces it)."""
