"""Reading a task's ``[params]`` table: typed fields, defaults, and problems with fixes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kiosk.core.manifest import ManifestProblem
from kiosk.core.problems import Msg, msg, unknown_key_fix


class ParamReader:
    """Pulls typed values out of ``[params]``, collecting problems instead of raising."""

    def __init__(self, params: Mapping[str, Any], file: str) -> None:
        self._params = params
        self._file = file
        self._seen: set[str] = set()
        self.problems: list[ManifestProblem] = []

    def bad(self, key: str, message: Msg, fix: Msg) -> None:
        """Record a problem with ``params.<key>``."""
        self.problems.append(ManifestProblem(self._file, f"params.{key}", message, fix))

    def text(self, key: str, default: str, choices: tuple[str, ...] | None = None) -> str:
        """A string field, optionally one of ``choices``."""
        self._seen.add(key)
        value = self._params.get(key, default)
        if not isinstance(value, str) or (choices is not None and value not in choices):
            fix = msg("fix.use_one_of", choices=", ".join(choices)) if choices else msg(
                "param.fix.text")
            self.bad(key, msg("param.not_allowed", value=repr(value)), fix)
            return default
        return value

    def optional_text(self, key: str) -> str | None:
        """A string field that may be absent."""
        self._seen.add(key)
        value = self._params.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            self.bad(key, msg("param.must_be_text"), msg("fix.example", example=f'{key} = "…"'))
            return None
        return value

    def number(self, key: str, default: float, low: float, high: float) -> float:
        """A number within ``[low, high]``."""
        self._seen.add(key)
        value = self._params.get(key, default)
        is_number = isinstance(value, int | float) and not isinstance(value, bool)
        if not is_number or not low <= value <= high:
            self.bad(key, msg("param.out_of_range", value=repr(value)),
                     msg("param.fix.number", low=low, high=high))
            return default
        return float(value)

    def integer(self, key: str, default: int, low: int, high: int) -> int:
        """A whole number within ``[low, high]``."""
        self._seen.add(key)
        value = self._params.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.bad(key, msg("param.not_allowed", value=repr(value)),
                     msg("param.fix.integer", low=low, high=high))
            return default
        return value

    def numbers(
        self, key: str, default: tuple[float, ...], count: int, low: float, high: float
    ) -> tuple[float, ...]:
        """A list of exactly ``count`` numbers, each within ``[low, high]``."""
        self._seen.add(key)
        value = self._params.get(key, list(default))
        if (
            not isinstance(value, list)
            or len(value) != count
            or not all(
                isinstance(v, int | float) and not isinstance(v, bool) and low <= v <= high
                for v in value
            )
        ):
            self.bad(key, msg("param.not_allowed", value=repr(value)),
                     msg("param.fix.numbers", count=count, low=low, high=high))
            return default
        return tuple(float(v) for v in value)

    def raw(self, key: str, default: Any) -> Any:
        """A field as written, for callers that check its shape themselves."""
        self._seen.add(key)
        return self._params.get(key, default)

    def finish(self) -> list[ManifestProblem]:
        """Report unknown keys (typos must not pass silently) and return all problems."""
        for extra in sorted(set(self._params) - self._seen):
            self.bad(extra, msg("unknown_key"), unknown_key_fix(extra, sorted(self._seen)))
        return self.problems
