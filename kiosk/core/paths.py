"""Where the kiosk finds its built-in files and where it keeps state.

Built-in demos, models and assets sit next to the code (the repository, or the
PyInstaller bundle); everything the kiosk writes goes to the data dir, so an update of
the program never touches visitor statistics, settings or imported packs.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "showroom-kiosk"


def app_root() -> Path:
    """The folder holding ``demos/``, ``models/`` and ``assets/``."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle)
    return Path(__file__).resolve().parents[2]


def demos_dir() -> Path:
    """Built-in demo packs."""
    return app_root() / "demos"


def models_dir() -> Path:
    """Built-in models (shared by built-in demos)."""
    return app_root() / "models"


def assets_dir() -> Path:
    """Theme, fonts, icons and sample media."""
    return app_root() / "assets"


def sample_media_dir() -> Path:
    """Photos used when no camera works."""
    return assets_dir() / "sample"


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The folder for all state; ``--data-dir`` or ``KIOSK_DATA_DIR`` override the default."""
    chosen = override or os.environ.get("KIOSK_DATA_DIR")
    if chosen:
        return Path(chosen).expanduser().resolve()
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))
