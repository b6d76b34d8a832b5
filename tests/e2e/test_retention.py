"""Retention in a real `python -m bot run`: a little after start the daily job removes the
check-ins older than the service's period, keeps the recent one, and logs one line of counts
with no name in it."""

from __future__ import annotations

import re
import time

from tests.e2e.journeys import barrier, onboard

CARA = 886_100_001
LINE = "Retention: removed 0 relay copies, 0 relay sends, 0 broadcast outbox rows, 2 check-ins"


def test_old_check_ins_go_a_little_after_start_and_the_recent_one_stays(make_bot) -> None:
    bot = make_bot(retention_checkin_days=30)
    bot.start()
    cara = bot.tg.person(CARA, "Cara")
    onboard(cara, alias="Cara")
    cara.send("/checkins")
    cara.wait_for("Check-ins are off.")
    cara.click("Check in now")
    cara.wait_for("This is your check-in")
    cara.click("4")
    cara.wait_for("Which of these fit how you feel?")
    barrier(cara)
    assert bot.stop() == 0

    # Two check-ins from before the period, as a database kept for a long time would hold.
    now = int(time.time())
    with bot.db(write=True) as db:
        for days in (31, 400):
            at = now - days * 86400
            db.execute(
                "INSERT INTO checkins (user_id, due_at, sent_at, status, rating, answered_at) "
                "VALUES (?, ?, ?, 'answered', 2, ?)",
                (CARA, at, at, at),
            )
        assert db.execute("SELECT COUNT(*) FROM checkins").fetchone()[0] == 3

    bot.start()
    line = bot.wait_log(re.compile(".*" + re.escape(LINE) + ".*"), timeout=60).group(0)
    assert "Cara" not in line and "Retention: removed" in line
    with bot.db() as db:
        kept = db.execute("SELECT rating FROM checkins WHERE user_id = ?", (CARA,)).fetchall()
    assert [r[0] for r in kept] == [4]
