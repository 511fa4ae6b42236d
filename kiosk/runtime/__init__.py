"""Blocking work without widgets: frame sources, model sessions, pipeline, storage."""
