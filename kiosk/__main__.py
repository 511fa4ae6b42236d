"""``python -m kiosk`` is the ``kiosk`` command."""

import multiprocessing
import sys

from kiosk.cli import main

if __name__ == "__main__":
    # In the PyInstaller bundle the model-check child process (kiosk.runtime.isolated) is
    # this executable started again; freeze_support() turns it into that child.
    multiprocessing.freeze_support()
    sys.exit(main())
