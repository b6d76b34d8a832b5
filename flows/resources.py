"""/resources: BPD topics for the person's role, a page at a time; /resources WORD searches.

Where a person is lives in the button they press (`res:topic:<id>:<page>`), so there is no
conversation state to store and a restart loses nothing. The topics are loaded once, at
build, from content/resources/ and then the service's own folder (settings.resources_dir),
keeping only those written for the service's model.

Other flows offer resources with `home_data()` (the topic list) or `open_data(topic_id)`:
both send a new message, so the message they sit on (a crisis card, say) stays as it was.
Navigation inside the flow edits its own message in place.

```mermaid
stateDiagram-v2
    [*] --> List: /resources, or a button from another flow (res:home)
    [*] --> Results: /resources WORD
    [*] --> Page: a topic button from another flow (res:open)
    List --> List: more / earlier topics
    List --> Page: a topic
    Results --> Page: a topic
    Results --> List: all topics
    Page --> Page: next / back
    Page --> Sources: where this comes from (last page)
    Sources --> Page: back to the topic
    Page --> List: all topics
```
"""

from __future__ import annotations

import html
from pathlib import Path

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.callbacks import CallbackCodec, CallbackData, InvalidCallback
from bot.content import Raw
from bot.deps import Deps
from bot.domain.resources import (
    GUEST,
    ROLE_AUDIENCES,
    Library,
    Topic,
    load_library,
)
from bot.flowkit import Context, Flow, answer_query, buttons, current_user, send, show

__all__ = ["CB", "MENU_SIZE", "build", "home_data", "open_data", "resource_dirs"]

# home / open: entry points from other messages, answered with a new message.
# menu / topic / src: moves within this flow's own message, answered by editing it.
CB = CallbackCodec("res", {"home", "open", "menu", "topic", "src"})
MENU_SIZE = 8  # topic buttons per list, so the list fits a phone screen
_SOURCES_BUDGET = 3500  # characters of sources on one message, under Telegram's 4096
_QUERY_LIMIT = 200

View = tuple[str, InlineKeyboardMarkup | None]


def home_data() -> str:
    """Callback data for a button that opens the topic list in a new message."""
    return CB.pack("home")


def open_data(topic_id: str) -> str:
    """Callback data for a button that opens one topic in a new message."""
    return CB.pack("open", topic_id)


def resource_dirs(deps: Deps) -> list[Path]:
    """The shipped resources folder, then the service's own folder if it has one."""
    dirs = [deps.content.root / "resources"]
    if deps.settings.resources_dir is not None:
        dirs.append(deps.settings.resources_dir)
    return dirs


