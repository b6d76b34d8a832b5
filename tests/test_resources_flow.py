"""/resources through the fake Bot API: every topic for every role, search, bad buttons."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.callbacks import pack, unpack
from bot.content import Content, content_root
from bot.domain.resources import GUEST, Library, Topic, load_library, plain_text
from bot.links import resources_home, resources_topic
from flows.resources.callbacks import TopicPage
from flows.resources.views import MENU_SIZE
from tests.harness import BotEnv, Client

ROLE_IDS = {
    "consumer": 2001,
    "carer": 2002,
    "consumer_peer": 2003,
    "carer_peer": 2004,
    "coordinator": 2005,
    "clinician": 2006,
}
COPY = Content()


def button(key: str) -> str:
    """A button label from the flow's copy."""
    return COPY.button(f"resources.{key}")


def library_for(model: str) -> Library:
    """What the bot should offer, loaded independently of the flow."""
    return load_library([content_root() / "resources"], model=model)


async def person(env: BotEnv, role: str, user_id: int | None = None) -> Client:
    """Someone who has been through /start as ROLE (set up directly in storage)."""
    uid = user_id or ROLE_IDS[role]
    await env.storage.record_consent(uid, env.clock.now(), given=True)
    await env.storage.update_user(uid, env.clock.now(), role=role)
    return env.client(uid, role.title())


@pytest.fixture
async def integrated(tmp_path: Path) -> AsyncIterator[BotEnv]:
    """A bot for a service using the integrated model (the only one with clinicians)."""
    bot_env = await BotEnv.create(tmp_path, model="integrated")
    yield bot_env
    await bot_env.stop()
    bot_env.assert_clean()


def snapshot(client: Client) -> list[tuple[str, Any]]:
    """Everything the person can see in their chat, to prove that nothing changed."""
    return [(m.text, copy.deepcopy(m.reply_markup)) for m in client.messages]


async def list_titles(client: Client) -> list[str]:
    """Open /resources and read every topic title, following 'More topics' to the end."""
    await client.send("/resources")
    titles: list[str] = []
    while True:
        message = client.last()
        titles += [
            b["text"]
            for b in message.buttons()
            if b.get("callback_data", "").startswith("res.topic:")
        ]
        more = [b for b in message.buttons() if b["text"] == button("more_topics_button")]
        if not more:
            return titles
        await client.click(button("more_topics_button"), exact=True)


async def back_to_first_list(client: Client) -> None:
    """Follow 'Earlier topics' back to the start of the list."""
    while any(b["text"] == button("earlier_topics_button") for b in client.last().buttons()):
        await client.click(button("earlier_topics_button"), exact=True)


async def read_topic(client: Client, topic: Topic) -> None:
    """From the topic list, open TOPIC, read every page, its sources, and go back."""
    while not any(b["text"] == topic.title for b in client.last().buttons()):
        await client.click(button("more_topics_button"), exact=True)
    mark = client.mark()
    await client.click(topic.title, exact=True)
    assert client.mark() == mark, "moving within the flow edits the message in place"
    for number, page in enumerate(topic.pages):
        message = client.last()
        assert message.plain.startswith(topic.title)
        assert plain_text(page) in message.plain
        if len(topic.pages) > 1:
            assert f"Page {number + 1} of {len(topic.pages)}" in message.plain
        labels = [b["text"] for b in message.buttons()]
        assert (button("back_button") in labels) == (number > 0)
        assert (button("next_button") in labels) == (number < len(topic.pages) - 1)
        assert button("all_topics_button") in labels
        if number < len(topic.pages) - 1:
            await client.click(button("next_button"), exact=True)
    last = client.last()
    links = [(b["text"], b["url"]) for b in last.buttons() if "url" in b]
    assert links == [(link.title, link.url) for link in topic.links]
    if len(topic.pages) > 1:
        await client.click(button("back_button"), exact=True)
        assert plain_text(topic.pages[-2]) in client.last().plain
        await client.click(button("next_button"), exact=True)
    if topic.sources:
        await client.click(button("sources_button"), exact=True)
        assert "Where this comes from" in client.last_text()
        for source in topic.sources:
            assert source in client.last_text()
        await client.click(button("back_to_topic_button"), exact=True)
        assert plain_text(topic.pages[-1]) in client.last_text()
    await client.click(button("all_topics_button"), exact=True)
    assert "Things to read" in client.last_text()


async def browse_everything(env: BotEnv, client: Client, role: str) -> None:
    """List every topic ROLE should see, then read each one, page by page."""
    expected = library_for(env.settings.model).for_role(role)
    assert await list_titles(client) == [t.title for t in expected]
    assert len(client.last().buttons()) <= MENU_SIZE + 2, "a list fits a phone screen"
    await back_to_first_list(client)
    for topic in expected:
        await read_topic(client, topic)  # ends on the first list again


