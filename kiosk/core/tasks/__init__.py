"""Pre- and post-processing of the task types the kiosk knows (no Qt, no onnxruntime)."""
