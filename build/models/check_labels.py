"""Check the ImageNet-1k label files of the image-classification demo.

Verifies that ``demos/image-classification/labels_en.txt`` and
``labels_de.txt`` each have exactly 1000 non-empty UTF-8 lines (class-index
order, one name per line), without leading or trailing whitespace and without
duplicates within a language, then prints a few spot checks side by side so
that an off-by-one shift is easy to see.

Usage: ``python build/models/check_labels.py [LABEL_DIR]``
Exit status is 0 when both files are clean, 1 otherwise.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

NUM_CLASSES = 1000
LANGUAGES = ("en", "de")
SPOT_CHECKS = (0, 1, 281, 285, 409, 417, 504, 717, 812, 967, 968, 999)
DEFAULT_DIR = Path(__file__).resolve().parents[2] / "demos" / "image-classification"


def load_labels(path: Path) -> list[str]:
    """Return the lines of ``path`` (UTF-8, strict) without line endings."""
    text = path.read_bytes().decode("utf-8")
    if text.startswith("\ufeff"):
        raise ValueError(f"{path}: starts with a byte-order mark")
    if "\r" in text:
        raise ValueError(f"{path}: contains carriage returns (use LF line endings)")
    if text.endswith("\n"):
        text = text[:-1]
    return text.split("\n")


def check_labels(name: str, labels: list[str]) -> list[str]:
    """Return a list of problems found in one language's labels."""
    problems: list[str] = []
    if len(labels) != NUM_CLASSES:
        problems.append(f"{name}: {len(labels)} lines, expected {NUM_CLASSES}")
    for index, label in enumerate(labels):
        if not label.strip():
            problems.append(f"{name}: line for index {index} is empty")
        elif label != label.strip():
            problems.append(f"{name}: index {index} has leading/trailing whitespace: {label!r}")
        elif "  " in label or "\t" in label:
            problems.append(f"{name}: index {index} has doubled space or tab: {label!r}")
    counts = Counter(labels)
    for label, count in sorted(counts.items()):
        if count > 1 and label.strip():
            where = [i for i, other in enumerate(labels) if other == label]
            problems.append(f"{name}: duplicate {label!r} at indices {where}")
    return problems


def main(argv: list[str]) -> int:
    """Check both label files and print spot checks; return the exit status."""
    label_dir = Path(argv[1]) if len(argv) > 1 else DEFAULT_DIR
    all_labels: dict[str, list[str]] = {}
    problems: list[str] = []
    for lang in LANGUAGES:
        path = label_dir / f"labels_{lang}.txt"
        try:
            labels = load_labels(path)
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            problems.append(f"{lang}: cannot read {path}: {exc}")
            continue
        all_labels[lang] = labels
        problems.extend(check_labels(lang, labels))
        longest = max(labels, key=len) if labels else ""
        print(f"{path.name}: {len(labels)} lines, longest {len(longest)} chars ({longest!r})")

    print("\nSpot checks:")
    for index in SPOT_CHECKS:
        cells = []
        for lang in LANGUAGES:
            labels = all_labels.get(lang, [])
            cells.append(labels[index] if index < len(labels) else "<missing>")
        print(f"  {index:>3}  " + "  |  ".join(cells))

    if problems:
        print(f"\n{len(problems)} problem(s):")
        for problem in problems:
            print(f"  - {problem}")
        return 1
    print("\nOK: both files have 1000 clean, unique labels.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
