"""Frame sources: a USB camera, a looping video file, an image folder, bundled samples.

Every source yields RGB uint8 frames. Opening a source that cannot work raises
:class:`SourceError` with a one-line message meant for staff; reading returns ``None``
when a live source stops delivering (the capture thread then retries).
"""

from __future__ import annotations

import logging
import math
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from kiosk.core.image_header import image_size, too_large
from kiosk.core.safe_read import FileRefused, read_bounded

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"}
VIDEO_SUFFIXES = {".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", ".mjpeg", ".mjpg"}
MAX_SIDE = 1280  # larger stills are shrunk once on load: a kiosk shows ~640×480 anyway
MAX_IMAGE_BYTES = 64 * 1024 * 1024  # a 40 MP JPEG is ~20 MB
MAX_FOLDER_PICTURES = 10_000  # names held for a slideshow; pictures are decoded in turn
CACHED_PICTURES = 16  # decoded pictures kept (the bundled samples all stay), ≤ 16 × 5 MB
# Videos and cameras: frames up to DCI 4K are shrunk to MAX_SIDE before the pipeline sees
# them; beyond that (8K) a small kiosk PC decodes a frame slower than it should show it, and
# a stream far from any screen's shape (1×20000) is a broken or hostile file, not a picture.
MAX_VIDEO_SIDE = 4096
MIN_VIDEO_SIDE = 16
MAX_VIDEO_ASPECT = 8.0


class SourceError(Exception):
    """A source cannot be opened or used; the message is a full sentence for staff."""


def _cv2() -> Any:  # cv2 ships partial stubs; it is imported lazily for start-up time
    import cv2

    # OpenCV's own warnings ("can't open camera by index") would reach staff as noise;
    # our SourceError says the same in words they can act on.
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
    return cv2


def _rgb(bgr: np.ndarray) -> np.ndarray:
    # cv2 converts without holding the GIL, so the inference thread keeps running meanwhile.
    out: np.ndarray = _cv2().cvtColor(bgr, _cv2().COLOR_BGR2RGB)
    return out


def frame_size_problem(width: int, height: int) -> str | None:
    """Why a video or camera delivering ``width``×``height`` frames is refused, or None."""
    if max(width, height) > MAX_VIDEO_SIDE:
        return f"larger than {MAX_VIDEO_SIDE} pixels on a side"
    if min(width, height) < MIN_VIDEO_SIDE:
        return f"smaller than {MIN_VIDEO_SIDE} pixels on a side"
    if max(width, height) > MAX_VIDEO_ASPECT * min(width, height):
        return f"more than {MAX_VIDEO_ASPECT:.0f} times wider than high (or higher than wide)"
    return None


def fit_frame(bgr: np.ndarray) -> np.ndarray | None:
    """A decoded video or camera frame at a working size: at most :data:`MAX_SIDE` pixels
    on its longer side, aspect ratio kept; None for a frame of refused size."""
    h, w = bgr.shape[:2]
    if frame_size_problem(w, h) is not None:
        return None
    if max(h, w) <= MAX_SIDE:
        return bgr
    s = MAX_SIDE / max(h, w)
    out: np.ndarray = _cv2().resize(bgr, (max(1, round(w * s)), max(1, round(h * s))),
                                    interpolation=_cv2().INTER_AREA)
    return out


def _declared_size(cap: Any) -> tuple[int, int]:
    cv2 = _cv2()
    return int(cap.get(cv2.CAP_PROP_FRAME_WIDTH) or 0), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT) or 0)


class FrameSource(Protocol):
    """Anything that yields frames."""

    fps: float
    live: bool  # a live camera paces itself; files are paced by the capture thread
    description: str

    def read(self) -> np.ndarray | None: ...

    def close(self) -> None: ...


def scene_of(source: FrameSource) -> int:
    """How often ``source`` has cut to another scene (the next slide, a video starting
    over); a camera never does. Demos that smooth or follow over time start afresh then."""
    scene = getattr(source, "scene", 0)
    return scene if isinstance(scene, int) else 0


