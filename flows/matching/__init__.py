"""Matching: /match asks optional preferences, shows a shortlist of up to three peer workers,
and the person chooses; the peer worker accepts or declines (no answer in time counts as
declined; they are reminded a day before). When nobody is free, people wait in line and are
offered a place in the order they joined, held for them alone. /match again says where a
person stands. The lifecycle lives in bot/services/matches.py; the notices that must arrive go
through the outbox (notices.py). State: flows/matching/matching.mmd
"""

from __future__ import annotations

from typing import Any

from bot.deps import Deps
from bot.domain.roles import PEER_ROLES, PEOPLE_ROLES
from bot.flowkit import Flow
from bot.routing import ANY_ROLE, Button, Command, Job, Step
from bot.services.shortlists import REFUSAL_MEMORY, Prepared
from bot.services.shortlists import prepared_pool as _prepared_pool
from flows.matching.callbacks import (
    Answer,
    BackTo,
    ChangePrefs,
    ChooseAgain,
    JoinWaitlist,
    KeepWaiting,
    LeaveWaitlist,
    NoPreference,
    Pick,
    Respond,
    SeeOthers,
    ShowAgain,
    SkipRest,
    Struggling,
    Withdraw,
)
from flows.matching.handlers import PREFS, Handlers, card_buttons, on_delete, tick

__all__ = ["REFUSAL_MEMORY", "build", "prepared_pool"]

PEOPLE, PEERS = frozenset(PEOPLE_ROLES), frozenset(PEER_ROLES)


def build(deps: Deps) -> Flow:
    """The matching flow's route table, its job and its hooks."""
    h = Handlers()
    return Flow(
        name="matching",
        routes=[
            Command("match", h.match, roles=ANY_ROLE, menu="commands.match", listed=PEOPLE),
            Step(PREFS, ask=h.ask_question, on_text=h.typed, left="matching.questions_left"),
            Button(Answer, h.on_answer, roles=PEOPLE),
            Button(NoPreference, h.on_no_preference, roles=PEOPLE),
            Button(BackTo, h.on_back, roles=PEOPLE),
            Button(SkipRest, h.on_skip, roles=PEOPLE),
            Button(ChangePrefs, h.change_prefs, roles=PEOPLE),
            Button(Pick, h.on_pick, roles=PEOPLE),
            Button(SeeOthers, h.on_see_others, roles=PEOPLE),
            Button(ShowAgain, h.on_show_again, roles=PEOPLE),
            Button(ChooseAgain, h.on_choose_again, roles=PEOPLE),
            Button(JoinWaitlist, h.on_join_waitlist, roles=PEOPLE),
            Button(LeaveWaitlist, h.on_leave_waitlist, roles=PEOPLE),
            Button(KeepWaiting, h.on_keep_waiting, roles=PEOPLE),
            Button(Withdraw, h.on_withdraw, roles=PEOPLE),
            Button(Respond, h.on_respond, roles=PEERS),
            Button(Struggling, h.on_struggling, roles=PEOPLE),
        ],
        jobs=[Job("tick:matching", tick, interval_s=60)],
        card_buttons=card_buttons(deps),
        on_delete=on_delete,
    )


# -- kept for benchmarks/bench_matching.py --------------------------------------------------


async def prepared_pool(deps: Any) -> Prepared:
    """The prepared pool for DEPS's storage and clock (benchmarks/bench_matching.py)."""
    return await _prepared_pool(deps.storage, deps.clock.now())
