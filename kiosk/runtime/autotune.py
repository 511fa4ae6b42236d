"""Tuning the demos' models on this machine: sample inputs, the tuning run, what is in effect.

:mod:`kiosk.runtime.tuning` decides for one model; this module finds every model of every
demo, records the inputs each model gets while its demo processes the bundled sample media
(so each model is measured on its own kind of input: a detector on whole frames, a
recogniser on line crops, an embedding net on face chips …), tunes them and stores the
result. :func:`prepare_runtime` is what the kiosk calls in the background after start-up.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from kiosk.core.problems import msg
from kiosk.runtime import tuning
from kiosk.runtime.demos import DemoEntry, DemoState, load_runner
from kiosk.runtime.onnx_model import OnnxModel

log = logging.getLogger(__name__)

SAMPLES_PER_MODEL = 8
_stop = threading.Event()  # set when the kiosk quits: background work ends early


def stop_background(timeout: float = 15.0) -> None:
    """Stop the background warm-up / tuning and wait for it (the app is quitting): a thread
    still inside onnxruntime or OpenCV when the interpreter ends aborts the process."""
    _stop.set()
    for child in list(_child):
        with contextlib.suppress(OSError):
            child.terminate()
    for thread in list(_threads):
        thread.join(timeout)


def models_of(runner: Any, depth: int = 4) -> list[OnnxModel]:
    """Every :class:`OnnxModel` a runner holds (in attributes, lists, tuples, dicts)."""
    found: dict[int, OnnxModel] = {}
    seen: set[int] = set()

    def walk(obj: Any, level: int) -> None:
        if id(obj) in seen or level > depth:
            return
        seen.add(id(obj))
        if isinstance(obj, OnnxModel):
            found[id(obj)] = obj
        elif isinstance(obj, (list, tuple)):
            for item in obj:
                walk(item, level + 1)
        elif isinstance(obj, dict):
            for item in obj.values():
                walk(item, level + 1)
        elif hasattr(obj, "__dict__") and not isinstance(obj, (type, np.ndarray)):
            for item in vars(obj).values():
                walk(item, level + 1)

    walk(runner, 0)
    return list(found.values())


class _Recording:
    """Stands in for a session and keeps copies of the first inputs it runs."""

    def __init__(self, session: Any, sink: list[tuning.Feed], limit: int) -> None:
        self._session = session
        self._sink = sink
        self._limit = limit

    def run(self, outputs: Any, feed: dict[str, np.ndarray], *args: Any) -> Any:
        if len(self._sink) < self._limit:
            self._sink.append({k: np.array(v, copy=True) for k, v in feed.items()})
        return self._session.run(outputs, feed, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)


def record_samples(runner: Any, images: Sequence[np.ndarray],
                   limit: int = SAMPLES_PER_MODEL) -> dict[Path, list[tuning.Feed]]:
    """Run ``runner`` on ``images`` and return each model's recorded inputs by model file."""
    models = models_of(runner)
    sinks: dict[Path, list[tuning.Feed]] = {}
    originals = []
    for m in models:
        sink = sinks.setdefault(m.path, [])
        originals.append((m, m.session))
        m.session = _Recording(m.session, sink, limit)
    try:
        for img in images:
            reset = getattr(runner, "reset", None)
            if callable(reset):
                reset()  # a tracking runner would otherwise skip its detector
            runner.process(img)
            full = getattr(runner, "read_full", None)
            if callable(full):
                full(img)
    finally:
        for m, session in originals:
            m.session = session
    return sinks


