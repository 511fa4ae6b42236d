"""Which files an ONNX model reads besides itself ("external data"), found without onnx.

Large models keep their weights in separate files named inside the model (a tensor with
``data_location = EXTERNAL`` and a ``location`` entry). onnxruntime opens those files when
the model loads — before 1.24 even ``../../etc/passwd`` or an absolute path. A pack's model
is data from a stranger, so the kiosk reads the model's protobuf itself (a small wire-format
walker: the ``onnx`` package is not a runtime dependency), insists on plain file names next
to the model, and lets the pack's checksums cover those files.

Walked: the main graph, nested graphs (``Loop``/``If``/``Scan`` bodies), node attributes,
sparse initializers, functions and training graphs — everywhere a tensor can live.
"""

from __future__ import annotations

import mmap
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from kiosk.core.manifest import is_plain_name
from kiosk.core.problems import Msg, msg
from kiosk.core.safe_read import is_regular_file
from kiosk.runtime.file_cache import FileCache

MAX_DEPTH = 64  # nested graphs; real models nest two or three levels

# field numbers from onnx.proto (ModelProto, GraphProto, NodeProto, AttributeProto, ...)
_MODEL_GRAPH, _MODEL_TRAINING, _MODEL_FUNCTIONS = 7, 20, 25
_TRAINING_GRAPHS = (1, 2)  # initialization, algorithm
_GRAPH_NODE, _GRAPH_INIT, _GRAPH_SPARSE_INIT = 1, 5, 15
_FUNCTION_NODE = 7
_NODE_ATTRIBUTE = 5
_ATTR_TENSOR, _ATTR_GRAPH, _ATTR_TENSORS, _ATTR_GRAPHS = 5, 6, 10, 11
_ATTR_SPARSE, _ATTR_SPARSES = 22, 23
_SPARSE_PARTS = (1, 2)  # values, indices
_TENSOR_NAME, _TENSOR_EXTERNAL, _TENSOR_LOCATION = 8, 13, 14
_EXTERNAL = 1  # TensorProto.DataLocation.EXTERNAL


class OnnxFormatError(ValueError):
    """The file is not a well-formed ONNX protobuf (onnxruntime will say more)."""


@dataclass(frozen=True)
class ExternalRef:
    """One tensor whose bytes live in another file."""

    tensor: str
    location: str


