"""Stop signals reach the event loop as a call, never as an exception inside running code."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from kiosk.runtime.signals import exit_code, install_stop_signals, is_signal_exit

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX signals")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signal_is_delivered_by_the_loop_not_raised(sig: signal.Signals) -> None:
    loop = asyncio.new_event_loop()
    got: list[int] = []
    busy_code_finished: list[bool] = []

    def busy() -> None:  # stands in for a paintEvent: the signal lands in the middle of it
        os.kill(os.getpid(), sig)
        total = sum(range(10_000))  # bytecodes run after the signal: handlers get their turn
        busy_code_finished.append(total > 0)

    stop = install_stop_signals(loop, lambda signum: (got.append(signum), loop.stop()))
    try:
        loop.call_soon(busy)
        loop.call_later(10, loop.stop)  # a bound, in case delivery is broken
        loop.run_forever()
    finally:
        stop.close()
        loop.close()
    assert busy_code_finished == [True]  # no KeyboardInterrupt inside it
    assert got == [sig]
    assert signal.getsignal(sig) in (signal.default_int_handler, signal.SIG_DFL)


def test_a_second_signal_does_not_interrupt_the_stop() -> None:
    loop = asyncio.new_event_loop()
    got: list[int] = []
    stop = install_stop_signals(loop, got.append)
    try:
        os.kill(os.getpid(), signal.SIGINT)
        os.kill(os.getpid(), signal.SIGTERM)
        loop.call_later(0.3, loop.stop)
        loop.run_forever()
    finally:
        stop.close()
        loop.close()
    assert got == [signal.SIGINT] and stop.received == [signal.SIGINT, signal.SIGTERM]


def test_signal_before_the_loop_runs_is_kept() -> None:
    loop = asyncio.new_event_loop()
    got: list[int] = []
    stop = install_stop_signals(loop, lambda s: (got.append(s), loop.stop()))
    try:
        os.kill(os.getpid(), signal.SIGTERM)  # the kiosk still starting up
        loop.call_later(10, loop.stop)
        loop.run_forever()
    finally:
        stop.close()
        loop.close()
    assert got == [signal.SIGTERM]


def test_exit_codes_are_what_a_shell_reports() -> None:
    assert (exit_code(signal.SIGINT), exit_code(signal.SIGTERM)) == (130, 143)
    assert is_signal_exit(143) and is_signal_exit(130) and not is_signal_exit(75)
