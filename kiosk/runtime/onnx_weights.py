"""Reads a classifier's last-layer weights straight from an ONNX file.

A class activation map needs the weights that turn pooled features into class scores.
onnxruntime does not expose a graph's initializers and the ``onnx`` package is not a
run-time dependency, so this module reads the few protobuf fields it needs itself
(ModelProto.graph → GraphProto.node / .initializer → TensorProto). Anything it does not
understand (external data, unusual layouts) gives ``None``: the caller then falls back
to another explanation, it never fails a demo.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

_FLOAT = 1  # TensorProto.DataType.FLOAT


def _varint(buf: memoryview, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if b < 0x80:
            return value, pos
        shift += 7


def _fields(buf: memoryview) -> list[tuple[int, int, int | memoryview]]:
    """Top-level (field number, wire type, value) of one protobuf message."""
    out: list[tuple[int, int, int | memoryview]] = []
    pos, end = 0, len(buf)
    while pos < end:
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        value: int | memoryview
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 1:
            value, pos = int.from_bytes(buf[pos:pos + 8], "little"), pos + 8
        elif wire == 2:
            size, pos = _varint(buf, pos)
            value, pos = buf[pos:pos + size], pos + size
        elif wire == 5:
            value, pos = int.from_bytes(buf[pos:pos + 4], "little"), pos + 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        out.append((number, wire, value))
    return out


@dataclass
class _Node:
    op: str = ""
    inputs: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    ints: dict[str, int] = field(default_factory=dict)


def _node(buf: memoryview) -> _Node:
    node = _Node()
    for number, _, value in _fields(buf):
        if number == 1 and isinstance(value, memoryview):
            node.inputs.append(bytes(value).decode())
        elif number == 2 and isinstance(value, memoryview):
            node.outputs.append(bytes(value).decode())
        elif number == 4 and isinstance(value, memoryview):
            node.op = bytes(value).decode()
        elif number == 5 and isinstance(value, memoryview):  # AttributeProto
            name, ival = "", None
            for n2, _, v2 in _fields(value):
                if n2 == 1 and isinstance(v2, memoryview):
                    name = bytes(v2).decode()
                elif n2 == 3 and isinstance(v2, int):
                    ival = v2
            if ival is not None:
                node.ints[name] = ival
    return node


def _tensor(buf: memoryview) -> tuple[str, np.ndarray | None]:
    name, dims, dtype = "", [], 0
    raw: memoryview | None = None
    floats: memoryview | None = None
    external = False
    for number, wire, value in _fields(buf):
        if number == 1:
            if isinstance(value, memoryview):  # packed
                pos = 0
                while pos < len(value):
                    d, pos = _varint(value, pos)
                    dims.append(d)
            else:
                dims.append(value)
        elif number == 2 and isinstance(value, int):
            dtype = value
        elif number == 4 and isinstance(value, memoryview) and wire == 2:
            floats = value
        elif number == 8 and isinstance(value, memoryview):
            name = bytes(value).decode()
        elif number == 9 and isinstance(value, memoryview):
            raw = value
        elif number == 14 and value == 1:
            external = True
    if dtype != _FLOAT or external:
        return name, None
    data = raw if raw is not None else floats
    if data is None:
        return name, None
    arr = np.frombuffer(bytes(data), dtype="<f4")
    if arr.size != int(np.prod(dims)):
        return name, None
    return name, arr.reshape(dims).astype(np.float32)


def model_metadata(path: Path) -> dict[str, str]:
    """An ONNX file's producer and custom metadata (``metadata_props``), without a session.

    Empty for a file that is not readable ONNX.
    """
    out: dict[str, str] = {}
    try:
        for number, _, value in _fields(memoryview(path.read_bytes())):
            if not isinstance(value, memoryview):
                continue
            if number in (2, 3):  # producer_name, producer_version
                out["producer" if number == 2 else "producer_version"] = bytes(value).decode()
            elif number == 14:  # StringStringEntryProto
                entry = {n: bytes(v).decode() for n, _, v in _fields(value)
                         if isinstance(v, memoryview)}
                if 1 in entry:
                    out[entry[1]] = entry.get(2, "")
    except (OSError, ValueError, IndexError, UnicodeDecodeError):
        return {}
    return out


def classifier_weights(path: Path, output: str) -> np.ndarray | None:
    """The ``[classes, features]`` weight matrix of the layer that produces ``output``.

    Handles ``Gemm`` (with or without ``transB``) and ``MatMul`` (+ ``Add``) heads whose
    weights are initializers; ``None`` for anything else (or a file it cannot read).
    """
    try:
        data = memoryview(path.read_bytes())
        graph = next((v for n, _, v in _fields(data) if n == 7 and isinstance(v, memoryview)),
                     None)
        if graph is None:
            return None
        nodes: list[_Node] = []
        tensors: dict[str, memoryview] = {}
        for number, _, value in _fields(graph):
            if number == 1 and isinstance(value, memoryview):
                nodes.append(_node(value))
            elif number == 5 and isinstance(value, memoryview):
                # the name is read lazily: only the weights we need are decoded
                for n2, _, v2 in _fields(value):
                    if n2 == 8 and isinstance(v2, memoryview):
                        tensors[bytes(v2).decode()] = value
                        break
        return _head_weights(nodes, tensors, output)
    except (OSError, ValueError, IndexError, UnicodeDecodeError) as exc:
        log.info("no classifier weights in %s: %s", path.name, exc)
        return None


def _head_weights(nodes: list[_Node], tensors: dict[str, memoryview],
                  output: str) -> np.ndarray | None:
    producer = {o: n for n in nodes for o in n.outputs}
    node = producer.get(output)
    if node is not None and node.op == "Add":  # MatMul + bias
        node = next((producer[i] for i in node.inputs if i in producer
                     and producer[i].op == "MatMul"), None)
    if node is None or node.op not in ("Gemm", "MatMul") or len(node.inputs) < 2:
        return None
    if node.inputs[1] not in tensors:
        return None
    _, w = _tensor(tensors[node.inputs[1]])
    if w is None or w.ndim != 2:
        return None
    transposed = node.op == "Gemm" and node.ints.get("transB", 0) == 1
    return w if transposed else np.ascontiguousarray(w.T)
