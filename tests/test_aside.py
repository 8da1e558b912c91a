"""ecokg.aside: a function run in a forked process, its value or its error brought back."""

from __future__ import annotations

import os
import signal

import pytest

from ecokg.aside import Aside, AsideFailed
from ecokg.errors import EcokgError, Kind


def test_the_value_comes_back_from_another_process():
    here = os.getpid()
    aside = Aside(lambda: (os.getpid(), [1, "二", {"three": 3.0}]))
    pid, value = aside.result()
    assert pid != here and value == [1, "二", {"three": 3.0}]


def test_the_work_runs_while_this_process_goes_on(tmp_path):
    flag = tmp_path / "go"

    def wait_for_flag():
        import time

        for _ in range(500):
            if flag.exists():
                return "saw it"
            time.sleep(0.01)
        return "never"

    aside = Aside(wait_for_flag)
    flag.write_text("now")  # only written after Aside returned: the work must still be running
    assert aside.result() == "saw it"


def test_an_error_is_raised_here_with_its_kind_and_message():
    def fails():
        raise EcokgError("the file x.ttl:3 is broken", kind=Kind.BAD_FILE)

    with pytest.raises(EcokgError, match=r"x\.ttl:3") as raised:
        Aside(fails).result()
    assert raised.value.kind is Kind.BAD_FILE


def test_a_process_that_dies_or_sends_nothing_usable_is_a_failure():
    with pytest.raises(AsideFailed):
        Aside(lambda: os.kill(os.getpid(), signal.SIGKILL)).result()
    with pytest.raises(AsideFailed):  # a value pickle cannot carry
        Aside(lambda: (lambda: None)).result()


def test_the_result_is_taken_once_and_the_process_is_reaped():
    aside = Aside(lambda: 42)
    pid = aside._pid
    assert aside.result() == 42
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaped: no zombie left behind
    with pytest.raises(AsideFailed):
        aside.result()


def test_the_forked_process_ends_with_the_one_that_started_it(tmp_path):
    """A process that started work aside and was killed leaves nothing running (a killed `ecokg build`)."""
    import subprocess
    import sys
    import time

    code = ("import os, time\n"
            "from ecokg.aside import Aside\n"
            "a = Aside(lambda: time.sleep(60))\n"
            "print(a._pid, flush=True)\n"
            "time.sleep(60)\n")
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    os.kill(child, 0)  # running
    parent.kill()
    parent.wait()
    for _ in range(200):
        try:
            with open(f"/proc/{child}/stat") as f:
                if f.read().split(") ", 1)[1].startswith("Z"):  # dead, waiting for init to reap it
                    break
        except FileNotFoundError:
            break
        time.sleep(0.02)
    else:
        pytest.fail("the forked process outlived the process that started it")


def test_cancel_stops_the_work_and_reaps_the_process():
    import time

    aside = Aside(lambda: time.sleep(600))  # (were it waited for, the test would hang)
    pid = aside._pid
    aside.cancel()
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # gone and reaped
    aside.cancel()  # twice: nothing more to do
    with pytest.raises(AsideFailed):
        aside.result()
