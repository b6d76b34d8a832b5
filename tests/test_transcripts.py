"""Tests as transcripts: for each role, one journey played through the real application, and
everything the bot sent on the way (text, buttons, edits, notices) compared with a reviewed
file in tests/transcripts/. A change to copy or to a journey shows as a readable diff.

Run with TRANSCRIPT_UPDATE=1 to write missing or changed files, then read the diff.
"""

from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path
from typing import Any

from tests.harness import AGREE, BotEnv, Client, join_staff
from tests.home_support import ALWAYS, peer

FOLDER = Path(__file__).parent / "transcripts"
_SENDS = {
    "sendMessage",
    "sendPhoto",
    "sendDocument",
    "copyMessage",
    "sendVoice",
    "sendSticker",
    "sendMediaGroup",
}
_EDITS = {"editMessageText", "editMessageCaption", "editMessageReplyMarkup"}
# Links and codes made fresh on every run (invites, referral links, care-team links).
_FRESH = re.compile(r"(start=)[A-Za-z0-9_-]+")


def _plain(text: str) -> str:
    return _FRESH.sub(r"\1…", html.unescape(re.sub(r"<[^>]+>", "", text))).rstrip()


def _markup(params: dict[str, Any]) -> list[str]:
    markup = params.get("reply_markup")
    if isinstance(markup, str):
        markup = json.loads(markup)
    if not markup:
        return []
    lines = []
    for row in markup.get("inline_keyboard", []):
        lines.append("  ".join(f"[{b['text']}{' ↗' if b.get('url') else ''}]" for b in row))
    for row in markup.get("keyboard", []):
        labels = "  ".join(f"[{b['text'] if isinstance(b, dict) else b}]" for b in row)
        lines.append(f"(keyboard) {labels}")
    return lines


class Transcript:
    """Records what people do and everything the bot sends, in order, as a person reads it."""

    def __init__(self, env: BotEnv) -> None:
        self.env = env
        self.lines: list[str] = []
        self.names: dict[int, str] = {}
        self.seen = len(env.fake.calls)

    def person(self, user_id: int, name: str) -> Client:
        """A person the transcript names NAME."""
        self.names[user_id] = name
        return self.env.client(user_id, f"Tg{name}")

    def name(self, user_id: int) -> str:
        return self.names.get(user_id, f"#{user_id}")

    def begin(self) -> None:
        """Start recording here (what was set up before is left out)."""
        self.seen = len(self.env.fake.calls)

    def note(self, text: str) -> None:
        """A stage direction, like time passing."""
        self._flush()
        self.lines.append(f"({text})")

    async def says(self, client: Client, text: str) -> None:
        self._flush()
        self.lines.append(f"» {self.name(client.user_id)}: {_plain(text)}")
        await client.send(text)
        self._flush()

    async def taps(self, client: Client, label: str, *, exact: bool = False) -> None:
        self._flush()
        self.lines.append(f"» {self.name(client.user_id)} taps [{label}]")
        await client.click(label, exact=exact)
        self._flush()

    async def job(self, name: str) -> None:
        self._flush()
        await self.env.run_job(name)
        self._flush()

    def _flush(self) -> None:
        calls = self.env.fake.calls
        for call in calls[self.seen :]:
            self.lines.extend(self._render(call.method, call.params, call.files))
        self.seen = len(calls)

    def _render(self, method: str, params: dict[str, Any], files: dict[str, Any]) -> list[str]:
        if method == "answerCallbackQuery":
            return [f"  « (a notice) {_plain(params['text'])}"] if params.get("text") else []
        if method not in _SENDS and method not in _EDITS:
            return []
        who = self.name(int(params["chat_id"]))
        text = _plain(str(params.get("text") or params.get("caption") or ""))
        if method == "copyMessage":
            text = "(a copy of their message)" + (f" {text}" if text else "")
        elif method == "sendPhoto":
            text = "(a picture) " + text
        elif method == "sendDocument":
            name = next(iter(files.values()))[0] if files else "a file"
            text = f"(a file: {name}) " + text
        if method == "editMessageReplyMarkup":
            head = f"  « to {who}, the buttons change:"
        elif method in _EDITS:
            head = f"  « to {who}, in place of the last screen:"
        else:
            head = f"  « to {who}:"
        body = [f"      {line}" if line else "" for line in text.splitlines()] if text else []
        buttons = [f"      {line}" for line in _markup(params)]
        return [head, *body, *buttons]

    def check(self, name: str) -> None:
        """Compare with tests/transcripts/NAME.txt (TRANSCRIPT_UPDATE=1 writes it)."""
        self._flush()
        got = "\n".join(self.lines).rstrip() + "\n"
        file = FOLDER / f"{name}.txt"
        if os.environ.get("TRANSCRIPT_UPDATE") == "1":
            FOLDER.mkdir(exist_ok=True)
            if not file.exists() or file.read_text(encoding="utf-8") != got:
                file.write_text(got, encoding="utf-8")
            return
        assert file.exists(), f"no transcript {file}; run with TRANSCRIPT_UPDATE=1 and review it"
        want = file.read_text(encoding="utf-8")
        assert got == want, f"transcript {name} changed (TRANSCRIPT_UPDATE=1 to review):\n{got}"


