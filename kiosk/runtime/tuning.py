"""Which execution provider, thread count and precision each model runs with on this machine.

``kiosk tune`` (and the kiosk itself, in the background, when it finds no tuning for this
machine) tries every combination onnxruntime offers, in order of promise — TensorRT, CUDA,
OpenVINO, DirectML, CoreML, then the CPU — with one thread or all physical cores, and an
int8 model where a calibrated one sits next to the fp32 file (``name.int8.onnx``). Each
candidate runs the model's own sample inputs (recorded while the demo processed the bundled
sample media); it must agree with fp32 on the CPU (top-1 on >= 99 % of the samples for a
classifier's scores, cosine >= 0.99 for every other output, e.g. teach's embedding) and the
fastest that agrees wins. A candidate that fails to load or to run is skipped with a note
for staff; an int8 model that disagrees is never chosen.

The choice is stored per model in ``<data dir>/tuning.json`` together with a fingerprint of
the machine (CPU model, core count, onnxruntime version, provider list): a tuning file from
other hardware is ignored and the machine tunes again.

Sessions are made through a :data:`SessionFactory`, so the selection logic is tested with
fake providers and fake sessions; :func:`ort_factory` is the real one.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import statistics
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from kiosk.core.i18n import Text
from kiosk.core.problems import msg

log = logging.getLogger(__name__)

CPU = "CPUExecutionProvider"
#: Most promising first; the CPU always works and comes last.
PROVIDER_ORDER = (
    "TensorrtExecutionProvider",
    "CUDAExecutionProvider",
    "OpenVINOExecutionProvider",
    "DmlExecutionProvider",
    "CoreMLExecutionProvider",
    CPU,
)
SHORT_NAMES = {
    "TensorrtExecutionProvider": "TensorRT", "CUDAExecutionProvider": "CUDA",
    "OpenVINOExecutionProvider": "OpenVINO", "DmlExecutionProvider": "DirectML",
    "CoreMLExecutionProvider": "CoreML", CPU: "CPU",
}
#: A later (less promising, or more threads) candidate must be this much faster to win:
#: timings on a busy machine jitter, and a spare core serves the capture thread and the GUI.
MARGIN = 0.9
TOP1_AGREEMENT = 0.99
COSINE_AGREEMENT = 0.99
SCORES_COSINE_SANITY = 0.9
TUNING_FILE = "tuning.json"
FILE_VERSION = 1

Feed = dict[str, np.ndarray]
RunFn = Callable[[Feed], list[np.ndarray]]


@dataclass(frozen=True)
class Candidate:
    """One way to run a model."""

    provider: str
    threads: int
    precision: str  # "fp32" or "int8"

    def describe(self) -> str:
        """Short form for notes: ``CPU · 2 threads · int8``."""
        return self.described().en

    def described(self) -> Text:
        """:meth:`describe` in both languages."""
        name = SHORT_NAMES.get(self.provider, self.provider)
        plural = self.threads != 1
        return Text(f"{name} · {self.threads} Thread{'s' if plural else ''} · {self.precision}",
                    f"{name} · {self.threads} thread{'s' if plural else ''} · {self.precision}")


#: The reference every candidate is compared with, and what runs without any tuning.
REFERENCE = Candidate(CPU, 1, "fp32")

#: Loads a model file for a candidate and returns a function running one input feed.
#: Raises (anything) when the provider cannot load the model.
SessionFactory = Callable[[Path, Candidate], RunFn]


@dataclass
class Choice:
    """The tuned way to run one model, with what was measured and what went wrong."""

    provider: str = CPU
    threads: int = 1
    precision: str = "fp32"
    latency_ms: float | None = None
    agreement: str = ""
    notes: list[Text] = field(default_factory=list)  # for staff, in both languages

    @property
    def candidate(self) -> Candidate:
        """The chosen candidate."""
        return Candidate(self.provider, self.threads, self.precision)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form: ``notes`` in English, ``notes_de`` the same in German."""
        return {**asdict(self), "notes": [n.en for n in self.notes],
                "notes_de": [n.de for n in self.notes]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Choice:
        """Inverse of :meth:`to_json`; raises ``ValueError``/``TypeError`` on a bad record."""
        choice = cls(provider=str(data["provider"]), threads=int(data["threads"]),
                     precision=str(data["precision"]),
                     latency_ms=(None if data.get("latency_ms") is None
                                 else float(data["latency_ms"])),
                     agreement=str(data.get("agreement", "")),
                     notes=_notes_from_json(data))
        if choice.precision not in ("fp32", "int8") or choice.threads < 1:
            raise ValueError(f"bad tuning record {dict(data)}")
        return choice


def _notes_from_json(data: Mapping[str, Any]) -> list[Text]:
    en = [str(n) for n in data.get("notes", [])]
    de = [str(n) for n in data.get("notes_de", [])]
    if len(de) != len(en):  # written before notes were bilingual
        de = en
    return [Text(d, e) for d, e in zip(de, en, strict=True)]


# --------------------------------------------------------------------------- the machine


def physical_cores() -> int:
    """Physical CPU cores (not hyper-threads); the logical count where that is unknown."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        text = ""
    cores: set[tuple[str, str]] = set()
    phys = core = ""
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip()
        if key == "physical id":
            phys = value.strip()
        elif key == "core id":
            core = value.strip()
            cores.add((phys, core))
    return len(cores) if cores else max(1, os.cpu_count() or 1)


def cpu_model() -> str:
    """The CPU's marketing name, as far as the OS tells."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace") \
                .splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def available_providers() -> list[str]:
    """What this onnxruntime build offers."""
    from kiosk.runtime.onnx_model import import_onnxruntime

    ort = import_onnxruntime()

    return list(ort.get_available_providers())


def fingerprint(providers: Sequence[str]) -> dict[str, Any]:
    """What a tuning depends on; a different value means: tune again."""
    from kiosk.runtime.onnx_model import import_onnxruntime

    ort = import_onnxruntime()

    return {"cpu": cpu_model(), "logical_cores": os.cpu_count() or 1,
            "physical_cores": physical_cores(), "onnxruntime": ort.__version__,
            "providers": sorted(providers)}


# --------------------------------------------------------------------------- the selection


def int8_sibling(path: Path) -> Path | None:
    """The calibrated int8 model shipped next to an fp32 one (``x.onnx`` → ``x.int8.onnx``)."""
    sibling = path.with_name(f"{path.stem}.int8{path.suffix}")
    return sibling if sibling.is_file() else None


def candidates(providers: Sequence[str], cores: int, has_int8: bool) -> list[Candidate]:
    """Every candidate, most promising first. Unknown providers (e.g. Azure) are not tried."""
    threads = [1] if cores <= 1 else [1, cores]
    precisions = ["int8", "fp32"] if has_int8 else ["fp32"]
    out: list[Candidate] = []
    for provider in PROVIDER_ORDER:
        if provider not in providers and provider != CPU:
            continue
        # accelerators bring their own parallelism: the thread count matters on the CPU only
        for n in (threads if provider == CPU else [1]):
            out += [Candidate(provider, n, p) for p in precisions]
    return out


def agreement(reference: Sequence[Sequence[np.ndarray]],
              outputs: Sequence[Sequence[np.ndarray]]) -> tuple[bool, str]:
    """Do ``outputs`` agree with ``reference`` (both: per sample, the model's outputs)?

    The first output, when it is 2-D (batch, classes), is taken as class scores: its top-1
    must match on >= 99 % of the rows. Every other output (embeddings, maps, sequences) must
    have a cosine similarity >= 0.99 with the reference on every sample.
    """
    rows = hits = 0
    worst_cos = 1.0
    scores_cos: list[float] = []
    for ref_outs, outs in zip(reference, outputs, strict=True):
        if len(ref_outs) != len(outs):
            return False, "different number of outputs"
        for k, (r, o) in enumerate(zip(ref_outs, outs, strict=True)):
            r = np.asarray(r, dtype=np.float64)
            o = np.asarray(o, dtype=np.float64)
            if r.shape != o.shape:
                return False, f"output {k} has shape {o.shape}, expected {r.shape}"
            if not np.isfinite(o).all():
                return False, f"output {k} is not finite"
            cos = _cosine(r, o)
            if k == 0 and r.ndim == 2 and r.shape[1] > 1:
                rows += r.shape[0]
                hits += int((r.argmax(axis=1) == o.argmax(axis=1)).sum())
                # a loose sanity bound on the mean too: the same top-1 from garbage scores is
                # no agreement (and a 2-D first output may be coordinates, not class scores)
                scores_cos.append(cos)
                continue
            worst_cos = min(worst_cos, cos)
    top1 = hits / rows if rows else 1.0
    parts = []
    if rows:
        parts.append(f"top-1 {top1:.1%}")
    if worst_cos < 1.0 or not rows:
        parts.append(f"cosine ≥ {worst_cos:.4f}")
    ok = top1 >= TOP1_AGREEMENT and worst_cos >= COSINE_AGREEMENT and (
        not scores_cos or statistics.fmean(scores_cos) >= SCORES_COSINE_SANITY)
    return ok, ", ".join(parts)


def _cosine(r: np.ndarray, o: np.ndarray) -> float:
    a, b = r.ravel(), o.ravel()
    na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
    return 1.0 if na == nb == 0.0 else float(a @ b) / max(na * nb, 1e-30)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:160] if text else type(exc).__name__


