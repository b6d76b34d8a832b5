"""The bot works in private chats only: in groups and channels it onboards nobody, shows
nobody's data, answers a command with one line and a private-chat button, shows the public
crisis card when asked or when a message signals risk, and otherwise stays silent."""

from __future__ import annotations

from tests.harness import BOT_USERNAME, BotEnv, onboard

GROUP = -1001234567890


def group_messages(env: BotEnv) -> list[str]:
    return [m.plain for m in env.fake.messages(GROUP)]


async def test_start_in_a_group_points_to_the_private_chat_and_stores_nobody(env: BotEnv) -> None:
    sam = env.client(501, "Sam")
    await sam.send_in_group("/start")
    [reply] = env.fake.messages(GROUP)
    assert "private chat" in reply.plain
    [button] = reply.buttons()
    assert button["url"] == f"https://t.me/{BOT_USERNAME}?start=group"
    assert await env.storage.get_user(501) is None
    assert await env.storage.fetchval("SELECT COUNT(*) FROM sessions") == 0
    assert sam.messages == []  # nothing was started in the private chat either


async def test_mydata_in_a_group_never_posts_the_data_file(env: BotEnv) -> None:
    sam = env.client(502, "Sam")
    await onboard(sam, alias="Sam")
    before = len(env.fake.calls)
    await sam.send_in_group("/mydata")
    calls = env.fake.calls[before:]
    assert [c.method for c in calls] == ["sendMessage"]
    assert int(calls[0].params["chat_id"]) == GROUP
    assert "Sam" not in calls[0].params["text"]


async def test_help_in_a_group_does_not_echo_a_role(env: BotEnv) -> None:
    coordinator = env.client(900, "Cora")
    await coordinator.send("/start")
    await coordinator.click("That's OK with me")
    await coordinator.click("Skip")
    await coordinator.send_in_group(f"/help@{BOT_USERNAME}")
    [reply] = group_messages(env)
    assert "coordinator" not in reply.lower() and "/invite" not in reply


async def test_crisis_in_a_group_shows_the_public_card(env: BotEnv) -> None:
    sam = env.client(503, "Sam")
    await sam.send_in_group(f"/crisis@{BOT_USERNAME}")
    [card] = group_messages(env)
    assert "000" in card  # the service's emergency number (AU by default)
    assert env.fake.messages(GROUP)[0].buttons() == []  # no personal buttons in public


async def test_risk_in_a_group_gets_the_public_card(env: BotEnv) -> None:
    sam = env.client(504, "Sam")
    await sam.send_in_group("i want to kill myself tonight")
    [card] = group_messages(env)
    assert "000" in card
    assert await env.storage.get_user(504) is None


async def test_ordinary_group_chat_gets_silence(env: BotEnv) -> None:
    sam = env.client(505, "Sam")
    before = len(env.fake.calls)
    await sam.send_in_group("see you all at the meeting on thursday")
    await sam.send_in_group("I live with BPD")
    assert env.fake.calls[before:] == []


async def test_a_button_pressed_in_a_group_changes_nothing(env: BotEnv) -> None:
    sam = env.client(506, "Sam")
    await sam.send_in_group("/start")
    message = env.fake.messages(GROUP)[0]
    query = {
        "id": "q1",
        "from": sam._user(),
        "chat_instance": "g",
        "data": "onb:consent:yes",
        "message": env.fake._message_json(message),
    }
    before = len(env.fake.calls)
    await env.process({"update_id": env.fake.next_id(), "callback_query": query})
    assert [c.method for c in env.fake.calls[before:]] == ["answerCallbackQuery"]
    assert await env.storage.get_user(506) is None


async def test_a_channel_post_command_gets_one_line(env: BotEnv) -> None:
    post = {
        "message_id": env.fake.next_id(),
        "date": int(env.clock.now().timestamp()),
        "chat": {"id": -1009876, "type": "channel", "title": "News"},
        "text": "/start",
        "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
    }
    await env.process({"update_id": env.fake.next_id(), "channel_post": post})
    [reply] = env.fake.messages(-1009876)
    assert "private chat" in reply.plain
