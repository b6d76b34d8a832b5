"""The command line and settings, as a service administrator meets them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.cli import main
from bot.settings import SettingsError, load_settings

ROOT = Path(__file__).resolve().parent.parent


def run_cli(
    *args: str, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=full_env,
        input=stdin,
        timeout=60,
        check=False,
    )


def test_run_without_a_token_fails_fast_and_says_how_to_get_one() -> None:
    started = time.monotonic()
    result = run_cli("run")
    assert result.returncode != 0
    assert "@BotFather" in result.stderr and "TELEGRAM_BOT_TOKEN" in result.stderr
    assert "Traceback" not in result.stderr
    assert time.monotonic() - started < 5  # includes starting Python itself


def test_check_accepts_the_example_settings() -> None:
    result = run_cli("--settings", "settings.example.yaml", "check")
    assert result.returncode == 0, result.stderr
    # The option also reads naturally after the command, as .ci/run and the README use it.
    after = run_cli("check", "--settings", "settings.example.yaml")
    assert after.returncode == 0, after.stderr
    assert "Everything looks right" in result.stdout
    assert "Harbour Health Peer Support" in result.stdout


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("region: XX\n", "not a region"),
        ("model: hybrid\n", "'integrated'"),
        ("caseload_cap: -2\n", "whole number"),
        ("timezone: Mars/Olympus\n", "not a time zone"),
        ("coordinators: [alice]\n", "numeric Telegram user ids"),
        ("servise_name: typo\n", "Unknown setting"),
        ("region: [unclosed\n", "not valid YAML"),
        ("local_contacts:\n  - name: Team\n", "needs a phone number"),
    ],
)
def test_check_rejects_a_broken_file_readably(tmp_path: Path, body: str, message: str) -> None:
    broken = tmp_path / "settings.yaml"
    broken.write_text(body)
    result = run_cli("--settings", str(broken), "check")
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_settings_file() -> None:
    with pytest.raises(SettingsError, match="does not exist"):
        load_settings("/nonexistent/settings.yaml")


def test_defaults_run_and_region_sets_the_time_zone(tmp_path: Path) -> None:
    file = tmp_path / "s.yaml"
    file.write_text("region: UK\n")
    settings = load_settings(file)
    assert settings.timezone == "Europe/London"
    assert load_settings(None).region == "AU"


def test_invite_prints_a_single_use_deep_link(tmp_path: Path) -> None:
    file = tmp_path / "s.yaml"
    file.write_text(f"data_dir: {tmp_path / 'data'}\n")
    result = run_cli(
        "--settings", str(file), "invite", "consumer_peer", "--bot-username", "harbour_bot"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("https://t.me/harbour_bot?start=")
    database = tmp_path / "data" / "bot.sqlite3"
    assert database.stat().st_mode & 0o777 == 0o600
    refused = run_cli("--settings", str(file), "invite", "clinician", "--bot-username", "b")
    assert refused.returncode != 0 and "can't be invited" in refused.stderr


def test_crisis_check_reads_lines_and_writes_json_in_order() -> None:
    lines = [
        "I want to die",
        "",
        "this traffic is killing me",
        "my partner has taken a bottle of pills",
    ]
    result = run_cli("crisis-check", stdin="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    verdicts = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(verdicts) == 4
    assert verdicts[0]["crisis"] is True
    assert verdicts[1] == {"crisis": False, "kind": None}
    assert verdicts[2]["crisis"] is False
    assert verdicts[3]["crisis"] is True and verdicts[3]["kind"] == "third_party"


def test_main_returns_codes_without_exiting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "s.yaml"
    broken.write_text("model: nope\n")
    assert main(["--settings", str(broken), "check"]) == 2
    assert "Settings problem" in capsys.readouterr().err


def test_a_bot_started_without_its_packages_says_how_to_install_them() -> None:
    # `python -m bot run` on a Python that cannot import tornado (as if the project had
    # been copied but not installed): one plain line, no traceback, exit status 2
    blocker = (
        "import sys, runpy\n"
        "sys.modules['tornado'] = None\n"
        "sys.argv = ['bot', 'run']\n"
        "runpy.run_module('bot', run_name='__main__', alter_sys=True)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", blocker],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "python-telegram-bot[webhooks]" in result.stderr
    assert "pip install -e ." in result.stderr
    assert "Traceback" not in result.stderr