def still_feeds(path: Path, images: Sequence[np.ndarray],
                limit: int = SAMPLES_PER_MODEL) -> list[tuning.Feed]:
    """Inputs for a model its demo never ran on the sample media (a hand-landmark net sees
    no hand there): the photos scaled to its fixed input size, 0..1. [] when the size is not
    fixed or the layout is not one image."""
    import cv2

    model = OnnxModel(path)
    shape = model.input_shape
    if len(shape) != 4 or not all(isinstance(d, int) for d in shape[1:]):
        return []
    channels_first = shape[1] == 3
    h, w = (shape[2], shape[3]) if channels_first else (shape[1], shape[2])
    if not channels_first and shape[3] != 3:
        return []
    feeds: list[tuning.Feed] = []
    for img in images[:limit]:
        x = cv2.resize(img, (w, h)).astype(np.float32) / 255.0
        x = x.transpose(2, 0, 1) if channels_first else x
        feeds.append({model.input_name: np.ascontiguousarray(x[np.newaxis])})
    return feeds


def sample_images() -> list[np.ndarray]:
    """The bundled sample photos as RGB arrays."""
    from kiosk.core.paths import sample_media_dir
    from kiosk.runtime.sources import image_files, load_image

    folder = sample_media_dir()
    paths = image_files(folder) if folder.is_dir() else []
    return [img for img in (load_image(p) for p in paths) if img is not None]


