"""Crisis detector benchmarks: CPU time per message, one thread, over the labelled lines.

Figures:
- crisis_median_ms / crisis_p99_ms: assess() over every line of tests/crisis_data/ (every
  fifth line with --quick; goal median <= 2 ms, p99 <= 10 ms on one core);
- crisis_4096_chars_ms: one message at Telegram's 4,096-character limit (goal <= 5 ms);
- crisis_100k_chars_ms: one message of 100,000 characters (bounded; was 857 ms).

Run alone with ``python -m benchmarks.bench_crisis``; benchmarks/run.py picks it up.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from pathlib import Path
from typing import Any

__all__ = ["figures", "timings"]

ROOT = Path(__file__).resolve().parent.parent
_PARA = (
    "Today was long. I went to the shops, then I walked the dog by the river and we had "
    "tea with my neighbour, who told me about her garden and her grandchildren. "
)
_WORDS = ("Apples", "Pears", "Plums", "Figs", "Limes", "Kiwis", "Dates", "Grapes")


def _lines(limit: int | None = None) -> list[str]:
    lines = []
    for file in sorted((ROOT / "tests" / "crisis_data").glob("*.tsv")):
        for line in file.read_text(encoding="utf-8").splitlines():
            parts = line.split("\t")
            if len(parts) == 3:
                lines.append(parts[2])
    return lines[:limit] if limit else lines


def _time_ms(chars: int, rounds: int) -> float:
    """Median CPU time of ``rounds`` different messages of ``chars`` characters.

    Each round's message differs (its first word), so no per-message cache answers it, and
    CPU time (this process) is measured: on a shared machine wall time mostly measures the
    other work.
    """
    from bot.domain.crisis import assess

    times = []
    for i in range(rounds):
        text = (f"{_WORDS[i % len(_WORDS)]} {i}. " + _PARA * (chars // len(_PARA) + 2))[:chars]
        started = time.process_time()
        assess(text)
        times.append((time.process_time() - started) * 1000)
    return statistics.median(times)


def timings(quick: bool) -> dict[str, float]:
    """Median and p99 over the labelled lines, and the two long-message figures."""
    from bot.domain.crisis import assess, load

    load()
    assess("warm up")
    times = []
    lines = _lines()
    for text in lines[::5] if quick else lines:  # quick: every fifth line (about 1,200)
        started = time.process_time()
        assess(text)
        times.append((time.process_time() - started) * 1000)
    times.sort()
    rounds = 5 if quick else 20
    return {
        "crisis_median_ms": statistics.median(times),
        "crisis_p99_ms": times[min(len(times) - 1, int(len(times) * 0.99))],
        "crisis_4096_chars_ms": _time_ms(4096, rounds),
        "crisis_100k_chars_ms": _time_ms(100_000, max(2, rounds // 5)),
    }


async def figures(quick: bool) -> list[dict[str, Any]]:
    """The crisis figures, for benchmarks/run.py."""
    return [{"name": k, "value": v, "unit": "ms"} for k, v in timings(quick).items()]


if __name__ == "__main__":
    for figure in asyncio.run(figures(quick=True)):
        print(json.dumps({**figure, "value": round(figure["value"], 4)}))
