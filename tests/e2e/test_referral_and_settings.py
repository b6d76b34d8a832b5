"""A referral link with its QR code, used by someone new and counted; and a person who
changes their mind in /settings about the role they're here in: through the real process."""

from __future__ import annotations

import io
import re

import zxingcpp
from PIL import Image

from tests.e2e.botproc import BotProcess
from tests.e2e.emulator import BotAPIEmulator, Person
from tests.e2e.journeys import AGREE, barrier, onboard, plain_of, tables_holding

_LINK = re.compile(r"https://t\.me/(?P<bot>\w+)\?start=(?P<payload>[\w-]+)")


def test_a_referral_link_and_its_qr_code_bring_someone_who_is_counted_by_source(
    tg: BotAPIEmulator, shared_bot: BotProcess, coordinator: Person
) -> None:
    coordinator.send("/referral")
    coordinator.wait_for("Referral links")
    coordinator.click("Make a new link")
    coordinator.wait_for("Where will this link be used?")
    coordinator.send("Eastside clinic E2E")
    made = coordinator.wait_for("Here's its link")
    link = _LINK.search(plain_of(made))
    assert link is not None and link["bot"] == tg.username, plain_of(made)
    # The printable QR code is a real PNG, and reading it back gives the same link.
    coordinator.wait_for(lambda m: "document" in m)
    uploads = [
        call
        for call in tg.calls_to("sendDocument")
        if str(call.params.get("chat_id")) == str(coordinator.id)
    ]
    assert uploads, "no QR code was sent"
    upload = next(iter(uploads[-1].files.values()))
    assert upload.filename.endswith(".png") and upload.data.startswith(b"\x89PNG")
    decoded = [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(upload.data)))]
    assert decoded == [link.group(0)]

    # Someone new opens it, says yes and sets up.
    nell = tg.person(880_800_001, "Nell")
    nell.send(f"/start {link['payload']}")
    nell.wait_for("Is that OK with you?")
    nell.click(AGREE)
    nell.wait_for("Which of these fits you best?")
    nell.click("I live with BPD")
    nell.wait_for("What would you like to be called here?")
    nell.click("Skip")
    nell.wait_for("You're all set.")

    coordinator.send("/referral")
    listed = coordinator.wait_for(
        lambda m: "Eastside clinic E2E: 1 started, 1 joined" in plain_of(m)
    )
    assert "Nell" not in plain_of(listed)
    # Nell's own record keeps the source's name, and nothing else of the link.
    with shared_bot.db() as db:
        found = tables_holding(db, "Eastside clinic E2E")
        row = db.execute(
            "SELECT referral_source FROM users WHERE user_id = ?", (nell.id,)
        ).fetchone()
    assert row is not None and row[0] == "Eastside clinic E2E"
    assert set(found) <= {"users", "referral_sources"}, found


def test_a_person_who_now_supports_someone_changes_their_role_in_settings(
    tg: BotAPIEmulator, shared_bot: BotProcess
) -> None:
    ada = tg.person(880_800_101, "Ada")
    onboard(ada, alias="Ada")
    ada.send("/settings")
    ada.wait_for("What would you like to change?")
    ada.click("I'm here as")
    ada.wait_for("Which of these fits you best now?")
    ada.click("I support someone with BPD")
    ada.wait_for("Who do you support?")
    ada.click("A friend")
    ada.wait_for("Saved")
    ada.find_button("I'm here as: Carer")
    ada.click("Done")
    ada.wait_for("Your settings are saved.")
    # Their help is a carer's now.
    barrier(ada)
    assert "Looking after yourself matters too." in plain_of(ada.last()), plain_of(ada.last())