def tune_model(
    path: Path, samples: Sequence[Feed], factory: SessionFactory, providers: Sequence[str],
    cores: int, *, repeats: int = 3, clock: Callable[[], float] = time.perf_counter,
) -> Choice:
    """Measure every candidate on ``samples`` and return the fastest that agrees with fp32.

    Falls back to :data:`REFERENCE` (with a note) when nothing else loads, runs and agrees.
    Raises only when the reference itself cannot run the model (then nothing can).
    """
    if not samples:
        return Choice(notes=[msg("tuning.no_samples", file=path.name,
                                 kept=REFERENCE.described()).both()])
    int8 = int8_sibling(path)
    ref_run = factory(path, REFERENCE)
    reference = [ref_run(feed) for feed in samples]
    notes: list[Text] = []
    best: tuple[float, Candidate, str] | None = None
    for cand in candidates(providers, cores, int8 is not None):
        file = int8 if cand.precision == "int8" and int8 is not None else path
        try:
            run = ref_run if cand == REFERENCE else factory(file, cand)
        except Exception as exc:  # any provider error: note it, try the next one
            notes.append(msg("tuning.no_load", file=path.name, candidate=cand.described(),
                             detail=_first_line(exc)).both())
            continue
        try:
            outputs = [run(feed) for feed in samples]
            ok, summary = agreement(reference, outputs)
            if not ok:
                notes.append(msg("tuning.disagrees", file=path.name, candidate=cand.described(),
                                 summary=summary).both())
                continue
            times: list[float] = []
            for _ in range(repeats):
                for feed in samples:
                    t0 = clock()
                    run(feed)
                    times.append((clock() - t0) * 1000.0)
        except Exception as exc:
            notes.append(msg("tuning.run_failed", file=path.name, candidate=cand.described(),
                             detail=_first_line(exc)).both())
            continue
        ms = statistics.median(times)
        if best is None or ms < MARGIN * best[0]:
            best = (ms, cand, summary)
    if best is None:
        return Choice(notes=notes)
    ms, cand, summary = best
    return Choice(cand.provider, cand.threads, cand.precision, round(ms, 3), summary, notes)


