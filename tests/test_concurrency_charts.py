"""Charts are drawn in a worker process that imported matplotlib when it started."""

from __future__ import annotations

import asyncio
import os
import sys

from bot import charts


def where_am_i() -> tuple[int, bool]:
    """Runs in the worker: its process id, and whether matplotlib was already imported."""
    return os.getpid(), "matplotlib.figure" in sys.modules


async def test_charts_run_in_a_warm_worker_process_at_most_n_at_once() -> None:
    pool = charts.ChartPool(workers=1)
    try:
        pool.start()
        results = await asyncio.gather(*(pool.render(where_am_i) for _ in range(3)))
        pids = {pid for pid, _ in results}
        assert os.getpid() not in pids and len(pids) == 1  # one worker, not this process
        assert all(warm for _, warm in results)  # matplotlib came in at start-up
        assert all(f.result() for f in pool.warming)
    finally:
        pool.shutdown()
    assert not pool.running


_ORPHAN_CHECK = """
import asyncio, os, sys
sys.path.insert(0, sys.argv[1])
from bot import charts

async def main():
    pool = charts.ChartPool(workers=1)
    pool.start()
    print(await pool.render(os.getpid), flush=True)
    sys.stdin.read()  # killed here, its pool never shut down

asyncio.run(main())
"""


def test_a_chart_worker_ends_when_the_bot_is_killed_outright(tmp_path: object) -> None:
    """SIGKILL (or the out-of-memory killer) never lets the pool shut down: the worker sees
    its parent gone and ends, instead of waiting for work for ever."""
    import select
    import signal
    import subprocess
    from pathlib import Path

    root = str(Path(__file__).resolve().parent.parent)
    bot = subprocess.Popen(
        [sys.executable, "-c", _ORPHAN_CHECK, root],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert bot.stdout is not None
        worker = int(bot.stdout.readline())
        os.kill(worker, 0)  # alive while the bot is
        watched = os.pidfd_open(worker)  # readable once the worker has ended
        try:
            bot.send_signal(signal.SIGKILL)
            bot.wait(timeout=10)
            ended, _, _ = select.select([watched], [], [], 15)
        finally:
            os.close(watched)
        if not ended:
            os.kill(worker, signal.SIGKILL)
            raise AssertionError("the chart worker outlived the bot by 15 s")
    finally:
        if bot.poll() is None:
            bot.kill()
            bot.wait(timeout=10)
        for pipe in (bot.stdin, bot.stdout):
            if pipe is not None:
                pipe.close()
