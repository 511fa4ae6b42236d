"""Picture sizes from file headers, read before anything is decoded.

A 2.6 MB PNG can claim 30000×30000 pixels and take 5 GB to decode; OpenCV has no
header-only API. These few parsers read width and height from the first bytes of the
formats the kiosk accepts (PNG, JPEG, BMP, GIF, WebP, TIFF), so a picture can be refused
by its declared size. Pure Python, no dependency; unknown or truncated headers give ``None``.
"""

from __future__ import annotations

import struct

MAX_PIXELS = 40_000_000  # a 40 MP photo decodes to 120 MB; every real camera still fits
MAX_SIDE = 20_000


def image_size(head: bytes) -> tuple[int, int] | None:
    """``(width, height)`` from the start of an image file (64 KiB is plenty), or ``None``."""
    try:
        if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR":
            w, h = struct.unpack(">II", head[16:24])
            return w, h
        if head[:6] in (b"GIF87a", b"GIF89a"):
            w, h = struct.unpack("<HH", head[6:10])
            return w, h
        if head.startswith(b"BM"):
            size = struct.unpack("<I", head[14:18])[0]
            if size == 12:  # OS/2 BITMAPCOREHEADER
                w, h = struct.unpack("<HH", head[18:22])
                return w, h
            w, h = struct.unpack("<ii", head[18:26])
            return abs(w), abs(h)  # a negative height is a top-down bitmap
        if head.startswith(b"\xff\xd8"):
            return _jpeg(head)
        if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
            return _webp(head)
        if head[:4] in (b"II*\x00", b"MM\x00*"):
            return _tiff(head)
    except struct.error:
        return None
    return None


def too_large(size: tuple[int, int] | None) -> bool:
    """True when a declared size would take too much memory to decode (or is unknown)."""
    if size is None:
        return True
    w, h = size
    return w <= 0 or h <= 0 or w > MAX_SIDE or h > MAX_SIDE or w * h > MAX_PIXELS


def _jpeg(head: bytes) -> tuple[int, int] | None:
    i = 2
    while i + 9 < len(head):
        if head[i] != 0xFF:
            return None
        marker = head[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # no length field
            i += 2
            continue
        length = struct.unpack(">H", head[i + 2:i + 4])[0]
        # SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry the frame size
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            h, w = struct.unpack(">HH", head[i + 5:i + 9])
            return w, h
        i += 2 + length
    return None


def _webp(head: bytes) -> tuple[int, int] | None:
    chunk = head[12:16]
    if chunk == b"VP8X":
        w = int.from_bytes(head[24:27], "little") + 1
        h = int.from_bytes(head[27:30], "little") + 1
        return w, h
    if chunk == b"VP8L":
        bits = int.from_bytes(head[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8 ":
        w, h = struct.unpack("<HH", head[26:30])
        return w & 0x3FFF, h & 0x3FFF
    return None


def _tiff(head: bytes) -> tuple[int, int] | None:
    end = "<" if head[:2] == b"II" else ">"
    offset = struct.unpack(end + "I", head[4:8])[0]
    count = struct.unpack(end + "H", head[offset:offset + 2])[0]
    found: dict[int, int] = {}
    for k in range(min(count, 512)):
        entry = head[offset + 2 + 12 * k: offset + 14 + 12 * k]
        tag, kind = struct.unpack(end + "HH", entry[:4])
        if tag in (256, 257):  # ImageWidth, ImageLength: SHORT (3) or LONG (4)
            value = (struct.unpack(end + "H", entry[8:10])[0] if kind == 3
                     else struct.unpack(end + "I", entry[8:12])[0])
            found[tag] = value
    if 256 in found and 257 in found:
        return found[256], found[257]
    return None