@dataclass
class CameraSource:
    """A camera by device index (USB webcam, built-in camera)."""

    index: int
    width: int = 640
    height: int = 480
    fps: float = 30.0
    live: bool = True
    description: str = ""
    #: makes the capture object (``cv2.VideoCapture``; tests pass a fake camera)
    open_capture: Callable[[int], Any] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        cv2 = _cv2()
        self.description = f"camera {self.index}"
        self._cap = (self.open_capture or cv2.VideoCapture)(self.index)
        self._refused_size: tuple[int, int] | None = None
        if not self._cap.isOpened():
            self._cap.release()
            raise SourceError(
                f"Camera {self.index} is not available: check the cable, or choose another "
                "camera with --camera (0, 1, …), a video file or an image folder.")
        self._cap.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
        self._cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
        w, h = _declared_size(self._cap)
        problem = frame_size_problem(w, h) if w and h else None
        if problem:
            self._cap.release()
            raise SourceError(
                f"Camera {self.index} delivers {w}x{h} pixel pictures, {problem}: choose "
                "another camera with --camera (0, 1, …), a video file or an image folder.")
        reported = self._cap.get(cv2.CAP_PROP_FPS)
        if reported and 1 <= reported <= 120:
            self.fps = float(reported)

    def read(self) -> np.ndarray | None:
        ok, frame = self._cap.read()
        if not ok or frame is None or frame.ndim != 3 or frame.shape[2] != 3:
            return None
        fitted = fit_frame(frame)
        if fitted is None:
            # a camera that changes to an absurd size is treated as gone, once logged
            size = (frame.shape[1], frame.shape[0])
            if size != self._refused_size:
                log.warning("%s delivered a %dx%d picture; ignored", self.description, *size)
                self._refused_size = size
            return None
        return _rgb(fitted)

    def close(self) -> None:
        self._cap.release()


class VideoFileSource:
    """A video file that loops forever, like a showroom screen would play it."""

    live = False

    def __init__(self, path: Path, loop: bool = True) -> None:
        cv2 = _cv2()
        self.path = path
        self.loop = loop
        self.description = f"video {path.name}"
        self._cap = cv2.VideoCapture(str(path))
        if not self._cap.isOpened():
            self._cap.release()
            raise SourceError(f"Video {path} cannot be opened: is it a video file OpenCV reads?")
        fps = self._cap.get(cv2.CAP_PROP_FPS)
        self.fps = float(fps) if fps and 1 <= fps <= 240 else 30.0
        # The container's word first, so an 8K stream is refused before a frame is decoded;
        # then the first frame's real size, which a container may misstate.
        self._check_size(*_declared_size(self._cap))
        ok, first = self._cap.read()
        if not ok or first is None or first.ndim != 3 or first.shape[2] != 3:
            self._cap.release()
            raise SourceError(f"Video {path} has no readable frames.")
        self._check_size(first.shape[1], first.shape[0])
        self._pending: np.ndarray | None = first
        self.scene = 0  # counts the loops: the end jumping back to the start is a cut

    def _check_size(self, width: int, height: int) -> None:
        if not (width and height):
            return  # not stated: the first frame tells
        problem = frame_size_problem(width, height)
        if problem:
            self._cap.release()
            raise SourceError(
                f"Video {self.path.name} is {width}x{height} pixels, {problem}: convert it "
                f"to at most {MAX_SIDE} pixels on its longer side (e.g. 1280x720) and use "
                "that file.")

    def read(self) -> np.ndarray | None:
        if self._pending is not None:
            frame, self._pending = self._pending, None
        else:
            ok, frame = self._cap.read()
            if not ok or frame is None:
                if not self.loop:
                    return None
                self._cap.set(_cv2().CAP_PROP_POS_FRAMES, 0)
                self.scene += 1
                ok, frame = self._cap.read()
                if not ok or frame is None:
                    return None
        fitted = fit_frame(frame) if frame.ndim == 3 and frame.shape[2] == 3 else None
        if fitted is None:  # the stream changed to a refused size: it ends here
            log.warning("%s: a frame of %s pixels; stopped", self.description,
                        "x".join(map(str, frame.shape[1::-1])))
            return None
        return _rgb(fitted)

    def close(self) -> None:
        self._cap.release()


