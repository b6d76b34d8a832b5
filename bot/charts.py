"""Charts are drawn in worker processes, never on the event loop's interpreter.

A /mood chart takes about 0.6 s cold and 0.2 s warm in matplotlib. On a worker thread it still
holds the GIL for most of that, and everyone's replies wait behind it. Here it runs in a small
process pool (`chart_workers` processes, default 1) whose workers import matplotlib when they
start, so a request pays only for drawing. At most that many charts are drawn at once; more
requests wait their turn without holding up anything else.

The pool belongs to the process: started (and warmed) by the first Application that starts,
reused by later ones (the test suite starts hundreds), and shut down at exit or by
`shutdown()`.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, TypeVar

__all__ = ["ChartPool", "pool", "render", "shutdown", "start"]

_LOG = logging.getLogger(__name__)
T = TypeVar("T")


def _start_worker(parent: int) -> None:
    """In each worker as it starts: watch for the bot's process going, then warm up."""
    _watch_parent(parent)
    _warm()


def _watch_parent(parent: int, every_s: float = 1.0) -> None:
    """End this worker once process PARENT is gone. A bot killed outright (SIGKILL, the
    out-of-memory killer) never shuts its pool down, and a worker waiting for work would
    otherwise outlive it, holding its memory, one more after every such restart."""
    import threading
    import time

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every_s)
        os._exit(0)

    threading.Thread(target=watch, name="chart-parent-watch", daemon=True).start()


def _warm() -> None:
    """Import matplotlib and draw once (fonts, caches)."""
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.dates import AutoDateLocator, DateFormatter  # noqa: F401 - warm the import
    from matplotlib.figure import Figure

    fig = Figure(figsize=(2, 1), dpi=50)
    FigureCanvasAgg(fig)
    fig.subplots().plot([0, 1], [1, 0], marker="o")
    fig.savefig(io.BytesIO(), format="png")


def _ready() -> bool:
    return True


class ChartPool:
    """A process pool for drawing, with at most WORKERS drawings at once."""

    def __init__(self, workers: int = 1) -> None:
        self.workers = max(1, workers)
        self._executor: ProcessPoolExecutor | None = None
        self._slots: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.warming: list[Future[bool]] = []

    @property
    def running(self) -> bool:
        """True once started (and not shut down)."""
        return self._executor is not None

    def start(self) -> None:
        """Start the workers (spawned, so no thread or lock of ours is copied) and warm them
        in the background; returns at once."""
        if self._executor is not None:
            return
        self._executor = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(os.getpid(),),
        )
        self.warming = [self._executor.submit(_ready) for _ in range(self.workers)]

    async def render(self, fn: Callable[..., T], *args: Any) -> T:
        """Run FN(*ARGS) in a worker (FN and ARGS must pickle) and return its result."""
        self.start()
        assert self._executor is not None
        loop = asyncio.get_running_loop()
        if self._slots is None or self._loop is not loop:
            self._slots, self._loop = asyncio.Semaphore(self.workers), loop
        async with self._slots:
            return await loop.run_in_executor(self._executor, fn, *args)

    def shutdown(self) -> None:
        """Stop the workers (charts in progress are finished first)."""
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)


_POOL = ChartPool()


def pool() -> ChartPool:
    """The process's chart pool."""
    return _POOL


def start(workers: int) -> ChartPool:
    """Size (if not started yet) and start the process's chart pool."""
    if not _POOL.running:
        _POOL.workers = max(1, workers)
    _POOL.start()
    return _POOL


async def render(fn: Callable[..., T], *args: Any) -> T:
    """Draw with FN(*ARGS) in the chart pool: the call a flow makes instead of to_thread."""
    return await _POOL.render(fn, *args)


def shutdown() -> None:
    """Stop the chart pool's workers."""
    _POOL.shutdown()


atexit.register(shutdown)
