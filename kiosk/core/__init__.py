"""Qt-free logic: demo manifests, task pre/post-processing, visitor sessions, settings."""