async def _coordinator(t: Transcript, user_id: int = 900) -> Client:
    cora = t.person(user_id, "Cora")
    await cora.send("/start")
    await cora.click(AGREE)
    await cora.send("Cora")
    return cora


async def test_a_person_living_with_bpd(env: BotEnv) -> None:
    t = Transcript(env)
    t.names[7001] = "Kim"
    kim = await peer(env, 7001, "Kim", hours=ALWAYS)
    t.begin()
    dana = t.person(7002, "Dana")
    await t.says(dana, "/start")
    await t.taps(dana, AGREE)
    await t.taps(dana, "I live with BPD")
    await t.says(dana, "Dana")
    await t.taps(dana, "Find a peer worker")
    await t.taps(dana, "Choose Kim")
    await t.says(dana, "/start")
    await t.taps(kim, "Accept")
    await t.says(dana, "Hi Kim, it's good to meet you")
    await t.says(kim, "Hi Dana, welcome. How has your week been?")
    await t.says(dana, "honestly I don't want to be here anymore")
    await t.says(dana, "/safetyplan")
    await t.taps(dana, "Things I can do on my own")
    await t.says(dana, "Cold water on my face, then a walk")
    await t.taps(dana, "Done")
    await t.says(dana, "/end")
    await t.taps(dana, "Yes, end the match")
    t.check("person_living_with_bpd")


async def test_a_carer(env: BotEnv) -> None:
    t = Transcript(env)
    await _coordinator(t)
    t.begin()
    cam = t.person(7101, "Cam")
    await t.says(cam, "/start")
    await t.taps(cam, AGREE)
    await t.taps(cam, "I support someone with BPD")
    await t.taps(cam, "I'm a parent")
    await t.taps(cam, "Skip")
    await t.taps(cam, "Things to read")
    await t.says(cam, "my daughter took a lot of pills and I can't wake her")
    await t.says(cam, "/checkins")
    t.check("carer")


async def test_a_consumer_peer_worker(env: BotEnv) -> None:
    t = Transcript(env)
    await _coordinator(t)
    t.begin()
    kim = t.person(7201, "Kim")
    t.note("Kim opens a single-use invite link a coordinator made")
    await join_staff(kim, "consumer_peer", alias="Kim")
    t._flush()
    await t.says(kim, "/profile")
    await t.says(kim, "Kim")
    await t.says(kim, "I've lived with BPD for years. Walking and DBT skills helped me most.")
    await t.says(kim, "Mon-Fri 09:00-17:00")
    dana = t.person(7202, "Dana")
    await dana.send("/start")
    await dana.click(AGREE)
    await dana.click("I live with BPD")
    await dana.send("Dana")
    t.begin()
    t.note("Dana, a person living with BPD, chooses Kim")
    await dana.click("Find a peer worker")
    await dana.click("Choose Kim")
    t.note("Kim's answer")
    await t.taps(kim, "Accept")
    await t.says(kim, "/menu")
    await t.taps(kim, "My people")
    await t.says(kim, "/supervision")
    t.check("consumer_peer_worker")


async def test_a_coordinator(env: BotEnv) -> None:
    t = Transcript(env)
    cora = t.person(900, "Cora")
    await t.says(cora, "/start")
    await t.taps(cora, AGREE)
    await t.says(cora, "Cora")
    await t.says(cora, "/menu")
    await t.taps(cora, "Coordinator home")
    await t.says(cora, "/invite")
    await t.taps(cora, "Consumer peer worker")
    await t.says(cora, "/report")
    t.check("coordinator")


async def test_a_carer_peer_worker(env: BotEnv) -> None:
    t = Transcript(env)
    await _coordinator(t)
    t.begin()
    lou = t.person(7301, "Lou")
    t.note("Lou opens a single-use invite link a coordinator made")
    await join_staff(lou, "carer_peer", alias="Lou")
    await t.taps(lou, "Set up your profile")
    await t.says(lou, "Lou")
    await t.says(lou, "My son lives with BPD. Boundaries and a carers' group got me through.")
    await t.says(lou, "Tue 6pm-8pm, Sat 10am-12pm")
    await t.taps(lou, "Done")
    await t.says(lou, "/help")
    await t.says(lou, "is anyone there?")
    t.check("carer_peer_worker")


async def test_a_clinician(tmp_path: Path) -> None:
    env = await BotEnv.create(tmp_path, coordinators=(900,), model="integrated")
    try:
        t = Transcript(env)
        await _coordinator(t)
        t.begin()
        cleo = t.person(7401, "Cleo")
        t.note("Cleo opens a single-use invite link a coordinator made")
        await join_staff(cleo, "clinician", alias="Cleo")
        await t.says(cleo, "/help")
        await t.says(cleo, "/careteam")
        await t.says(cleo, "/notes")
        await t.says(cleo, "I'm worried about one of my clients, she said she wants to die")
        t.check("clinician")
        env.assert_clean()
    finally:
        await env.stop()
