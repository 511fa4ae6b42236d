"""The central database's schema: numbered plain SQL files in ``sql/central``.

``NNN_description.sql`` takes the database from version ``NNN - 1`` to ``NNN``;
:func:`migrate` runs the missing ones, each in its own transaction under an advisory lock
(two kiosks or admins running ``kiosk central init`` at once do it once), and records each
in ``kiosk_schema``. A database whose version is newer than this kiosk knows is never
touched: the kiosk says so and keeps its events locally until it is updated.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from kiosk.core.paths import app_root
from kiosk.runtime.central.connection import CentralError

log = logging.getLogger(__name__)

_FILE_RE: Final = re.compile(r"(\d{3})_([a-z0-9_]+)\.sql")
_LOCK_KEY: Final = 7_405_150_001  # pg_advisory_xact_lock key of schema changes


@dataclass(frozen=True)
class Migration:
    """One SQL file."""

    version: int
    description: str
    path: Path

    def sql(self) -> str:
        """The file's statements."""
        return self.path.read_text(encoding="utf-8")


def sql_dir() -> Path:
    """Where the schema files are (the repository, or the bundle)."""
    return app_root() / "sql" / "central"


def migrations(folder: Path | None = None) -> list[Migration]:
    """Every schema file, in order; raises ``RuntimeError`` when the numbering has a gap."""
    found = []
    for path in sorted((folder or sql_dir()).glob("*.sql")):
        m = _FILE_RE.fullmatch(path.name)
        if m:
            found.append(Migration(int(m.group(1)), m.group(2).replace("_", " "), path))
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise RuntimeError(f"central schema files: expected version {expected}, found "
                               f"{migration.path.name}")
    return found


def known_version() -> int:
    """The newest central schema version this kiosk knows."""
    return len(migrations())


def current_version(conn: Any) -> int:
    """The database's schema version (0: never initialised)."""
    row = conn.execute("SELECT to_regclass('kiosk_schema') IS NOT NULL").fetchone()
    if not row or not row[0]:
        return 0
    version = conn.execute("SELECT coalesce(max(version), 0) FROM kiosk_schema").fetchone()
    return int(version[0]) if version else 0


def check_version(conn: Any, where: str) -> int:
    """The version when this kiosk can write to the database; :class:`CentralError` if not."""
    version = current_version(conn)
    known = known_version()
    if version > known:
        raise CentralError(
            f"the central database at {where} has schema version {version}, newer than this "
            f"kiosk knows ({known}): update the kiosk software; events are kept locally",
            "newer_schema")
    if version < known:
        raise CentralError(
            f"the central database at {where} has schema version {version}, this kiosk needs "
            f"{known}: run `kiosk central init --central URL`; events are kept locally",
            "old_schema")
    return version


def migrate(conn: Any, where: str, target: int | None = None) -> tuple[int, int]:
    """Apply the missing schema files (up to ``target``); returns (version before, after).

    ``conn`` must be in autocommit mode (see :func:`~.connection.connect`): each file
    commits on its own.
    """
    files = migrations()
    target = len(files) if target is None else target
    before = None
    for migration in files[:target]:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
            version = current_version(conn)
            if before is None:
                before = version
                if version > len(files):
                    raise CentralError(
                        f"the central database at {where} has schema version {version}, newer "
                        f"than this kiosk knows ({len(files)}): update the kiosk software",
                        "newer_schema")
            if version >= migration.version:
                continue
            conn.execute(migration.sql())
            conn.execute("INSERT INTO kiosk_schema (version, description) VALUES (%s, %s)",
                         (migration.version, migration.description))
            log.info("central database %s migrated to schema version %d (%s)", where,
                     migration.version, migration.description)
    if before is None:
        before = current_version(conn)
    return before, current_version(conn)


def database_id(conn: Any) -> str:
    """The identity of the database (outbox cursors are kept per database)."""
    row = conn.execute("SELECT value FROM central_meta WHERE key = 'database_id'").fetchone()
    if not row:
        raise CentralError("the central database has no database_id (central_meta was changed "
                           "by hand): run `kiosk central init`", "schema")
    return str(row[0])
