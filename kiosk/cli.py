"""The ``kiosk`` command line: run the kiosk, and everything IT and tests need.

Errors on bad input are one clear line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kiosk.cli_common import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    Handler,
    Parser,
    add_common_options,
    fail,
    leading_common_end,
    nearest,
)

STARTED = time.perf_counter()

COMMANDS = ("run", "run-demo", "self-test", "screenshot", "bench", "bench-wake",
            "make-sample-video")
# Command groups that live in their own modules. Each module has
# ``register(sub, common) -> dict[command name, handler(args) -> exit code]``
# and imports anything heavy inside its handlers, so `kiosk --help` stays fast.
PLUGINS: tuple[str, ...] = (
    "kiosk.cli_packs", "kiosk.cli_log", "kiosk.cli_supervise", "kiosk.cli_staff",
    "kiosk.cli_measure", "kiosk.cli_tune", "kiosk.cli_central")
# What the top-level parser answers itself, without a command.
TOP_LEVEL = ("-h", "--help", "--version")


class _Version(argparse.Action):
    """``--version``: version and git commit, looked up only when asked (git takes ~50 ms)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        from kiosk.version import version_string

        print(f"{parser.prog} {version_string()}")
        parser.exit()


def _run_options_epilog(run: argparse.ArgumentParser) -> str:
    """The top-level help's closing lines: ``run``'s own options (the kiosk itself is what
    most people start), taken from its parser so the two never disagree."""
    common = {"-h", "--help", "--data-dir", "--verbose", "-v"}
    options = []
    for action in run._actions:
        if action.help == argparse.SUPPRESS or common & set(action.option_strings):
            continue
        name = action.option_strings[-1]
        if action.metavar is not None:
            name += f" {action.metavar}"
        elif action.choices is not None:
            name += " {" + ",".join(map(str, action.choices)) + "}"
        options.append(f"{name}: {action.help}")
    return (f"`kiosk` and `kiosk run` also take: {'; '.join(options)}. Every command "
            "explains its own options: kiosk COMMAND --help (e.g. kiosk run --help).")


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, Handler]]:
    """The argument parser with every sub-command, and the plugin commands' handlers."""
    parser = Parser(
        prog="kiosk", description="Showroom Kiosk: live AI demos for visitors, offline. "
        "Without a command it runs the kiosk (`kiosk run`).")
    add_common_options(parser, top_level=True)
    parser.add_argument("--version", action=_Version, nargs=0,
                        help="show the version and the git commit, then exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="start the kiosk (the default command)")
    add_common_options(run)
    run.add_argument("--windowed", action="store_true", help="a normal window, for development")
    run.add_argument("--camera", metavar="SRC",
                     help="camera index (0, 1, …), a video file or an image folder")
    run.add_argument("--lang", choices=("de", "en"), help="starting language")
    run.add_argument("--exit-when-ready", action="store_true", help=argparse.SUPPRESS)
    parser.epilog = _run_options_epilog(run)

    rd = sub.add_parser("run-demo", help="run a demo headless on a file and print its results")
    add_common_options(rd)
    rd.add_argument("demo_id", metavar="DEMO_ID")
    rd.add_argument("--source", required=True, metavar="PATH",
                    help="image file, image folder or video file (or a camera index)")
    rd.add_argument("--frames", type=int, metavar="N",
                    help="frames to process (default: every image once, 1 for an image, "
                         "100 for a video)")
    rd.add_argument("--json", action="store_true", help="one JSON object per processed frame")
    rd.add_argument("--mirror", action="store_true",
                    help="run as a mirrored live camera does (display mirrored, model not)")
    rd.add_argument("--explain", action="store_true",
                    help="add the heat map (\"where is the AI looking?\") to each result")
    rd.add_argument("--mask-out", metavar="MASK.png", type=Path,
                    help="segmentation demos: write the last frame's 8-bit person mask here "
                         "(the kiosk itself never stores one)")

    st = sub.add_parser("self-test", help="load every demo and run it on the sample media")
    add_common_options(st)
    st.add_argument("--json", action="store_true")

    sh = sub.add_parser("screenshot", help="render a screen offscreen into a PNG")
    add_common_options(sh)
    sh.add_argument("--screen", required=True, metavar="attract|home|demo:ID|staff:SECTION")
    sh.add_argument("--lang", choices=("de", "en"), default="de")
    sh.add_argument("--out", required=True, metavar="FILE.png")
    sh.add_argument("--size", default="1920x1080", metavar="WxH")
    sh.add_argument("--source", metavar="PATH", help="picture source for demo screens "
                    "(default: the bundled sample photos)")
    sh.add_argument("--explain", action="store_true",
                    help="demo screens: switch the demo's explanation (heat map) on")
    sh.add_argument("--model-view", action="store_true",
                    help="demo screens: open \"what the AI gets to see\"")

    be = sub.add_parser("bench", help="measure a demo's live pipeline (JSON figures)")
    add_common_options(be)
    be.add_argument("demo_id", metavar="DEMO_ID", nargs="?")
    be.add_argument("--source", metavar="PATH",
                    help="a video file (30 fps); default for --soak: the sample photos")
    be.add_argument("--soak", action="store_true",
                    help="cycle through every demo (open, run, close, idle reset) and report "
                         "memory, threads and open files over time")
    be.add_argument("--minutes", type=float, default=30.0, help="length of a --soak run")
    be.add_argument("--seconds", type=float, default=20.0)
    be.add_argument("--json", action="store_true")
    be.add_argument("--no-startup", action="store_true", help="skip the cold-start measurement")
    be.add_argument("--explain", action="store_true",
                    help="measure with the demo's heat map on (\"where is the AI looking?\")")
    be.add_argument("--baseline", choices=("sync",),
                    help="also measure a plain synchronous read→infer→draw loop with the same "
                         "model, and onnxruntime vs OpenCV DNN per model")

    bw = sub.add_parser("bench-wake", help="wake on approach: idle CPU and time to greet, on a "
                        "recorded scene (JSON figures)")
    add_common_options(bw)
    bw.add_argument("--seconds", type=float, default=30.0,
                    help="length of the empty-room part (the CPU figure's window)")
    bw.add_argument("--json", action="store_true")

    mv = sub.add_parser("make-sample-video",
                        help="write a 640×480 video of the sample photos (for bench and tests)")
    mv.add_argument("--out", required=True, metavar="FILE.mp4")
    mv.add_argument("--seconds", type=float, default=20.0)
    mv.add_argument("--fps", type=float, default=30.0)
    mv.add_argument("--images", metavar="PATH",
                    help="a picture or a folder of pictures to animate (default: the samples)")
    handlers: dict[str, Handler] = {}
    for name in PLUGINS:
        handlers.update(importlib.import_module(name).register(sub, add_common_options))
    return parser, handlers


class UnknownCommand(ValueError):
    """The first word is no command; the message names the nearest one."""


def with_command(args_in: Sequence[str], commands: Sequence[str]) -> list[str]:
    """``args_in`` with the command made explicit: ``run`` when none is given.

    Common options may come before the command (``kiosk -v self-test``); a word that is
    no command raises :class:`UnknownCommand` rather than being passed to ``run``.
    """
    args = list(args_in)
    first = leading_common_end(args)
    word = args[first] if first < len(args) else None
    if word is None or (word.startswith("-") and word not in TOP_LEVEL):
        args.insert(first, "run")  # `kiosk`, `kiosk --windowed`: run is the default
    elif word not in commands and word not in TOP_LEVEL:
        guess = nearest(word, commands)
        hint = f"; did you mean `kiosk {' '.join([guess, *args[first + 1:]])}`?" \
            if guess else ""
        raise UnknownCommand(f"unknown command {word!r}{hint} (`kiosk --help` lists them)")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``kiosk`` console script."""
    parser, handlers = build_parser()
    try:
        args_in = with_command(sys.argv[1:] if argv is None else argv, (*COMMANDS, *handlers))
    except UnknownCommand as exc:
        return fail(str(exc), EXIT_USAGE)
    args = parser.parse_args(args_in)
    try:
        if args.command in handlers:
            _quiet_logging(args.verbose)
            return handlers[args.command](args)
        return _dispatch(args)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except Exception as exc:  # IT sees one clear line; the details go to the log with -v
        logging.getLogger("kiosk").debug("unexpected error", exc_info=True)
        if args.verbose:
            raise
        return fail(f"unexpected error: {type(exc).__name__}: {exc} (run with -v for details)",
                     EXIT_FAILED)


def _dispatch(args: argparse.Namespace) -> int:
    from kiosk.core.i18n import parse_lang

    command = args.command
    if command == "run":
        from kiosk.app import run_kiosk
        from kiosk.runtime.display_check import DisplayUnavailable
        from kiosk.runtime.shutdown import leave

        try:
            code = run_kiosk(
                windowed=args.windowed, camera=args.camera,
                lang=parse_lang(args.lang) if args.lang else None, state_dir=args.data_dir,
                exit_when_ready=args.exit_when_ready, started=STARTED, verbose=args.verbose,
            )
        except DisplayUnavailable as exc:
            return fail(str(exc), EXIT_FAILED)
        # The interaction log is closed: a worker still inside a model must not turn the
        # exit into SIGABRT during interpreter clean-up (the supervisor sees a crash).
        return leave(code)
    if command == "make-sample-video":
        from kiosk.runtime.sample_video import write_sample_video
        from kiosk.runtime.sources import SourceError

        try:
            frames = write_sample_video(Path(args.out), args.seconds, args.fps,
                                        Path(args.images) if args.images else None)
        except (OSError, SourceError) as exc:
            return fail(str(exc), EXIT_FAILED)
        print(f"wrote {args.out} ({frames} frames)")
        return EXIT_OK
    _quiet_logging(args.verbose)
    if command == "run-demo":
        return _run_demo(args)
    if command == "self-test":
        return _self_test(args)
    if command == "screenshot":
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from kiosk.screenshot import take_screenshot

        try:
            take_screenshot(args.screen, parse_lang(args.lang), Path(args.out), args.size,
                            args.source, args.data_dir, explain=args.explain,
                            view=args.model_view)
        except ValueError as exc:
            return fail(str(exc), EXIT_USAGE)
        except RuntimeError as exc:
            return fail(str(exc), EXIT_FAILED)
        print(f"wrote {args.out}")
        return EXIT_OK
    if command == "bench":
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from kiosk.bench import run_bench, run_soak

        try:
            if args.soak:
                report = run_soak(args.source, args.minutes, args.data_dir)
                print(json.dumps(report, indent=None if args.json else 2))
                return EXIT_OK
            if args.demo_id is None or args.source is None:
                return fail("bench needs DEMO_ID and --source (or --soak)", EXIT_USAGE)
            report = run_bench(args.demo_id, args.source, args.seconds, args.data_dir,
                               startup=not args.no_startup, explain=args.explain,
                               baseline=args.baseline)
        except ValueError as exc:
            return fail(str(exc), EXIT_USAGE)
        print(json.dumps(report, indent=None if args.json else 2))
        return EXIT_OK
    if command == "bench-wake":
        from kiosk.bench_wake import run as run_wake_bench
        from kiosk.core.paths import models_dir

        if not 5.0 <= args.seconds <= 3600.0:
            return fail("--seconds must be from 5 to 3600", EXIT_USAGE)
        report = run_wake_bench(models_dir(), args.seconds)
        print(json.dumps(report, indent=None if args.json else 2))
        return EXIT_OK
    return fail(f"unknown command {command!r}", EXIT_USAGE)


def _quiet_logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.ERROR,
                        format="kiosk: %(levelname)s %(message)s", stream=sys.stderr)


def _entries(data_dir: str | None) -> list:
    from kiosk.app import demo_dirs
    from kiosk.core.paths import data_dir as resolve
    from kiosk.runtime.demos import discover

    return discover(demo_dirs(resolve(data_dir)))


def _run_demo(args: argparse.Namespace) -> int:
    from kiosk.runtime.demos import DemoState
    from kiosk.runtime.headless import (
        UnknownDemoError,
        find_demo,
        open_offline_source,
        run_frames,
        run_frames_mirrored,
    )
    from kiosk.runtime.onnx_model import ModelLoadError
    from kiosk.runtime.sources import SourceError

    try:
        entry = find_demo(_entries(args.data_dir), args.demo_id)
    except UnknownDemoError as exc:
        return fail(str(exc), EXIT_USAGE)
    if entry.state is not DemoState.READY:
        reasons = "; ".join(map(str, entry.problems))
        return fail(f"demo {entry.id} is broken: {reasons}", EXIT_FAILED)
    if args.frames is not None and args.frames < 1:
        return fail("--frames must be 1 or more", EXIT_USAGE)
    from kiosk.runtime.demos import load_runner
    from kiosk.runtime.headless import class_folders, teach_from_folders

    runner = None
    classes = class_folders(args.source) if entry.manifest and \
        entry.manifest.task == "few-shot" else {}
    try:
        if classes:
            runner = load_runner(entry)
            learn_ms, source = teach_from_folders(runner, classes)
            natural = len(source.paths)  # type: ignore[attr-defined]
            print(f"kiosk: learned {len(classes)} classes ({', '.join(classes)}) in "
                  f"{learn_ms:.2f} ms", file=sys.stderr)
        else:
            source, natural = open_offline_source(args.source)
        if args.explain:
            runner = runner if runner is not None else load_runner(entry)
            problem = _explain_on(runner, entry.id)
            if problem:
                source.close()
                return fail(problem, EXIT_FAILED)
    except SourceError as exc:
        return fail(str(exc), EXIT_USAGE)
    except ModelLoadError as exc:
        return fail(str(exc), EXIT_FAILED)
    count = 0
    keep = None
    if args.mask_out is not None:
        try:
            keep = _KeepLast(runner if runner is not None else load_runner(entry))
        except ModelLoadError as exc:
            source.close()
            return fail(str(exc), EXIT_FAILED)
        runner = keep
    try:
        run = run_frames_mirrored if args.mirror else run_frames
        for record in run(entry, source, args.frames or natural, runner):
            count += 1
            if args.json:
                print(json.dumps(record, ensure_ascii=False), flush=True)
            else:
                print(_human(record))
    except ModelLoadError as exc:
        return fail(str(exc), EXIT_FAILED)
    finally:
        source.close()
    if count == 0:
        return fail(f"{args.source} gave no frames", EXIT_FAILED)
    if keep is not None:
        return _write_mask(keep.last, args.mask_out)
    return EXIT_OK


class _KeepLast:
    """A runner that remembers its last output (for ``--mask-out``)."""

    def __init__(self, runner: Any) -> None:
        self.runner = runner
        self.last: Any = None

    def prepare(self, rgb: Any) -> Any:
        return self.runner.prepare(rgb)

    def process_prepared(self, rgb: Any, prepared: Any) -> Any:
        output, timings = self.runner.process_prepared(rgb, prepared)
        self.last = output
        return output, timings

    def process(self, rgb: Any) -> Any:
        output, timings = self.runner.process(rgb)
        self.last = output
        return output, timings


def _write_mask(output: Any, path: Path) -> int:
    full_mask = getattr(output, "full_mask", None)
    if not callable(full_mask):
        return fail("--mask-out works only with segmentation demos (e.g. magic-background)",
                    EXIT_USAGE)
    import cv2

    try:
        ok = cv2.imwrite(str(path), full_mask())
    except cv2.error:
        ok = False
    if not ok:
        return fail(f"cannot write {path}: check the folder exists and the name ends in .png",
                     EXIT_FAILED)
    return EXIT_OK


def _explain_on(runner: object, demo_id: str) -> str | None:
    """Switch a runner's heat map on; the reason when it has none."""
    if not hasattr(runner, "explain"):
        return f"demo {demo_id} has no heat map (only classifier demos explain themselves)"
    reason = getattr(runner, "explain_unavailable", None)
    if reason:
        return f"demo {demo_id} cannot show where its AI looks: {reason}"
    runner.explain = True
    return None


def _human(record: dict) -> str:
    result = record["result"]
    ms = record["timings_ms"].get("total", 0.0)
    top = result.get("top") if isinstance(result, dict) else None
    if top and isinstance(top[0], dict) and "label_en" in top[0]:
        best = ", ".join(f"{g['label_en']} / {g['label_de']} {g['score']:.0%}"
                         for g in result["top"][:3])
        return f"frame {record['frame']}: {best}  ({ms:.1f} ms)"
    return f"frame {record['frame']}: {json.dumps(result, ensure_ascii=False)}  ({ms:.1f} ms)"


def _self_test(args: argparse.Namespace) -> int:
    from kiosk.core.paths import data_dir as resolve
    from kiosk.runtime import autotune, tuning
    from kiosk.runtime.headless import self_test

    stored = autotune.load_or_none(resolve(args.data_dir))
    if stored is not None:
        tuning.activate(stored)
    checks = self_test(_entries(args.data_dir), resolve(args.data_dir))
    ok = all(c.ok for c in checks)
    from kiosk.runtime.central.status import save_self_test

    save_self_test(resolve(args.data_dir), ok, [c.name for c in checks if not c.ok])
    runtime = {"providers": tuning.available_providers(), "tuned": stored is not None,
               "notes": tuning.notes()}
    if args.json:
        print(json.dumps({"ok": ok, "runtime": runtime, "checks": [c.to_json() for c in checks]},
                         ensure_ascii=False))
    else:
        for c in checks:
            print(f"{'PASS' if c.ok else 'FAIL'}  {c.name}: {c.detail}")
        print("self-test passed" if ok else "self-test FAILED")
    return EXIT_OK if ok else EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
