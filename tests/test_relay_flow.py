"""The chat relay through the fake Bot API: several people at once, both directions, hours,
the flood limit, endings, handovers, notes under both models, and identity hiding.

Matches are made with a small helper over the matching area's storage API (create a profile,
a request, and accept it), not by driving /profile and /match: these tests are about what
happens once two people are matched.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.domain.hours import parse_windows
from bot.domain.matching import Match
from bot.domain.relay import FLOOD_LIMIT
from tests.harness import BotEnv, Client, all_sent_text, join_staff, onboard, onboard_coordinator

ALWAYS = "Mon-Sun 00:00-24:00"
EVENINGS = "Mon-Fri 18:00-20:00"
CARD_TITLE = "If you need help now"
# The harness starts its clock at Monday 2 March 2026 09:00 UTC: 20:00 in Sydney.
MONDAY_0930_UTC = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)  # Mon 20:30 Sydney, after hours
TUESDAY_OPEN_UTC = datetime(2026, 3, 3, 7, 0, tzinfo=UTC)  # Tue 18:00 Sydney


async def person(env: BotEnv, uid: int, alias: str, *, role: str = "consumer") -> Client:
    """A person with a Telegram first name, surname and username they never chose to share."""
    client = env.client(uid, f"Tg{alias}", f"Surname{alias}", f"handle_{alias.lower()}")
    await onboard(client, role, alias=alias)
    return client


async def peer_worker(
    env: BotEnv,
    uid: int,
    name: str,
    *,
    hours: str = ALWAYS,
    kind: str = "consumer_peer",
    cap: int = 6,
) -> Client:
    """A peer worker who joined by invite and has a profile with nominated HOURS (Sydney)."""
    client = env.client(uid, f"Tg{name}", f"Surname{name}", f"handle_{name.lower()}")
    await join_staff(client, kind, alias=name)
    await env.storage.create_profile(
        uid,
        kind,
        env.clock.now(),
        display_name=name,
        bio="Walking helped me most.",
        hours=parse_windows(hours),
        timezone="Australia/Sydney",
        caseload_cap=cap,
    )
    return client


async def matched(env: BotEnv, who: Client, peer: Client) -> Match:
    """An accepted match between WHO and PEER, made through the matching storage API."""
    now = env.clock.now()
    made = await env.storage.create_request(
        who.user_id, peer.user_id, {}, now, now + timedelta(hours=48)
    )
    assert made.match is not None, made.problem
    match = await env.storage.answer_request(made.match.id, peer.user_id, accept=True, now=now)
    assert match is not None and match.status == "active"
    return match


def copies_to(env: BotEnv, chat_id: int) -> list[Any]:
    """copyMessage calls into CHAT_ID, in order."""
    return [c for c in env.fake.calls_to("copyMessage") if int(c.params["chat_id"]) == chat_id]


def assert_identity_hidden(env: BotEnv, hidden: Client, recipient: Client) -> None:
    """Nothing the bot sent into RECIPIENT's chat carries HIDDEN's Telegram id, username or
    names, and nothing was ever forwarded."""
    assert env.fake.calls_to("forwardMessage") == []
    secrets = [
        str(hidden.user_id),
        hidden.username or "",
        hidden.first_name,
        hidden.last_name or "",
    ]
    for call in env.fake.calls:
        if str(call.params.get("chat_id")) != str(recipient.user_id):
            continue
        shown = {k: v for k, v in call.params.items() if k != "from_chat_id"}
        blob = json.dumps(shown, default=str)
        for secret in filter(None, secrets):
            assert secret not in blob, (call.method, secret)
    for text in all_sent_text(env.fake):
        for secret in filter(None, [hidden.username, hidden.first_name, hidden.last_name]):
            assert secret not in text


# -- chatting ------------------------------------------------------------------------------


async def test_chat_both_ways_with_every_kind_of_message(env: BotEnv) -> None:
    robin = await person(env, 5550001, "Robin")
    jo = await peer_worker(env, 5550101, "Jo")
    await matched(env, robin, jo)

    await robin.send("Hi Jo, this week was a lot.")
    await robin.send_photo("my dog")
    await robin.send_voice()
    await robin.send_document("plan.pdf", "my safety plan")
    await robin.send_sticker()
    to_jo = copies_to(env, jo.user_id)
    assert len(to_jo) == 5
    assert all(int(c.params["from_chat_id"]) == robin.user_id for c in to_jo)
    kinds = [
        next(
            k for k in ("text", "photo", "voice", "document", "sticker") if k in m.params["source"]
        )
        for m in jo.messages
        if m.method == "copyMessage"
    ]
    assert kinds == ["text", "photo", "voice", "document", "sticker"]
    # One name label starts the run; the copies follow it as they were sent.
    jo_texts = jo.texts()
    label_at = jo_texts.index("Robin")
    assert jo_texts[label_at + 1] == "Hi Jo, this week was a lot."
    assert jo_texts[label_at + 2] == "my dog"
    assert robin.texts()[-1].startswith("You're all set")  # the person got no extra chatter

    await jo.send("Thanks for telling me, Robin.")
    await jo.send_photo("the park I mentioned")
    await jo.send_voice()
    await jo.send_document("grounding.pdf")
    await jo.send_sticker()
    to_robin = copies_to(env, robin.user_id)
    assert len(to_robin) == 5
    assert all(int(c.params["from_chat_id"]) == jo.user_id for c in to_robin)
    assert "Jo" in robin.texts()
    assert robin.texts()[-5] == "Thanks for telling me, Robin."

    assert_identity_hidden(env, robin, jo)
    assert_identity_hidden(env, jo, robin)


async def test_a_peer_worker_with_three_people_answers_the_right_one(env: BotEnv) -> None:
    jo = await peer_worker(env, 5550102, "Jo")
    people = [await person(env, 5550010 + i, name) for i, name in enumerate(("Ana", "Ben", "Cy"))]
    for p in people:
        await matched(env, p, jo)
    ana, ben, cy = people
    await ana.send("Ana here")
    await ben.send("Ben here")
    await cy.send("Cy here")
    assert [t for t in jo.texts() if t in ("Ana", "Ben", "Cy")] == ["Ana", "Ben", "Cy"]

    ben_copy = next(m for m in jo.messages if m.plain == "Ben here")
    marks = {p.user_id: p.mark() for p in people}
    await jo.send("Glad you wrote, Ben", reply_to=ben_copy.message_id)
    assert ben.texts_since(marks[ben.user_id]) == ["Jo", "Glad you wrote, Ben"]
    assert ana.mark() == marks[ana.user_id] and cy.mark() == marks[cy.user_id]

    # Replying to the name label works too.
    cy_label = next(m for m in jo.messages if m.plain == "Cy")
    await jo.send_photo("for Cy", reply_to=cy_label.message_id)
    assert cy.texts_since(marks[cy.user_id])[-1] == "for Cy"

    # Not a reply: the peer worker picks who it is for.
    await jo.send("Who wants a check-in tomorrow?")
    assert "Who is this message for?" in jo.last_text()
    labels = [b["text"] for b in jo.last().buttons()]
    assert labels == ["Write to Ana", "Write to Ben", "Write to Cy", "Don't send it"]
    before_ana = ana.mark()
    await jo.click("Write to Ana")
    assert ana.texts_since(before_ana)[-1] == "Who wants a check-in tomorrow?"
    assert "Sent to Ana." in jo.texts()
    # "Don't send it" sends nothing.
    await jo.send("never mind this one")
    before = [p.mark() for p in people]
    await jo.click("Don't send it")
    assert [p.mark() for p in people] == before
    assert "wasn't sent" in jo.last_text()
    for p in people:
        assert_identity_hidden(env, p, jo)
        assert_identity_hidden(env, jo, p)


async def test_outside_hours_held_told_when_and_delivered_after_a_restart(env: BotEnv) -> None:
    sky = await person(env, 5550020, "Sky")
    await env.storage.update_user(sky.user_id, env.clock.now(), timezone="Europe/London")
    jo = await peer_worker(env, 5550103, "Jo", hours=EVENINGS)
    await matched(env, sky, jo)
    env.clock.set(MONDAY_0930_UTC)
    before_jo = jo.mark()

    await sky.send("Are you around? Rough night.")
    notice = sky.last()
    # Told at once, in their own time zone (Tue 18:00 Sydney is Tue 07:00 in London).
    assert "Jo isn't available just now" in notice.plain
    assert "tomorrow at 07:00 (your time)" in notice.plain
    assert [b["callback_data"] for b in notice.buttons()] == ["res:home"]
    await sky.click("Resources while you wait")
    assert sky.last().buttons(), "the resources list opened"
    mark = sky.mark()
    await sky.send_photo("what I drew")
    assert sky.mark() == mark  # already told; nothing repeated
    assert jo.mark() == before_jo

    await env.restart()
    env.clock.set(TUESDAY_OPEN_UTC - timedelta(seconds=1))
    await env.run_job("tick:relay")
    assert jo.mark() == before_jo
    env.clock.set(TUESDAY_OPEN_UTC)
    await env.run_job("tick:relay")
    arrived = jo.texts_since(before_jo)
    assert arrived[0].startswith("Sky (sent while you were away, from Mon 20:30)")
    assert arrived[1:] == ["Are you around? Rough night.", "what I drew"]
    assert "passed on" in sky.last_text()
    assert await env.storage.due_held(TUESDAY_OPEN_UTC + timedelta(days=30)) == []
    # Inside hours, a new message goes at once.
    await sky.send("thank you")
    assert jo.last_text() == "thank you"


async def test_a_peer_worker_writing_outside_their_hours_hears_replies_will_wait(
    env: BotEnv,
) -> None:
    """Omar wrote 'Hi Eli, I'm here' outside his hours: he thought they were in touch, while
    Eli's reply waited two days and Eli, told once before, heard nothing more. Now Omar hears
    that replies wait, and Eli hears it again when his message waits after Omar wrote."""
    eli = await person(env, 5550023, "Eli")
    omar = await peer_worker(env, 5550118, "Omar", hours=EVENINGS)
    await matched(env, eli, omar)
    env.clock.set(MONDAY_0930_UTC)
    await eli.send("Are you around?")
    assert "Omar isn't available just now" in eli.last_text()

    env.clock.advance(minutes=30)
    await omar.send("Hi Eli, I'm here")
    assert eli.last_text() == "Hi Eli, I'm here"
    told = omar.last_text()
    assert "outside your nominated hours" in told and "if Eli replies, it will reach you" in told
    mark = omar.mark()
    await omar.send("Take your time")  # soon after: not told again
    assert omar.mark() == mark

    env.clock.advance(minutes=5)
    await eli.send("Oh hi! Did you get my messages?")
    assert "Omar isn't available just now" in eli.last_text()  # told again: Omar wrote since
    mark = eli.mark()
    await eli.send("ok")
    assert eli.mark() == mark  # and once is enough


async def test_held_messages_sent_as_one_batch_each_keep_their_lease_until_their_turn(
    env: BotEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot import outbox

    sky = await person(env, 5550021, "Sky")
    jo = await peer_worker(env, 5550105, "Jo", hours=EVENINGS)
    await matched(env, sky, jo)
    env.clock.set(MONDAY_0930_UTC)
    for i in range(6):
        await sky.send(f"held {i}")
    taken: list[outbox.Taken] = []

    async def hold_on(deps: Any, bot: Any, batch: Any, events: Any) -> int:
        taken.extend(batch)  # looked at before any of them goes
        return 0

    monkeypatch.setattr(outbox, "send_taken", hold_on)
    env.clock.set(TUESDAY_OPEN_UTC)
    await env.run_job("tick:relay")
    # The label, then the six copies, one after another to Jo's chat, each at most a
    # second apart: every lease outlasts the wait of the sends before it.
    assert len(taken) == 7
    leases = [
        await env.storage.fetchval("SELECT claimed_until FROM outbox WHERE id = ?", (t.row.id,))
        for t in taken
    ]
    start = int(TUESDAY_OPEN_UTC.timestamp() * 1000)
    assert [(lease - start) // 1000 for lease in leases] == [
        outbox.LEASE_S + 2 * i for i in range(7)
    ]


async def test_the_flood_limit_holds_extra_messages_and_asks_once(env: BotEnv) -> None:
    max_ = await person(env, 5550030, "Max")
    jo = await peer_worker(env, 5550104, "Jo")
    await matched(env, max_, jo)
    sent = []
    for i in range(FLOOD_LIMIT + 4):
        sent.append(await max_.send(f"message {i}"))
    assert len(copies_to(env, jo.user_id)) == FLOOD_LIMIT
    asked = [t for t in max_.texts() if "sending a lot of messages at once" in t]
    assert len(asked) == 1 and "nothing is lost" in asked[0]

    env.clock.advance(seconds=30)
    await env.run_job("tick:relay")
    assert len(copies_to(env, jo.user_id)) == FLOOD_LIMIT
    env.clock.advance(seconds=31)
    await env.run_job("tick:relay")
    copies = copies_to(env, jo.user_id)
    assert [int(c.params["message_id"]) for c in copies] == sent  # all of them, in order
    assert [m.plain for m in jo.messages if m.method == "copyMessage"] == [
        f"message {i}" for i in range(FLOOD_LIMIT + 4)
    ]


async def test_unsupported_kinds_are_refused_with_a_word(env: BotEnv) -> None:
    kim = await person(env, 5550040, "Kim")
    jo = await peer_worker(env, 5550105, "Jo")
    await matched(env, kim, jo)
    before = jo.mark()
    await kim._message(location={"latitude": -33.86, "longitude": 151.2})
    assert "can't be passed on" in kim.last_text()
    assert jo.mark() == before


async def test_unmatched_people_are_not_relayed(env: BotEnv) -> None:
    lee = await person(env, 5550041, "Lee")
    await lee.send("hello?")
    assert "not sure what you meant" in lee.last_text()
    assert env.fake.calls_to("copyMessage") == []


async def test_an_edited_message_is_passed_on_corrected(env: BotEnv) -> None:
    """An edit is relayed as the corrected message (never "not sure what you meant")."""
    robin = await person(env, 5550043, "Robin")
    jo = await peer_worker(env, 5550118, "Jo")
    await matched(env, robin, jo)
    sent = await robin.send("see you tomorow")
    edited = {
        **env.fake.incoming[(robin.user_id, sent)],
        "text": "see you tomorrow",
        "edit_date": int(env.clock.now().timestamp()),
    }
    env.fake.incoming[(robin.user_id, sent)] = edited
    mark = robin.mark()
    await env.process({"update_id": env.fake.next_id(), "edited_message": edited})
    assert jo.last_text() == "see you tomorrow"
    assert robin.mark() == mark


async def test_the_relay_is_the_last_catch_all(env: BotEnv) -> None:
    """Nothing after the relay's catch-all may take plain text: it is the last flow, and the
    last (and only) catch-all the dispatcher tries."""
    assert env.app is not None
    flows = env.app.bot_data["flows"]
    router = env.app.bot_data["router"]
    assert flows[-1].name == "relay"
    assert router.catch_all[-1] == flows[-1].catch_all
    assert [f.name for f in flows if f.catch_all is not None] == ["relay"]


async def test_an_open_step_comes_before_the_relay(env: BotEnv) -> None:
    """A peer worker writing a note: the text is the note, never relayed to the person."""
    robin = await person(env, 5550042, "Robin")
    jo = await peer_worker(env, 5550117, "Jo")
    await matched(env, robin, jo)
    await jo.send("/note")
    before = len(copies_to(env, robin.user_id))
    await jo.send("Robin found the walk helpful.")
    assert len(copies_to(env, robin.user_id)) == before
    assert "Jo wrote a note" in robin.last_text()
    await jo.send("Thanks, see you Thursday")
    assert copies_to(env, robin.user_id)[-1].params["message_id"] is not None
    assert robin.last_text() == "Thanks, see you Thursday"


# -- ending and handover ---------------------------------------------------------------------


async def test_end_with_only_a_request_open_says_how_to_take_it_back(env: BotEnv) -> None:
    rae = await person(env, 5550051, "Rae")
    jo = await peer_worker(env, 5550119, "Jo")
    now = env.clock.now()
    made = await env.storage.create_request(
        rae.user_id, jo.user_id, {}, now, now + timedelta(hours=48)
    )
    assert made.match is not None
    await rae.send("/end")
    assert "Your request to Jo is still waiting" in rae.last_text()
    assert "send /match" in rae.last_text()


async def test_the_person_ends_the_match_and_is_offered_a_shortlist(env: BotEnv) -> None:
    robin = await person(env, 5550050, "Robin")
    jo = await peer_worker(env, 5550106, "Jo")
    await peer_worker(env, 5550107, "Pat")
    match = await matched(env, robin, jo)

    await robin.send("/end")
    assert "end your match with Jo" in robin.last_text()
    await robin.click("No, keep it")
    assert "nothing has changed" in robin.last_text()
    assert (await env.storage.get_match(match.id)).status == "active"  # type: ignore[union-attr]

    await robin.send("/end")
    mark = robin.mark()
    await robin.click("Yes, end the match")
    ended = await env.storage.get_match(match.id)
    assert ended is not None and (ended.status, ended.ended_by) == ("ended", "person")
    # The confirmation turns into the news, and a new shortlist follows at once.
    assert any("Your match with Jo has ended" in t for t in robin.texts())
    after = robin.since(mark)
    assert "Peer workers you could choose" in after[-1].plain
    assert any(b["text"] == "Choose Pat" for b in after[-1].buttons())
    assert "Robin has ended your match" in jo.last_text()
    # Nothing more is relayed.
    before = jo.mark()
    await robin.send("one more thing")
    assert jo.mark() == before
    # A second tap on the old confirmation changes nothing.
    jo_before = jo.mark()
    await robin.press(f"end.yes:{match.id}")
    assert "conversation has ended" in robin.last_text()
    assert jo.mark() == jo_before


async def test_the_peer_worker_ends_one_of_several_matches(env: BotEnv) -> None:
    jo = await peer_worker(env, 5550108, "Jo", hours=EVENINGS)
    ana = await person(env, 5550051, "Ana")
    ben = await person(env, 5550052, "Ben")
    ana_match = await matched(env, ana, jo)
    await matched(env, ben, jo)
    # Ana has a message waiting for Jo's hours when Jo ends the match.
    env.clock.set(MONDAY_0930_UTC)
    await ana.send("see you tomorrow")
    await jo.send("/end")
    assert "Which match would you like to end?" in jo.last_text()
    await jo.click("End with Ana")
    assert "end your match with Ana" in jo.last_text()
    mark = ana.mark()
    await jo.click("Yes, end the match")
    assert "Would you like to add a few words for Ana?" in jo.last_text()
    assert ana.mark() == mark  # the news waits a few minutes for Jo's words
    await jo.click("Skip")
    assert "We've let Ana know kindly" in jo.last_text()
    told = ana.since(mark)
    assert len(told) == 1  # one message: what happened, without blame, and what's next
    assert "Jo has ended your peer support match" in told[0].plain
    assert "doesn't mean you did anything wrong" in told[0].plain
    assert "One message that was waiting for Jo's hours wasn't passed on." in told[0].plain
    assert "What happens next" in told[0].plain
    assert [b["text"] for b in told[0].buttons()] == ["Choose a new peer worker", "Resources"]
    assert (await env.storage.get_match(ana_match.id)).status == "ended"  # type: ignore[union-attr]
    env.clock.set(TUESDAY_OPEN_UTC)
    before = jo.mark()
    await env.run_job("tick:relay")
    assert jo.mark() == before  # the held message was not passed on after the end
    assert len(await env.storage.active_matches_for_peer(jo.user_id)) == 1


async def test_a_coordinator_hands_a_person_over(env: BotEnv) -> None:
    coordinator = env.client(900, "Coord")
    await onboard_coordinator(coordinator)
    robin = await person(env, 5550060, "Robin")
    jo = await peer_worker(env, 5550109, "Jo")
    pat = await peer_worker(env, 5550110, "Pat")
    full = await peer_worker(env, 5550111, "Full", cap=1)
    await matched(env, await person(env, 5550061, "Other"), full)
    old = await matched(env, robin, jo)

    await coordinator.send("/handover")
    await coordinator.click("Robin (with Jo)")
    labels = [b["text"] for b in coordinator.last().buttons()]
    assert any(label.startswith("Pat") for label in labels)
    assert not any(label.startswith("Full") or label.startswith("Jo ") for label in labels)
    await coordinator.click("Pat")
    assert "Hand Robin over from Jo to Pat?" in coordinator.last_text()
    await coordinator.click("Yes, hand over")
    assert "now supported by Pat" in coordinator.last_text()
    assert "your peer worker is Pat" in robin.last_text()
    assert "support Robin" in pat.last_text()
    assert "handed Robin over to Pat" in jo.last_text()
    ended = await env.storage.get_match(old.id)
    assert ended is not None and (ended.status, ended.ended_by) == ("ended", "coordinator")
    new = await env.storage.active_match_for_person(robin.user_id)
    assert new is not None and new.peer_id == pat.user_id

    before_jo = jo.mark()
    await robin.send("hi Pat")
    assert pat.last_text() == "hi Pat"
    assert jo.mark() == before_jo
    # The old menu is stale now.
    assert env.deps is not None
    await coordinator.press(f"ho.yes:{old.id}:{env.deps.cipher.seal_id(pat.user_id)}")
    assert "changed since this menu was shown" in coordinator.last_text()
    assert_identity_hidden(env, robin, pat)


async def test_only_coordinators_hand_over(env: BotEnv) -> None:
    robin = await person(env, 5550062, "Robin")
    await robin.send("/handover")
    assert "isn't available for your role" in robin.last_text()
    await robin.press("ho.yes:1:AAAAAAAAAAA")
    assert "isn't available for your role" in robin.last_text()


# -- notes ---------------------------------------------------------------------------------


async def db_bytes(env: BotEnv) -> bytes:
    """The database file and its write-ahead log, as bytes on disk; on PostgreSQL, whose
    files are the server's, every value of every row as stored."""
    if env.storage.dialect != "sqlite":
        out = bytearray()
        for table in await env.storage.table_names():
            for row in await env.storage.fetchall(f"SELECT * FROM {table}"):
                for value in row:
                    out += value if isinstance(value, bytes) else str(value).encode()
        return bytes(out)
    return _file_bytes(env.settings.database_path)


