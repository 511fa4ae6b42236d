"""FileCache: read once, read again when the file changes, never grow without bound."""

from __future__ import annotations

import os
from pathlib import Path

from kiosk.runtime.file_cache import FileCache


def test_a_file_is_read_once_until_it_changes(tmp_path: Path) -> None:
    reads: list[Path] = []

    def size(path: Path) -> int:
        reads.append(path)
        return len(path.read_bytes())

    cache = FileCache(size)
    f = tmp_path / "model.onnx"
    f.write_bytes(b"abc")
    assert cache(f) == 3 and cache(f) == 3 and len(reads) == 1
    f.write_bytes(b"abcdef")
    os.utime(f, ns=(1, 1))  # even a file put back with an old time is seen as changed
    assert cache(f) == 6 and len(reads) == 2


def test_the_oldest_entries_go_beyond_the_limit(tmp_path: Path) -> None:
    cache = FileCache(lambda p: p.name, limit=3)
    files = [tmp_path / f"{i}.onnx" for i in range(5)]
    for f in files:
        f.write_bytes(b"x")
        assert cache(f) == f.name
    assert len(cache._known) == 3
    assert [k[0] for k in cache._known] == [str(f) for f in files[2:]]
