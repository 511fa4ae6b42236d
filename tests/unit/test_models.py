"""Committed models are exactly the files their cards and SHA256SUMS describe."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

MODELS = Path(__file__).resolve().parents[2] / "models"


def sums() -> dict[str, str]:
    out = {}
    for line in (MODELS / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        if line.strip():
            digest, name = line.split(maxsplit=1)
            out[name.strip().lstrip("*")] = digest
    return out


def test_every_model_is_listed() -> None:
    on_disk = {p.name for p in MODELS.glob("*.onnx")}
    assert on_disk == set(sums())


@pytest.mark.parametrize("name", sorted(sums()))
def test_sha256_matches(name: str) -> None:
    digest = hashlib.sha256((MODELS / name).read_bytes()).hexdigest()
    assert digest == sums()[name]


@pytest.mark.parametrize("name", sorted(sums()))
def test_model_card_names_the_sha256(name: str) -> None:
    cards = list(MODELS.glob("*.md"))
    assert any(sums()[name] in card.read_text(encoding="utf-8") for card in cards), name