def _file_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    wal = Path(f"{path}-wal")
    if wal.exists():
        data += wal.read_bytes()
    return data


async def test_notes_in_the_integrated_model(tmp_path: Path) -> None:
    env = await BotEnv.create(tmp_path, model="integrated", coordinators=(900,))
    try:
        robin = await person(env, 5550070, "Robin")
        jo = await peer_worker(env, 5550112, "Jo")
        doc = env.client(5550200, "Doctor")
        await join_staff(doc, "clinician", alias="Dr Lee")
        await matched(env, robin, jo)

        private_text = "Robin talked about the PRIVATE-MARKER weekend and wants to keep it."
        shared_text = "Robin found the SHARED-MARKER breathing skill helpful this week."
        await jo.send("/note")
        assert "Robin will see exactly what you write" in jo.last_text()
        await jo.send(private_text)
        assert "has been sent a copy" in jo.last_text()
        note_msg = robin.last()
        assert "Jo wrote a note about your conversation" in note_msg.plain
        assert private_text in note_msg.plain
        assert "This note is private" in note_msg.plain
        await robin.click("Keep it private")

        await jo.send("/note")
        await jo.send("x" * 1001)
        assert "up to 1000 characters" in jo.last_text()
        await jo.send(shared_text)
        await robin.click("Share with my clinical team")
        assert "You've shared this note" in robin.last_text()
        # nobody is on Robin's care team yet, and the note says so
        assert "Nobody is on your care team yet" in robin.last_text()

        # The clinician reads only the shared note, once Robin adds them to their care team.
        from tests.test_careteam import add_to_care_team

        await add_to_care_team(doc, robin)
        await doc.send("/notes")
        await doc.click("Robin (1)")
        page = doc.last_text()
        assert shared_text in page and private_text not in page
        assert "by Jo" in page

        # Robin changes their mind: the clinician no longer sees it.
        await robin.click("Stop sharing it")
        await doc.send("/notes")
        assert "Nobody has shared" in doc.last_text()

        # Robin's /mydata has both notes, decrypted.
        await robin.send("/mydata")
        _name, payload, _mime = next(iter(robin.last().files.values()))
        exported = json.loads(payload)["notes"]
        assert [n["text"] for n in exported] == [private_text, shared_text]
        assert all("body" not in n for n in exported)

        # The note text is not in the database file in plain form.
        raw = await db_bytes(env)
        for marker in (b"PRIVATE-MARKER", b"SHARED-MARKER", b"breathing skill"):
            assert marker not in raw
        assert_identity_hidden(env, robin, doc)
        assert_identity_hidden(env, robin, jo)
    finally:
        await env.stop()
    env.assert_clean()