@pytest.mark.parametrize(
    "role", ["consumer", "carer", "consumer_peer", "carer_peer", "coordinator"]
)
async def test_browse_every_topic_complementary(env: BotEnv, role: str) -> None:
    client = await person(env, role)
    await browse_everything(env, client, role)


@pytest.mark.parametrize("role", ["clinician", "consumer_peer", "coordinator"])
async def test_browse_every_topic_integrated(integrated: BotEnv, role: str) -> None:
    client = await person(integrated, role)
    await browse_everything(integrated, client, role)


@pytest.mark.parametrize(
    ("model", "says"),
    [("complementary", "Notes stay between you"), ("integrated", "read by their clinical team")],
)
async def test_each_model_shows_its_own_confidentiality_topic(
    tmp_path: Path, model: str, says: str
) -> None:
    env = await BotEnv.create(tmp_path, model=model)
    try:
        peer = await person(env, "carer_peer")
        await peer.send("/resources confidentiality")
        title = "Confidentiality and duty of care"
        found = [b for b in peer.last().buttons() if b["text"] == title]
        assert [b["callback_data"] for b in found] == [f"res.topic:peer-confidentiality-{model}:0"]
        assert peer.last().buttons()[0] == found[0], "the title match comes first"
        await peer.click(title, exact=True)
        assert f"This service's model: {model}" in peer.last_text()
        assert says in peer.last_text()
        assert "sees every note" in peer.last_text()
    finally:
        await env.stop()
    env.assert_clean()


async def test_someone_with_no_role_yet_sees_the_topics_for_people(env: BotEnv) -> None:
    stranger = env.client(2100, "Robin")
    titles = await list_titles(stranger)
    assert titles == [t.title for t in library_for("complementary").for_role(GUEST)]
    assert "/start" in stranger.last_text()
    assert await env.storage.get_user(2100) is None, "reading stores nothing"


async def test_crisis_card_button_opens_the_list_and_leaves_the_card(env: BotEnv) -> None:
    carer = await person(env, "carer")
    await carer.send("/crisis")
    card = carer.last()
    card_before = (card.text, copy.deepcopy(card.reply_markup))
    await carer.click("Resources that may help")
    assert (card.text, card.reply_markup) == card_before
    assert carer.last() is not card
    assert "Things to read" in carer.last_text()
    assert carer.last().buttons()[0]["text"] == "If someone you support is in crisis"


async def test_other_flows_can_open_one_topic(env: BotEnv) -> None:
    consumer = await person(env, "consumer")
    await consumer.send("hello")
    mark = consumer.mark()
    await consumer.press(resources_topic("skill-tipp"), consumer.last())
    assert len(consumer.since(mark)) == 1, "a new message, the old one untouched"
    assert consumer.last_text().startswith("TIPP: calm your body fast")
    await consumer.press(resources_home(), consumer.last())
    assert "Things to read" in consumer.last_text()


@pytest.mark.parametrize(
    ("role", "query", "first"),
    [
        ("consumer", "DEAR MAN", "DEAR MAN: ask for what you need"),
        ("consumer", "tipp", "TIPP: calm your body fast"),
        ("carer", "validation", "Validation: feelings make sense"),
        ("carer", "boundaries", "Setting boundaries kindly"),
        ("carer", "Dear Man", "DEAR MAN: ask for what you need"),
        ("consumer_peer", "supervision", "Asking for supervision"),
        ("carer_peer", "boundaries", "Boundaries and contact hours"),
    ],
)
async def test_search_finds_what_it_should(env: BotEnv, role: str, query: str, first: str) -> None:
    client = await person(env, role)
    await client.send(f"/resources {query}")
    assert "Here is what I found" in client.last_text()
    assert query not in client.last_text(), "the person's words are not echoed"
    results = [b["text"] for b in client.last().buttons()]
    assert results[0] == first
    assert results[-1] == button("all_topics_button")
    await client.click(first, exact=True)
    assert client.last_text().startswith(first)


@pytest.mark.parametrize(
    ("role", "query"),
    [("consumer", "zebra crossing"), ("carer", "TIPP"), ("consumer", "supervision duty")],
)
async def test_search_with_no_match_offers_the_list(env: BotEnv, role: str, query: str) -> None:
    client = await person(env, role)
    await client.send(f"/resources {query}")
    assert "I couldn't find a topic" in client.last_text()
    titles = [b["text"] for b in client.last().buttons()][:2]
    assert titles == [t.title for t in library_for("complementary").for_role(role)][:2]