def tune_entries(
    entries: Sequence[DemoEntry], factory: tuning.SessionFactory = tuning.ort_factory,
    providers: Sequence[str] | None = None, cores: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> tuple[dict[str, tuning.Choice], dict[str, list[str]]]:
    """Tune every model of every ready demo: (choices by model file, model files by demo)."""
    providers = list(providers) if providers is not None else tuning.available_providers()
    cores = cores or tuning.physical_cores()
    images = sample_images()
    choices: dict[str, tuning.Choice] = {}
    by_demo: dict[str, list[str]] = {}
    for entry in entries:
        if entry.state is not DemoState.READY or _stop.is_set():
            continue
        try:
            runner = load_runner(entry)
            recorded = record_samples(runner, images)
        except Exception as exc:  # a broken demo is reported elsewhere; tune the rest
            log.warning("cannot tune %s: %s", entry.id, exc)
            continue
        by_demo[entry.id] = sorted(p.name for p in recorded)
        for path, feeds in recorded.items():
            if path.name in choices:
                continue
            if not feeds:
                feeds = still_feeds(path, images)
            if progress is not None:
                progress(f"{entry.id}: {path.name} ({len(feeds)} sample inputs)")
            try:
                choices[path.name] = tuning.tune_model(path, feeds, factory, providers, cores)
            except Exception as exc:
                log.warning("tuning %s failed: %s", path.name, exc)
                choices[path.name] = tuning.Choice(notes=[msg(
                    "tuning.failed", file=path.name, detail=exc).both()])
    return choices, by_demo


def load_or_none(state: Path) -> dict[str, tuning.Choice] | None:
    """This machine's stored tuning, or None (missing, or made on other hardware)."""
    machine = tuning.fingerprint(tuning.available_providers())
    return tuning.load_choices(tuning.tuning_path(state), machine)


def tune_and_save(state: Path, entries: Sequence[DemoEntry],
                  progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """``kiosk tune``: tune, store, put into effect; returns the report."""
    providers = tuning.available_providers()
    machine = tuning.fingerprint(providers)
    choices, by_demo = tune_entries(entries, providers=providers, progress=progress)
    if _stop.is_set():  # cut short: a partial tuning must not pass for a whole one
        return {"machine": machine, "models": {}, "demos": {}}
    tuning.save_choices(tuning.tuning_path(state), machine, choices)
    tuning.activate(choices)
    return {"machine": machine, "models": {k: c.to_json() for k, c in choices.items()},
            "demos": by_demo}


def prepare_runtime(state: Path, entries: Sequence[DemoEntry],
                    warm: Callable[[DemoEntry], None] | None = None) -> None:
    """The kiosk's background start-up work (never on the GUI thread, never before the attract
    screen): put the stored tuning into effect, warm every demo's sessions, and tune when this
    machine has no tuning yet — then warm again, so the next tile touch gets tuned sessions.
    """
    stored = load_or_none(state)
    if stored is not None:
        tuning.activate(stored)
    ready = [e for e in entries if e.state is DemoState.READY]

    def warm_each(which: Sequence[DemoEntry]) -> None:
        for entry in which:
            if _stop.is_set():
                return
            try:
                if warm is not None:
                    warm(entry)
            except Exception as exc:  # the demo reports it itself when a visitor opens it
                log.warning("warming %s failed: %s", entry.id, exc)

    warm_each(ready)
    if stored is None and not _stop.is_set():
        log.info("no tuning for this machine yet: tuning in the background")
        if not _tune_in_subprocess(state):
            return
        tuned = load_or_none(state) or {}
        tuning.activate(tuned)
        log.info("tuned %d models", len(tuned))
        changed = {k for k, c in tuned.items() if c.candidate != tuning.REFERENCE}
        again = [e for e in ready if e.manifest is not None
                 and changed & {e.model_path(n).name for n in e.manifest.models}]
        warm_each(again)


_child: list[Any] = []  # the running `kiosk tune`, to end it when the kiosk quits
_threads: list[threading.Thread] = []  # background threads to wait for on quit


def _tune_in_subprocess(state: Path) -> bool:
    """``kiosk tune`` as a low-priority child process: tuning runs hundreds of model calls
    and sessions, and in this process it would hold the GIL long enough to stall the GUI
    thread (measured: gaps up to 1 s under load; the supervisor takes 2-5 s as a hang)."""
    import subprocess
    import sys

    from kiosk.runtime.supervisor import kiosk_command

    kwargs: dict[str, Any] = {}
    if sys.platform == "win32":
        kwargs["creationflags"] = subprocess.BELOW_NORMAL_PRIORITY_CLASS  # type: ignore[attr-defined]
    else:
        kwargs["preexec_fn"] = lambda: os.nice(10)
    try:
        child = subprocess.Popen(
            kiosk_command(["tune", "--json", "--data-dir", str(state),
                           "--exit-with-parent", str(os.getpid())]),
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, **kwargs)
    except OSError as exc:
        log.warning("cannot start the tuning: %s", exc)
        return False
    _child[:] = [child]
    _, err = child.communicate()
    _child.clear()
    if child.returncode != 0:
        log.warning("tuning ended with code %s: %s", child.returncode, (err or "")[-300:])
        return False
    return True


def demo_runtime(runner: Any) -> dict[str, Any]:
    """Provider, precision and threads of a loaded demo (its first model's; every model's
    under ``models``) for self-test and the health page."""
    models = models_of(runner)
    per = {m.path.name: {"provider": getattr(m, "provider", tuning.CPU),
                         "precision": getattr(m, "precision", "fp32"),
                         "threads": getattr(m, "threads", 1)} for m in models}
    first = next(iter(per.values()), {"provider": None, "precision": None, "threads": None})
    return {**first, "models": per}


def warm_up(runner: Any, images: Sequence[np.ndarray]) -> None:
    """Run a freshly loaded runner on a few pictures: onnxruntime's first runs allocate and
    pick kernels, which would otherwise make the visitor's first result slow. Each picture
    twice, so a tracking reader also runs its recogniser; then it forgets what it saw."""
    for img in images[:3]:
        if _stop.is_set():
            break
        runner.process(img)
        runner.process(img)
    reset = getattr(runner, "reset", None)
    if callable(reset):
        reset()


def start_background(state: Path, entries: Sequence[DemoEntry],
                     warm: Callable[[DemoEntry], None]) -> threading.Thread:
    """:func:`prepare_runtime` on a thread of its own at low CPU priority, so the attract
    screen and a visitor's first touch keep the cores (2 on the target mini-PC)."""
    def work() -> None:
        with contextlib.suppress(AttributeError, OSError):
            # Linux: a thread's own nice value; elsewhere there is no such call
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
        try:
            prepare_runtime(state, entries, warm)
        except Exception:  # the kiosk runs untuned and cold rather than not at all
            log.exception("background warm-up / tuning failed")

    thread = threading.Thread(target=work, name="kiosk-warmup", daemon=True)
    _threads.append(thread)
    thread.start()
    return thread
