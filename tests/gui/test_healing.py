"""Self-healing in the visitor flow: a failing demo closes kindly and is disabled if it
keeps failing; the rest of the kiosk stays usable."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np

from kiosk.core.paths import demos_dir, models_dir
from kiosk.core.session import Screen
from kiosk.runtime.demos import DemoEntry, discover, load_runner
from kiosk.runtime.pipeline import WholeFrameRunner

DEMO = "image-classification"


def broken_copy(tmp_path: Path) -> list[DemoEntry]:
    demo = tmp_path / "demos" / DEMO
    shutil.copytree(demos_dir() / DEMO, demo)
    model = models_dir() / "mobilenet_v2_imagenet.onnx"
    shutil.copyfile(model, demo / model.name)
    entries = discover([tmp_path / "demos"])
    # truncated after discovery (which would catch it by its sha256): the model breaks
    # while the kiosk runs, and only loading it finds out
    (demo / model.name).write_bytes(model.read_bytes()[:1000])
    return entries


def test_failed_demo_returns_home_and_is_disabled_after_repeats(make_kiosk, qtbot,  # type: ignore[no-untyped-def]
                                                                tmp_path: Path) -> None:
    k = make_kiosk(entries=broken_copy(tmp_path))
    k.controller.failed_return_ms = 0
    k.controller.activity()
    for _ in range(3):
        assert DEMO in [t.info.demo_id for t in k.window.home.tiles]
        k.controller.open_demo(DEMO)
        qtbot.waitUntil(lambda: k.window.current_screen() is Screen.HOME, timeout=30_000)
    assert DEMO not in [t.info.demo_id for t in k.window.home.tiles]
    errors = [e for e in k.events if e.type == "error"]
    assert len(errors) == 3 and errors[0].payload == {"code": "load_failed"}
    k.controller.set_enabled(DEMO, True)  # staff switch it back on
    assert DEMO in [t.info.demo_id for t in k.window.home.tiles]


class ExplodingRunner(WholeFrameRunner):
    """Post-processing that raises on every frame, like a buggy task."""

    def process(self, rgb: np.ndarray) -> tuple[Any, dict[str, float]]:
        raise RuntimeError("post-processing bug")


def test_demo_that_raises_is_isolated(make_kiosk, qtbot) -> None:  # type: ignore[no-untyped-def]
    k = make_kiosk()
    k.controller.failed_return_ms = 0
    real_loader = k.controller._load_runner

    def loader(entry: DemoEntry) -> Any:
        return ExplodingRunner() if entry.id == DEMO else real_loader(entry)

    k.controller._load_runner = loader
    k.controller.activity()
    k.controller.open_demo(DEMO)
    qtbot.waitUntil(lambda: any(e.type == "error" for e in k.events), timeout=30_000)
    qtbot.waitUntil(lambda: k.window.current_screen() is Screen.HOME, timeout=30_000)
    assert [e.payload for e in k.events if e.type == "error"] == [
        {"code": "processing_RuntimeError"}]
    # the kiosk is still usable: another demo opens and works
    k.controller.open_demo("face-privacy")
    qtbot.waitUntil(lambda: k.window.demo.results_shown >= 1, timeout=30_000)
    assert k.window.demo.status is None


def test_loader_is_real(tmp_path: Path) -> None:
    # guards the fixture above: the real loader refuses the truncated copy
    import pytest

    from kiosk.runtime.onnx_model import ModelLoadError

    with pytest.raises(ModelLoadError):
        load_runner(broken_copy(tmp_path)[0])
