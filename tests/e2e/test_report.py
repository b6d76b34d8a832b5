"""A coordinator's /report through the real process: the period question, the counts for the
last 4 weeks (small numbers suppressed, nobody named), the month-by-month chart as a PNG made
for a phone, and dates typed in words, with a kind answer to dates it can't read."""

from __future__ import annotations

import re
from datetime import date, timedelta

from tests.e2e.botproc import BotProcess
from tests.e2e.emulator import BotAPIEmulator, Person
from tests.e2e.journeys import onboard, plain_of

COUNT = r"(\d+|<5|\*)"


def _is_report(message: dict[str, object]) -> bool:
    return "People who joined" in plain_of(message)  # type: ignore[arg-type]


def test_a_coordinator_gets_counts_and_a_chart_for_a_period(
    tg: BotAPIEmulator, shared_bot: BotProcess, coordinator: Person
) -> None:
    ren = tg.person(880_710_001, "Renata", last_name="Private-Surname")
    onboard(ren, alias="Ren")

    coordinator.send("/report")
    coordinator.wait_for("Which period would you like counts for?")
    coordinator.click("Last 4 weeks")
    report = plain_of(coordinator.wait_for(_is_report))
    assert re.search(rf"• New people: {COUNT}\n", report), report
    assert re.search(rf"People living with BPD: {COUNT}", report), report
    assert re.search(rf"• Check-ins sent: {COUNT}\n", report), report
    assert "Days from request to match (median):" in report
    # Counts only: never a name, a Telegram name or an id.
    for word in ("Ren", "Renata", "Private-Surname", str(ren.id), "consumer_peer"):
        assert word not in report.replace("Reminders", "").replace("Requests", ""), word
    # Ren is one of fewer than 5 new people today, or counted among more: never alone.
    assert not re.search(r"• New people: [1-4]\n", report)

    chart = coordinator.wait_for(lambda m: "photo" in m)
    assert "month by month" in plain_of(chart)
    upload = tg.uploads(coordinator.id, chart["message_id"])["photo"]
    assert upload.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert chart["photo"][-1]["width"] == 720 and chart["photo"][-1]["height"] == 1280

    # Other dates, typed: first something it can't read, then dates in words.
    coordinator.click("Another period")
    coordinator.wait_for("Which period would you like counts for?")
    coordinator.click("Other dates")
    coordinator.wait_for("Which dates would you like counts for?")
    coordinator.send("sometime last spring")
    coordinator.wait_for("I couldn't read that as dates, sorry")
    today = date.today()
    first = today - timedelta(days=40)
    coordinator.send(f"from {first.day} {first:%b %Y} to {today.day} {today:%b %Y}")
    typed = plain_of(coordinator.wait_for(_is_report))
    assert f"{first.day} {first:%b %Y} to {today.day} {today:%b %Y}" in typed
    coordinator.wait_for(lambda m: "photo" in m)
