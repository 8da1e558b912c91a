"""ecokg.bulk: the garbage collector paused while large structures are built, and restored after."""

from __future__ import annotations

import gc

import pytest

from ecokg.bulk import collector_paused


def test_paused_inside_and_restored_after_even_on_error():
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():  # nested: the outer one restores
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError):
        with collector_paused():
            raise RuntimeError("boom")
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off():
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_as_a_decorator_each_call_pauses():
    @collector_paused()
    def state():
        return gc.isenabled()

    assert state() is False and state() is False and gc.isenabled()
