"""Care teams through the real process (integrated model): a clinician's single-use link
accepted by the person, a shared note the clinician is told about and reads, the read in the
person's access log, and the clinician removed from /settings, after which they read
nothing."""

from __future__ import annotations

import re
from collections.abc import Callable

from tests.e2e.botproc import BotProcess
from tests.e2e.conftest import COORDINATOR_ID
from tests.e2e.journeys import (
    AGREE,
    always_open,
    barrier,
    choose_peer,
    invite,
    join_with_invite,
    onboard,
    onboard_coordinator,
    plain_of,
    set_up_profile,
)

_PAYLOAD = re.compile(r"\?start=(ct-[\w-]+)")


def test_a_care_team_link_accepted_a_note_read_and_logged_then_the_clinician_removed(
    make_bot: Callable[..., BotProcess],
) -> None:
    bot = make_bot(model="integrated")
    bot.start()
    tg = bot.tg
    coordinator = tg.person(COORDINATOR_ID, "Casey")
    onboard_coordinator(coordinator, alias="Casey")
    doc = tg.person(880_900_001, "Doctor")
    join_with_invite(
        doc, invite(coordinator, "Clinician", tg.username), "clinician", alias="Dr Lee"
    )
    jo = tg.person(880_900_002, "Joanne")
    join_with_invite(
        jo, invite(coordinator, "Consumer peer worker", tg.username), "consumer peer worker"
    )
    set_up_profile(jo, "Jo Team", always_open())
    robin = tg.person(880_900_003, "Robin", last_name="Real-Surname")
    onboard(robin, alias="Robin")
    robin.send("/match")
    robin.wait_for("Question 1 of")
    robin.click("Skip the rest")
    robin.wait_for("Peer workers you could choose")
    choose_peer(robin, "Jo Team")
    jo.wait_for("A new request for peer support")
    jo.click("Accept")
    robin.wait_for("has accepted")

    # Dr Lee's link; Robin opens it, is told what it means, and says yes.
    doc.send("/careteam")
    made = plain_of(doc.wait_for("A care-team link"))
    found = _PAYLOAD.search(made)
    assert found is not None, made
    robin.send(f"/start {found.group(1)}")
    ask = plain_of(robin.wait_for("Dr Lee would like to join your care team"))
    assert "can't read your private notes or your messages" in ask
    robin.click("Yes, add Dr Lee")
    robin.wait_for("Dr Lee is on your care team now")
    doc.wait_for("Robin has added you to their care team")

    # Jo writes a note; Robin shares it; Dr Lee is told and reads it.
    jo.send("/note")
    jo.wait_for("Robin will see exactly what you write")
    jo.send("E2E-CARE-MARKER: Robin found the group helpful.")
    jo.wait_for("has been sent a copy")
    robin.wait_for("E2E-CARE-MARKER")
    robin.click("Share with my clinical team")
    robin.wait_for("You've shared this note")
    doc.wait_for("Robin has shared a note with their care team")
    doc.click("Read it")
    page = plain_of(doc.wait_for("E2E-CARE-MARKER"))
    assert "Real-Surname" not in page

    # Robin sees who read, and when.
    robin.send("/notes")
    log = plain_of(robin.wait_for("Who has read your notes"))
    assert "Dr Lee (clinician)" in log and "1 note" in log

    # Robin removes Dr Lee from /settings; Dr Lee reads nothing from then on.
    robin.send("/settings")
    robin.wait_for(lambda m: "My care team" in str(m.get("reply_markup")))
    robin.click("My care team")
    robin.wait_for("Your care team")
    robin.click("Remove Dr Lee")
    robin.wait_for("Remove Dr Lee from your care team?")
    robin.click("Yes, remove Dr Lee")
    robin.wait_for("Dr Lee is no longer on your care team")
    doc.send("/notes")
    doc.wait_for("Nobody has shared a peer worker's note")
    barrier(tg.person(880_900_009, "Bystander"))
    with bot.db() as db:
        team = db.execute("SELECT COUNT(*) FROM care_team").fetchone()[0]
        reads = db.execute(
            "SELECT reader_name, reader_role, notes FROM note_reads WHERE person_id = ?",
            (robin.id,),
        ).fetchall()
    assert team == 0
    assert [tuple(r) for r in reads] == [("Dr Lee", "clinician", 1)]

    # Ash is new: Dr Lee's link is the way in. Setup comes first; the link waits for it.
    doc.send("/careteam")
    made = plain_of(
        doc.wait_for(
            lambda m: (
                "A care-team link" in plain_of(m) and "ct-" in plain_of(m) and plain_of(m) != made
            )
        )
    )
    found = _PAYLOAD.search(made)
    assert found is not None, made
    ash = tg.person(880_900_004, "Ash")
    ash.send(f"/start {found.group(1)}")
    ash.wait_for("Is that OK with you?")
    ash.click(AGREE)
    ash.wait_for("Which of these fits you best?")
    ash.click("I live with BPD")
    ash.wait_for("What would you like to be called here?")
    ash.send("Ash")
    ash.wait_for("You came here by a link from a clinician")
    ash.click("Look at it now")
    ash.wait_for("Dr Lee would like to join your care team")
    ash.click("Yes, add Dr Lee")
    ash.wait_for("Dr Lee is on your care team now")
    doc.wait_for("Ash has added you to their care team")
