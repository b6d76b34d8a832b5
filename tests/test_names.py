"""Names: 1 to 32 characters, a name and not a sentence, a question or a link, and never a
staff title or the service's name; a plain sentence says why, and the question comes back
with Skip where Skip is (at /start) and Back where Back is (in /settings)."""

from __future__ import annotations

import pytest

from bot.domain.names import name_problem
from tests.harness import AGREE, BotEnv
from tests.home_support import buttons, person

RESERVED = (
    "admin",
    "moderator",
    "staff",
    "coordinator",
    "co-ordinator",
    "peer worker",
    "clinician",
    "bot",
    "Harbour Health",
)


@pytest.mark.parametrize(
    "name",
    [
        "Sam",
        "Ally",
        "Jo-Anne",
        "O'Brien",
        "Mary Anne de la Cruz",
        "Nguyễn Thị Minh Khai",
        "李小龙",
        "Zoë",
        "Dr. Kim",
        "J. Smith",
        "Will",
        "Staffan",
        "Badminton",
        "Abbot",
        "Peer",
    ],
)
def test_names_that_will_do(name: str) -> None:
    assert name_problem(name, RESERVED) is None


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("  ", "empty"),
        ("x" * 33, "too_long"),
        ("Sam\nLee", "one_line"),
        ("1234", "no_letters"),
        ("see www.example.com", "link"),
        ("https://t.me/sam", "link"),
        ("@sam_private", "link"),
        ("why do you need my name?", "question"),
        ("can I skip this", "question"),
        # long, but a question: said so, not only that it is long (found walking the bot)
        ("hi, I'm not sure what to put here?", "question"),
        ("my name is Sam", "sentence"),
        ("I don't know", "sentence"),
        ("no", "sentence"),
        ("Hello there. I'm Sam", "sentence"),
        ("Coordinator", "staff"),
        ("coordinator jo", "staff"),
        ("Co-ordinator", "staff"),
        ("ADMIN", "staff"),
        ("Adm1n", "staff"),
        ("A d m i n", "staff"),
        ("Sam_Admin", "staff"),
        ("PeerWorker", "staff"),
        ("Peer worker Sam", "staff"),
        ("Harbour Health", "staff"),
        ("The Bot", "staff"),
    ],
)
def test_names_that_will_not_and_why(text: str, problem: str) -> None:
    assert name_problem(text, RESERVED) == problem


async def test_at_start_the_reason_then_the_question_with_skip(env: BotEnv) -> None:
    sam = env.client(6001, "Sam")
    await sam.send("/start")
    await sam.click(AGREE)
    await sam.click("I live with BPD")
    await sam.send("Peer Support")  # the service's own name (the default setting)
    assert "could make people think you're staff" in sam.last_text()
    assert "or tap Skip" in sam.last_text() and buttons(sam) == ["Skip"]
    await sam.send("my name is Sam")
    assert "reads like a message rather than a name" in sam.last_text()
    await sam.send("Admin")
    assert "could make people think you're staff" in sam.last_text()
    await sam.send("Sam")
    assert sam.last_text().startswith("You're all set, Sam.")
    user = await env.storage.get_user(6001)
    assert user is not None and user.alias == "Sam"


async def test_in_settings_the_question_has_back_and_never_mentions_skip(env: BotEnv) -> None:
    kim = await person(env, 6002, "Kim")
    await kim.send("/settings")
    await kim.click("My name")
    assert "Skip" not in kim.last_text() and "tap Back" in kim.last_text()
    assert buttons(kim) == ["Back"]
    await kim.send("is this where I change my name?")
    assert "looks like a question" in kim.last_text()
    assert "Skip" not in kim.last_text() and buttons(kim) == ["Back"]
    await kim.send("www.kim.me")
    assert "can't include a link" in kim.last_text()
    await kim.send("Kimberley")
    assert "Saved" in kim.last_text()
    user = await env.storage.get_user(6002)
    assert user is not None and user.alias == "Kimberley"


async def test_a_name_the_safety_net_flags_is_never_kept(env: BotEnv) -> None:
    lee = await person(env, 6003, "Lee")
    await lee.send("/settings")
    await lee.click("My name")
    mark = lee.mark()
    await lee.send("I want to die")
    texts = lee.texts_since(mark)
    assert "If you need help now" in texts[0]
    assert "What would you like to be called here?" in texts[-1]  # asked again, below it
    user = await env.storage.get_user(6003)
    assert user is not None and user.alias == "Lee"
