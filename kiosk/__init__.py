"""Showroom Kiosk: an offline touch-screen kiosk for live AI demonstrators."""

__version__ = "0.1.0"
