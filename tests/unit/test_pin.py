"""Staff PIN: salted scrypt hash, weak PINs refused, lockout that grows and survives restarts."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from kiosk.core.pin import (
    DECAY,
    FIRST_LOCK,
    FREE_TRIES,
    MAX_LOCK,
    PIN_FILE,
    PinCheck,
    PinError,
    PinState,
    PinStore,
    lock_seconds,
    pin_problem,
)

COST = 2**10  # the real cost is 2**14; the format and the logic are the same


class Clock:
    """Wall-clock time that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def store(folder: Path, clock: Clock) -> PinStore:
    return PinStore(folder, clock=clock, cost=COST)


def test_no_pin_until_one_is_set(tmp_path: Path) -> None:
    pins = store(tmp_path, Clock())
    assert pins.state() is PinState.NONE
    assert not pins.verify("2580").ok
    pins.set_pin("2580")
    assert pins.state() is PinState.SET
    assert pins.verify("2580").ok
    assert not pins.verify("2581").ok


def test_pin_is_never_stored_in_clear(tmp_path: Path) -> None:
    store(tmp_path, Clock()).set_pin("918273")
    text = (tmp_path / PIN_FILE).read_text(encoding="utf-8")
    data = json.loads(text)
    assert "918273" not in text
    assert data["kdf"] == "scrypt" and data["n"] == COST and len(data["salt"]) >= 20
    if os.name == "posix":
        assert (tmp_path / PIN_FILE).stat().st_mode & 0o777 == 0o600
    # A random salt: the same PIN gives a different hash every time.
    other = tmp_path / "other"
    store(other, Clock()).set_pin("918273")
    assert json.loads((other / PIN_FILE).read_text(encoding="utf-8"))["hash"] != data["hash"]


def test_a_pin_hashed_with_other_costs_still_verifies(tmp_path: Path) -> None:
    PinStore(tmp_path, cost=2**11).set_pin("4711")
    assert store(tmp_path, Clock()).verify("4711").ok  # parameters come from the file


@pytest.mark.parametrize("pin", ["123", "123456789", "12a4", "", "1111", "1234", "9876",
                                 "４５６７"])
def test_weak_or_malformed_pins_are_refused(tmp_path: Path, pin: str) -> None:
    assert pin_problem(pin) is not None
    with pytest.raises(PinError):
        store(tmp_path, Clock()).set_pin(pin)
    assert not (tmp_path / PIN_FILE).exists()


def test_lock_schedule_doubles_and_is_capped() -> None:
    assert [lock_seconds(n) for n in range(FREE_TRIES)] == [0.0] * FREE_TRIES
    assert lock_seconds(FREE_TRIES) == FIRST_LOCK == 30.0
    assert lock_seconds(FREE_TRIES + 1) == 60.0
    assert lock_seconds(FREE_TRIES + 2) == 120.0
    assert lock_seconds(50) == MAX_LOCK


def test_wrong_pins_lock_the_pad_with_growing_delays(tmp_path: Path) -> None:
    clock = Clock()
    pins = store(tmp_path, clock)
    pins.set_pin("2580")
    results = [pins.verify("0000") for _ in range(3)]
    assert [r.tries_left for r in results] == [2, 1, 0]
    assert [r.locked_for for r in results] == [0.0, 0.0, 30.0]
    # Locked: even the right PIN is not checked.
    clock.now += 29
    check = pins.verify("2580")
    assert not check.ok and check.locked_for == pytest.approx(1.0)
    clock.now += 1
    assert pins.locked_for() == 0.0
    assert pins.verify("0000").locked_for == 60.0  # the 4th wrong PIN in a row
    clock.now += 60
    assert pins.verify("0000").locked_for == 120.0
    clock.now += 120
    assert pins.verify("2580").ok  # the right PIN clears everything
    assert pins.verify("0000").tries_left == 2


