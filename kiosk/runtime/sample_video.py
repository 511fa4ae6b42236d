"""Writes the sample photos' slow pan-and-zoom as a 640×480 video (benchmarks, tests)."""

from __future__ import annotations

from pathlib import Path

from kiosk.runtime.sources import ImageFolderSource, image_files, open_sample_source


def write_sample_video(
    out: Path, seconds: float, fps: float = 30.0, images: Path | None = None,
) -> int:
    """Write ``seconds`` of video at ``fps`` (the sample photos, or ``images``: a picture or a
    folder of them, slowly panned); returns the frame count."""
    import cv2

    if images is None:
        source = open_sample_source()
    else:
        paths = image_files(images) if images.is_dir() else [images]
        source = ImageFolderSource(paths, seconds_per_image=8.0, fps=fps, animate=True)
    source.fps = fps
    out.parent.mkdir(parents=True, exist_ok=True)
    fourcc = cv2.VideoWriter.fourcc(*("MJPG" if out.suffix.lower() == ".avi" else "mp4v"))
    writer = cv2.VideoWriter(str(out), fourcc, fps, (640, 480))
    if not writer.isOpened():
        raise OSError(f"cannot write video {out}")
    frames = max(1, round(seconds * fps))
    try:
        for _ in range(frames):
            rgb = source.read()
            assert rgb is not None
            writer.write(rgb[:, :, ::-1])
    finally:
        writer.release()
        source.close()
    return frames
