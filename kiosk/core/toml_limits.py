"""Bounds checked on TOML text from outside (pack manifests, a hand-edited settings file)
before :func:`tomllib.loads` sees it.

``tomllib`` handles a dotted key ``a.b.c…`` in time and memory that grow with the square
of its length: 40 KB of ``a.a.a.…`` take 10 s and 1.5 GB. Real files use keys of two or
three parts (``models.main.file``).
"""

from __future__ import annotations

MAX_KEY_PARTS = 32

_BARE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


def key_parts(text: str) -> int:
    """The most parts any dotted key in TOML ``text`` has (strings and comments skipped;
    a float such as ``1.5`` counts as two parts). Linear in the length of ``text``."""
    deepest = chain = 0
    after_dot = False
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in _BARE or c in "\"'":
            if c in _BARE:
                while i < n and text[i] in _BARE:
                    i += 1
            else:
                quote = text[i:i + 3] if text[i:i + 3] in ('"""', "'''") else c
                j = i + len(quote)
                while j < n and not text.startswith(quote, j):
                    j += 2 if c == '"' and text[j] == "\\" else 1
                i = j + len(quote)
            chain = chain + 1 if after_dot else 1
            after_dot = False
            deepest = max(deepest, chain)
            continue
        if c == "." and chain and not after_dot:
            after_dot = True
        elif c == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
            chain, after_dot = 0, False
            continue
        elif c not in " \t":
            chain, after_dot = 0, False
        i += 1
    return deepest
