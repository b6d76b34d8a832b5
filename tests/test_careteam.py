"""Care teams in the integrated model (issue 17, item 3): a clinician reads shared notes only
of people whose care team they are on, joined through a single-use link the person accepts
or declines; the person sees their care team in /settings and removes a clinician at any
time; a clinician hears when a note is shared with them; every staff read goes into an access
log the person sees in /notes and /mydata, nobody else sees, and /delete erases."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

from bot.services import careteam
from tests.harness import BotEnv, Client, join_staff, onboard_coordinator
from tests.home_support import matched, peer, person

_PAYLOAD = re.compile(r"\?start=(ct-[\w-]+)")


async def integrated(tmp_path: Path) -> BotEnv:
    return await BotEnv.create(tmp_path, model="integrated", coordinators=(900,))


async def clinician(env: BotEnv, uid: int, alias: str = "Dr Lee") -> Client:
    doc = env.client(uid, "Doctor")
    await join_staff(doc, "clinician", alias=alias)
    return doc


async def care_team_link(doc: Client) -> str:
    """The /start payload of a new care-team link from DOC's /careteam."""
    await doc.send("/careteam")
    text = doc.last_text()
    assert "A care-team link" in text
    found = _PAYLOAD.search(text)
    assert found is not None, text
    return found.group(1)


async def add_to_care_team(doc: Client, who: Client) -> None:
    """DOC gives WHO a care-team link; WHO opens it and says yes."""
    payload = await care_team_link(doc)
    await who.send(f"/start {payload}")
    await who.click("Yes, add")


async def shared_note(jo: Client, who: Client, text: str) -> None:
    """Peer worker JO writes a note about WHO, who shares it with their clinical team."""
    await jo.send("/note")
    if "Who is this note about" in jo.last_text():
        await jo.click(who.first_name.removeprefix("Tg"), exact=True)
    await jo.send(text)
    await who.click("Share with my clinical team")


async def test_a_link_accepted_a_note_shared_read_logged_and_the_clinician_removed(
    tmp_path: Path,
) -> None:
    env = await integrated(tmp_path)
    try:
        robin = await person(env, 7001, "Robin")
        jo = await peer(env, 7101, "Jo")
        doc = await clinician(env, 7201)
        await matched(env, robin, jo)

        # Before Robin adds Dr Lee, a shared note is out of Dr Lee's reach.
        await shared_note(jo, robin, "EARLY-MARKER: Robin tried the breathing skill.")
        await doc.send("/notes")
        assert "Nobody has shared" in doc.last_text()

        payload = await care_team_link(doc)
        assert "works once" in doc.last_text()
        await robin.send(f"/start {payload}")
        ask = robin.last_text()
        assert "Dr Lee would like to join your care team" in ask
        assert "notes from your peer worker that you choose to share" in ask
        assert "remove them at any time" in ask
        mark = doc.mark()
        await robin.click("Yes, add Dr Lee")
        assert "Dr Lee is on your care team now" in robin.last_text()
        assert doc.texts_since(mark) == [
            "Robin has added you to their care team. You can read the notes they choose to "
            "share with /notes."
        ]

        # A note shared now: Dr Lee is told, and reads it (and the earlier one) from the notice.
        mark = doc.mark()
        await shared_note(jo, robin, "LATER-MARKER: Robin wants to try a new group.")
        told = doc.texts_since(mark)
        assert told == [
            "Robin has shared a note with their care team. You can read it with "
            "/notes, or with the button below."
        ]
        env.clock.advance(timedelta(minutes=5))
        read_it = doc.find_button("Read it")[1]
        await doc.click("Read it")
        page = doc.last_text()
        assert "LATER-MARKER" in page and "EARLY-MARKER" in page

        # Robin sees who read, and when, in /notes (and in /settings' "My care team").
        await robin.send("/notes")
        view = robin.last_text()
        assert "Your care team" in view and "Dr Lee, clinician, since" in view
        assert "Who has read your notes" in view
        assert re.search(r"Dr Lee \(clinician\), \w{3} \d+ \w{3}, \d\d:\d\d: 2 notes", view), view
        await robin.send("/settings")
        await robin.click("My care team")
        assert "Dr Lee (clinician)" in robin.last_text()

        # Robin removes Dr Lee: asked first, and from that moment nothing more is read.
        await robin.click("Remove Dr Lee")
        assert "won't be able to read any of your notes" in robin.last_text()
        mark = doc.mark()
        await robin.click("Yes, remove Dr Lee")
        assert "Dr Lee is no longer on your care team" in robin.last_text()
        assert "Nobody is on your care team yet" in robin.last_text()
        assert doc.texts_since(mark) == []  # not told
        await doc.send("/notes")
        assert "Nobody has shared" in doc.last_text()
        mark = doc.mark()
        await doc.press(read_it, doc.last())  # the notice's button, again
        assert not any("MARKER" in t for t in doc.texts_since(mark))
        reads = await env.storage.note_reads(robin.user_id)
        assert [(r.reader_name, r.reader_role, r.notes) for r in reads] == [
            ("Dr Lee", "clinician", 2)
        ]
    finally:
        await env.stop()
    env.assert_clean()


