"""Provider / threads / precision selection (``kiosk.runtime.tuning``) with fake providers and
fake sessions (only the CPU exists on the test machines), plus the real CPU path once."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from kiosk.core.i18n import Text
from kiosk.runtime import tuning
from kiosk.runtime.tuning import CPU, Candidate, Choice

CUDA = "CUDAExecutionProvider"
TRT = "TensorrtExecutionProvider"
OPENVINO = "OpenVINOExecutionProvider"
REPO = Path(__file__).resolve().parents[2]


class Clock:
    """A clock advanced by the fake sessions: latency is what the fake says it is."""

    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def classifier_outputs(feed: tuning.Feed) -> list[np.ndarray]:
    """A deterministic 'model': 10 class scores and an 8-d embedding from the input."""
    x = next(iter(feed.values())).astype(np.float64).ravel()
    scores = np.array([np.sin(x * (k + 1)).sum() for k in range(10)])[np.newaxis]
    embedding = np.array([np.cos(x * (k + 2)).sum() for k in range(8)])[np.newaxis]
    return [scores, embedding]


class FakeFactory:
    """Sessions whose speed and behaviour depend on the candidate."""

    def __init__(self, clock: Clock, ms: dict[Candidate, float],
                 fail_load: set[str] = frozenset(),  # type: ignore[assignment]
                 fail_run: set[str] = frozenset(),  # type: ignore[assignment]
                 distort: Callable[[Candidate, list[np.ndarray]], list[np.ndarray]] | None = None,
                 ) -> None:
        self.clock = clock
        self.ms = ms
        self.fail_load = fail_load
        self.fail_run = fail_run
        self.distort = distort
        self.loaded: list[tuple[str, Candidate]] = []

    def __call__(self, path: Path, cand: Candidate) -> tuning.RunFn:
        if cand.provider in self.fail_load:
            raise RuntimeError(f"{cand.provider} library missing\nmore detail")
        self.loaded.append((path.name, cand))

        def run(feed: tuning.Feed) -> list[np.ndarray]:
            if cand.provider in self.fail_run:
                raise RuntimeError("device lost")
            self.clock.t += self.ms.get(cand, 50.0) / 1000.0
            out = classifier_outputs(feed)
            return self.distort(cand, out) if self.distort else out
        return run


@pytest.fixture()
def samples() -> list[tuning.Feed]:
    rng = np.random.default_rng(3)
    return [{"x": rng.normal(size=(1, 3, 8, 8)).astype(np.float32)} for _ in range(10)]


@pytest.fixture()
def model(tmp_path: Path) -> Path:
    path = tmp_path / "net.onnx"
    path.write_bytes(b"fp32")
    return path


def test_candidates_follow_the_order_of_promise_and_skip_unknown_providers() -> None:
    cands = tuning.candidates(["AzureExecutionProvider", CPU, CUDA, TRT, OPENVINO], 4, True)
    providers = [c.provider for c in cands]
    assert providers[0] == TRT and providers[-1] == CPU
    assert providers.index(CUDA) < providers.index(OPENVINO) < providers.index(CPU)
    assert "AzureExecutionProvider" not in providers
    # threads vary on the CPU only; int8 is tried wherever an int8 model exists
    assert {c.threads for c in cands if c.provider == CPU} == {1, 4}
    assert {c.threads for c in cands if c.provider != CPU} == {1}
    assert {c.precision for c in cands} == {"int8", "fp32"}
    assert tuning.candidates([CPU], 1, False) == [Candidate(CPU, 1, "fp32")]


def test_the_fastest_candidate_that_agrees_wins(model: Path, samples: list[tuning.Feed]) -> None:
    clock = Clock()
    ms = {Candidate(CPU, 1, "fp32"): 20.0, Candidate(CPU, 2, "fp32"): 14.0,
          Candidate(CUDA, 1, "fp32"): 4.0}
    factory = FakeFactory(clock, ms)
    choice = tuning.tune_model(model, samples, factory, [CUDA, CPU], 2, clock=clock)
    assert (choice.provider, choice.threads, choice.precision) == (CUDA, 1, "fp32")
    assert choice.latency_ms == pytest.approx(4.0)
    assert "top-1 100.0%" in choice.agreement
    assert choice.notes == []


def test_a_provider_that_fails_to_load_or_run_falls_back_with_a_note(
    model: Path, samples: list[tuning.Feed],
) -> None:
    clock = Clock()
    ms = {Candidate(CPU, 1, "fp32"): 20.0, Candidate(CPU, 2, "fp32"): 25.0,
          Candidate(TRT, 1, "fp32"): 1.0, Candidate(CUDA, 1, "fp32"): 2.0}
    factory = FakeFactory(clock, ms, fail_load={TRT}, fail_run={CUDA})
    choice = tuning.tune_model(model, samples, factory, [TRT, CUDA, CPU], 2, clock=clock)
    assert choice.candidate == Candidate(CPU, 1, "fp32")
    assert any("TensorRT" in n and "did not load" in n and "library missing" in n
               for n in (t.en for t in choice.notes))
    assert any("CUDA" in n and "failed at run time" in n for n in (t.en for t in choice.notes))
    assert any("CUDA · 1 Thread · fp32 ist beim Rechnen fehlgeschlagen" in t.de
               for t in choice.notes)  # staff read German on the Health page
    again = tuning.Choice.from_json(json.loads(json.dumps(choice.to_json())))
    assert again.notes == choice.notes  # both languages survive tuning.json


def test_an_int8_model_that_disagrees_is_never_chosen(
    model: Path, samples: list[tuning.Feed],
) -> None:
    model.with_name("net.int8.onnx").write_bytes(b"int8")
    clock = Clock()
    ms = {Candidate(CPU, 1, "int8"): 3.0, Candidate(CPU, 1, "fp32"): 20.0}

    def flip_top1(cand: Candidate, out: list[np.ndarray]) -> list[np.ndarray]:
        if cand.precision != "int8":
            return out
        scores = out[0].copy()
        scores[0, int(scores.argmin())] = scores.max() + 1.0  # another class on top
        return [scores, out[1]]
    factory = FakeFactory(clock, ms, distort=flip_top1)
    choice = tuning.tune_model(model, samples, factory, [CPU], 1, clock=clock)
    assert choice.candidate == Candidate(CPU, 1, "fp32")
    assert any("int8 disagrees" in n for n in (t.en for t in choice.notes))
    # the int8 file was really tried, not skipped
    assert ("net.int8.onnx", Candidate(CPU, 1, "int8")) in factory.loaded


def test_an_int8_model_that_agrees_and_is_faster_is_chosen(
    model: Path, samples: list[tuning.Feed],
) -> None:
    model.with_name("net.int8.onnx").write_bytes(b"int8")
    clock = Clock()
    ms = {Candidate(CPU, 1, "int8"): 3.0, Candidate(CPU, 1, "fp32"): 20.0}

    def jitter(cand: Candidate, out: list[np.ndarray]) -> list[np.ndarray]:
        return [o * (1.0 + 1e-4) for o in out] if cand.precision == "int8" else out
    factory = FakeFactory(clock, ms, distort=jitter)
    choice = tuning.tune_model(model, samples, factory, [CPU], 1, clock=clock)
    assert choice.candidate == Candidate(CPU, 1, "int8")
    plan_choice = {"net.onnx": choice}
    tuning.activate(plan_choice)
    try:
        plan = tuning.plan_for(model)
        assert plan.path.name == "net.int8.onnx" and plan.precision == "int8"
    finally:
        tuning.activate({})


def test_an_embedding_below_cosine_099_disagrees(
    model: Path, samples: list[tuning.Feed],
) -> None:
    clock = Clock()
    ms = {Candidate(CPU, 1, "fp32"): 20.0, Candidate(CUDA, 1, "fp32"): 2.0}
    rng = np.random.default_rng(0)

    def bend_embedding(cand: Candidate, out: list[np.ndarray]) -> list[np.ndarray]:
        if cand.provider != CUDA:
            return out
        emb = out[1]
        noise = rng.normal(size=emb.shape) * np.linalg.norm(emb) * 0.3
        return [out[0], emb + noise]  # top-1 intact, the embedding is not
    factory = FakeFactory(clock, ms, distort=bend_embedding)
    choice = tuning.tune_model(model, samples, factory, [CUDA, CPU], 1, clock=clock)
    assert choice.candidate == Candidate(CPU, 1, "fp32")
    assert any("CUDA" in t.en and "disagrees" in t.en and "cosine" in t.en for t in choice.notes)


def test_agreement_counts_top1_over_rows() -> None:
    ref = [[np.eye(1, 5, k % 5)] for k in range(100)]
    same = [[r[0] * 2.0] for r in ref]
    assert tuning.agreement(ref, same)[0]
    one_off = [list(o) for o in same]
    one_off[0] = [np.eye(1, 5, 4)]  # 99 of 100 agree: still enough
    assert tuning.agreement(ref, one_off)[0]
    one_off[1] = [np.eye(1, 5, 3)]  # 98 %: not
    assert not tuning.agreement(ref, one_off)[0]
    assert not tuning.agreement(ref, [[np.full((1, 5), np.nan)] for _ in ref])[0]


def test_tuning_file_round_trip_and_other_hardware_retunes(tmp_path: Path) -> None:
    path = tmp_path / "tuning.json"
    machine = {"cpu": "Test CPU", "physical_cores": 2, "onnxruntime": "1.0",
               "providers": [CPU]}
    choices = {"net.onnx": Choice(CUDA, 1, "fp32", 3.2, "top-1 100.0%",
                                  [Text("ein Hinweis", "a note")])}
    tuning.save_choices(path, machine, choices)
    assert tuning.load_choices(path, machine) == choices
    other = {**machine, "cpu": "Another CPU"}
    assert tuning.load_choices(path, other) is None
    assert tuning.load_choices(path, {**machine, "providers": [CPU, CUDA]}) is None
    path.write_text("{broken", encoding="utf-8")
    assert tuning.load_choices(path, machine) is None
    path.write_text(json.dumps({"version": 1, "machine": machine,
                                "models": {"net.onnx": {"provider": CPU}}}), encoding="utf-8")
    assert tuning.load_choices(path, machine) is None


def test_no_choice_means_the_cpu_with_one_thread(tmp_path: Path) -> None:
    tuning.activate({})
    plan = tuning.plan_for(tmp_path / "x.onnx")
    assert (plan.provider, plan.threads, plan.precision) == (CPU, 1, "fp32")


def test_a_provider_that_fails_at_load_in_the_app_falls_back_to_the_cpu() -> None:
    from kiosk.runtime.onnx_model import OnnxModel

    path = REPO / "models" / "digits_cnn.onnx"
    tuning.activate({path.name: Choice(CUDA, 1, "fp32")})  # CUDA does not exist here
    try:
        model = OnnxModel(path)
    finally:
        tuning.activate({})
    assert model.provider == CPU
    assert any("digits_cnn.onnx" in n and "CUDA" in n for n in tuning.notes())
    x = np.zeros([1, *model.input_shape[1:]], dtype=np.float32)
    assert np.isfinite(model(x)[0]).all()


class BrokenSession:
    """A session on a device that went away."""

    def run(self, outputs: object, feed: object) -> list[np.ndarray]:
        raise RuntimeError("device lost")


def test_a_provider_that_errors_at_run_time_falls_back_to_the_cpu() -> None:
    from kiosk.runtime.onnx_model import OnnxModel

    path = REPO / "models" / "digits_cnn.onnx"
    model = OnnxModel(path)
    x = np.zeros([1, *model.input_shape[1:]], dtype=np.float32)
    expected = model(x)[0]
    model.session, model.provider = BrokenSession(), CUDA  # as if tuned onto a GPU
    np.testing.assert_allclose(model(x)[0], expected)
    assert model.provider == CPU
    assert any("failed while running" in n and "digits_cnn.onnx" in n for n in tuning.notes())
    model.session = BrokenSession()  # on the CPU there is nothing to fall back to
    with pytest.raises(RuntimeError):
        model(x)


def test_real_cpu_tuning_of_the_digit_model() -> None:
    """The real factory on the real model: both thread counts load, agree, get timed."""
    from kiosk.runtime.onnx_model import OnnxModel

    path = REPO / "models" / "digits_cnn.onnx"
    model = OnnxModel(path)
    rng = np.random.default_rng(1)
    shape = [1, *model.input_shape[1:]]
    feeds = [{model.input_name: rng.random(shape, dtype=np.float32)} for _ in range(4)]
    choice = tuning.tune_model(path, feeds, tuning.ort_factory, [CPU], 2, repeats=1)
    assert choice.provider == CPU and choice.threads in (1, 2)
    assert choice.latency_ms is not None and choice.latency_ms > 0
    assert choice.notes == []


def test_background_start_warms_every_demo_with_the_stored_tuning(tmp_path: Path) -> None:
    """With this machine's tuning on disk: no tuning run, the choice is in effect, and every
    ready demo is loaded and warmed into the cache before a visitor touches its tile."""
    from kiosk.app import RunnerCache, demo_dirs
    from kiosk.runtime import autotune
    from kiosk.runtime.demos import discover

    entries = [e for e in discover(demo_dirs(tmp_path)) if e.id in ("draw-digit", "ai-reads")]
    assert len(entries) == 2
    machine = tuning.fingerprint(tuning.available_providers())
    stored = {"digits_cnn.onnx": Choice(CPU, 2, "fp32", 0.1, "top-1 100.0%")}
    tuning.save_choices(tuning.tuning_path(tmp_path), machine, stored)
    runners = RunnerCache()
    warmed: list[str] = []

    def warm(entry: object) -> None:
        runners.warm(entry)  # type: ignore[arg-type]
        warmed.append(entry.id)  # type: ignore[attr-defined]
    try:
        autotune.prepare_runtime(tmp_path, entries, warm)
        assert sorted(warmed) == ["ai-reads", "draw-digit"]
        digits = next(e for e in entries if e.id == "draw-digit")
        runtime = autotune.demo_runtime(runners(digits))
        assert (runtime["provider"], runtime["threads"]) == (CPU, 2)  # the stored choice
        reads = next(e for e in entries if e.id == "ai-reads")
        ocr = runners(reads)
        assert ocr.tracker.lines() == []  # type: ignore[attr-defined]  # warm-up forgot its frames
    finally:
        tuning.activate({})


def test_same_top1_from_garbage_scores_is_no_agreement() -> None:
    rng = np.random.default_rng(2)
    ref = [[np.array([[5.0, 1.0, 0.5, 0.2]]) + rng.normal(size=(1, 4)) * 0.01]
           for _ in range(10)]
    garbage = [[np.array([[9.0, -7.0, 8.5, -9.0]])] for _ in ref]  # top-1 still class 0
    ok, summary = tuning.agreement(ref, garbage)
    assert not ok and "top-1 100.0%" in summary
