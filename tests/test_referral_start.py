"""A referral link at /start (`r-<code>`): the arrival is counted by source before anything is
asked, nothing about the person is stored before their yes, and after it only the source's
name is kept on their record."""

from __future__ import annotations

from bot.callbacks import unpack
from bot.services.events import Collector
from bot.services.referrals import make_referral
from flows.onboarding.callbacks import Consent, ConsentWithSource
from tests.harness import AGREE, BotEnv, onboard_coordinator


async def started(env: BotEnv, code: str) -> int:
    return sum(v for _, _, c, v in await env.storage.counters("referral_start") if c == code)


async def test_counted_at_start_and_only_the_source_name_kept_after_yes(env: BotEnv) -> None:
    code = await make_referral(env.storage, "Northside clinic", None, env.clock.now(), Collector())
    ana = env.client(7001, "Ana")
    await ana.send(f"/start r-{code}")
    assert await started(env, code) == 1
    assert await env.user_ids_in_tables(7001) == {}  # nothing of Ana before her yes
    notice = ana.last()
    assert all(isinstance(unpack(b["callback_data"]), ConsentWithSource) for b in notice.buttons())
    assert all("Northside" not in b["callback_data"] for b in notice.buttons())
    await ana.click("Tell me more")
    assert await env.user_ids_in_tables(7001) == {}
    await ana.click(AGREE)
    row = await env.storage.fetchone("SELECT referral_source FROM users WHERE user_id = 7001")
    assert row is not None and row[0] == "Northside clinic"
    await ana.click("I live with BPD")
    await ana.click("Skip")
    cora = env.client(900, "Cora")
    await onboard_coordinator(cora)
    await cora.send("/referral")
    assert "Northside clinic: 1 started, 1 joined" in cora.last_text()


async def test_a_no_keeps_only_the_no(env: BotEnv) -> None:
    code = await make_referral(env.storage, "Library flyer", None, env.clock.now(), Collector())
    ben = env.client(7002, "Ben")
    await ben.send(f"/start r-{code}")
    await ben.click("No thanks")
    assert await env.user_ids_in_tables(7002) == {"users": ["user_id"]}
    row = await env.storage.fetchone("SELECT referral_source FROM users WHERE user_id = 7002")
    assert row is not None and row[0] is None
    assert await started(env, code) == 1


async def test_an_unknown_link_is_a_plain_start_and_a_set_up_person_is_not_counted_again(
    env: BotEnv,
) -> None:
    cy = env.client(7003, "Cy")
    await cy.send("/start r-notarealcode")
    assert isinstance(unpack(cy.last().buttons()[0]["callback_data"]), Consent)
    assert await env.storage.counters("referral_start") == []
    code = await make_referral(env.storage, "Team A", None, env.clock.now(), Collector())
    await cy.click(AGREE)
    await cy.click("I live with BPD")
    await cy.click("Skip")
    await cy.send(f"/start r-{code}")
    assert await started(env, code) == 0
    assert cy.last_text().startswith("What would you like to do?")
