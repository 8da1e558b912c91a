"""A time limit for Python work done in the serving thread itself, by ``SIGALRM``.

Queries run in a killable child process (``executor.py``), but each is first parsed in the server process
by rdflib's parser (``classify.py``), which is pure Python and slow on pathological input: tens of thousands
of ``VALUES`` rows or thousands of ``UNION`` branches take longer to parse than the time limit allows (and
past gunicorn's watchdog the worker is killed without an answer).  ``time_limit`` interrupts such work.

It applies only in a process's main thread where ``SIGALRM`` exists (gunicorn's sync workers, the command
line); elsewhere the block runs without a limit.
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Iterator


class TimeUp(BaseException):
    """The time limit passed.  A ``BaseException``, so that no ``except Exception`` in a library swallows it."""


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    if (not seconds or seconds <= 0 or not hasattr(signal, "setitimer")
            or threading.current_thread() is not threading.main_thread()):
        yield
        return

    def on_alarm(signum, frame):
        raise TimeUp()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
