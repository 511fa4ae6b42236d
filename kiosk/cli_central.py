"""``kiosk central …``, ``kiosk sync``, ``kiosk fleet …``: the fleet's central database.

A CLI plugin (see ``PLUGINS`` in :mod:`kiosk.cli`). Output is English (the IT audience);
errors are one line on stderr and a non-zero exit, with any password masked. The central
URL is ``--central`` or the setting ``central_url``; libpq fills in what it leaves out from
the ``PG*`` environment and ``~/.pgpass``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

Handler = Callable[[argparse.Namespace], int]
Common = Callable[[argparse.ArgumentParser], None]
CENTRAL_HELP = ("central PostgreSQL URL, e.g. postgresql://kiosk@host/kiosk "
                "(default: the setting central_url)")


class CliError(Exception):
    """A failure to report as one line; ``code`` is the exit status."""

    def __init__(self, message: str, code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.code = code


def register(sub: Any, common: Common) -> dict[str, Handler]:
    """Add ``central``, ``sync``, ``fleet`` and ``report`` to the ``kiosk`` commands."""
    ce = sub.add_parser("central", help="the fleet's central database: init, trial server, "
                        "benchmark")
    actions = ce.add_subparsers(dest="central_command", metavar="ACTION")
    actions.required = True
    init = actions.add_parser("init", help="create or upgrade the central database's tables")
    common(init)
    init.add_argument("--central", metavar="URL", help=CENTRAL_HELP)
    serve = actions.add_parser(
        "serve", help="start (or --stop) a local PostgreSQL for a trial, with the tables")
    serve.add_argument("--dir", required=True, metavar="DIR", help="where its files live")
    serve.add_argument("--port", type=int, default=5433)
    serve.add_argument("--stop", action="store_true", help="stop the trial server in DIR")
    bench = actions.add_parser(
        "bench", help="simulate a fleet syncing into a throwaway server (JSON figures)")
    common(bench)
    bench.add_argument("--central", metavar="URL",
                       help="an empty database to use (default: a throwaway local server, "
                            "needed for --restarts)")
    bench.add_argument("--kiosks", type=int, default=100)
    bench.add_argument("--events", type=int, default=20_000_000,
                       help="events of the whole fleet (default 20,000,000: 100 kiosks x a "
                            "year)")
    bench.add_argument("--days", type=int, default=365)
    bench.add_argument("--restarts", type=int, default=2,
                       help="kill the server this many times during the sync (own server)")
    bench.add_argument("--senders", type=int, default=4,
                       help="kiosks sending at the same time")
    bench.add_argument("--batch", type=int, default=10_000, help="events per transaction")
    bench.add_argument("--reuse-logs", action="store_true",
                       help="sync the kiosk logs an earlier run generated (same sizes)")
    bench.add_argument("--json", action="store_true")

    sy = sub.add_parser("sync", help="forward this kiosk's events to the central database")
    common(sy)
    sy.add_argument("--central", metavar="URL", help=CENTRAL_HELP)
    sy.add_argument("--once", action="store_true",
                    help="send what is waiting and exit: 0 only when the server acknowledged "
                         "all of it")
    sy.add_argument("--json", action="store_true")

    fl = sub.add_parser("fleet", help="the kiosks reporting to the central database")
    fa = fl.add_subparsers(dest="fleet_command", metavar="ACTION")
    fa.required = True
    status = fa.add_parser("status", help="every kiosk's last report")
    common(status)
    status.add_argument("--central", metavar="URL", help=CENTRAL_HELP)
    status.add_argument("--json", action="store_true")
    rp = sub.add_parser("report", help="the funders' report: an A4 PDF of a period")
    common(rp)
    rp.add_argument("--out", required=True, metavar="FILE.pdf")
    rp.add_argument("--from", dest="start", metavar="DATE", help="first day, e.g. 2025-01-01")
    rp.add_argument("--to", dest="end", metavar="DATE", help="last day, e.g. 2025-12-31")
    rp.add_argument("--central", metavar="URL",
                    help="the whole fleet from the central database (default: this kiosk)")
    rp.add_argument("--lang", choices=("de", "en"), help="default: the kiosk's language")
    return {"central": _guard(_central), "sync": _guard(_sync), "fleet": _guard(_fleet),
            "report": _guard(_report)}


def _guard(handler: Handler) -> Handler:
    def run(args: argparse.Namespace) -> int:
        from kiosk.runtime.central.connection import CentralError

        try:
            return handler(args)
        except CliError as exc:
            return _fail(str(exc), exc.code)
        except CentralError as exc:
            return _fail(str(exc))
    return run


def _out(text: str = "") -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _fail(message: str, code: int = EXIT_FAILED) -> int:
    sys.stderr.write(f"kiosk: {message}\n")
    return code


def central_url(args: argparse.Namespace) -> str:
    """``--central`` or the setting; :class:`CliError` when neither is given."""
    if getattr(args, "central", None):
        return str(args.central)
    from kiosk.core.paths import data_dir
    from kiosk.core.settings import load_settings

    settings, _ = load_settings(data_dir(args.data_dir))
    if not settings.central_url:
        raise CliError("no central database: pass --central URL or set it with "
                       "`kiosk settings set central_url=postgresql://…`", EXIT_USAGE)
    return settings.central_url


# -- central ----------------------------------------------------------------------------------
def _central(args: argparse.Namespace) -> int:
    if args.central_command == "init":
        return _init(central_url(args))
    if args.central_command == "serve":
        return _serve(Path(args.dir), args.port, args.stop)
    return _bench(args)


def _init(url: str) -> int:
    from kiosk.runtime.central import schema
    from kiosk.runtime.central.connection import connect, describe, masked

    conn = connect(url)
    try:
        before, after = schema.migrate(conn, masked(url))
    except Exception as exc:
        import psycopg

        if isinstance(exc, psycopg.Error):
            raise describe(exc, url) from None
        raise
    finally:
        conn.close()
    if before == after:
        _out(f"central database {masked(url)} is up to date (schema version {after})")
    else:
        _out(f"central database {masked(url)} migrated from schema version {before} to "
             f"{after}")
    return EXIT_OK


def _serve(folder: Path, port: int, stop: bool) -> int:
    from kiosk.runtime.central.pg_server import LocalServer, ServerError, local_server

    try:
        server: LocalServer = local_server(folder, port)
        if stop:
            server.stop()
            _out(f"stopped the trial server in {folder}")
            return EXIT_OK
        server.init()
        if not server.running():
            server.start()
        url = server.create_database("kiosk")
    except ServerError as exc:
        raise CliError(str(exc)) from None
    _init(url)
    _out(f"trial central database running: {url}")
    _out(f"point a kiosk at it:  kiosk settings set central_url={url}")
    _out(f"stop it:              kiosk central serve --dir {folder} --stop")
    return EXIT_OK


def _bench(args: argparse.Namespace) -> int:
    from kiosk.runtime.central.bench import run_bench

    if args.kiosks < 1 or args.events < args.kiosks or args.days < 1 or args.restarts < 0 \
            or args.senders < 1 or args.batch < 1:
        raise CliError("--kiosks, --days, --senders, --batch ≥ 1, --events ≥ --kiosks, "
                       "--restarts ≥ 0", EXIT_USAGE)
    from kiosk.core.paths import data_dir

    report = run_bench(data_dir(args.data_dir) / "central-bench", args.events,
                       kiosks=args.kiosks, days=args.days, restarts=args.restarts,
                       url=args.central, senders=args.senders, batch=args.batch,
                       reuse=args.reuse_logs,
                       progress=None if args.json else _out)
    _out(json.dumps(report, indent=None if args.json else 2))
    return EXIT_OK if all(report["meets_targets"].values()) else EXIT_FAILED


# -- sync ----------------------------------------------------------------------------------------
def _sync(args: argparse.Namespace) -> int:
    from kiosk.core.paths import data_dir
    from kiosk.core.settings import load_settings
    from kiosk.runtime.central import status
    from kiosk.runtime.central.connection import CentralError, check_url, masked
    from kiosk.runtime.central.forwarder import Forwarder, Syncer
    from kiosk.runtime.event_store import db_path

    url = check_url(central_url(args))
    folder = data_dir(args.data_dir)
    settings, _ = load_settings(folder)

    def report() -> dict[str, Any]:
        return status.collect(folder, location=settings.location, demos=lambda: (
            status.discovered_demos(folder, settings.disabled_demos)))

    if not args.once:
        forwarder = Forwarder(db_path(folder), url, kiosk_id=settings.kiosk_id, status=report)
        _out(f"forwarding {db_path(folder)} to {masked(url)} (Ctrl+C stops)")
        last = None
        try:
            while True:
                delay = forwarder.run_round()
                state = forwarder.state()
                line = state.problem or f"{state.sent:,} events sent, {state.waiting:,} waiting"
                if line != last:
                    _out(line)
                    last = line
                time.sleep(delay)
        finally:
            forwarder.syncer.close()
    syncer = Syncer(db_path(folder), url, kiosk_id=settings.kiosk_id, status=report)
    started = time.perf_counter()
    try:
        sent, new = syncer.round()
    except CentralError as exc:
        waiting = syncer.waiting().waiting
        raise CliError(f"{exc} ({waiting:,} events waiting)") from None
    finally:
        syncer.close()
    waiting = syncer.last_backlog.waiting if syncer.last_backlog else 0
    seconds = time.perf_counter() - started
    if args.json:
        _out(json.dumps({"central": masked(url), "sent": sent, "new": new,
                         "duplicates": sent - new, "waiting": waiting,
                         "seconds": round(seconds, 3)}))
    else:
        _out(f"sent {sent:,} events to {masked(url)} in {seconds:.1f} s ({new:,} new, "
             f"{sent - new:,} already there); {waiting:,} waiting")
    return EXIT_OK if waiting == 0 else EXIT_FAILED


# -- fleet -------------------------------------------------------------------------------------
def _fleet(args: argparse.Namespace) -> int:
    from kiosk.runtime.central import fleet
    from kiosk.runtime.central.connection import connect, describe

    url = central_url(args)
    conn = connect(url)
    try:
        rows = fleet.fleet(conn)
    except Exception as exc:
        import psycopg

        if isinstance(exc, psycopg.Error):
            raise describe(exc, url) from None
        raise
    finally:
        conn.close()
    if args.json:
        _out(json.dumps({"kiosks": [r.to_json() for r in rows]}, ensure_ascii=False))
        return EXIT_OK
    if not rows:
        _out("no kiosk has reported yet")
        return EXIT_OK
    _out(f"{'kiosk':<16} {'location':<18} {'version':<9} {'demos':>7} {'last event':<17} "
         f"{'waiting':>9} {'lag':>8} {'crashes':>7} {'disk free':>9} {'heard':>8}  self-test")
    for r in rows:
        ready = sum(1 for d in r.demos if d.get("state") == "ready")
        _out(f"{r.kiosk_id:<16} {r.location[:18]:<18} {r.version[:9]:<9} "
             f"{ready:>3}/{len(r.demos):<3} {_local(r.last_event_ts):<17} "
             f"{r.waiting_events:>9,} {_ago(r.sync_lag_s):>8} {_num(r.crashes_24h):>7} "
             f"{_gb(r.disk_free_bytes):>9} {_ago(r.seconds_since_report):>8}  "
             f"{r.self_test or '-'}")
    return EXIT_OK


def _local(ms: int | None) -> str:
    return "-" if ms is None else time.strftime("%Y-%m-%d %H:%M", time.localtime(ms / 1000))


def _ago(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86400:.0f} d"


def _num(n: int | None) -> str:
    return "-" if n is None else f"{n:,}"


def _gb(n: int | None) -> str:
    return "-" if n is None else f"{n / 1e9:.1f} GB"


# -- log stats --central ---------------------------------------------------------------------
def central_stats_command(args: argparse.Namespace, since: int | None,
                          human: Callable[..., Any]) -> int:
    """``kiosk log stats --central URL [--location L] [--json]``."""
    from kiosk.runtime.central.connection import CentralError, masked

    url = str(args.central)
    try:
        stats = fetch_stats(url, since, None, location=args.location)
    except CentralError as exc:
        return _fail(str(exc))
    if args.json:
        _out(json.dumps({"database": masked(url), **stats.to_json()}, ensure_ascii=False))
    else:
        for line in human(stats, masked(url)):
            _out(line)
    return EXIT_OK


def fetch_stats(url: str, since_ms: int | None, until_ms: int | None, *,
                location: str | None = None) -> Any:
    """Central statistics (the whole fleet, or one location's kiosks); blocking."""
    import psycopg

    from kiosk.runtime.central import schema
    from kiosk.runtime.central.connection import connect, describe, masked
    from kiosk.runtime.central.stats import central_stats, kiosks_at

    conn = connect(url)
    try:
        schema.check_version(conn, masked(url))
        kiosks = kiosks_at(conn, location) if location else None
        return central_stats(conn, since_ms, until_ms, kiosks=kiosks)
    except psycopg.Error as exc:
        raise describe(exc, url) from None
    finally:
        conn.close()


# -- report ------------------------------------------------------------------------------------
def _day(text: str | None, option: str) -> Any:
    from datetime import date

    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CliError(f"{option} {text!r} is not a date like 2025-12-31", EXIT_USAGE) from None


def _report(args: argparse.Namespace) -> int:
    import os

    from kiosk.core.i18n import parse_lang
    from kiosk.core.paths import data_dir
    from kiosk.core.settings import load_settings
    from kiosk.runtime.report_source import central_source, demo_titles, local_source

    start, end = _day(args.start, "--from"), _day(args.end, "--to")
    if start and end and end < start:
        raise CliError("--to is before --from", EXIT_USAGE)
    out = Path(args.out)
    if not out.parent.is_dir():
        raise CliError(f"folder {out.parent} does not exist", EXIT_USAGE)
    folder = data_dir(args.data_dir)
    settings, _ = load_settings(folder)
    lang = parse_lang(args.lang) if args.lang else settings.lang
    started = time.perf_counter()
    if args.central:
        source = central_source(args.central, start, end)
    else:
        source = local_source(folder, settings.kiosk_id, settings.location, start, end)
    gathered = time.perf_counter() - started
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from kiosk.ui.report import render_report, report_data
    from kiosk.ui.theme import load_fonts

    _app = QApplication.instance() or QApplication(sys.argv[:1])
    load_fonts()
    pages = render_report(report_data(source, start, end, demo_titles(folder)), out, lang)
    seconds = time.perf_counter() - started
    _out(f"wrote {out} ({pages} pages, {source.stats.sessions:,} visits; figures "
         f"{gathered:.2f} s, total {seconds:.2f} s)")
    del _app
    return EXIT_OK