def test_lockout_survives_a_restart(tmp_path: Path) -> None:
    clock = Clock()
    store(tmp_path, clock).set_pin("2580")
    first = store(tmp_path, clock)
    for _ in range(FREE_TRIES):
        first.verify("1357")
    clock.now += 10
    again = store(tmp_path, clock)  # a new process after pulling the plug
    assert again.locked_for() == pytest.approx(20.0)
    assert not again.verify("2580").ok


def test_a_clock_set_back_cannot_lock_staff_out_for_ever(tmp_path: Path) -> None:
    clock = Clock()
    pins = store(tmp_path, clock)
    pins.set_pin("2580")
    for _ in range(FREE_TRIES):
        pins.verify("1357")
    clock.now -= 10 * 365 * 86400  # the RTC battery died
    assert pins.locked_for() == MAX_LOCK


def test_damaged_pin_file_is_not_an_open_door(tmp_path: Path) -> None:
    (tmp_path / PIN_FILE).write_text('{"version": 1, "hash": 12}', encoding="utf-8")
    pins = store(tmp_path, Clock())
    assert pins.state() is PinState.BROKEN
    assert not pins.verify("2580").ok
    (tmp_path / PIN_FILE).write_bytes(b"\x00\xff garbage")
    assert pins.state() is PinState.BROKEN
    pins.set_pin("2580")  # what `kiosk set-pin` does
    assert pins.verify("2580").ok


def test_unwritable_data_dir(tmp_path: Path) -> None:
    clock = Clock()
    store(tmp_path, clock).set_pin("2580")
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the folder should be", encoding="utf-8")
    with pytest.raises(PinError, match="cannot be saved"):
        store(blocked, clock).set_pin("2580")
    # The lockout still holds in memory when the file cannot be updated.
    pins = store(tmp_path, clock)
    real_write = pins._write

    def refuse(data: dict[str, object]) -> None:
        raise PermissionError(13, "Permission denied")

    pins._write = refuse  # type: ignore[method-assign]
    for _ in range(FREE_TRIES):
        pins.verify("1357")
    assert pins.locked_for() == 30.0
    pins._write = real_write  # type: ignore[method-assign]


def test_wrong_pins_are_forgiven_over_time(tmp_path: Path) -> None:
    clock = Clock()
    pins = store(tmp_path, clock)
    pins.set_pin("2580")
    for _ in range(12):  # a visitor ran the count up to the longest lock
        clock.now += pins.locked_for()
        pins.verify("0000")
    assert pins.locked_for() == MAX_LOCK
    clock.now += MAX_LOCK + DECAY  # a quiet hour later a typo costs less …
    assert pins.verify("0000").locked_for < MAX_LOCK
    clock.now += 12 * DECAY  # … and after a quiet afternoon, nothing at all
    assert pins.verify("0000") == PinCheck(False, 0.0, 1, FREE_TRIES - 1)
    assert pins.verify("2580").ok


def test_read_only_data_dir_fails_closed_across_restarts(tmp_path: Path) -> None:
    from tests.fs_faults import read_only

    clock = Clock()
    with read_only(tmp_path / "data",
                   prepare=lambda d: store(d, clock).set_pin("2580")) as data:
        for _restart in range(3):
            pins = store(data, clock)  # a fresh process: it cannot know the last run's count
            assert pins.locked_for() == FIRST_LOCK
            clock.now += FIRST_LOCK
            first = pins.verify("0000")
            assert first.locked_for == FIRST_LOCK and first.tries_left == 0
            assert not pins.verify("2580").ok  # locked: not even checked
        clock.now += FIRST_LOCK
        assert pins.verify("2580").ok  # staff still get in


def test_a_hostile_pin_file_is_broken_not_a_crash_loop(tmp_path: Path) -> None:
    for text in ("[" * 100_000 + "]" * 100_000, '{"version": ' + "1" * 5000 + "}"):
        (tmp_path / PIN_FILE).write_text(text, encoding="utf-8")
        pins = store(tmp_path, Clock())
        assert pins.state() is PinState.BROKEN
        assert not pins.verify("2580").ok
