"""Every task kind is complete: manifest name, runner, result type and panel, registered once."""

from __future__ import annotations

import importlib

import pytest

from kiosk.core.manifest import TASKS
from kiosk.core.paths import demos_dir
from kiosk.core.tasks.spec import TASK_SPECS, split_ref
from kiosk.runtime.demos import discover, load_runner
from kiosk.runtime.tasks import task_kind
from kiosk.ui.panels import ResultPanel, make_panel


def test_the_manifest_knows_exactly_the_registered_kinds() -> None:
    assert tuple(TASK_SPECS) == TASKS
    assert all(spec.name == name for name, spec in TASK_SPECS.items())


@pytest.mark.parametrize("name", sorted(TASK_SPECS))
def test_each_kind_has_a_runner_a_result_and_a_panel(name: str, qapp) -> None:  # type: ignore[no-untyped-def]
    spec = TASK_SPECS[name]
    kind = task_kind(name)
    assert kind is not None and kind.name == name
    module, result = split_ref(spec.result)
    result_type = getattr(importlib.import_module(module), result)
    assert callable(getattr(result_type, "to_json", None))
    module, panel = split_ref(spec.panel)
    panel_type = getattr(importlib.import_module(module), panel)
    assert issubclass(panel_type, ResultPanel) and panel_type is not ResultPanel
    made = make_panel(name, "en")
    assert type(made) is panel_type  # never the silent empty panel
    assert spec.sample_hint


def test_unknown_kind_gets_an_empty_panel_not_a_crash(qapp) -> None:  # type: ignore[no-untyped-def]
    assert type(make_panel("no-such-kind", "de")) is ResultPanel
    assert task_kind("no-such-kind") is None


def test_every_built_in_demo_runs_through_its_kind(photos) -> None:  # type: ignore[no-untyped-def]
    entries = discover([demos_dir()])
    assert {e.manifest.task for e in entries if e.manifest} <= set(TASK_SPECS)
    for entry in entries:
        assert entry.manifest is not None, entry.problems
        runner = load_runner(entry)
        prepared = runner.prepare(photos["astronaut"])
        output, timings = (runner.process_prepared(photos["astronaut"], prepared)
                           if prepared is not None else runner.process(photos["astronaut"]))
        spec = TASK_SPECS[entry.manifest.task]
        module, result = split_ref(spec.result)
        assert isinstance(output, getattr(importlib.import_module(module), result)), entry.id
        assert "model" in timings or timings, entry.id
