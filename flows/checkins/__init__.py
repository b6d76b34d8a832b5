"""Check-ins people schedule for themselves: /checkins to set up, the check-in itself (sent by
tick:checkins), /mood. State diagram: flows/checkins/checkins.mmd"""

from __future__ import annotations

from bot.deps import Deps
from bot.domain.roles import PEOPLE_ROLES
from bot.flowkit import Flow
from bot.routing import Button, Command, Job, Step
from flows.checkins import callbacks as cb
from flows.checkins.handlers import NOTE, TYPED_TIME, Handlers, exporter
from flows.checkins.jobs import TICK, TICK_SECONDS, tick

__all__ = ["TICK", "build"]

PEOPLE = frozenset(PEOPLE_ROLES)


def build(deps: Deps) -> Flow:
    """The check-ins flow's route table, its dispatcher job and its /mydata section."""
    h = Handlers()
    return Flow(
        name="checkins",
        routes=[
            Command("checkins", h.checkins, roles=PEOPLE, menu="commands.checkins"),
            Command("mood", h.mood, roles=PEOPLE, menu="commands.mood"),
            # the menu
            Button(cb.ShowMenu, h.on_menu, roles=PEOPLE),
            Button(cb.Close, h.on_close, roles=PEOPLE),
            Button(cb.NotNow, h.on_not_now, roles=PEOPLE),
            Button(cb.CheckInNow, h.on_check_in_now, roles=PEOPLE),
            Button(cb.Pause, h.on_pause, roles=PEOPLE),
            Button(cb.Resume, h.on_resume, roles=PEOPLE),
            Button(cb.AskStop, h.on_ask_stop, roles=PEOPLE),
            Button(cb.Stop, h.on_stop, roles=PEOPLE),
            Button(cb.ShareWith, h.on_share_with, roles=PEOPLE),
            Button(cb.StopSharing, h.on_stop_sharing, roles=PEOPLE),
            Button(cb.KeepPrivate, h.on_keep_private, roles=PEOPLE),
            # set-up: how often, which days, what time
            Button(cb.ChangeDays, h.on_change_days, roles=PEOPLE),
            Button(cb.ChangeTime, h.on_change_time, roles=PEOPLE),
            Button(cb.Frequency, h.on_frequency, roles=PEOPLE),
            Button(cb.PickDay, h.on_pick_day, roles=PEOPLE),
            Button(cb.DaysChosen, h.on_days_chosen, roles=PEOPLE),
            Button(cb.PickTime, h.on_pick_time, roles=PEOPLE),
            Button(cb.TypeTime, h.on_type_time, roles=PEOPLE),
            Step(TYPED_TIME, ask=h.ask_time, on_text=h.on_time_text),
            # the check-in
            Button(cb.Rate, h.on_rate, roles=PEOPLE),
            Button(cb.Okay, h.on_okay, roles=PEOPLE),
            Button(cb.AskPeer, h.on_ask_peer, roles=PEOPLE),
            Button(cb.ShowCard, h.on_card, roles=PEOPLE),
            Button(cb.PickFeeling, h.on_feeling, roles=PEOPLE),
            Button(cb.FeelingsDone, h.on_feelings_done, roles=PEOPLE),
            Button(cb.PickSkill, h.on_skill, roles=PEOPLE),
            Button(cb.SkillsDone, h.on_skills_done, roles=PEOPLE),
            Button(cb.WriteNote, h.on_write_note, roles=PEOPLE),
            Button(cb.Finish, h.on_finish, roles=PEOPLE),
            Step(NOTE, ask=h.ask_note, on_text=h.on_note),
        ],
        jobs=[Job(TICK, tick, interval_s=TICK_SECONDS)],
        export=exporter(deps),
    )