async def test_notes_in_the_complementary_model_and_clinicians_refused(tmp_path: Path) -> None:
    env = await BotEnv.create(tmp_path, model="integrated", coordinators=(900,))
    try:
        doc = env.client(5550201, "Doctor")
        await join_staff(doc, "clinician", alias="Dr Lee")
        # The service changes to the complementary model.
        env.settings = replace(env.settings, model="complementary")
        await env.restart()

        robin = await person(env, 5550071, "Robin")
        jo = await peer_worker(env, 5550113, "Jo")
        ana = await person(env, 5550072, "Ana")
        await matched(env, robin, jo)
        await matched(env, ana, jo)
        await jo.send("/note")
        await jo.click("Robin")
        assert "never shared with anyone else" in jo.last_text()
        await jo.send("COMPLEMENTARY-MARKER: talked about starting a new course.")
        note_msg = robin.last()
        assert "COMPLEMENTARY-MARKER" in note_msg.plain
        assert "never shared with anyone else" in note_msg.plain
        assert note_msg.buttons() == []
        # A forged share press changes nothing.
        note_id = (await env.storage.notes_about(robin.user_id))[0].id
        await robin.press(f"nt.share:{note_id}:1")
        assert not (await env.storage.notes_about(robin.user_id))[0].shared

        await doc.send("/notes")
        assert "stay between them and the people they support" in doc.last_text()
        assert "COMPLEMENTARY-MARKER" not in " ".join(doc.texts())
        # Only Robin got the note; Ana saw nothing of it.
        assert "COMPLEMENTARY-MARKER" not in " ".join(ana.texts())
        # /cancel leaves a note half-way with nothing stored.
        await jo.send("/note")
        await jo.click("Ana")
        await jo.send("/cancel")
        assert await env.storage.notes_about(ana.user_id) == []
        assert b"COMPLEMENTARY-MARKER" not in (await db_bytes(env))
    finally:
        await env.stop()
    env.assert_clean()


