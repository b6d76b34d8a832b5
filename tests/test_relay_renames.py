"""A new name or new hours reach the other side of each active match: a peer worker hears
the name their person chose, and people hear their peer worker's new name and hours, so
what they were told at the match stays true."""

from __future__ import annotations

from tests.harness import BotEnv
from tests.test_relay_flow import matched, peer_worker, person


async def test_a_person_who_changes_their_name_is_introduced_by_it(env: BotEnv) -> None:
    robin = await person(env, 5560001, "Robin")
    jo = await peer_worker(env, 5560101, "Jo")
    await matched(env, robin, jo)
    await robin.send("/settings")
    await robin.click("My name")
    mark = jo.mark()
    await robin.send("Rob")
    assert jo.texts_since(mark) == [
        "Robin has chosen a new name here: Rob. Their messages will show it from now on."
    ]
    await robin.send("hi, it's me")
    assert "Rob" in jo.texts_since(mark)[-1]  # the label above the relayed copy
    # the same name again is no news
    await robin.send("/settings")
    await robin.click("My name")
    mark = jo.mark()
    await robin.send("Rob")
    assert jo.texts_since(mark) == []


async def test_someone_without_a_peer_worker_renames_quietly(env: BotEnv) -> None:
    robin = await person(env, 5560002, "Robin")
    await robin.send("/settings")
    await robin.click("My name")
    calls = len(env.fake.calls)
    await robin.send("Rob")
    assert all(int(c.params.get("chat_id", 0)) == robin.user_id for c in env.fake.calls[calls:])
    assert "Saved" in robin.last_text()


async def test_people_hear_their_peer_workers_new_name_and_hours(env: BotEnv) -> None:
    robin = await person(env, 5560003, "Robin")
    sky = await person(env, 5560004, "Sky", role="carer")
    jo = await peer_worker(env, 5560102, "Jo")
    await matched(env, robin, jo)
    await matched(env, sky, jo)  # a consumer peer worker who supports a carer too
    await jo.send("/profile")
    await jo.click("Name", exact=True)
    robin_mark, sky_mark = robin.mark(), sky.mark()
    await jo.send("Joanne")
    expected = (
        "Your peer worker Jo now goes by Joanne. Nothing else has changed: you can write to "
        "them here as before."
    )
    assert robin.texts_since(robin_mark) == [expected]
    assert sky.texts_since(sky_mark) == [expected]

    await jo.click("See my profile")
    await jo.click("Hours", exact=True)
    robin_mark = robin.mark()
    await jo.send("Mon-Fri 9-17")
    (news,) = robin.texts_since(robin_mark)
    assert news.startswith(
        "Joanne has changed the hours they reply in. Their hours are now Mon–Fri 9am–5pm, "
        "Sydney time."
    )
    assert "wait and reach them when their hours start" in news
    # the same hours again, or a new bio, are not news
    await jo.click("See my profile")
    await jo.click("Hours", exact=True)
    robin_mark = robin.mark()
    await jo.send("Mon-Fri 9-17")
    await jo.click("See my profile")
    await jo.click("About you", exact=True)
    await jo.send("Walking and art helped me.")
    assert robin.texts_since(robin_mark) == []


async def test_a_peer_workers_settings_name_is_not_news_to_their_people(env: BotEnv) -> None:
    """People see a peer worker's profile name; the name in /settings is the one staff see."""
    robin = await person(env, 5560005, "Robin")
    jo = await peer_worker(env, 5560103, "Jo")
    await matched(env, robin, jo)
    await jo.send("/settings")
    await jo.click("My name")
    mark = robin.mark()
    await jo.send("Joanne")
    assert robin.texts_since(mark) == []
