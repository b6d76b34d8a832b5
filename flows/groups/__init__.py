"""/groups: people find, join and leave group meetings (with a calendar file, reminders and
a waitlist) and say whether they'll be at each meeting; coordinators add, check, edit,
cancel and retire them and see the answers per meeting (groups.mmd, wizard.mmd). Reminders
go out from the 'tick:groups' job, notices through the outbox (flows/groups/notices.py)."""

from __future__ import annotations

from bot.deps import Deps
from bot.flowkit import Flow
from bot.routing import Button, Command, Job
from flows.groups import callbacks as cb
from flows.groups.handlers import Handlers
from flows.groups.notices import TICK_INTERVAL_S, tick
from flows.groups.wizard import Wizard

__all__ = ["build"]

PEOPLE = frozenset({"consumer", "carer"})
COORDINATORS = frozenset({"coordinator"})


def build(deps: Deps) -> Flow:
    """The groups flow's route table and its reminder job."""
    h, w = Handlers(), Wizard()
    return Flow(
        name="groups",
        routes=[
            Command("groups", h.groups, roles=PEOPLE | COORDINATORS, menu="commands.groups"),
            # people: the directory
            Button(cb.Browse, h.on_browse, roles=PEOPLE),
            Button(cb.Open, h.on_open, roles=PEOPLE),
            Button(cb.Join, h.on_join, roles=PEOPLE),
            Button(cb.Leave, h.on_leave, roles=PEOPLE),
            Button(cb.SendCalendar, h.on_send_calendar, roles=PEOPLE),
            Button(cb.Answer, h.on_answer, roles=PEOPLE),
            Button(cb.AnswerHere, h.on_answer_here, roles=PEOPLE),
            Button(cb.Reminders, h.on_reminders, roles=PEOPLE),
            Button(cb.Toggle, h.on_toggle, roles=PEOPLE),
            # coordinators: their groups
            Button(cb.Manage, h.on_manage, roles=COORDINATORS),
            Button(cb.Card, h.on_card, roles=COORDINATORS),
            Button(cb.EditMenu, h.on_edit_menu, roles=COORDINATORS),
            Button(cb.ToggleVisible, h.on_toggle_visible, roles=COORDINATORS),
            Button(cb.ChooseMeeting, h.on_choose_meeting, roles=COORDINATORS),
            Button(cb.AskCancel, h.on_ask_cancel, roles=COORDINATORS),
            Button(cb.ConfirmCancel, h.on_confirm_cancel, roles=COORDINATORS),
            Button(cb.AskRetire, h.on_ask_retire, roles=COORDINATORS),
            Button(cb.ConfirmRetire, h.on_confirm_retire, roles=COORDINATORS),
            # coordinators: the new-group wizard and changing one detail (steps in wizard.py)
            Button(cb.NewGroup, w.start, roles=COORDINATORS),
            Button(cb.PickAudience, w.on_audience, roles=COORDINATORS),
            Button(cb.PickFormat, w.on_format, roles=COORDINATORS),
            Button(cb.PickKind, w.on_kind, roles=COORDINATORS),
            Button(cb.NoLimit, w.on_no_limit, roles=COORDINATORS),
            Button(cb.Save, w.on_save, roles=COORDINATORS),
            Button(cb.StopWizard, w.on_stop, roles=COORDINATORS),
            Button(cb.WizardBack, w.on_back, roles=COORDINATORS),
            Button(cb.ChangeField, w.on_change, roles=COORDINATORS),
            Button(cb.WizardVisible, w.on_visible, roles=COORDINATORS),
            Button(cb.EditField, w.start_edit, roles=COORDINATORS),
            *w.steps(),
        ],
        jobs=[Job("tick:groups", tick, interval_s=TICK_INTERVAL_S, first_s=10.0)],
    )