async def test_a_note_about_risk_is_saved_only_after_the_writer_says_so(env: BotEnv) -> None:
    """The net flags a note about risk (the card comes first); the peer worker chooses to
    save it or not: it is never kept unasked, and never lost unasked."""
    robin = await person(env, 5550074, "Robin")
    jo = await peer_worker(env, 5550119, "Jo")
    await matched(env, robin, jo)
    risky = "Robin told me she wants to die. We called Lifeline together."
    await jo.send("/note")
    mark = jo.mark()
    await jo.send(risky)
    texts = jo.texts_since(mark)
    assert CARD_TITLE in texts[0] and "This note mentions risk" in texts[-1]
    assert await env.storage.notes_about(robin.user_id) == []
    await jo.click("Don't save it")
    assert "wasn't saved" in " ".join(jo.texts_since(mark))
    assert "Write your note about Robin" in jo.last_text()
    await jo.send(risky)
    await jo.click("Save the note")
    assert "has been sent a copy" in jo.last_text()
    assert risky in robin.last_text()
    assert len(await env.storage.notes_about(robin.user_id)) == 1
    assert b"Lifeline together" not in (await db_bytes(env))  # encrypted, draft and note alike
    await jo.click("Save the note")  # a second tap changes nothing
    assert len(await env.storage.notes_about(robin.user_id)) == 1


