"""The collector is off only while a document is validated, and back on afterwards."""

from __future__ import annotations

import gc
import threading

from tasks.ehf.gcpause import collector_paused
from tasks.ehf.validate import validate_bytes


def test_collector_is_back_on_after_validation_and_on_errors() -> None:
    assert gc.isenabled()
    validate_bytes(b"<not xml")
    assert gc.isenabled()
    try:
        with collector_paused():
            assert not gc.isenabled()
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert gc.isenabled()


def test_collector_left_off_when_it_was_off_before() -> None:
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_overlapping_threads_turn_it_back_on_once_all_are_done() -> None:
    inside = threading.Barrier(2)
    leave = threading.Event()

    def validate() -> None:
        with collector_paused():
            inside.wait()
            leave.wait(timeout=10)

    other = threading.Thread(target=validate)
    other.start()
    with collector_paused():
        inside.wait()
    assert not gc.isenabled()  # the other thread is still validating
    leave.set()
    other.join()
    assert gc.isenabled()
