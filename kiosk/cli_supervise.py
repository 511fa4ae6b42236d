"""``kiosk supervise -- <kiosk args>``: keep the kiosk running unattended.

A CLI plugin (see ``PLUGINS`` in :mod:`kiosk.cli`). It runs ``kiosk <kiosk args>`` as a
child and restarts it when it crashes or hangs (:mod:`kiosk.runtime.supervisor`); it
stops when the kiosk exits normally (staff pressed "exit kiosk") or when it gets SIGTERM
or Ctrl+C itself. The systemd user unit in ``build/systemd/`` runs this command.

Give ``--data-dir`` before ``--``: the supervisor passes it to the kiosk (as
``KIOSK_DATA_DIR``) and keeps its restart log there.
"""

from __future__ import annotations

import argparse
import logging
import signal
from types import FrameType
from typing import Any

from kiosk.cli_common import EXIT_USAGE, Common, Handler, fail


def register(sub: Any, common: Common) -> dict[str, Handler]:
    """Add ``kiosk supervise`` to the ``kiosk`` sub-command parsers."""
    from kiosk.runtime.supervisor import SupervisorConfig  # stdlib only: cheap for --help

    p = sub.add_parser(
        "supervise", help="run the kiosk and restart it when it crashes or hangs",
        description="Run `kiosk <KIOSK ARGS>` as a child process; restart it (with back-off) "
        "when it exits abnormally or stops sending heartbeats; stop when it exits with 0. "
        "Restarts are recorded in <data dir>/logs/restarts.jsonl.")
    common(p)
    p.add_argument("--hang-timeout", type=float, default=SupervisorConfig.hang_timeout,
                   metavar="S", help="restart when no heartbeat came for S seconds "
                   f"(default {SupervisorConfig.hang_timeout:g})")
    p.add_argument("--startup-grace", type=float, default=SupervisorConfig.startup_grace,
                   metavar="S", help="seconds to wait for the first heartbeat after a start "
                   f"(default {SupervisorConfig.startup_grace:g})")
    p.add_argument("--backoff-max", type=float, default=300.0, metavar="S",
                   help="longest wait between restarts after repeated crashes (default 300)")
    p.add_argument("kiosk_args", nargs=argparse.REMAINDER, metavar="-- KIOSK ARGS",
                   help="arguments for the kiosk, after `--` (e.g. -- --camera 0)")
    return {"supervise": _supervise}


def _supervise(args: argparse.Namespace) -> int:
    from kiosk.core.paths import data_dir
    from kiosk.runtime.supervisor import Supervisor, SupervisorConfig, kiosk_command

    rest = list(args.kiosk_args)
    if rest and rest[0] == "--":
        rest = rest[1:]
    if rest and rest[0] in ("supervise",):
        return fail("supervise cannot supervise itself", EXIT_USAGE)
    for name in ("hang_timeout", "startup_grace", "backoff_max"):
        if getattr(args, name) <= 0:
            return fail(f"--{name.replace('_', '-')} must be more than 0", EXIT_USAGE)
    # The restart log and the journal are how IT sees what happened at 3 a.m.
    logging.getLogger("kiosk.runtime.supervisor").setLevel(logging.INFO)
    logging.getLogger().setLevel(logging.INFO)
    folder = data_dir(args.data_dir)
    config = SupervisorConfig(
        command=kiosk_command(rest), data_dir=folder, hang_timeout=args.hang_timeout,
        startup_grace=args.startup_grace, backoff_max=args.backoff_max,
        env={"KIOSK_DATA_DIR": str(folder)})
    supervisor = Supervisor(config)

    def on_signal(signum: int, frame: FrameType | None) -> None:
        supervisor.stop()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        return supervisor.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