async def test_notes_are_for_peer_workers_only(env: BotEnv) -> None:
    robin = await person(env, 5550073, "Robin")
    await robin.send("/note")
    assert "isn't available for your role" in robin.last_text()
    await robin.send("/notes")
    assert "stay between them" in robin.last_text()  # complementary: nobody reads shared notes


# -- safety and privacy ----------------------------------------------------------------------


async def test_the_crisis_card_comes_first_and_never_reaches_the_peer_worker(env: BotEnv) -> None:
    robin = await person(env, 5550080, "Robin")
    jo = await peer_worker(env, 5550114, "Jo")
    await matched(env, robin, jo)
    risky = "i cant do this anymore, i want to die"
    jo_mark = jo.mark()
    calls_before = len(env.fake.calls)
    await robin.send(risky)
    calls = env.fake.calls[calls_before:]
    card_at = next(
        i
        for i, c in enumerate(calls)
        if c.method == "sendMessage" and CARD_TITLE in c.params.get("text", "")
    )
    copy_at = next(i for i, c in enumerate(calls) if c.method == "copyMessage")
    assert card_at < copy_at
    assert int(calls[card_at].params["chat_id"]) == robin.user_id
    # The peer worker sees the message Robin chose to send them, and nothing else of it.
    jo_texts = jo.texts_since(jo_mark)
    assert jo_texts == ["Robin", risky]
    sent_to_jo = [
        c
        for c in env.fake.calls
        if str(c.params.get("chat_id")) == str(jo.user_id) and c.method != "copyMessage"
    ]
    assert not any(risky in json.dumps(c.params) for c in sent_to_jo)