def _varint(buf: memoryview, i: int, end: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if i >= end or shift > 63:
            raise OnnxFormatError("truncated or overlong varint")
        b = buf[i]
        i += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, i
        shift += 7


def _fields(buf: memoryview, start: int, end: int) -> Iterator[tuple[int, int, int, int]]:
    """(field number, wire type, value or payload start, payload end) of one message."""
    i = start
    while i < end:
        key, i = _varint(buf, i, end)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(buf, i, end)
            yield field, wire, value, i
        elif wire == 1:
            i += 8
            yield field, wire, i - 8, i
        elif wire == 2:
            length, i = _varint(buf, i, end)
            if length > end - i:
                raise OnnxFormatError("a field runs past the end of its message")
            yield field, wire, i, i + length
            i += length
        elif wire == 5:
            i += 4
            yield field, wire, i - 4, i
        else:  # groups (3, 4) are not used by ONNX; 6, 7 do not exist
            raise OnnxFormatError(f"unexpected wire type {wire}")
        if i > end:
            raise OnnxFormatError("a field runs past the end of its message")


def _tensor(buf: memoryview, start: int, end: int) -> ExternalRef | None:
    name = location = ""
    external = False
    for field, wire, a, b in _fields(buf, start, end):
        if field == _TENSOR_NAME and wire == 2:
            name = bytes(buf[a:b]).decode("utf-8", "replace")
        elif field == _TENSOR_LOCATION and wire == 0:
            external = a == _EXTERNAL
        elif field == _TENSOR_EXTERNAL and wire == 2:
            key = value = ""
            for f2, w2, a2, b2 in _fields(buf, a, b):
                if w2 == 2 and f2 in (1, 2):
                    text = bytes(buf[a2:b2]).decode("utf-8", "replace")
                    key, value = (text, value) if f2 == 1 else (key, text)
            if key == "location":
                location = value
    if external or location:
        return ExternalRef(name, location)
    return None


def external_refs(data: bytes | mmap.mmap | memoryview) -> list[ExternalRef]:
    """Every tensor in the model that names external data (``location`` may be empty)."""
    with memoryview(data) as buf:
        return _walk(buf)


def _walk(buf: memoryview) -> list[ExternalRef]:
    found: list[ExternalRef] = []
    # (kind, start, end, depth): an explicit stack, so a hostile nesting cannot recurse deep
    stack: list[tuple[str, int, int, int]] = [("model", 0, len(buf), 0)]
    while stack:
        kind, start, end, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise OnnxFormatError(f"nests graphs more than {MAX_DEPTH} levels deep")
        for field, wire, a, b in _fields(buf, start, end):
            if wire != 2:
                continue
            child: str | None = None
            if kind == "model":
                child = {_MODEL_GRAPH: "graph", _MODEL_TRAINING: "training",
                         _MODEL_FUNCTIONS: "function"}.get(field)
            elif kind == "training" and field in _TRAINING_GRAPHS:
                child = "graph"
            elif kind == "graph":
                child = {_GRAPH_NODE: "node", _GRAPH_INIT: "tensor",
                         _GRAPH_SPARSE_INIT: "sparse"}.get(field)
            elif kind == "function" and field == _FUNCTION_NODE:
                child = "node"
            elif kind == "node" and field == _NODE_ATTRIBUTE:
                child = "attribute"
            elif kind == "attribute":
                child = {_ATTR_TENSOR: "tensor", _ATTR_TENSORS: "tensor", _ATTR_GRAPH: "graph",
                         _ATTR_GRAPHS: "graph", _ATTR_SPARSE: "sparse",
                         _ATTR_SPARSES: "sparse"}.get(field)
            elif kind == "sparse" and field in _SPARSE_PARTS:
                child = "tensor"
            if child == "tensor":
                ref = _tensor(buf, a, b)
                if ref is not None:
                    found.append(ref)
            elif child is not None:
                stack.append((child, a, b, depth + (child == "graph")))
    return found




def model_external_refs(path: Path) -> list[ExternalRef]:
    """:func:`external_refs` of a model file (memory-mapped: models can be large),
    remembered until the file changes: discovery asks for every model every time."""
    return list(_REFS(path))


def _read_refs(path: Path) -> list[ExternalRef]:
    with path.open("rb") as fh:
        if fh.seek(0, 2) == 0:
            raise OnnxFormatError("the file is empty")
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            return external_refs(mm)


_REFS: FileCache[list[ExternalRef]] = FileCache(_read_refs)


def external_problems(
    model: Path, declared: Mapping[str, str] | None, sha256: Callable[[Path], str],
) -> list[tuple[Msg, Msg]]:
    """(problem, fix) for every external weight file of ``model`` that is not a plain file
    next to it, or that ``declared`` (file name → sha256, from the manifest) does not cover
    (``None``: coverage not checked, for a proposal that computes the checksums itself).

    A model that is not a readable protobuf gives no problems here: loading it fails with
    onnxruntime's own message.
    """
    try:
        refs = model_external_refs(model)
    except (OnnxFormatError, OSError, ValueError):
        return []
    problems: list[tuple[Msg, Msg]] = []
    for location in sorted({r.location for r in refs}):
        path = model.parent / location
        if not is_plain_name(location):
            problems.append((msg("weights.not_plain", location=repr(location)),
                             msg("weights.fix.plain")))
        elif not is_regular_file(path):
            problems.append((msg("weights.missing", location=location),
                             msg("weights.fix.put", location=location)))
        elif declared is None:
            continue
        elif location not in declared:
            problems.append((msg("weights.uncovered", location=location),
                             msg("weights.fix.add_sha", location=location)))
        elif sha256(path) != declared[location]:
            problems.append((msg("weights.sha_mismatch", location=location),
                             msg("weights.fix.sha_mismatch")))
    return problems
