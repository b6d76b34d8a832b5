"""Evaluation a service can publish (issue 17): a scenario built in the database (people by role
and referral source, requests and matches, a handover, endings, the waitlist, groups and their
RSVP counts, check-ins, crisis cards, supervision), then /report for typed dates and for a
named period, the chart, and `python -m bot report` printing the same numbers or writing CSV.
Every count goes through small-number suppression: 1 to 4 is "<5", and a count that would
give a hidden one back by subtraction is held back ("*")."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.domain.groups import Group, Schedule
from bot.services.evaluation import named_period, parse_period
from bot.storage import Storage
from flows.coordinator.chart import HEIGHT_PX, WIDTH_PX
from tests.backends import child_env, database
from tests.harness import BotEnv
from tests.test_relay_endings import coordinator

ROOT = Path(__file__).resolve().parent.parent
SYDNEY = ZoneInfo("Australia/Sydney")


def at(day: date, hour: int = 12) -> int:
    """Noon (local) on DAY as epoch seconds."""
    return int(datetime(day.year, day.month, day.day, hour, tzinfo=SYDNEY).timestamp())


JAN, FEB = date(2026, 1, 10), date(2026, 2, 10)
BEFORE = date(2025, 12, 1)


async def build_scenario(storage: Storage) -> None:
    """Everything the report counts, for January and February 2026 (Sydney), with some of it
    before and after the period, which must not be counted."""
    uid = iter(range(700_000, 800_000))

    async def user(
        role: str | None, when: date, source: str | None = None, consent: str = "given"
    ) -> int:
        n = next(uid)
        await storage.execute(
            "INSERT INTO users (user_id, consent, consent_at, role, region, timezone, alias, "
            "created_at, updated_at, referral_source) VALUES (?, ?, ?, ?, 'AU', "
            "'Australia/Sydney', ?, ?, ?, ?)",
            (n, consent, at(when), role, f"Person{n}", at(when), at(when), source),
        )
        return n

    # Peer workers who joined before the period: not new people.
    jo, pat = await user("consumer_peer", BEFORE), await user("consumer_peer", BEFORE)
    # New people: 8 living with BPD (9 came through the clinic's link in all), 6 carers, 2
    # consumer peer workers; someone who said no to storing anything is not counted.
    consumers = [
        await user("consumer", JAN if i < 5 else FEB, "Harbour clinic" if i < 6 else None)
        for i in range(8)
    ]
    for i in range(6):
        await user("carer", JAN, "Harbour clinic" if i < 3 else None)
    for _ in range(2):
        await user("consumer_peer", FEB)
    await user(None, JAN, consent="refused")
    await user("consumer", date(2026, 3, 1))  # after the period

    async def match(
        person: int,
        peer: int,
        requested: int,
        *,
        accepted: int | None,
        status: str,
        ended: int | None = None,
        by: str | None = None,
    ) -> None:
        await storage.execute(
            "INSERT INTO matches (person_id, peer_id, status, requested_at, accepted_at, "
            "ended_at, ended_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (person, peer, status, requested, accepted, ended, by),
        )

    # Six requests accepted after 1, 2, 3, 4, 5 and 10 days; one declined: 7 requests.
    for person, days in zip(consumers, (1, 2, 3, 4, 5, 10), strict=False):
        start = at(JAN)
        await match(
            person,
            jo,
            start,
            accepted=start + days * 86400,
            status="ended",
            ended=at(FEB),
            by="person",
        )
    await match(
        consumers[6], pat, at(JAN), accepted=None, status="declined", ended=at(JAN), by="peer"
    )
    # Two more endings by the peer worker, of matches made before the period.
    for person in consumers[6:8]:
        await match(
            person, pat, at(BEFORE), accepted=at(BEFORE), status="ended", ended=at(FEB), by="peer"
        )
    # A handover: Jo's match with a carer ends (by a coordinator) and Pat's starts at once,
    # never requested or accepted. Counted apart: never a match made in 0 hours.
    carer = consumers[7] + 3
    handed = at(FEB)
    await match(
        carer, jo, at(BEFORE), accepted=at(BEFORE), status="ended", ended=handed, by="coordinator"
    )
    await match(carer, pat, handed, accepted=None, status="active")

    # The waitlist now: two people.
    for person in consumers[:2]:
        await storage.execute(
            "INSERT INTO match_waitlist (person_id, joined_at) VALUES (?, ?)", (person, at(FEB))
        )

    # A group with 6 members, and two meetings held in the period (counts from the RSVPs).
    group = await storage.create_group(
        Group(
            0,
            "Carers circle",
            "",
            "carers",
            "online",
            "https://x.example",
            Schedule("weekly", date(2026, 1, 6), 18 * 60),
            "Jo",
            10,
        ),
        datetime(2025, 12, 1, tzinfo=UTC),
    )
    for person in consumers[:6]:
        await storage.execute(
            "INSERT INTO group_members (group_id, user_id, status, joined_at) "
            "VALUES (?, ?, 'member', ?)",
            (group, person, at(JAN)),
        )
    for day, yes, no in ((date(2026, 1, 13), 4, 1), (date(2026, 2, 17), 5, 0)):
        await storage.execute(
            "INSERT INTO group_attendance (group_id, occurrence, starts_at, members, said_yes, "
            "said_no, recorded_at) VALUES (?, ?, ?, 6, ?, ?, ?)",
            (group, day.isoformat(), at(day, 18), yes, no, at(day, 18)),
        )
    await storage.bump_counter("group_reminders_sent", "2026-01-12", "", 12)

    # One announcement: 6 messages tried, 5 delivered, 1 blocked.
    await storage.execute(
        "INSERT INTO broadcasts (id, created_by, audience, status, total, created_at) "
        "VALUES (1, ?, 'consumers', 'done', 6, ?)",
        (jo, at(JAN)),
    )
    for i, person in enumerate(consumers[:6]):
        await storage.execute(
            "INSERT INTO broadcast_outbox (broadcast_id, user_id, seq, status, updated_at) "
            "VALUES (1, ?, ?, ?, ?)",
            (person, i, "blocked" if i == 0 else "delivered", at(JAN)),
        )

    # Scheduled check-ins: 20 sent, 17 answered (11 in January, 6 in February). Three asked
    # for with "Check in now" are not scheduled ones and are not counted.
    for i in range(20):
        answered = i < 17
        day = JAN if i < 11 or i >= 17 else FEB
        await storage.execute(
            "INSERT INTO checkins (user_id, due_at, sent_at, status, kind) "
            "VALUES (?, ?, ?, ?, 'scheduled')",
            (consumers[i % 8], at(day), at(day), "answered" if answered else "unanswered"),
        )
    for _ in range(3):
        await storage.execute(
            "INSERT INTO checkins (user_id, due_at, sent_at, status, kind) "
            "VALUES (?, ?, ?, 'answered', 'now')",
            (consumers[0], at(FEB), at(FEB)),
        )

    # Crisis cards: 7 in Australia, 2 in New Zealand, in February; 3 in December.
    await storage.bump_counter("crisis_card", "2026-02-03", "AU", 7)
    await storage.bump_counter("crisis_card", "2026-02-04", "NZ", 2)
    await storage.bump_counter("crisis_card", "2025-12-20", "AU", 3)

    # Supervision: 5 requests, 4 picked up after 1-4 hours, one still open.
    for hours in (1, 2, 3, 4, None):
        asked = at(FEB)
        await storage.execute(
            "INSERT INTO supervision_requests (peer_id, urgency, created_at, taken_at) "
            "VALUES (?, 'week', ?, ?)",
            (jo, asked, None if hours is None else asked + hours * 3600),
        )


EXPECTED = [
    "People who joined",
    "• New people: 16",
    "◦ People living with BPD: 8",
    "◦ Carers: *",  # 16 - 8 - 6 would give the peer workers' 2 back
    "◦ Consumer peer workers: <5",
    "• How they found us:",
    "◦ Not through a referral link: 7",
    "◦ Harbour clinic: 9",
    "Peer support",
    "• Requests for a peer worker: 7",
    "• Matches made: 6",
    "• Days from request to match (median): 3.5",
    "• Days from request to match (90th percentile): 7.5",
    "• Handovers to another peer worker (not counted as matches made): <5",
    "• Matches ended: 9",
    "◦ Ended by the person: 6",
    "◦ Ended by the peer worker: <5",
    "◦ Handed over: <5",
    "Waitlist now",
    "• People waiting: <5",
    "• Days waited so far (median): not shown (fewer than 5)",
    "• People in a group now: 6",
    "• Meetings held: <5",
    "• Members at those meetings: 12",
    "◦ Said they'd be there: 9",
    "◦ Said they couldn't make it: <5",
    "◦ Gave no answer: <5",
    "• Meeting reminders delivered: 12",
    "• Announcements sent: <5",
    "• Announcement messages sent: 6",
    "◦ Delivered: *",
    "• Check-ins sent: 20",
    "◦ Answered: *",
    "• Crisis cards shown: 9",
    "◦ Australia: *",
    "◦ New Zealand: <5",
    "• Supervision requests: 5",
    "◦ Picked up: <5",
    "• Hours until picked up (median): not shown (fewer than 5)",
]


async def test_a_report_for_typed_dates_matches_the_scenario(env: BotEnv) -> None:
    await build_scenario(env.storage)
    cora = await coordinator(env)
    await cora.send("/report")
    asked = cora.last()
    assert "Which period would you like counts for?" in asked.plain
    assert [b["text"] for b in asked.buttons()][:4] == [
        "Last 4 weeks",
        "Last quarter (1 Oct 2025 to 31 Dec 2025)",
        "Last year (2025)",
        "Other dates",
    ]
    await cora.click("Other dates")
    assert "from 1 Jan 2026 to 31 Mar 2026" in cora.last_text()
    # A date it can't read: a kind word, an example, and the periods again.
    await cora.send("the summer holidays")
    assert "I couldn't read that as dates, sorry" in cora.last_text()
    assert "Last 4 weeks" in [b["text"] for b in cora.last().buttons()]
    await cora.send("from 1 Jan 2026 to 28 Feb 2026")
    [text, chart] = cora.messages[-2:]
    report = text.plain
    assert "1 Jan 2026 to 28 Feb 2026" in report
    position = 0
    for line in EXPECTED:  # in this order, each exactly as shown
        found = report.find(line, position)
        assert found >= 0, f"{line!r} not after position {position} in:\n{report}"
        position = found + len(line)
    # Counts only: no name, no role's code word, nobody's id.
    for word in ("Person7", "consumer_peer", "700001", "Carers circle"):
        assert word not in report
    # The chart, drawn in the chart pool, as a PNG made for a phone.
    assert chart.method == "sendPhoto"
    png = next(iter(chart.files.values()))[1]
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert int.from_bytes(png[16:20]) == WIDTH_PX and int.from_bytes(png[20:24]) == HEIGHT_PX
    assert "month by month, 1 Jan 2026 to 28 Feb 2026" in chart.plain
    assert "&lt;5" in chart.text and "<5" not in chart.text  # a caption is HTML too

    # A named period from its button: the last quarter of 2025 (nothing but December's cards).
    await cora.send("/report")
    await cora.click("Last quarter")
    quarter = cora.messages[-2].plain
    assert "1 Oct 2025 to 31 Dec 2025" in quarter
    assert "• Crisis cards shown: <5" in quarter and "• New people: <5" in quarter


async def test_the_home_opens_the_report_and_the_step_closes_after_a_period(env: BotEnv) -> None:
    cora = await coordinator(env)
    await cora.send("/coord")
    await cora.click("Report")
    assert "Which period would you like counts for?" in cora.last_text()
    await cora.click("Other dates")
    await cora.click("Last 4 weeks")  # changed their mind: the dates step is closed
    # The question becomes the report, in place; the chart follows.
    assert any(
        "3 Feb 2026 to 2 Mar 2026" in m.plain and "New people" in m.plain for m in cora.messages
    )
    assert cora.last().method == "sendPhoto"
    await cora.send("1 Jan 2026")
    assert "I couldn't read that as dates" not in cora.last_text()


async def test_dates_typed_at_the_period_question_are_read_as_the_period(env: BotEnv) -> None:
    cora = await coordinator(env)
    await cora.send("/report")
    await cora.send("last month please")
    assert "I couldn't read that as dates" in cora.last_text()
    assert "Last 4 weeks" in [b["text"] for b in cora.last().buttons()]
    await cora.send("from 1 Jan 2026 to 31 Jan 2026")
    assert any(
        "1 Jan 2026 to 31 Jan 2026" in m.plain and "New people" in m.plain for m in cora.messages
    )
    # moving to another screen leaves the question: words typed later are not dates
    await cora.send("/report")
    await cora.click("‹ Coordinator home")
    await cora.send("1 Jan 2026")
    assert "I couldn't read that as dates" not in cora.last_text()


def test_periods_and_typed_dates() -> None:
    today = date(2026, 3, 2)
    assert named_period("4w", today).first == date(2026, 2, 3)
    assert named_period("quarter", date(2026, 1, 1)).first == date(2025, 10, 1)
    assert named_period("year", today).last == date(2025, 12, 31)
    for typed in (
        "from 1 Jan 2026 to 31 Jan 2026",
        "1/1/2026 - 31/1/2026",
        "2026-01-01 to 2026-01-31",
        "January 1st, 2026 – Jan 31 2026",
        "1 jan 2026-31 jan 2026",
        "31 Jan 2026 to 1 Jan 2026",
    ):
        period = parse_period(typed, today)
        assert period is not None and (period.first, period.last) == (
            date(2026, 1, 1),
            date(2026, 1, 31),
        ), typed
    for unreadable in ("", "next week", "31 Feb 2026 to 1 Mar 2026", "1 Jan 2027"):
        assert parse_period(unreadable, today) is None, unreadable
    since = parse_period("since 1 Dec", today)
    assert since is not None and (since.first, since.last) == (date(2025, 12, 1), today)


# -- the command line ------------------------------------------------------------------------


def cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    settings = tmp_path / "settings.yaml"
    settings.write_text(f"data_dir: {tmp_path / 'data'}\nservice_name: Harbour Health\n")
    full = child_env(
        {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TELEGRAM_"))}
    )
    result = subprocess.run(
        [sys.executable, "-m", "bot", "report", *args, "--settings", str(settings)],
        cwd=ROOT,
        env=full,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


@pytest.fixture
async def scenario_db(tmp_path: Path) -> Path:
    (tmp_path / "data").mkdir()
    storage = Storage(database(tmp_path / "data" / "bot.sqlite3"))
    await storage.connect()
    try:
        await build_scenario(storage)
    finally:
        await storage.close()
    return tmp_path


async def test_the_command_prints_and_writes_the_same_counts(scenario_db: Path) -> None:
    printed = cli(scenario_db, "--since", "2026-01-01", "--until", "28 Feb 2026")
    assert printed.returncode == 0, printed.stderr
    out = printed.stdout
    assert out.startswith("Harbour Health: 1 Jan 2026 to 28 Feb 2026.")
    for line in (
        "  New people: 16",
        "    Consumer peer workers: <5",
        "  Matches made: 6",
        "  Days from request to match (median): 3.5",
        "    Answered: *",
        "    Australia: *",
        "    New Zealand: <5",
    ):
        assert f"\n{line}\n" in out, line

    target = scenario_db / "report.csv"
    written = cli(
        scenario_db, "--since", "1 Jan 2026", "--until", "2026-02-28", "--csv", str(target)
    )
    assert written.returncode == 0, written.stderr
    rows = list(csv.reader(io.StringIO(target.read_text("utf-8"))))
    assert rows[0] == ["section", "measure", "part", "value"]
    assert ["period", "from", "", "2026-01-01"] in rows and [
        "period",
        "to",
        "",
        "2026-02-28",
    ] in rows
    found = {(r[1], r[2]): r[3] for r in rows[3:]}
    assert found[("New people", "")] == "16"
    assert found[("New people", "Consumer peer workers")] == "<5"  # a small count
    assert found[("New people", "Carers")] == "*"  # a suppressed difference
    assert found[("Check-ins sent", "")] == "20"
    assert found[("Check-ins sent", "Answered")] == "*"  # 20 - 17 would give 3 back
    assert (
        found[("Crisis cards shown", "Australia")] == "*"
        and found[("Crisis cards shown", "New Zealand")] == "<5"
    )
    assert found[("Handovers to another peer worker (not counted as matches made)", "")] == "<5"
    assert found[("Matches ended", "Handed over")] == "<5"


@pytest.mark.sqlite_only  # a missing SQLite file
def test_the_command_fails_in_one_plain_paragraph(tmp_path: Path) -> None:
    missing = cli(tmp_path, "--since", "2026-01-01")
    assert missing.returncode == 2
    assert "Can't make a report: there is no database at" in missing.stderr
    bad = cli(tmp_path, "--since", "the first of never")
    assert bad.returncode == 2
    assert "'the first of never' can't be read as a date" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1
    backwards = cli(tmp_path, "--since", "2026-02-01", "--until", "2026-01-01")
    assert backwards.returncode == 2 and "is after --until" in backwards.stderr


def test_a_day_is_counted_by_the_services_local_days() -> None:
    # 31 Dec 2025 at 23:30 in Sydney is still 2025 there, though 1 Jan in UTC+14 would not be.
    since, until = parse_period("1 Jan 2026 to 1 Jan 2026", date(2026, 3, 2)).bounds(  # type: ignore[union-attr]
        SYDNEY
    )
    assert since == datetime(2026, 1, 1, tzinfo=SYDNEY)
    assert until - since == timedelta(days=1)
