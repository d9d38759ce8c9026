"""The cycle collector paused around bulk work, and resumed as it was."""

from __future__ import annotations

import gc

import pytest

from evidra.cycles import collector_paused


def test_the_collector_resumes_after_the_work_even_when_it_fails() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("the work failed")
    assert gc.isenabled()


def test_a_caller_that_paused_the_collector_keeps_it_paused() -> None:
    gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_as_a_decorator_each_call_pauses_and_resumes() -> None:
    @collector_paused()
    def work() -> bool:
        return gc.isenabled()

    assert (work(), work(), gc.isenabled()) == (False, False, True)
