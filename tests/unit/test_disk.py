"""A read-only or full data dir: recognised without writing, said once, never a traceback."""

from __future__ import annotations

import asyncio
import errno
import logging
from pathlib import Path

import pytest

from kiosk.runtime.disk import FULL, READ_ONLY, DiskWatch, classify_os_error, probe
from tests.fs_faults import fill, full_disk, read_only


def test_read_only_data_dir_is_recognised(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert probe(data) is None  # not created yet, but it could be
    with read_only(data):
        assert probe(data) == READ_ONLY
        assert probe(data / "not" / "yet") == READ_ONLY


def test_full_disk_is_recognised(tmp_path: Path) -> None:
    with full_disk(tmp_path / "disk") as disk:
        assert probe(disk) is None
        filler = fill(disk)
        assert probe(disk) == FULL
        filler.unlink()
        assert probe(disk) is None


def test_os_errors_are_classified() -> None:
    assert classify_os_error(OSError(errno.EROFS, "Read-only file system")) == READ_ONLY
    assert classify_os_error(OSError(errno.ENOSPC, "No space left on device")) == FULL
    assert classify_os_error(OSError(errno.EIO, "Input/output error")) is None


def test_disk_watch_logs_each_episode_once(tmp_path: Path,
                                           caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    watch = DiskWatch(tmp_path, interval=5.0, clock=lambda: now[0])
    caplog.set_level(logging.WARNING, "kiosk.runtime.disk")
    assert watch.check() is None
    for _ in range(3):
        assert watch.failed(OSError(errno.EROFS, "Read-only file system")) == READ_ONLY
    assert watch.check() == READ_ONLY  # within the interval: the failure stands
    now[0] += 5.0
    assert watch.check() is None  # probed again: writable
    assert [r.getMessage().split(" is ")[1][:9] for r in caplog.records] == [
        "read-only", "writable "]


def test_inbox_poll_on_a_read_only_data_dir_is_quiet(tmp_path: Path,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    from kiosk.app import InboxPoller, RunnerCache

    data = tmp_path / "data"
    refreshed: list[bool] = []
    with read_only(data):
        poller = InboxPoller(data, RunnerCache(), lambda: refreshed.append(True))
        caplog.set_level(logging.INFO)
        for _ in range(3):  # three polls, 3 s apart in the kiosk
            asyncio.run(poller.poll())
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    said = [r.getMessage() for r in caplog.records if "read-only" in r.getMessage()]
    assert len(said) == 1 and refreshed == []


def test_interaction_log_on_a_read_only_data_dir_says_read_only(tmp_path: Path) -> None:
    from kiosk.runtime.event_store import EventStore, db_path

    with read_only(tmp_path / "data") as data:
        store = EventStore(db_path(data), kiosk_id="k").start()
        try:
            assert store.wait(lambda h: h.problem_code is not None, 10)
            assert store.health().problem_code == "read_only"
        finally:
            store.close()
