"""Use cases that outlive one screen (ending a match, erasing a person, a broadcast), as
plain async functions over narrow storage Protocols. No telegram, no aiosqlite here: a test
walks the imports. They raise DomainError subclasses that carry the content key of what the
person is told, and publish events whose consequences bot/app.py lists in one table."""
