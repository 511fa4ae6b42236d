"""``kiosk tune``: choose execution provider, threads and precision for every model here.

A CLI plugin (see ``PLUGINS`` in :mod:`kiosk.cli`). The kiosk does the same by itself in
the background on its first start on a machine; this command re-tunes on demand (after a
driver or hardware change) or, with ``--show``, prints what is stored.

Output goes through ``sys.stdout.write``: this is the command line, not the app.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from kiosk.cli_common import EXIT_FAILED, EXIT_OK, Common, Handler


def register(sub: Any, common: Common) -> dict[str, Handler]:
    """Add ``kiosk tune`` to the ``kiosk`` sub-command parsers."""
    tp = sub.add_parser(
        "tune", help="measure and choose provider, threads and precision for every model",
        description="Tries every onnxruntime execution provider this machine offers "
        "(TensorRT, CUDA, OpenVINO, DirectML, CoreML, CPU), 1 thread or all physical cores, "
        "and int8 where a calibrated int8 model exists; keeps per model the fastest that "
        "agrees with fp32 on its sample inputs. Stored in <data dir>/tuning.json.")
    common(tp)
    tp.add_argument("--show", action="store_true",
                    help="print the stored tuning of this machine instead of tuning again")
    tp.add_argument("--json", action="store_true", help="one JSON object")
    tp.add_argument("--exit-with-parent", type=int, metavar="PID", help=argparse.SUPPRESS)
    return {"tune": _tune}


def _tune(args: argparse.Namespace) -> int:
    from kiosk.core.paths import data_dir
    from kiosk.runtime import autotune, tuning

    if args.exit_with_parent is not None:  # started by the kiosk in the background
        from kiosk.runtime.procstats import end_with_parent

        if not end_with_parent(args.exit_with_parent):
            return EXIT_FAILED
    state = data_dir(args.data_dir)
    if args.show:
        providers = tuning.available_providers()
        machine = tuning.fingerprint(providers)
        choices = tuning.load_choices(tuning.tuning_path(state), machine)
        if choices is None:
            sys.stderr.write("kiosk: this machine has no tuning yet (or it was made on other "
                             "hardware): run `kiosk tune`\n")
            return EXIT_FAILED
        report: dict[str, Any] = {"machine": machine,
                                  "models": {k: c.to_json() for k, c in choices.items()}}
    else:
        from kiosk.cli import _entries

        def progress(text: str) -> None:
            if not args.json:
                sys.stderr.write(f"tuning {text}\n")
        report = autotune.tune_and_save(state, _entries(args.data_dir), progress)
    if args.json:
        sys.stdout.write(json.dumps(report, ensure_ascii=False) + "\n")
        return EXIT_OK
    m = report["machine"]
    sys.stdout.write(f"{m['cpu']} · {m['physical_cores']} cores · onnxruntime "
                     f"{m['onnxruntime']} · providers: {', '.join(m['providers'])}\n")
    for name, c in sorted(report["models"].items()):
        ms = f"{c['latency_ms']:.2f} ms" if c["latency_ms"] is not None else "not measured"
        short = tuning.SHORT_NAMES.get(c["provider"], c["provider"])
        sys.stdout.write(f"{name}: {short} · {c['threads']} thread(s) · {c['precision']} · "
                         f"{ms} {c['agreement']}\n")
        for n in c["notes"]:
            sys.stdout.write(f"    note: {n}\n")
    return EXIT_OK
