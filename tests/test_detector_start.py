"""A detector that will not load stops the start, and `check`, in plain words."""

from __future__ import annotations

import pytest

from bot.domain import crisis
from bot.runtime import StartupError
from tests.harness import BotEnv


async def test_a_missing_model_stops_the_start(
    env: BotEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> None:
        raise crisis.DetectorUnavailable("The crisis detector's model file is missing.")

    monkeypatch.setattr(crisis, "load", broken)
    await env.stop()
    with pytest.raises(StartupError, match=r"model file is missing.*won.t start"):
        await env.start()
