"""A throwaway PostgreSQL on this machine: for tests, benchmarks and a fleet trial.

Uses the server programs of an installed PostgreSQL (Debian's ``postgresql`` package puts
them in ``/usr/lib/postgresql/<version>/bin``). PostgreSQL refuses to run as root, so when
this process is root the server runs as the unprivileged ``postgres`` user (``runuser``).
It listens on 127.0.0.1 only, with ``trust`` authentication for local connections: meant
for a trial or a test, not for production, where IT runs a real server with passwords.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Final

SUPERUSER: Final = "postgres"
OS_USER: Final = "postgres"  # who runs the server when we are root


class ServerError(Exception):
    """The server programs are missing or the server would not start; one line."""


def find_bindir() -> Path | None:
    """The folder with ``initdb`` and ``pg_ctl`` (the newest installed version), or None."""
    env = os.environ.get("KIOSK_PG_BINDIR")
    candidates = [Path(env)] if env else []
    base = Path("/usr/lib/postgresql")
    if base.is_dir():
        versions = sorted((p for p in base.iterdir() if p.name.isdigit()),
                          key=lambda p: int(p.name), reverse=True)
        candidates += [p / "bin" for p in versions]
    found = shutil.which("initdb")
    if found:
        candidates.append(Path(found).parent)
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    return None


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


@dataclass
class LocalServer:
    """One server instance in ``folder`` (data in ``folder/data``, socket in ``folder``)."""

    folder: Path
    port: int
    bindir: Path
    password: str | None = None  # None: trust on 127.0.0.1; else scram-sha-256 over TCP
    nice: int = 0  # run the server at this niceness (a benchmark's stand-in for another host)

    @property
    def datadir(self) -> Path:
        """The cluster's files."""
        return self.folder / "data"

    def url(self, dbname: str = "postgres") -> str:
        """How to reach it."""
        login = f"{SUPERUSER}:{self.password}" if self.password else SUPERUSER
        return f"postgresql://{login}@127.0.0.1:{self.port}/{dbname}"

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.nice and args[0] == "pg_ctl":
            cmd = ["nice", "-n", str(self.nice), *cmd]
        if _as_root():
            cmd = ["runuser", "-u", OS_USER, "--", *cmd]
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                                  check=True, cwd="/")
        except subprocess.CalledProcessError as exc:
            detail = (exc.stderr or exc.stdout or "").strip().splitlines()
            raise ServerError(f"{args[0]} failed: {detail[-1] if detail else exc}") from None
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ServerError(f"{args[0]} failed: {exc}") from None

    def init(self) -> None:
        """Create the cluster (once)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        if (self.datadir / "PG_VERSION").exists():
            return
        if _as_root():
            shutil.chown(self.folder, OS_USER, OS_USER)
            self.folder.chmod(0o755)
        auth = ["--auth=trust"]
        if self.password:
            pwfile = self.folder / "pwfile"
            pwfile.write_text(self.password + "\n", encoding="utf-8")
            if _as_root():
                shutil.chown(pwfile, OS_USER, OS_USER)
            auth = ["--auth-local=trust", "--auth-host=scram-sha-256", f"--pwfile={pwfile}"]
        try:
            self._run("initdb", "-D", str(self.datadir), "-U", SUPERUSER, *auth,
                      "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        finally:
            (self.folder / "pwfile").unlink(missing_ok=True)

    def start(self) -> None:
        """Start (and wait until it accepts connections)."""
        options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                   "-c max_wal_size=2GB -c checkpoint_timeout=15min")
        self._run("pg_ctl", "-D", str(self.datadir), "-o", options, "-l",
                  str(self.folder / "server.log"), "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop; ``mode="immediate"`` is a crash (the server recovers on the next start)."""
        self._run("pg_ctl", "-D", str(self.datadir), "-m", mode, "-w", "stop")

    def running(self) -> bool:
        """Whether the server is up."""
        cmd = [str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "status"]
        if _as_root():
            cmd = ["runuser", "-u", OS_USER, "--", *cmd]
        return subprocess.run(cmd, capture_output=True, check=False, cwd="/").returncode == 0

    def create_database(self, name: str) -> str:
        """A new empty database; returns its URL."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                  (name,)).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def remove(self) -> None:
        """Stop it if it runs and delete its files."""
        with contextlib.suppress(ServerError):
            if self.running():
                self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


def local_server(folder: Path, port: int | None = None,
                 password: str | None = None) -> LocalServer:
    """A server in ``folder`` (not started); :class:`ServerError` when PostgreSQL is missing."""
    bindir = find_bindir()
    if bindir is None:
        raise ServerError("PostgreSQL's server programs (initdb, pg_ctl) are not installed: "
                          "on Debian/Ubuntu `apt-get install postgresql`")
    return LocalServer(folder.resolve(), port or free_port(), bindir, password)
