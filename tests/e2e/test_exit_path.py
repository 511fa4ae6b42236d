"""Leaving the kiosk while a model is busy is a clean exit, never a crash or a hang.

The real kiosk (as a subprocess, offscreen) computes the freeze-time occlusion heat map —
tens of model runs in a worker thread — and staff press "Exit kiosk" or SIGTERM arrives in
the middle of it. The supervisor (kiosk.runtime.supervisor) must see the intended status
(0, or 143 for SIGTERM) soon enough not to count a hang, with no crash file, and nothing
logged before the exit may be lost. Every wait is a poll with a deadline.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kiosk.runtime import tuning
from kiosk.runtime.crashlog import crash_dir
from kiosk.runtime.demos import check_demo
from kiosk.runtime.supervisor import SupervisorConfig
from tests.conftest import ROOT
from tests.unit.test_explain import zero_config_pack

SLOW_STEPS = 300  # MatMul+Tanh steps of 147×1024 @ 1024×1024: seconds per run here

DRIVER = Path(__file__).with_name("exit_driver.py")
# The supervisor counts a child that stops beating for this long as hung (and kills it):
# an exit slower than that is a "hang" and a restart, not the staff's exit.
HANG_TIMEOUT = SupervisorConfig(command=[], data_dir=Path()).hang_timeout


def slow_pack(folder: Path) -> str:
    """A real classifier pack (MobileNetV2, class scores only, so the heat map is the
    freeze-time occlusion map) whose every run also does a long MatMul chain: each model
    call takes long, as a big model on a slow kiosk PC does. Returns the demo id."""
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper

    zero_config_pack(folder, strip_features=True)
    model = onnx.load(str(folder / "net.onnx"))
    g = model.graph
    rng = np.random.default_rng(0)
    w = (rng.standard_normal((1024, 1024)) / 32).astype(np.float32)
    g.initializer.extend([numpy_helper.from_array(w, "slow_w"),
                          numpy_helper.from_array(np.array([-1, 1024], np.int64), "slow_shape"),
                          numpy_helper.from_array(np.zeros(1, np.float32), "slow_zero")])
    nodes = [helper.make_node("Reshape", ["input", "slow_shape"], ["slow_0"])]
    for i in range(SLOW_STEPS):
        nodes += [helper.make_node("MatMul", [f"slow_{i}", "slow_w"], [f"slow_m{i}"]),
                  helper.make_node("Tanh", [f"slow_m{i}"], [f"slow_{i + 1}"])]
    # bounded (tanh) times zero: the scores stay MobileNetV2's, the runs stay slow
    nodes += [helper.make_node("ReduceSum", [f"slow_{SLOW_STEPS}"], ["slow_sum"], keepdims=0),
              helper.make_node("Mul", ["slow_sum", "slow_zero"], ["slow_nil"])]
    for node in g.node:
        for k, name in enumerate(node.output):
            if name == "logits":
                node.output[k] = "fast_logits"
    nodes.append(helper.make_node("Add", ["fast_logits", "slow_nil"], ["logits"]))
    g.node.extend(nodes)
    onnx.checker.check_model(model)
    onnx.save(model, str(folder / "net.onnx"))
    import hashlib
    import re

    manifest = (folder / "demo.toml").read_text(encoding="utf-8")
    digest = hashlib.sha256((folder / "net.onnx").read_bytes()).hexdigest()
    manifest = re.sub(r'sha256 = "[0-9a-f]{64}"', f'sha256 = "{digest}"', manifest)
    (folder / "demo.toml").write_text(manifest, encoding="utf-8")
    return check_demo(folder).id


def event_types(data: Path) -> list[str]:
    """Every logged event's type; an error event by its code."""
    conn = sqlite3.connect(data / "events.sqlite3")
    try:
        return [str(r[0]) if r[0] != "error" else str(json.loads(r[1])["code"])
                for r in conn.execute("SELECT type, payload FROM events ORDER BY ts, rowid")]
    finally:
        conn.close()


@pytest.mark.parametrize(("mode", "expected"), [("staff", 0),
                                                 ("signal", 128 + signal.SIGTERM)])
def test_leaving_during_the_occlusion_map_is_a_clean_exit(
        tmp_path: Path, mode: str, expected: int) -> None:
    data = tmp_path / "data"
    (data / "packs").mkdir(parents=True)
    pack_id = slow_pack(data / "packs" / "slow")
    # a kiosk tuned on its first day: no tuning child competes for the two cores
    tuning.save_choices(tuning.tuning_path(data), tuning.fingerprint(
        tuning.available_providers()), {})
    marker = tmp_path / "busy"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(tmp_path / "home"))
    for name in ("KIOSK_HEARTBEAT_FD", "KIOSK_HEARTBEAT_FILE", "KIOSK_SUPERVISED"):
        env.pop(name, None)
    proc = subprocess.Popen([sys.executable, str(DRIVER), mode, str(data), pack_id,
                             str(marker)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 180
        while not marker.exists():
            assert proc.poll() is None, f"ended early ({proc.returncode}): {proc.stderr.read()}"  # type: ignore[union-attr]
            assert time.monotonic() < deadline, "the occlusion map never started"
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=0.05)
        asked = time.monotonic()
        if mode == "signal":
            proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            pytest.fail("the kiosk did not exit within 60 s")
        took = time.monotonic() - asked
        stderr = proc.stderr.read()  # type: ignore[union-attr]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stderr is not None:
            proc.stderr.close()
    assert rc == expected, f"exit status {rc}, wanted {expected}; stderr:\n{stderr}"
    assert "terminate called" not in stderr and "Fatal Python" not in stderr, stderr
    folder = crash_dir(data)
    assert not folder.is_dir() or not [p for p in folder.iterdir() if p.stat().st_size], \
        sorted(p.name for p in folder.iterdir())
    assert took < HANG_TIMEOUT, f"exit took {took:.1f} s: the supervisor would count a hang"
    types = event_types(data)
    assert "exit_probe" in types and types[-1] == "app_stop", types[-5:]