async def test_a_link_opened_before_setting_up_is_still_there_once_set_up(
    tmp_path: Path,
) -> None:
    """Someone new opens their clinician's link first (the usual way in): the privacy notice
    and setup come first, then the link's question is one tap away, not lost."""
    env = await integrated(tmp_path)
    try:
        doc = await clinician(env, 7211)
        payload = await care_team_link(doc)
        ash = env.client(7011, "Ash")
        await ash.send(f"/start {payload}")
        assert "Before we store anything about you" in ash.last_text()
        assert await env.storage.get_user(ash.user_id) is None  # nothing kept before a yes
        await ash.click("That's OK with me")
        await ash.click("I live with BPD")
        await ash.send("Ash")
        waiting = ash.last_text()
        assert "You came here by a link from a clinician" in waiting
        mark = doc.mark()
        await ash.click("Look at it now")
        assert "Dr Lee would like to join your care team" in ash.last_text()
        await ash.click("Yes, add Dr Lee")
        assert "Dr Lee is on your care team now" in ash.last_text()
        assert any("Ash has added you to their care team" in t for t in doc.texts_since(mark))
        assert not env.errors
    finally:
        await env.stop()


async def test_a_clinician_who_leaves_is_taken_off_every_care_team_and_people_told(
    tmp_path: Path,
) -> None:
    """A coordinator ends Dr Lee's access: Robin and Sam each hear it once, and no longer
    see Dr Lee on their care team; Dr Lee's unused link asks nobody anything."""
    env = await integrated(tmp_path)
    try:
        cora = env.client(900, "Coordinator")
        await onboard_coordinator(cora, alias="Cora")
        doc = await clinician(env, 7221)
        robin = await person(env, 7021, "Robin")
        sam = await person(env, 7022, "Sam")
        await add_to_care_team(doc, robin)
        await add_to_care_team(doc, sam)
        unused = await care_team_link(doc)
        marks = {c.user_id: c.mark() for c in (robin, sam)}

        await cora.send("/coord")
        await cora.click("Staff")
        await cora.click("End access: Dr Lee")
        await cora.click("Yes, end access")

        for who in (robin, sam):
            (told,) = who.texts_since(marks[who.user_id])
            assert told.startswith("Dr Lee has left this service, so they are no longer on")
            await who.send("/careteam")
            assert "Dr Lee" not in who.last_text()
        assert await env.storage.care_team_people(doc.user_id) == set()
        newcomer = await person(env, 7023, "Nia")
        await newcomer.send(f"/start {unused}")
        assert "would like to join your care team" not in newcomer.last_text()
        assert not env.errors
    finally:
        await env.stop()


async def test_a_clinician_lists_only_their_care_teams_and_a_refusal_looks_missing(
    tmp_path: Path,
) -> None:
    env = await integrated(tmp_path)
    try:
        robin, ana = await person(env, 7002, "Robin"), await person(env, 7003, "Ana")
        jo = await peer(env, 7102, "Jo")
        doc = await clinician(env, 7202)
        await matched(env, robin, jo)
        await matched(env, ana, jo)
        await add_to_care_team(doc, robin)
        await shared_note(jo, robin, "ROBIN-MARKER")
        await shared_note(jo, ana, "ANA-MARKER")

        await doc.send("/notes")
        labels = [b["text"] for b in doc.last().buttons()]
        assert labels == ["Robin (1)", "‹ Menu"]
        ana_note = (await env.storage.notes_about(ana.user_id))[0].id

        async def seen(anchor: int) -> list[tuple[str, str]]:
            mark = len(env.fake.calls)
            await doc.press(f"nt.read:{anchor}:0", doc.last())
            return [(c.method, str(c.params.get("text"))) for c in env.fake.calls[mark:]]

        refused, missing = await seen(ana_note), await seen(999_999)
        assert refused == missing
        assert "ANA-MARKER" not in " ".join(doc.texts())
        assert await env.storage.note_reads(ana.user_id) == []
    finally:
        await env.stop()
    env.assert_clean()