def load_image(path: Path) -> np.ndarray | None:
    """An image file as RGB uint8 (at most :data:`MAX_SIDE` px), or ``None`` if unreadable.

    The file itself (never a link), at most :data:`MAX_IMAGE_BYTES`, and only when its header
    declares a size that is safe to decode: a small PNG can claim 30000×30000 pixels.
    """
    try:
        raw = read_bounded(path, MAX_IMAGE_BYTES, "Picture")
    except FileRefused as exc:
        log.warning("%s", exc)
        return None
    size = image_size(raw)
    if too_large(size):
        log.warning("picture %s refused: it %s", path.name,
                    f"declares {size[0]}x{size[1]} pixels" if size else
                    "is not a PNG, JPEG, BMP, GIF, WebP or TIFF picture")
        return None
    cv2 = _cv2()
    img = cv2.imdecode(np.frombuffer(raw, dtype=np.uint8), cv2.IMREAD_COLOR)
    if img is None or img.size == 0:
        return None
    h, w = img.shape[:2]
    if max(h, w) > MAX_SIDE:
        s = MAX_SIDE / max(h, w)
        # a 1×10000 strip must stay at least one pixel high
        img = cv2.resize(img, (max(1, round(w * s)), max(1, round(h * s))),
                         interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(img[:, :, ::-1])


def image_files(folder: Path) -> list[Path]:
    """Image files directly in ``folder``, sorted by name."""
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())


class ImageFolderSource:
    """A slideshow of still images; with ``animate`` a slow pan and zoom keeps it alive.

    A folder from a USB stick may hold thousands of photos: pictures are decoded when
    their turn comes and only the last :data:`CACHED_PICTURES` are kept, so memory does not
    grow with the folder. An unreadable picture is dropped from the show when met.
    """

    live = False

    def __init__(
        self, paths: list[Path], seconds_per_image: float = 6.0, fps: float = 15.0,
        animate: bool = False, size: tuple[int, int] = (640, 480), description: str = "",
    ) -> None:
        if len(paths) > MAX_FOLDER_PICTURES:
            log.warning("%d pictures given; the slideshow takes the first %d", len(paths),
                        MAX_FOLDER_PICTURES)
        self.paths = list(paths[:MAX_FOLDER_PICTURES])
        self._cache: OrderedDict[Path, np.ndarray] = OrderedDict()
        # One readable picture now, so a folder of broken files is a clear error at once.
        if self.picture(0) is None:
            names = ", ".join(p.name for p in paths[:3]) or "(none)"
            raise SourceError(
                f"No readable image among: {names} (a picture must be a plain JPEG, PNG, BMP, "
                "GIF, WebP or TIFF file of at most 40 megapixels).")
        self.fps = fps
        self.animate = animate
        self.size = size
        self.frames_per_image = max(1, round(seconds_per_image * fps))
        self.description = description or f"{len(self.paths)} image(s)"
        self._n = 0
        self.scene = 0  # counts the changes of picture (see :func:`scene_of`)
        self._shown: np.ndarray | None = None

    @classmethod
    def from_folder(cls, folder: Path, **kwargs: object) -> ImageFolderSource:
        """All images in ``folder``; :class:`SourceError` if there are none."""
        try:
            files = image_files(folder)
        except OSError as exc:
            raise SourceError(f"Folder {folder} cannot be read ({exc.strerror}).") from exc
        if not files:
            raise SourceError(
                f"Folder {folder} holds no images (.jpg, .png, …): add some or pick another.")
        return cls(files, description=f"image folder {folder.name}", **kwargs)  # type: ignore[arg-type]

    def _load(self, path: Path) -> np.ndarray | None:
        img = self._cache.get(path)
        if img is not None:
            self._cache.move_to_end(path)
            return img
        img = load_image(path)
        if img is not None:
            self._cache[path] = img
            while len(self._cache) > CACHED_PICTURES:
                self._cache.popitem(last=False)
        return img

    def picture(self, i: int) -> np.ndarray | None:
        """Picture number ``i`` of the show (wrapping), skipping and dropping bad ones."""
        while self.paths:
            path = self.paths[i % len(self.paths)]
            img = self._load(path)
            if img is not None:
                return img
            log.warning("picture %s cannot be read; left out of the slideshow", path.name)
            self.paths.remove(path)
        return None

    def start_with(self, first: Sequence[Path]) -> None:
        """Restart the slideshow at ``first`` (e.g. the pictures that show a demo at its
        best), then the other images; unreadable pictures are skipped."""
        front: list[Path] = []
        for p in first:
            if p in front:
                continue
            if self._load(p) is None:
                log.warning("sample picture %s cannot be read; skipped", p)
                continue
            front.append(p)
        self.paths = front + [p for p in self.paths if p not in front]
        self._n = 0

    def read(self) -> np.ndarray | None:
        i, k = divmod(self._n, self.frames_per_image)
        self._n += 1
        img = self.picture(i)
        if img is not self._shown:
            if self._shown is not None:
                self.scene += 1
            self._shown = img
        if img is None or not self.animate:
            return img
        return _ken_burns(img, k / self.frames_per_image, self.size, seed=i)

    def close(self) -> None:
        self.paths = []
        self._cache.clear()
        self._shown = None