def build(deps: Deps) -> Flow:
    """The resources flow's handlers."""
    content = deps.content
    library: Library = load_library(resource_dirs(deps), model=deps.settings.model)

    async def role_of(update: Update) -> str:
        user = await current_user(deps, update)
        if user is not None and user.role is not None and user.role in ROLE_AUDIENCES:
            return user.role
        return GUEST

    def topic_rows(topics: list[Topic]) -> list[list[tuple[str, str]]]:
        return [[(topic.title, CB.pack("topic", topic.id, 0))] for topic in topics]

    def all_topics_row() -> list[tuple[str, str]]:
        return [(content.button("resources.all_topics_button"), CB.pack("menu", 0))]

    def menu_view(role: str, number: int) -> View | None:
        topics = library.for_role(role)
        if not topics:
            return (content.text("resources.empty"), None) if number == 0 else None
        count = -(-len(topics) // MENU_SIZE)
        if not 0 <= number < count:
            return None
        rows = topic_rows(topics[number * MENU_SIZE : (number + 1) * MENU_SIZE])
        nav = []
        if number > 0:
            nav.append((content.button("resources.earlier_topics_button"),
                        CB.pack("menu", number - 1)))
        if number < count - 1:
            nav.append((content.button("resources.more_topics_button"),
                        CB.pack("menu", number + 1)))
        if nav:
            rows.append(nav)
        text = content.text("resources.menu_guest" if role == GUEST else "resources.menu")
        if count > 1:
            text += "\n\n" + content.text("resources.menu_page", page=number + 1, pages=count)
        return text, buttons(rows)

    def page_view(topic: Topic, number: int) -> View | None:
        if not 0 <= number < len(topic.pages):
            return None
        last = len(topic.pages) - 1
        text = content.text("resources.page", title=topic.title, body=Raw(topic.pages[number]))
        if last > 0:
            text += "\n\n" + content.text("resources.page_counter", page=number + 1,
                                          pages=last + 1)
        rows: list[list[tuple[str, str]]] = []
        nav = []
        if number > 0:
            nav.append((content.button("resources.back_button"),
                        CB.pack("topic", topic.id, number - 1)))
        if number < last:
            nav.append((content.button("resources.next_button"),
                        CB.pack("topic", topic.id, number + 1)))
        if nav:
            rows.append(nav)
        if number == last:
            rows.extend([(link.title, link.url)] for link in topic.links)
            if topic.sources:
                rows.append([(content.button("resources.sources_button"),
                              CB.pack("src", topic.id))])
        rows.append(all_topics_row())
        return text, buttons(rows)

    def sources_view(topic: Topic) -> View | None:
        if not topic.sources:
            return None
        lines: list[str] = []
        used = 0
        for source in topic.sources:
            line = "• " + html.escape(source, quote=False)
            if used + len(line) > _SOURCES_BUDGET:
                break
            lines.append(line)
            used += len(line) + 2
        left = len(topic.sources) - len(lines)
        if left:
            lines.append(content.text("resources.sources_more", count=left))
        text = content.text("resources.sources", title=topic.title,
                            sources=Raw("\n\n".join(lines)))
        back = (content.button("resources.back_to_topic_button"),
                CB.pack("topic", topic.id, len(topic.pages) - 1))
        return text, buttons([[back], all_topics_row()])

    def view_for(data: CallbackData, role: str) -> View | None:
        """What a button shows, or None if it names nothing this person may see."""
        expected = {"home": 0, "menu": 1, "open": 1, "topic": 2, "src": 1}[data.action]
        if len(data.args) != expected:
            return None
        if data.action == "home":
            return menu_view(role, 0)
        if data.action == "menu":
            return menu_view(role, data.int_arg(0))
        topic = library.visible_to(data.arg(0), role)
        if topic is None:
            return None
        if data.action == "open":
            return page_view(topic, 0)
        if data.action == "topic":
            return page_view(topic, data.int_arg(1))
        return sources_view(topic)

    async def on_button(update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None
        view: View | None = None
        try:
            data = CB.unpack(query.data)
            view = view_for(data, await role_of(update))
        except InvalidCallback:
            pass
        if view is None:
            await answer_query(update, content.button("resources.invalid"))
            return
        if data.action in ("home", "open"):
            # Opened from another flow's message: leave that message (a crisis card) alone.
            await answer_query(update)
            assert update.effective_chat is not None
            await send(context, update.effective_chat.id, *view)
            return
        await show(update, context, *view)

    async def on_command(update: Update, context: Context) -> None:
        assert update.effective_chat is not None
        role = await role_of(update)
        words = " ".join(context.args or [])[:_QUERY_LIMIT].strip()
        if not words:
            view = menu_view(role, 0)
            assert view is not None
            await send(context, update.effective_chat.id, *view)
            return
        found = library.search(words, role)
        if found:
            # The person's words are not echoed back: they may be raw or unkind to themselves.
            rows = [*topic_rows(found[:MENU_SIZE]), all_topics_row()]
            await send(context, update.effective_chat.id,
                       content.text("resources.search_found"), buttons(rows))
            return
        menu = menu_view(role, 0)
        assert menu is not None
        await send(context, update.effective_chat.id,
                   content.text("resources.search_none") + "\n\n" + menu[0], menu[1])

    command = [("resources", "resources.command")]
    return Flow(
        name="resources",
        handlers=[
            CommandHandler("resources", on_command),
            CallbackQueryHandler(on_button, pattern=CB.pattern),
        ],
        commands={"none": command, "*": command},
    )
