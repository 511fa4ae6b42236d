"""``kiosk bench-faces`` and ``kiosk bench-idle``: the privacy filter's recall, idle CPU.

A CLI plugin (see ``PLUGINS`` in :mod:`kiosk.cli`). Both print a readable summary or, with
``--json``, one JSON object; both exit 0 when the targets are met and 1 when not, so a
script can gate on them. Neither touches the visitor log.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

Handler = Callable[[argparse.Namespace], int]
Common = Callable[[argparse.ArgumentParser], None]


def register(sub: Any, common: Common) -> dict[str, Handler]:
    """Add the measuring commands to the ``kiosk`` sub-command parsers."""
    from kiosk.face_bench import GRIDS

    fb = sub.add_parser(
        "bench-faces", help="face privacy: share of LFW faces hidden, boxes on people-free photos",
        description="Run the face privacy demo's detector over grids of real LFW faces "
        "(100-200 px, dark, with glasses) and over photos without people; print the recall, "
        "the false boxes and the time per 640x480 frame. Needs scikit-image (dev extras).")
    common(fb)
    fb.add_argument("--grids", nargs="+", choices=GRIDS, default=list(GRIDS))
    fb.add_argument("--thresholds", type=float, nargs=3, metavar=("P", "R", "O"),
                    help="P-, R-, O-net thresholds (default: the demo's)")
    fb.add_argument("--equalise", type=float, metavar="CLIP",
                    help="contrast equalisation clip limit, 0 = off (default: the demo's)")
    fb.add_argument("--min-face", type=int, metavar="PX", help="smallest face (default 40)")
    fb.add_argument("--json", action="store_true")

    bi = sub.add_parser(
        "bench-idle", help="CPU the attract or home screen uses while nobody touches it",
        description="Show one visitor screen in a real window (offscreen unless "
        "QT_QPA_PLATFORM says otherwise) and measure the process's CPU time over N seconds, "
        "as a share of one core, and the frames it painted.")
    common(bi)
    bi.add_argument("--screen", choices=("attract", "home"), default="attract")
    bi.add_argument("--seconds", type=float, default=30.0)
    bi.add_argument("--lang", choices=("de", "en"), default="de")
    bi.add_argument("--size", default="1920x1080", metavar="WxH")
    bi.add_argument("--json", action="store_true")
    return {"bench-faces": _bench_faces, "bench-idle": _bench_idle}


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")


def _fail(message: str, code: int) -> int:
    sys.stderr.write(f"kiosk: {message}\n")
    return code


def _bench_faces(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from kiosk.core.paths import demos_dir
    from kiosk.face_bench import run
    from kiosk.runtime.demos import check_demo
    from kiosk.runtime.task_faces import read_params

    entry = check_demo(demos_dir() / "face-privacy")
    if entry.manifest is None:
        return _fail(f"the face privacy demo is broken: {'; '.join(map(str, entry.problems))}",
                     EXIT_FAILED)
    params, _, _ = read_params(entry.manifest)
    change: dict[str, Any] = {}
    if args.thresholds:
        change["thresholds"] = tuple(args.thresholds)
    if args.equalise is not None:
        change["equalise"] = args.equalise
    if args.min_face is not None:
        change["min_face"] = args.min_face
    try:
        params = replace(params, **change)
        report = run(params, args.grids)
    except (ValueError, RuntimeError) as exc:
        return _fail(str(exc), EXIT_USAGE)
    if args.json:
        _out(json.dumps(report))
    else:
        p = report["params"]
        _out(f"detector            min_face {p['min_face']}, thresholds {p['thresholds']}, "
             f"equalise {p['equalise']}")
        for kind, g in report["grids"].items():
            missed = f" (missed LFW #{', #'.join(map(str, g['missed']))})" if g["missed"] else ""
            _out(f"{kind:<19} {g['hidden']}/{g['faces']} faces hidden = "
                 f"{g['recall']:.1%}{missed}")
        _out(f"boxes on no-people  {report['boxes_on_photos_without_people']}")
        _out(f"time per frame      {report['ms_per_640x480_frame_median']} ms (median, 640x480)")
        _out("meets targets       " + ("yes" if report["meets_targets"] else "NO"))
    return EXIT_OK if report["meets_targets"] else EXIT_FAILED


def _bench_idle(args: argparse.Namespace) -> int:
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from kiosk.idle_bench import TARGETS, measure_idle

    if args.seconds <= 0:
        return _fail("--seconds must be more than 0", EXIT_USAGE)
    try:
        report = measure_idle(args.screen, args.seconds, args.lang, args.size)
    except ValueError as exc:
        return _fail(str(exc), EXIT_USAGE)
    if args.json:
        _out(json.dumps(report))
    else:
        _out(f"screen              {report['screen']} ({report['platform']}, {report['size']})")
        _out(f"CPU                 {report['cpu_percent_of_one_core']:.1f} % of one core over "
             f"{report['seconds']:.0f} s (target ≤ {TARGETS[args.screen]:.0f} %)")
        _out(f"frames painted      {report['frames']} ({report['fps']:.1f} per second)")
        _out("meets targets       " + ("yes" if report["meets_targets"] else "NO"))
    return EXIT_OK if report["meets_targets"] else EXIT_FAILED
