"""/resources: BPD topics for the person's role, a page at a time; /resources WORD searches.

Where a person is lives in the button they press, so there is no step to store and a restart
loses nothing. Buttons from other flows' messages (bot/links.py) answer with a new message, so
the message they sit on (a crisis card, say) stays as it was; moves within this flow's own
message edit it in place.
"""

from __future__ import annotations

from bot.domain.resources import GUEST, ROLE_AUDIENCES, Library, Topic
from bot.links import OpenResources, OpenTopic
from bot.routing import Ctx, StaleButton
from flows.resources.callbacks import TopicList, TopicPage, TopicSources
from flows.resources.views import (
    list_pages,
    page_view,
    search_none,
    search_results,
    sources_view,
    topic_list,
)

__all__ = ["Handlers"]

_QUERY_LIMIT = 200


class Handlers:
    """One method per action, over the topics loaded once at start-up."""

    def __init__(self, library: Library) -> None:
        self.library = library

    # -- who is reading, and what they may read ---------------------------------------------

    @staticmethod
    def role(ctx: Ctx) -> str:
        """The audience the person reads as: their role, or GUEST before /start."""
        user = ctx.user
        if user is not None and user.consented and user.role in ROLE_AUDIENCES:
            return str(user.role)
        return GUEST

    def topic(self, ctx: Ctx, topic_id: str) -> Topic:
        """The topic TOPIC_ID if this person may read it; otherwise the press is stale."""
        topic = self.library.visible_to(topic_id, self.role(ctx))
        if topic is None:
            raise StaleButton
        return topic

    # -- the command --------------------------------------------------------------------------

    async def command(self, ctx: Ctx) -> None:
        """The topic list, or (with words after /resources) the topics that match them."""
        role = self.role(ctx)
        words = ctx.text[:_QUERY_LIMIT].strip()
        listed = topic_list(ctx.copy, self.library.for_role(role), 0, guest=role == GUEST)
        if not words:
            await ctx.reply(*listed)
            return
        found = self.library.search(words, role)
        await ctx.reply(
            *(search_results(ctx.copy, found) if found else search_none(ctx.copy, listed))
        )

    # -- buttons from other flows' messages: a new message ------------------------------------

    async def home(self, ctx: Ctx, data: OpenResources) -> None:
        """Open the topic list below the message the button sits on."""
        role = self.role(ctx)
        await ctx.answer()
        await ctx.reply(*topic_list(ctx.copy, self.library.for_role(role), 0, guest=role == GUEST))

    async def open(self, ctx: Ctx, data: OpenTopic) -> None:
        """Open one topic below the message the button sits on."""
        topic = self.topic(ctx, data.topic)
        await ctx.answer()
        await ctx.reply(*page_view(ctx.copy, topic, 0))

    # -- moves within this flow's own message: edited in place --------------------------------

    async def list_page(self, ctx: Ctx, data: TopicList) -> None:
        """Another page of the topic list."""
        role = self.role(ctx)
        topics = self.library.for_role(role)
        if not 0 <= data.page < list_pages(topics):
            raise StaleButton
        await ctx.show(*topic_list(ctx.copy, topics, data.page, guest=role == GUEST))

    async def page(self, ctx: Ctx, data: TopicPage) -> None:
        """Another page of a topic."""
        topic = self.topic(ctx, data.topic)
        if not 0 <= data.page < len(topic.pages):
            raise StaleButton
        await ctx.show(*page_view(ctx.copy, topic, data.page))

    async def sources(self, ctx: Ctx, data: TopicSources) -> None:
        """Where a topic's facts come from."""
        topic = self.topic(ctx, data.topic)
        if not topic.sources:
            raise StaleButton
        await ctx.show(*sources_view(ctx.copy, topic))
