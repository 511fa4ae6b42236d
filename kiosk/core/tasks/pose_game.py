""""Strike the pose": a small game over body keypoints for the body-pose demo.

The game shows one pose at a time; holding it for a moment scores a point and moves on to the
next. Poses are judged from the keypoints alone with rules a visitor can understand ("both
hands above your head"), symmetric so that a mirrored picture never makes a pose wrong.
Time is passed in, so the game is tested without waiting.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.core.tasks.pose import Person

Point = tuple[float, float]
MIN_SCORE = 0.5
HOLD_SECONDS = 0.8  # how long a pose must be held to count
CHEER_SECONDS = 1.5  # the "well done" moment before the next pose


def _points(person: Person, *names: str) -> list[Point] | None:
    out = []
    for name in names:
        p = person.point(name, MIN_SCORE)
        if p is None:
            return None
        out.append(p)
    return out


def _shoulder_width(person: Person) -> float | None:
    pts = _points(person, "left_shoulder", "right_shoulder")
    return math.dist(pts[0], pts[1]) if pts else None


def arms_up(person: Person) -> bool:
    """Both wrists above the head (image y grows downwards)."""
    pts = _points(person, "left_wrist", "right_wrist", "nose")
    return pts is not None and pts[0][1] < pts[2][1] and pts[1][1] < pts[2][1]


def t_pose(person: Person) -> bool:
    """Arms stretched out sideways: wrists far apart at about shoulder height."""
    pts = _points(person, "left_wrist", "right_wrist", "left_shoulder", "right_shoulder")
    width = _shoulder_width(person)
    if pts is None or not width:
        return False
    lw, rw, ls, rs = pts
    level = all(abs(w[1] - s[1]) < 0.6 * width for w, s in ((lw, ls), (rw, rs)))
    return level and abs(lw[0] - rw[0]) > 2.4 * width


def one_arm_up(person: Person) -> bool:
    """Exactly one wrist above the head, the other below the shoulders."""
    pts = _points(person, "left_wrist", "right_wrist", "nose", "left_shoulder", "right_shoulder")
    if pts is None:
        return False
    lw, rw, nose, ls, rs = pts
    shoulders = max(ls[1], rs[1])
    return (lw[1] < nose[1] and rw[1] > shoulders) or (rw[1] < nose[1] and lw[1] > shoulders)


def hands_on_head(person: Person) -> bool:
    """Both wrists close to the head and above the shoulders."""
    pts = _points(person, "left_wrist", "right_wrist", "nose", "left_shoulder", "right_shoulder")
    width = _shoulder_width(person)
    if pts is None or not width:
        return False
    lw, rw, nose, ls, rs = pts
    shoulders = min(ls[1], rs[1])
    near = all(math.dist(w, nose) < 0.9 * width for w in (lw, rw))
    return near and lw[1] < shoulders and rw[1] < shoulders


@dataclass(frozen=True)
class Challenge:
    """One pose of the game."""

    id: str
    check: Callable[[Person], bool]


CHALLENGES: tuple[Challenge, ...] = (
    Challenge("arms_up", arms_up),
    Challenge("t_pose", t_pose),
    Challenge("one_arm_up", one_arm_up),
    Challenge("hands_on_head", hands_on_head),
)


@dataclass(frozen=True)
class GameState:
    """What the panel shows."""

    challenge: str  # id of the pose asked for
    progress: float  # 0…1: how long it has been held
    score: int
    cheering: bool  # True right after a success
    person: bool  # somebody is in the picture


class PoseGame:
    """Cycles through :data:`CHALLENGES`; ``update`` is called with each result."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """A new visitor: score 0, first pose."""
        self.index = 0
        self.score = 0
        self._held_since: float | None = None
        self._cheer_until = 0.0
        self._progress = 0.0

    @property
    def challenge(self) -> Challenge:
        """The pose asked for now."""
        return CHALLENGES[self.index % len(CHALLENGES)]

    def update(self, person: Person | None, now: float) -> GameState:
        """Judge one frame; returns the state to show."""
        if now < self._cheer_until:
            return GameState(CHALLENGES[(self.index - 1) % len(CHALLENGES)].id, 1.0, self.score,
                             True, person is not None)
        if person is None or not self.challenge.check(person):
            self._held_since = None
            self._progress = 0.0
        else:
            if self._held_since is None:
                self._held_since = now
            self._progress = min(1.0, (now - self._held_since) / HOLD_SECONDS)
            if self._progress >= 1.0:
                self.score += 1
                self.index += 1
                self._held_since = None
                self._cheer_until = now + CHEER_SECONDS
                return GameState(CHALLENGES[(self.index - 1) % len(CHALLENGES)].id, 1.0,
                                 self.score, True, True)
        return GameState(self.challenge.id, self._progress, self.score, False, person is not None)
