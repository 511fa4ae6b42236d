"""PySide6 widgets and screens; reaches core/runtime only through small interfaces."""
