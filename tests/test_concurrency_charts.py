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
