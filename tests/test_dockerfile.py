"""The Dockerfile starts the bot exactly as the README tells people to, and its Docker
section matches the image: a base given as a build argument, a non-root user, /data as the
volume. (tests/e2e/container.sh builds the image and runs the real-process suite in it.)"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = (ROOT / "Dockerfile").read_text("utf-8")
README = (ROOT / "README.md").read_text("utf-8")


def instructions(name: str) -> list[str]:
    """The arguments of every NAME instruction, continuation lines joined, in order."""
    joined = re.sub(r"\\\n", "", DOCKERFILE)
    return re.findall(rf"^{name}\s+(.*?)\s*$", joined, flags=re.MULTILINE)


def readme_blocks() -> list[str]:
    """The README's shell code blocks."""
    return re.findall(r"```sh\n(.*?)```", README, flags=re.DOTALL)


def test_the_image_runs_the_readmes_run_command() -> None:
    (cmd,) = instructions("CMD")
    command = json.loads(cmd)  # exec form, so SIGTERM reaches the bot itself
    quick_start = next(block for block in readme_blocks() if "TELEGRAM_BOT_TOKEN=" in block)
    # `pip install -e . && TELEGRAM_BOT_TOKEN='...' python -m bot run`: the part after the
    # token's assignment is the command.
    words = shlex.split(quick_start.split("&&")[-1])
    readme_command = [w for w in words if not re.fullmatch(r"[A-Z_]+=.*", w)]
    assert command == readme_command == ["python", "-m", "bot", "run"]


def test_the_base_is_a_build_argument_defaulting_to_the_official_slim_python() -> None:
    assert instructions("ARG")[0] == "BASE=python:3.12-slim"
    assert instructions("FROM") == ["${BASE}"]


def test_the_image_runs_as_a_non_root_user_with_data_as_its_volume() -> None:
    users = instructions("USER")
    assert users and users[-1] not in ("root", "0")
    assert json.loads(instructions("VOLUME")[0]) == ["/data"]
    assert "BOT_DATA_DIR=/data" in instructions("ENV")


def test_the_readmes_docker_commands_match_the_image() -> None:
    (docker,) = [block for block in readme_blocks() if "docker run" in block]
    built = re.search(r"docker build -t (\S+) \.", docker)
    assert built, docker
    run = shlex.split(docker.split("docker run", 1)[1].replace("\\\n", " "))
    assert run[-1] == built[1]  # runs the image it built, with the image's own command
    volumes = [run[i + 1] for i, word in enumerate(run) if word == "-v"]
    assert any(v.split(":")[1] == "/data" for v in volumes), volumes
    settings = next(v.split(":")[1] for v in volumes if v.endswith(":ro"))
    assert f"BOT_SETTINGS={settings}" in run
    assert "TELEGRAM_BOT_TOKEN=..." in run