async def test_delete_erases_relay_rows_and_notes_stay_with_the_person(env: BotEnv) -> None:
    robin = await person(env, 5550090, "Robin")
    jo = await peer_worker(env, 5550115, "Jo", hours=EVENINGS)
    ana = await person(env, 5550091, "Ana")
    await matched(env, robin, jo)
    await matched(env, ana, jo)
    await robin.send("in hours")
    await jo.send("/note")
    await jo.click("Robin")
    # (the note is plain on purpose: this test is about erasure, not the crisis detector)
    await jo.send("Robin talked about starting a new course.")
    env.clock.set(MONDAY_0930_UTC)
    await ana.send("held for tomorrow")
    # Ana erases everything: her held message goes with her.
    await ana.send("/delete")
    await ana.click("Yes, erase everything")
    assert await env.user_ids_in_tables(ana.user_id) == {}
    # Jo erases their data: Robin keeps the note Jo wrote.
    await jo.send("/delete")
    await jo.click("Yes, erase everything")
    assert await env.user_ids_in_tables(jo.user_id) == {}
    notes = await env.storage.notes_about(robin.user_id)
    assert len(notes) == 1 and notes[0].author_id is None
    await robin.send("/mydata")
    _name, payload, _mime = next(iter(robin.last().files.values()))
    exported = json.loads(payload)["notes"]
    assert exported[0]["text"] == "Robin talked about starting a new course."
    assert exported[0]["written_by"] == "a former peer worker"


@pytest.mark.parametrize(
    "data",
    [
        "rl.to:99999:1",
        "end.yes:99999",
        "end.which:99999",
        "rl.bogus",
        "rly:endok:1",
        "nt.share:99999:1",
        "nt.read:1:0",
        "ho.page:x",
        "ho.yes:1:AAAAAAAAAAA",
    ],
)
async def test_stale_or_forged_buttons_change_nothing(env: BotEnv, data: str) -> None:
    robin = await person(env, 5550095, "Robin")
    jo = await peer_worker(env, 5550116, "Jo")
    match = await matched(env, robin, jo)
    calls_before = len(env.fake.calls)
    await robin.press(data)
    new = env.fake.calls[calls_before:]
    assert all(c.method in ("answerCallbackQuery", "sendMessage") for c in new)
    assert (await env.storage.get_match(match.id)).status == "active"  # type: ignore[union-attr]