BAD_DATA = [
    "res:",
    "res:nothing",
    "res:home:extra",
    "res.menu",
    "res.menu:9",
    "res.menu:-1",
    "res.menu:one",
    "res.menu:99999999999999999999",
    "res.topic:about-bpd",
    "res.topic:about-bpd:99",
    "res.topic:about-bpd:-1",
    "res.topic:about-bpd:x",
    "res.topic:no-such-topic:0",
    "res.topic:peer-supervision:0",
    "res.topic:carer-respite:0",
    "res.topic:about-bpd:0:1",
    "res.topic:../../etc:0",
    "res.topic:about bpd:0",
    "res.src:peer-self-care",
    "res.src",
    "res.open:peer-boundaries",
    "res.open",
    "res.topic:" + "x" * 80,
    # The old codec's data, still on messages sent before the typed buttons.
    "res:topic:about-bpd:0",
    "res:menu:0",
    "res:open:about-bpd",
]


@pytest.mark.parametrize("data", BAD_DATA)
async def test_bad_button_data_gets_a_polite_answer_and_changes_nothing(
    env: BotEnv, data: str
) -> None:
    consumer = await person(env, "consumer")
    await consumer.send("/resources")
    await consumer.click("About BPD", exact=False)
    await consumer.click(button("next_button"), exact=True)
    before = snapshot(consumer)
    calls = len(env.fake.calls)
    await consumer.press(data, consumer.last())
    assert snapshot(consumer) == before
    new_calls = env.fake.calls[calls:]
    assert [c.method for c in new_calls] == ["answerCallbackQuery"]
    assert new_calls[0].params["text"] == COPY.button("common.stale_button")
    # The real buttons still work afterwards.
    await consumer.click(button("next_button"), exact=True)
    assert "Page 3 of" in consumer.last_text()


async def test_topic_buttons_pack_within_telegrams_limit() -> None:
    longest = "x" * 40  # the longest id a topic may have
    assert unpack(pack(TopicPage(longest, 999))) == TopicPage(longest, 999)
    assert (
        pack(TopicPage("peer-confidentiality-complementary", 12))
        == "res.topic:peer-confidentiality-complementary:12"
    )
    with pytest.raises(ValueError, match="button"):
        pack(TopicPage("x" * 41, 0))
    with pytest.raises(ValueError, match="64 bytes"):
        pack(TopicPage(longest, 10**15))
    assert resources_home() == "res:home", "the data crisis cards already sent carry"


async def test_position_survives_a_restart(env: BotEnv) -> None:
    consumer = await person(env, "consumer")
    await consumer.send("/resources")
    await consumer.click("Treatments and what to expect", exact=True)
    await consumer.click(button("next_button"), exact=True)
    await env.restart()
    await consumer.click(button("next_button"), exact=True)
    assert "Page 3 of" in consumer.last_text()


async def test_resources_is_on_every_command_menu(env: BotEnv) -> None:
    default = [
        c for c in env.fake.calls_to("setMyCommands") if "chat_id" not in c.params.get("scope", {})
    ]
    assert default
    assert "resources" in {cmd["command"] for cmd in default[-1].params["commands"]}


async def test_a_service_folder_replaces_and_adds_topics(tmp_path: Path) -> None:
    local = tmp_path / "our-resources"
    local.mkdir()
    (local / "groups.md").write_text(
        "---\nid: carer-groups\ntitle: Our carer groups\naudience: [carer]\norder: 70\n---\n"
        "We meet on **Tuesdays** at 6pm in the community room.\n",
        encoding="utf-8",
    )
    (local / "local.md").write_text(
        "---\nid: local-services\ntitle: Local services\naudience: [carer, consumer]\n"
        "order: 90\nlinks:\n  - title: Our clinic\n    url: https://clinic.example.org\n---\n"
        "Our clinic is open 9 to 5 on weekdays.\n",
        encoding="utf-8",
    )
    env = await BotEnv.create(tmp_path, resources_dir=local)
    try:
        carer = await person(env, "carer")
        titles = await list_titles(carer)
        assert "Our carer groups" in titles
        assert "Carer groups" not in titles
        assert titles[-1] == "Local services"
        await back_to_first_list(carer)
        await carer.click("Our carer groups", exact=True)
        assert "We meet on Tuesdays" in carer.last_text()
        assert "<b>Tuesdays</b>" in carer.last().text
        await carer.click(button("all_topics_button"), exact=True)
        await carer.click(button("more_topics_button"), exact=True)
        await carer.click("Local services", exact=True)
        assert [b.get("url") for b in carer.last().buttons()] == [
            "https://clinic.example.org",
            None,
        ]
    finally:
        await env.stop()
    env.assert_clean()
