"""Files a pack names are read as the pack's own plain files, never through a link out."""

from __future__ import annotations

from pathlib import Path

from kiosk.runtime.model_card import _count_labels


def test_the_generated_model_card_never_counts_labels_through_a_link(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "labels.txt").write_text("cat\ndog\n\nbird\n", encoding="utf-8")
    assert _count_labels(pack, {}) == 3
    outside = tmp_path / "secret.txt"
    outside.write_text("one\ntwo\n", encoding="utf-8")
    (pack / "labels.txt").unlink()
    (pack / "labels.txt").symlink_to(outside)
    assert _count_labels(pack, {}) is None
    (pack / "big.txt").write_bytes(b"x\n" * (5 * 1024 * 1024))  # 10 MiB: over the bound
    assert _count_labels(pack, {"labels_en": "big.txt"}) is None