def _ken_burns(img: np.ndarray, t: float, size: tuple[int, int], seed: int) -> np.ndarray:
    """A gentle zoom and pan over ``img`` at progress ``t`` in [0, 1], output ``size`` (w, h).

    A picture narrower than the output (a portrait, the square astronaut) loses its top and
    bottom to the crop: the pan then stays near the top, where a portrait's face is, so a
    visitor never sees a head cut in half.
    """
    cv2 = _cv2()
    out_w, out_h = size
    h, w = img.shape[:2]
    base = max(out_w / w, out_h / h)  # cover the output
    zoom = base * (1.04 + 0.10 * (0.5 - 0.5 * math.cos(math.pi * t)))
    direction = -1.0 if seed % 2 else 1.0
    # pan across the slack left by the zoom, easing in and out
    slack_x, slack_y = w * zoom - out_w, h * zoom - out_h
    ease = 0.5 - 0.5 * math.cos(math.pi * t)
    px = slack_x * (0.5 + direction * (ease - 0.5) * 0.8)
    if w * out_h <= h * out_w:  # portrait-like: the top tenth of the slack at most
        py = slack_y * (0.05 - direction * (ease - 0.5) * 0.1)
    else:
        py = slack_y * (0.5 - direction * (ease - 0.5) * 0.4)
    m = np.array([[zoom, 0.0, -px], [0.0, zoom, -py]], dtype=np.float64)
    out: np.ndarray = cv2.warpAffine(img, m, (out_w, out_h), flags=cv2.INTER_LINEAR,
                                     borderMode=cv2.BORDER_REFLECT)
    return out


def open_source(spec: str) -> FrameSource:
    """A source from a command-line spec: a camera index, a video, an image or a folder."""
    spec = spec.strip()
    if spec.isdigit():
        return CameraSource(int(spec))
    path = Path(spec).expanduser()
    if not path.exists():
        raise SourceError(f"Source {spec} does not exist: give a camera index, a video file, "
                          "an image file or an image folder.")
    if path.is_dir():
        return ImageFolderSource.from_folder(path)
    suffix = path.suffix.lower()
    if suffix in IMAGE_SUFFIXES:
        src = ImageFolderSource([path], description=f"image {path.name}")
        return src
    try:
        return VideoFileSource(path)
    except SourceError:
        if suffix in VIDEO_SUFFIXES:
            raise
        raise SourceError(
            f"Source {path} is neither an image nor a video OpenCV can read.") from None


def open_sample_source(first: Sequence[Path] = ()) -> ImageFolderSource:
    """The bundled sample photos, animated: used when no camera works. ``first``: pictures
    to start with (a demo's ``sample_media``), which may lie outside the sample folder."""
    from kiosk.core.paths import sample_media_dir

    folder = sample_media_dir()
    src = ImageFolderSource.from_folder(folder, fps=30.0, animate=True, seconds_per_image=8.0)
    src.description = "sample media"
    if first:
        src.start_with(first)
    return src
