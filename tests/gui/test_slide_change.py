"""Demo mode's slideshow: when the next photo comes, nothing of the last one lingers."""

from __future__ import annotations

from typing import Any

from kiosk.core.paths import sample_media_dir
from kiosk.runtime.sources import ImageFolderSource
from kiosk.ui.controller import SourceChoice


def test_the_guess_follows_the_slide_at_once(make_kiosk, qtbot) -> None:  # type: ignore[no-untyped-def]
    """The cat, then the coffee: the first guess shown over the coffee is about the coffee,
    not the smoothed remains of the cat (it lingered for a moment before)."""
    cat, coffee = (sample_media_dir() / n for n in ("02-chelsea-cat.jpg", "01-coffee.jpg"))

    def slides() -> SourceChoice:
        return SourceChoice(ImageFolderSource([cat, coffee], seconds_per_image=1.0, fps=15.0),
                            None, False, False)

    k = make_kiosk(source=slides, lang="en")
    k.controller.activity()
    k.controller.open_demo("image-classification")
    demo = k.window.demo
    qtbot.waitUntil(lambda: demo.results_shown >= 1, timeout=60_000)
    panel = demo.panel
    shown: list[tuple[int, str, str]] = []  # (scene, raw top label, top label on screen)
    original = panel.set_result

    def record(output: Any) -> None:
        original(output)
        last = panel._last  # type: ignore[attr-defined]
        shown.append((demo._scene, output.top[0].label_en,
                      last.top[0].label_en if last is not None and last.top else ""))

    panel.set_result = record  # type: ignore[method-assign]
    qtbot.waitUntil(lambda: any(s == 1 for s, _, _ in shown), timeout=60_000)
    coffee_first = next(entry for entry in shown if entry[0] == 1)
    assert coffee_first[1] == coffee_first[2], shown  # the model's own guess, nothing of the cat
    assert "cat" not in coffee_first[2].lower(), shown