# --------------------------------------------------------------------------- the file


def tuning_path(state: Path) -> Path:
    """Where the tuning of this data dir lives."""
    return state / TUNING_FILE


def load_choices(path: Path, machine: Mapping[str, Any]) -> dict[str, Choice] | None:
    """The stored choices, or None when missing, unreadable or made on other hardware."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or data.get("version") != FILE_VERSION \
            or data.get("machine") != dict(machine):
        return None
    try:
        return {str(k): Choice.from_json(v) for k, v in dict(data["models"]).items()}
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def save_choices(path: Path, machine: Mapping[str, Any], choices: Mapping[str, Choice]) -> None:
    """Write atomically (a crash mid-write leaves the old file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({
        "version": FILE_VERSION, "machine": dict(machine), "tuned_at": time.time(),
        "models": {k: c.to_json() for k, c in sorted(choices.items())}}, indent=1),
        encoding="utf-8")
    tmp.replace(path)


# --------------------------------------------------------------------------- in effect


@dataclass(frozen=True)
class Plan:
    """How :class:`~kiosk.runtime.onnx_model.OnnxModel` opens one model file."""

    path: Path
    provider: str
    threads: int
    precision: str


_lock = threading.Lock()
_active: dict[str, Choice] = {}
_notes: list[Text] = []


def activate(choices: Mapping[str, Choice]) -> None:
    """Use ``choices`` (model file name → choice) for sessions made from now on."""
    with _lock:
        _active.clear()
        _active.update(choices)
        for choice in choices.values():
            for n in choice.notes:
                if n not in _notes:
                    _notes.append(n)


def note(text: Text) -> None:
    """A staff-visible remark about the runtime (a provider fell back …)."""
    log.warning("%s", text.en)
    with _lock:
        if text not in _notes:
            _notes.append(text)
            del _notes[:-20]


def notes() -> list[str]:
    """Remarks about the runtime, in English (command line, JSON)."""
    return [n.en for n in staff_notes()]


def staff_notes() -> list[Text]:
    """Remarks for the staff health page, in both languages."""
    with _lock:
        return list(_notes)


def plan_for(path: Path, threads: int | None = None) -> Plan:
    """The active choice for a model file; the reference when none (or ``threads`` given)."""
    with _lock:
        choice = _active.get(path.name)
    if choice is None or threads is not None:
        return Plan(path, CPU, threads or 1, "fp32")
    file = path
    precision = choice.precision
    if precision == "int8":
        sibling = int8_sibling(path)
        if sibling is None:  # the int8 file went away since tuning
            precision = "fp32"
        else:
            file = sibling
    return Plan(file, choice.provider, choice.threads, precision)


# --------------------------------------------------------------------------- real sessions


def session_options(threads: int) -> Any:
    """The onnxruntime options every kiosk session uses."""
    from kiosk.runtime.onnx_model import import_onnxruntime

    ort = import_onnxruntime()

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.log_severity_level = 3
    return opts


def ort_factory(path: Path, cand: Candidate) -> RunFn:
    """A real onnxruntime session for ``cand`` (only that provider: no silent CPU fallback)."""
    from kiosk.runtime.onnx_model import import_onnxruntime

    ort = import_onnxruntime()

    sess = ort.InferenceSession(str(path), sess_options=session_options(cand.threads),
                                providers=[cand.provider])
    if sess.get_providers()[0] != cand.provider:
        raise RuntimeError(f"{cand.provider} not used by onnxruntime")

    def run(feed: Feed) -> list[np.ndarray]:
        return list(sess.run(None, feed))
    return run
