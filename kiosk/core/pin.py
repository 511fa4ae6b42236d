"""The staff PIN: a salted scrypt hash on disk, and a lockout that survives restarts.

The PIN itself is never stored, logged or kept longer than one call. ``staff_pin.json`` in
the data dir holds the scrypt parameters, a random salt, the hash, and the lockout state
(consecutive wrong PINs and until when the pad is locked).

Lockout: the first :data:`FREE_TRIES` wrong PINs in a row cost nothing (fat fingers);
each further one locks the pad for :data:`FIRST_LOCK` seconds, doubling each time up to
:data:`MAX_LOCK`. A right PIN clears it, and so does time: one wrong PIN is forgiven per
:data:`DECAY` seconds without another, so a visitor who once ran the count up does not
leave staff facing 15-minute locks for every typo afterwards. The lock is stored as
wall-clock time so that pulling the plug does not reset it; a clock that jumped backwards
is capped at :data:`MAX_LOCK` so staff are never locked out for longer than that.

When the data dir cannot be written (read-only or full), the count cannot survive a
restart, and each restart would grant fresh tries. Nothing is written elsewhere instead
(the kiosk writes only into its data dir); the pad fails closed: no free tries — every
wrong PIN locks it — and it starts locked for :data:`FIRST_LOCK` seconds, so restarting
the kiosk buys a guesser one try per restart and half a minute, not three.

A damaged PIN file is not "no PIN": that would let anyone who finds the gesture set a new
PIN. It reports :attr:`PinState.BROKEN`, and IT sets a new PIN with ``kiosk set-pin``.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import itertools
import json
import logging
import os
import secrets
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

PIN_FILE = "staff_pin.json"
FORMAT_VERSION = 1
MIN_DIGITS = 4
MAX_DIGITS = 8
FREE_TRIES = 3
FIRST_LOCK = 30.0
MAX_LOCK = 15 * 60.0
DECAY = 10 * 60.0  # one wrong PIN forgiven per this many seconds without another
# scrypt cost: 2**14 × r=8 needs 16 MiB and ~50 ms on a small PC — slow enough to make
# guessing a stolen file expensive, fast enough for a touch pad.
DEFAULT_COST = 2**14
_R, _P, _DKLEN = 8, 1, 32


class PinError(Exception):
    """A PIN that cannot be set (too short, too simple) or a PIN file that cannot be written."""


class PinState(enum.Enum):
    """Whether a PIN exists."""

    NONE = "none"  # first start: staff are asked to set one
    SET = "set"
    BROKEN = "broken"  # the file is unreadable: only `kiosk set-pin` helps


@dataclass(frozen=True)
class PinCheck:
    """The outcome of one PIN entry."""

    ok: bool
    locked_for: float = 0.0  # seconds until the next try is allowed
    failures: int = 0  # wrong PINs in a row so far
    tries_left: int = FREE_TRIES  # wrong PINs still allowed before the pad locks


def lock_seconds(failures: int) -> float:
    """How long ``failures`` wrong PINs in a row lock the pad."""
    if failures < FREE_TRIES:
        return 0.0
    return min(MAX_LOCK, FIRST_LOCK * 2.0 ** (failures - FREE_TRIES))


PIN_RULES: dict[str, str] = {
    "digits": "The PIN may only contain digits.",
    "length": f"The PIN must have {MIN_DIGITS} to {MAX_DIGITS} digits.",
    "repeated": "The PIN must not be one digit repeated.",
    "sequence": "The PIN must not be a simple sequence like 1234.",
}


def pin_rule_broken(pin: str) -> str | None:
    """The key in :data:`PIN_RULES` that ``pin`` breaks, or None when it is acceptable."""
    if not pin.isascii() or not pin.isdigit():
        return "digits"
    if not MIN_DIGITS <= len(pin) <= MAX_DIGITS:
        return "length"
    if len(set(pin)) == 1:
        return "repeated"
    steps = {int(b) - int(a) for a, b in itertools.pairwise(pin)}
    if steps in ({1}, {-1}):
        return "sequence"
    return None


def pin_problem(pin: str) -> str | None:
    """Why ``pin`` cannot be a staff PIN (a sentence), or None when it can."""
    rule = pin_rule_broken(pin)
    return PIN_RULES[rule] if rule else None


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _hash(pin: str, salt: bytes, n: int, r: int, p: int, dklen: int) -> bytes:
    return hashlib.scrypt(pin.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=dklen,
                          maxmem=256 * 1024 * 1024)


class PinStore:
    """Sets and checks the staff PIN kept in ``folder/staff_pin.json``.

    ``clock`` is wall-clock seconds (``time.time``); tests pass a fake one.
    """

    def __init__(self, folder: Path, *, clock: Callable[[], float] = time.time,
                 cost: int = DEFAULT_COST) -> None:
        self.path = folder / PIN_FILE
        self.clock = clock
        self.cost = cost
        # Used when the data dir is not writable: the lockout still holds until restart.
        self._memory: dict[str, Any] | None = None
        self._started = clock()

    # -- reading ---------------------------------------------------------------------------------
    def _read(self) -> tuple[PinState, dict[str, Any]]:
        if self._memory is not None:
            return PinState.SET, self._memory
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return PinState.NONE, {}
        except (OSError, ValueError, RecursionError) as exc:  # ValueError: bad JSON, UTF-8
            log.error("staff PIN file %s cannot be read (%s); set a new PIN with "
                      "`kiosk set-pin`", self.path, exc)
            return PinState.BROKEN, {}
        if not self._valid(data):
            log.error("staff PIN file %s is damaged; set a new PIN with `kiosk set-pin`",
                      self.path)
            return PinState.BROKEN, {}
        return PinState.SET, data

    @staticmethod
    def _valid(data: Any) -> bool:
        if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION:
            return False
        try:
            base64.b64decode(data["salt"], validate=True)
            base64.b64decode(data["hash"], validate=True)
            ints = [data[k] for k in ("n", "r", "p", "failures")]
            float(data["locked_until"])
            float(data.get("last_failure", 0.0))
        except (KeyError, TypeError, ValueError):
            return False
        return all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in ints)

    def state(self) -> PinState:
        """Whether a PIN is set, missing, or its file is damaged."""
        return self._read()[0]

    def locked_for(self) -> float:
        """Seconds until the next PIN may be tried (0 when not locked)."""
        state, data = self._read()
        if state is not PinState.SET:
            return 0.0
        return self._locked(data, self.clock())

    def _unsaved(self) -> bool:
        """Whether the lockout cannot be kept on disk (it would not survive a restart)."""
        if self._memory is not None:
            return True
        target = self.path if self.path.exists() else self.path.parent
        return not os.access(target, os.W_OK)

    def _locked(self, data: dict[str, Any], now: float) -> float:
        until = float(data["locked_until"])
        if self._unsaved():  # fail closed: the last run's count is unknown
            until = max(until, self._started + FIRST_LOCK)
        return max(0.0, min(until - now, MAX_LOCK))

    @staticmethod
    def _failures(data: dict[str, Any], now: float) -> int:
        """Wrong PINs in a row, less one per :data:`DECAY` seconds since the last one."""
        failures = int(data["failures"])
        last = float(data.get("last_failure", data["locked_until"]))
        if failures and now > last:
            failures = max(0, failures - int((now - last) // DECAY))
        return failures

    # -- writing ---------------------------------------------------------------------------------
    def _write(self, data: dict[str, Any]) -> None:
        text = json.dumps(data, indent=1)
        tmp: str | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".staff_pin.", suffix=".tmp",
                                       dir=self.path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            if os.name == "posix":
                Path(tmp).chmod(0o600)
            Path(tmp).replace(self.path)
            tmp = None
        finally:
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)

    def set_pin(self, pin: str) -> None:
        """Store a new PIN (replacing any old one and clearing the lockout).

        Raises :class:`PinError` for a PIN that is too weak or a file that cannot be written.
        """
        problem = pin_problem(pin)
        if problem:
            raise PinError(problem)
        salt = secrets.token_bytes(16)
        data: dict[str, Any] = {
            "version": FORMAT_VERSION, "kdf": "scrypt", "n": self.cost, "r": _R, "p": _P,
            "salt": _b64(salt), "hash": _b64(_hash(pin, salt, self.cost, _R, _P, _DKLEN)),
            "failures": 0, "locked_until": 0.0,
        }
        try:
            self._write(data)
        except OSError as exc:
            raise PinError(f"The PIN cannot be saved to {self.path} "
                           f"({exc.strerror or exc}).") from exc
        self._memory = None
        log.info("staff PIN set")

    def _save_state(self, data: dict[str, Any]) -> bool:
        """Keep the lockout state; True when it could only be kept in memory."""
        try:
            self._write(data)
        except OSError as exc:
            if self._memory is None:
                log.warning("PIN lockout cannot be saved (%s): the pad fails closed (every "
                            "wrong PIN locks it)", exc.strerror or exc)
            self._memory = data
            return True
        return False

    def verify(self, pin: str) -> PinCheck:
        """Check ``pin``; counts wrong PINs and locks the pad as described above.

        While the pad is locked nothing is checked, not even the right PIN: otherwise the
        lock would not slow down guessing.
        """
        state, data = self._read()
        if state is not PinState.SET:
            return PinCheck(ok=False)
        now = self.clock()
        locked = self._locked(data, now)
        failures = self._failures(data, now)
        if locked > 0:
            return PinCheck(False, locked, failures, 0)
        salt = base64.b64decode(data["salt"])
        expected = base64.b64decode(data["hash"])
        try:
            got = _hash(pin, salt, int(data["n"]), int(data["r"]), int(data["p"]),
                        len(expected))
        except (ValueError, MemoryError):  # parameters no machine can use: a damaged file
            log.error("staff PIN file %s has unusable parameters", self.path)
            return PinCheck(ok=False)
        if hmac.compare_digest(got, expected):
            if failures or float(data["locked_until"]):
                self._save_state({**data, "failures": 0, "locked_until": 0.0})
            return PinCheck(True)
        failures += 1
        unsaved = self._unsaved()
        if unsaved:  # no free tries when a restart would forget them
            failures = max(failures, FREE_TRIES)
        lock = lock_seconds(failures)
        unsaved = self._save_state({**data, "failures": failures, "locked_until": now + lock,
                                    "last_failure": now}) or unsaved
        if unsaved and lock == 0.0:  # the write itself just failed: lock from now on
            failures, lock = FREE_TRIES, lock_seconds(FREE_TRIES)
            self._memory = {**data, "failures": failures, "locked_until": now + lock,
                            "last_failure": now}
        log.warning("wrong staff PIN (%d in a row)%s", failures,
                    f"; PIN pad locked for {lock:.0f} s" if lock else "")
        return PinCheck(False, lock, failures, max(0, FREE_TRIES - failures))
