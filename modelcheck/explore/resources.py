"""Wall time and memory: the measurements behind --timeout and --memory, and the pace of
Python's cycle collector during a search.

The search checks its deadline and its resident memory where it already reports progress
(every few hundred states and once per level), never per successor. `time_limit` is the
backstop for what that cannot see: one evaluation that never ends (a quantifier over
0..10^12), or a spec whose constants take forever to compute. Its alarm raises `OutOfTime`,
a BaseException, so that the handlers that turn a failing spec into an error message let it
through, as they let KeyboardInterrupt through.
"""
from __future__ import annotations

import gc
import os
import re
import signal
import sys
import threading
from contextlib import contextmanager

TIMEOUT_GRACE = 1.0  # the alarm fires this long after the deadline that the search checks itself
REPEAT = 0.5         # seconds between further alarms until the limited work has stopped


class OutOfTime(BaseException):
    """The time limit ran out in the middle of something."""


@contextmanager
def time_limit(seconds: float | None):
    """Raise OutOfTime in the main thread after `seconds`. Does nothing without a limit, off
    the main thread, or when an interval timer is armed already (the caller's limit applies)."""
    if (seconds is None or threading.current_thread() is not threading.main_thread()
            or not hasattr(signal, "setitimer") or signal.getitimer(signal.ITIMER_REAL) != (0.0, 0.0)):
        yield
        return

    on = [True]

    def ring(signum, frame):
        if on[0]:
            raise OutOfTime()

    def unraisable(u):  # an OutOfTime that could not propagate: drop it quietly, ring again soon
        if isinstance(u.exc_value, OutOfTime):
            if on[0]:
                signal.setitimer(signal.ITIMER_REAL, 0.01, REPEAT)
        else:
            previous_hook(u)

    previous = signal.signal(signal.SIGALRM, ring)
    previous_hook, sys.unraisablehook = sys.unraisablehook, unraisable
    # The alarm repeats: an exception raised where Python cannot propagate it (a gc callback,
    # a __del__) is dropped, and the next ring must stop the work all the same.
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.001), REPEAT)
    try:
        yield
    finally:
        while True:  # a ring may interrupt this block itself: finish it regardless
            try:
                on[0] = False
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous)
                sys.unraisablehook = previous_hook
                break
            except OutOfTime:
                continue


_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def rss_bytes(pid: int | str = "self") -> int:
    """Resident memory of a process, from /proc on Linux; elsewhere this process's peak RSS."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        if pid != "self":
            return 0
        import resource
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024


_UNITS = {"": 1, "B": 1, "K": 1 << 10, "KB": 1 << 10, "M": 1 << 20, "MB": 1 << 20,
          "G": 1 << 30, "GB": 1 << 30, "T": 1 << 40, "TB": 1 << 40}


def parse_size(text: str) -> int | None:
    """'2GB', '512MB', '1.5G', '1000000' (bytes) -> bytes; binary units (1KB = 1024 B).
    None when the text is not a size."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?B?)\s*", text, re.I)
    if m is None:
        return None
    return int(float(m.group(1)) * _UNITS[m.group(2).upper()])


def describe_bytes(n: int) -> str:
    for unit in ("TB", "GB", "MB", "KB"):
        if n >= _UNITS[unit]:
            return f"{n / _UNITS[unit]:.3g}{unit}"
    return f"{n}B"


# A full collection every this many young (generation 1) collections during a search.
FULL_COLLECTION_EVERY = 1000


@contextmanager
def few_full_collections():
    """Run the enclosed search with full (generation 2) collections ~100x rarer than Python's
    default. A search creates long-lived containers (states, levels) at a high rate, and by
    default every ~10 young collections traverse all of them again: on Raft at MaxTerm = 3
    that was 93 full collections and a third of the CPU time (82.8 -> 53.8 CPU s). Young
    collections still run as usual, so cyclic garbage that dies young is freed as before."""
    young, middle, full = gc.get_threshold()
    gc.set_threshold(young, middle, max(full, FULL_COLLECTION_EVERY))
    try:
        yield
    finally:
        gc.set_threshold(young, middle, full)