async def test_a_link_works_once_for_one_person_until_it_expires(tmp_path: Path) -> None:
    env = await integrated(tmp_path)
    try:
        robin, ana = await person(env, 7004, "Robin"), await person(env, 7005, "Ana")
        doc = await clinician(env, 7203)

        # Declined: Dr Lee is not told, and the link is spent.
        payload = await care_team_link(doc)
        await robin.send(f"/start {payload}")
        mark = doc.mark()
        await robin.click("No, thanks")
        assert "isn't added to your care team" in robin.last_text()
        assert doc.texts_since(mark) == []
        assert await env.storage.care_team(robin.user_id) == []
        await robin.send(f"/start {payload}")
        assert "has been used already" in robin.last_text()

        # Opened by one person, it can't be taken up by another, nor pressed by them.
        payload = await care_team_link(doc)
        await robin.send(f"/start {payload}")
        await ana.send(f"/start {payload}")
        assert "has been used already" in ana.last_text()
        button = robin.find_button("Yes, add")[1]
        await ana.press(button, ana.last())
        assert await env.storage.care_team(ana.user_id) == []

        # Expired.
        payload = await care_team_link(doc)
        env.clock.advance(timedelta(hours=env.settings.invite_expiry_hours, minutes=1))
        await ana.send(f"/start {payload}")
        assert "has run out" in ana.last_text()

        # A clinician's own link stays unused; a made-up one is refused kindly.
        payload = await care_team_link(doc)
        await doc.send(f"/start {payload}")
        assert "stays unused" in doc.last_text()
        await ana.send("/start ct-" + "A" * 24)
        assert "doesn't work" in ana.last_text()

        # Someone new sets up first (the link is no invite), then opens it again.
        nell = env.client(7006, "Nell")
        await nell.send(f"/start {payload}")
        assert "Is that OK with you?" in nell.last_text()
        await nell.click("That's OK with me")
        await nell.click("I live with BPD")
        await nell.send("Nell")
        await nell.send(f"/start {payload}")
        await nell.click("Yes, add Dr Lee")
        assert [m.clinician_id for m in await env.storage.care_team(nell.user_id)] == [doc.user_id]
        assert careteam.code_of(payload) is not None
    finally:
        await env.stop()
    env.assert_clean()


async def test_the_access_log_is_the_persons_alone_and_delete_erases_it(tmp_path: Path) -> None:
    env = await integrated(tmp_path)
    try:
        robin = await person(env, 7007, "Robin")
        jo = await peer(env, 7103, "Jo")
        doc = await clinician(env, 7204)
        other = await clinician(env, 7205, alias="Dr Kay")
        coordinator = env.client(900, "Casey")
        await onboard_coordinator(coordinator, alias="Casey")
        await matched(env, robin, jo)
        await add_to_care_team(doc, robin)
        await shared_note(jo, robin, "LOG-MARKER")
        await doc.send("/notes")
        await doc.click("Robin (1)")

        # /mydata has the care team and every read, readable.
        await robin.send("/mydata")
        _name, payload, _mime = next(iter(robin.last().files.values()))
        data = json.loads(payload)
        assert [m["name"] for m in data["my_care_team"]] == ["Dr Lee"]
        assert [(r["who"], r["role"], r["notes"]) for r in data["who_read_my_notes"]] == [
            ("Dr Lee", "clinician", 1)
        ]
        assert all("reader_id" not in r for r in data["note_reads"])

        # No other staff sees it: not another clinician, not a coordinator, not the peer.
        for staff in (other, coordinator, jo):
            await staff.send("/careteam")
            await staff.send("/notes")
            assert not any("Who has read" in t for t in staff.texts())
        await other.send("/notes")
        assert "Nobody has shared" in other.last_text()

        # Dr Lee erases their data: the log keeps who read it, by name and role, not their id.
        await doc.send("/delete")
        await doc.click("Yes, erase everything")
        assert await env.user_ids_in_tables(doc.user_id) == {}
        assert [r.reader_name for r in await env.storage.note_reads(robin.user_id)] == ["Dr Lee"]
        # Robin's /delete erases the log.
        await robin.send("/delete")
        await robin.click("Yes, erase everything")
        assert await env.user_ids_in_tables(robin.user_id) == {}
        assert await env.storage.fetchval("SELECT COUNT(*) FROM note_reads") == 0
    finally:
        await env.stop()
    env.assert_clean()


async def test_in_the_complementary_model_none_of_it_shows(env: BotEnv) -> None:
    robin = await person(env, 7008, "Robin")
    await robin.send("/settings")
    assert "My care team" not in [b["text"] for b in robin.last().buttons()]
    await robin.send("/careteam")
    assert "doesn't use care teams" in robin.last_text()
    await robin.send("/start ct-" + "A" * 24)
    assert "doesn't use care teams" in robin.last_text()
    await robin.send("/notes")
    assert "Who has read" not in robin.last_text()
    await robin.send("/help")
    assert "/careteam" not in robin.last_text()
