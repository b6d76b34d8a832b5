"""Referral links: one per source, a printable QR code that opens the same link, and
people counted by source with only the source's name kept on their record."""

from __future__ import annotations

import io

import zxingcpp
from PIL import Image

from bot.services.events import Collector
from bot.services.referrals import code_of, count_arrival, make_referral, remember_source
from tests.harness import BOT_USERNAME, BotEnv, onboard, onboard_coordinator


async def test_a_coordinator_makes_a_link_with_a_qr_code_that_opens_it(env: BotEnv) -> None:
    cora = env.client(900, "Cora")
    await onboard_coordinator(cora)
    await cora.send("/referral")
    assert "There are no referral links yet." in cora.last_text()
    await cora.click("Make a new link")
    await cora.send("Northside clinic")
    texts = cora.texts()
    link = next(line for t in texts for line in t.splitlines() if "t.me/" in line).strip()
    assert link.startswith(f"https://t.me/{BOT_USERNAME}?start=r-")
    document = env.fake.calls_to("sendDocument")[-1]
    name, png, _ = next(iter(document.files.values()))
    assert name == "referral-northside-clinic.png"
    decoded = [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]
    assert decoded == [link]


async def test_people_are_counted_by_source_and_keep_only_its_name(env: BotEnv) -> None:
    assert env.deps is not None
    code = await make_referral(env.storage, "Library flyer", None, env.clock.now(), Collector())
    payload = f"r-{code}"
    assert code_of(payload) == code and code_of("r-") is None and code_of("abc") is None
    name = await count_arrival(env.storage, payload, env.deps.local_day())
    assert name == "Library flyer"
    assert await count_arrival(env.storage, "r-unknown0000", env.deps.local_day()) is None
    sam = env.client(6001, "Sam")
    await onboard(sam)
    await remember_source(env.storage, 6001, name)
    assert await env.storage.people_by_referral() == {"Library flyer": 1}
    row = await env.storage.fetchone("SELECT referral_source FROM users WHERE user_id = 6001")
    assert row is not None and row[0] == "Library flyer"
    cora = env.client(900, "Cora")
    await onboard_coordinator(cora)
    await cora.send("/referral")
    assert "Library flyer: 1 started, 1 joined" in cora.last_text()


async def test_a_name_that_will_not_do_is_asked_again_kindly(env: BotEnv) -> None:
    cora = env.client(900, "Cora")
    await onboard_coordinator(cora)
    await cora.send("/referral")
    await cora.click("Make a new link")
    await cora.send("x")
    assert "2 to 60 characters" in cora.last_text()


async def test_only_coordinators(env: BotEnv) -> None:
    sam = env.client(6002, "Sam")
    await onboard(sam)
    await sam.send("/referral")
    assert "isn't available" in sam.last_text()
