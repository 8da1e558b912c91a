"""Work done aside: a function run in a forked process while this one goes on, its value sent back pickled.

Used where two cores halve a wait: the SHACL check before ``ecokg serve`` runs while the store opens
(``dataset.preflight.check_aside``), and the shapes are evaluated in two halves (``dataset.validate``).
Fork only where no other thread may hold a lock: a process that has not started its threads yet, or the
forked process itself.  The forked process runs no exit handler (``os._exit``), shares nothing back but its
value, and is killed if this process ends first.
"""

from __future__ import annotations

import os
import pickle
import sys
from typing import Callable, Generic, TypeVar

T = TypeVar("T")


class AsideFailed(RuntimeError):
    """The forked process gave no value: it raised something that cannot be sent, or it died (killed, out of
    memory).  The caller may run the work itself to see what it is."""


def can_fork() -> bool:
    return hasattr(os, "fork")


def _end_with(parent: int) -> None:
    """Be killed when ``parent`` ends (Linux: PR_SET_DEATHSIG), so that no work goes on for nobody."""
    import ctypes
    import signal

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        return
    if os.getppid() != parent:  # it ended before the line above took effect
        os._exit(1)


class Aside(Generic[T]):
    """A function running in a forked process; ``result()`` waits for it: its value, or the exception it
    raised (when that can be pickled), or ``AsideFailed``."""

    def __init__(self, fn: Callable[[], T]):
        read_end, write_end = os.pipe()
        parent = os.getpid()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the forked process (coverage does not follow it)
            code = 0
            try:
                _end_with(parent)
                os.close(read_end)
                try:
                    outcome: tuple = (True, fn())
                except BaseException as e:  # noqa: BLE001 - sent back to be raised there
                    outcome = (False, e.with_traceback(None))
                try:
                    data = pickle.dumps(outcome, pickle.HIGHEST_PROTOCOL)
                except Exception:  # noqa: BLE001
                    data = b""
                with os.fdopen(write_end, "wb") as pipe:
                    pipe.write(data)
            except BaseException:  # noqa: BLE001
                code = 1
            finally:
                for stream in (sys.stdout, sys.stderr):  # what it printed (progress), before leaving without exit handlers
                    try:
                        stream.flush()
                    except Exception:  # noqa: BLE001
                        pass
                os._exit(code)
        os.close(write_end)
        self._pid: int | None = pid
        self._fd = read_end

    def cancel(self) -> None:
        """Stop the work (its value is not wanted: the caller failed) and reap the process."""
        if self._pid is None:
            return
        import signal

        try:
            os.kill(self._pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.close(self._fd)
        os.waitpid(self._pid, 0)
        self._pid = None

    def result(self) -> T:
        if self._pid is None:
            raise AsideFailed("result() was already taken")
        try:
            with os.fdopen(self._fd, "rb") as pipe:
                data = pipe.read()
        finally:
            os.waitpid(self._pid, 0)
            self._pid = None
        try:
            ok, value = pickle.loads(data)
        except Exception:  # noqa: BLE001 - nothing, or not a whole pickle: the process died
            raise AsideFailed("the forked process ended without a value") from None
        if not ok:
            raise value
        return value
