"""Connections to the central PostgreSQL, and failures as one line for staff.

The central URL comes from the setting ``central_url`` or ``--central`` (a ``postgresql://``
URL or a libpq ``key=value`` string). What it leaves out, libpq takes from the standard
``PG*`` environment variables and ``~/.pgpass``, so a password need not be in the settings
file at all. A password never reaches a log line, an error message or the screen:
:func:`masked` and :func:`scrub` replace it everywhere this package reports something.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    import psycopg

CONNECT_TIMEOUT_S: Final = 5
STATEMENT_TIMEOUT_MS: Final = 120_000
APPLICATION_NAME: Final = "showroom-kiosk"
MASK: Final = "***"

_URL_PASSWORD = re.compile(r"^(postgres(?:ql)?://[^:/@]*:)([^@]*)(@)", re.IGNORECASE)
_KV_PASSWORD = re.compile(r"(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)


class CentralError(Exception):
    """The central store cannot be used; the message is one line for staff (masked)."""

    def __init__(self, message: str, code: str = "error") -> None:
        super().__init__(message)
        self.code = code


def masked(url: str) -> str:
    """``url`` with its password replaced by ``***`` (URL or ``key=value`` form)."""
    return _KV_PASSWORD.sub(lambda m: m.group(1) + MASK, _URL_PASSWORD.sub(
        lambda m: m.group(1) + MASK + m.group(3), url))


def password_of(url: str) -> str | None:
    """The password written into ``url`` itself, if any."""
    m = _URL_PASSWORD.match(url)
    if m:
        from urllib.parse import unquote

        return unquote(m.group(2)) or None
    m = _KV_PASSWORD.search(url)
    return m.group(2).strip("'") if m else None


def scrub(text: str, url: str) -> str:
    """``text`` with the URL's password (and the URL itself) masked, on one line."""
    secret = password_of(url)
    if secret:
        text = text.replace(secret, MASK)
    text = text.replace(url, masked(url))
    return " ".join(text.split())


def check_url(url: str) -> str:
    """``url`` stripped, or :class:`CentralError` when it cannot be a PostgreSQL address."""
    url = url.strip()
    if not url:
        raise CentralError("no central database is configured (setting central_url)", "config")
    if "://" in url and not url.lower().startswith(("postgresql://", "postgres://")):
        raise CentralError(f"central_url {masked(url)!r} is not a postgresql:// URL", "config")
    from psycopg.conninfo import conninfo_to_dict

    try:
        conninfo_to_dict(url)
    except Exception as exc:  # psycopg.ProgrammingError: libpq could not parse it
        raise CentralError(f"central_url {masked(url)!r} is not a valid PostgreSQL address "
                           f"({scrub(str(exc), url)})", "config") from None
    return url


def connect(url: str, *, autocommit: bool = True) -> psycopg.Connection[Any]:
    """A connection with timeouts set, so a dead server or network never hangs the caller.

    In autocommit mode by default: every write of this package is in an explicit
    ``conn.transaction()`` block, which is then a real BEGIN … COMMIT (never a savepoint of
    an implicit transaction nobody commits).

    Raises :class:`CentralError` with one masked line.
    """
    import psycopg

    url = check_url(url)
    try:
        return psycopg.connect(
            url, autocommit=autocommit, connect_timeout=CONNECT_TIMEOUT_S,
            application_name=APPLICATION_NAME, keepalives=1, keepalives_idle=30,
            keepalives_interval=10, keepalives_count=3,
            options=f"-c statement_timeout={STATEMENT_TIMEOUT_MS}")
    except psycopg.Error as exc:
        raise describe(exc, url) from None


def describe(exc: BaseException, url: str) -> CentralError:
    """A psycopg failure as a :class:`CentralError` with a short code and one masked line."""
    from psycopg import errors

    if isinstance(exc, CentralError):
        return exc
    text = scrub(str(exc) or type(exc).__name__, url)
    where = masked(url)
    low = text.lower()
    if isinstance(exc, errors.DiskFull | errors.OutOfMemory | errors.InsufficientResources):
        return CentralError(f"the central database at {where} is full ({text})", "full")
    if isinstance(exc, errors.InvalidPassword | errors.InvalidAuthorizationSpecification) \
            or "password authentication failed" in low or "no password supplied" in low:
        return CentralError(f"the central database at {where} refused the login: wrong user "
                            f"or password ({text})", "login")
    if isinstance(exc, errors.UndefinedTable | errors.UndefinedColumn | errors.UndefinedFunction
                  | errors.DatatypeMismatch | errors.WrongObjectType | errors.NotNullViolation
                  | errors.InvalidTextRepresentation):
        return CentralError(f"the central database at {where} does not have the tables this "
                            f"kiosk expects (changed by hand? run `kiosk central init`): {text}",
                            "schema")
    if isinstance(exc, errors.InsufficientPrivilege):
        return CentralError(f"the central database at {where} does not let this user write "
                            f"({text})", "privilege")
    if isinstance(exc, errors.InvalidCatalogName):
        return CentralError(f"the central database at {where} does not exist ({text})", "config")
    if isinstance(exc, errors.OperationalError):
        return CentralError(f"the central database at {where} cannot be reached ({text})",
                            "offline")
    return CentralError(f"the central database at {where} failed: {text}", "error")
