"""A small TFLite → ONNX converter for the MediaPipe vision models the kiosk uses.

It covers exactly the operators of the pose, hand, face and selfie-segmentation models shipped in
the ``mediapipe==0.10.14`` wheel (float graphs whose weights are stored as float16 behind
DEQUANTIZE, or sparse behind DENSIFY) and refuses anything else by name, so a new model never
converts silently wrong. Build-time only: it needs ``ai-edge-litert`` (the TFLite schema, and the
interpreter that densifies sparse weights and serves as the parity reference), ``onnx`` and NumPy.

Layout: TFLite is NHWC, ONNX convolutions are NCHW. Rank-4 activations are kept NCHW inside the
graph; the graph's inputs and outputs keep TFLite's NHWC shapes, so a caller feeds and reads the
ONNX model exactly as it would the TFLite one.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from ai_edge_litert import schema_py_generated as tfl
from onnx import TensorProto, helper, numpy_helper

OPSET = 17

_BUILTIN_NAMES = {v: k for k, v in vars(tfl.BuiltinOperator).items() if not k.startswith("_")}
_NP_TYPES = {
    tfl.TensorType.FLOAT32: np.float32, tfl.TensorType.FLOAT16: np.float16,
    tfl.TensorType.INT32: np.int32, tfl.TensorType.INT64: np.int64,
    tfl.TensorType.UINT8: np.uint8, tfl.TensorType.INT8: np.int8,
}
# NHWC axis → NCHW axis.
_TO_NCHW = {0: 0, 1: 2, 2: 3, 3: 1}
_CUSTOM_TRANSPOSE_CONV = "Convolution2DTransposeBias"


class UnsupportedModel(ValueError):
    """The model uses an operator or option this converter does not translate."""


def read_model(path: Path) -> Any:
    """The TFLite flatbuffer at ``path`` as the schema's object tree (``ModelT``)."""
    buf = bytearray(path.read_bytes())
    return tfl.ModelT.InitFromPackedBuf(buf, 0)


def op_name(model: Any, op: Any) -> str:
    """Builtin name of ``op`` (``CONV_2D`` …), or ``CUSTOM:<code>``."""
    code = model.operatorCodes[op.opcodeIndex]
    builtin = max(code.builtinCode, code.deprecatedBuiltinCode)
    name = _BUILTIN_NAMES.get(builtin, f"#{builtin}")
    if name == "CUSTOM":
        custom = code.customCode
        return "CUSTOM:" + (custom.decode() if isinstance(custom, bytes) else str(custom))
    return name


def _buffer_array(model: Any, tensor: Any) -> np.ndarray | None:
    data = model.buffers[tensor.buffer].data
    if data is None or len(data) == 0:
        return None
    dtype = _NP_TYPES.get(tensor.type)
    if dtype is None:
        raise UnsupportedModel(f"tensor {tensor.name!r} has unsupported type {tensor.type}")
    raw = np.asarray(data, dtype=np.uint8).tobytes()
    return np.frombuffer(raw, dtype=dtype).reshape([int(d) for d in tensor.shape]).copy()


def constant_values(model: Any, tflite_path: Path) -> dict[int, np.ndarray]:
    """Every constant tensor of subgraph 0 as float32/int arrays, weights decoded.

    float16 weights behind DEQUANTIZE are widened here; sparse weights behind DENSIFY are
    densified by the TFLite interpreter itself (one run with all tensors preserved), so the
    sparse storage format never has to be re-implemented.
    """
    graph = model.subgraphs[0]
    consts: dict[int, np.ndarray] = {}
    for i, tensor in enumerate(graph.tensors):
        if tensor.sparsity is not None:
            continue
        arr = _buffer_array(model, tensor)
        if arr is not None:
            consts[i] = arr.astype(np.float32) if arr.dtype == np.float16 else arr
    densify_outputs: list[int] = []
    for op in graph.operators:
        name = op_name(model, op)
        if name == "DEQUANTIZE" and op.inputs[0] in consts:
            consts[op.outputs[0]] = consts[op.inputs[0]].astype(np.float32)
        elif name == "DENSIFY":
            densify_outputs.append(op.outputs[0])
    if densify_outputs:
        from ai_edge_litert.interpreter import Interpreter, OpResolverType

        # Without the default (XNNPACK) delegate every intermediate tensor stays readable.
        interp = Interpreter(
            model_path=str(tflite_path), experimental_preserve_all_tensors=True,
            experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
        interp.allocate_tensors()
        detail = interp.get_input_details()[0]
        interp.set_tensor(detail["index"], np.zeros(detail["shape"], dtype=np.float32))
        interp.invoke()
        for t in densify_outputs:
            consts[t] = np.array(interp.get_tensor(t))
        # A DEQUANTIZE behind a DENSIFY (fp16 sparse weights) reads the densified tensor.
        for op in graph.operators:
            if op_name(model, op) == "DEQUANTIZE" and op.outputs[0] not in consts:
                consts[op.outputs[0]] = np.array(interp.get_tensor(op.outputs[0]))
    return consts


def _same_pads(size: int, kernel: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    out = -(-size // stride)
    total = max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0)
    return total // 2, total - total // 2


@dataclass
class _Graph:
    """The ONNX graph under construction."""

    nodes: list[onnx.NodeProto] = field(default_factory=list)
    inits: list[onnx.TensorProto] = field(default_factory=list)
    counter: int = 0

    def fresh(self, hint: str) -> str:
        self.counter += 1
        return f"{hint}__{self.counter}"

    def const(self, hint: str, value: np.ndarray) -> str:
        name = self.fresh(hint)
        half = value.astype(np.float16) if value.dtype == np.float32 and value.size >= 64 else None
        if half is not None and np.array_equal(half.astype(np.float32), value):
            # MediaPipe stores its weights as float16: keep them so (lossless, half the file)
            # and widen once when onnxruntime folds the Cast at session creation.
            self.inits.append(numpy_helper.from_array(np.ascontiguousarray(half), name + "_f16"))
            self.nodes.append(helper.make_node("Cast", [name + "_f16"], [name],
                                               to=TensorProto.FLOAT))
            return name
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def node(self, op: str, inputs: list[str], outputs: list[str] | None = None,
             hint: str = "", **attrs: Any) -> str:
        outs = outputs or [self.fresh(hint or op)]
        self.nodes.append(helper.make_node(op, inputs, outs, **attrs))
        return outs[0]


class Converter:
    """Translates subgraph 0 of one TFLite model into an ONNX model."""

    def __init__(self, model: Any, consts: dict[int, np.ndarray]) -> None:
        self.model = model
        self.graph = model.subgraphs[0]
        self.consts = consts
        self.g = _Graph()
        # Tensor index → (onnx name, layout) with layout "nchw", "nhwc" (rank 4) or "plain".
        self.values: dict[int, tuple[str, str]] = {}
        self._views: dict[tuple[int, str], str] = {}

    # -- tensors ---------------------------------------------------------------------------
    def tname(self, t: int) -> str:
        raw = self.graph.tensors[t].name
        text = raw.decode() if isinstance(raw, bytes) else str(raw)
        return f"t{t}_{text}".replace(";", "_").replace(":", "_").replace("/", "_")[:120]

    def io_name(self, t: int) -> str:
        """The graph input's or output's name: the TFLite name, unchanged where it is plain."""
        raw = self.graph.tensors[t].name
        text = raw.decode() if isinstance(raw, bytes) else str(raw)
        return "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in text)

    def shape(self, t: int) -> list[int]:
        return [int(d) for d in self.graph.tensors[t].shape]

    def is_const(self, t: int) -> bool:
        return t in self.consts

    def as_layout(self, t: int, layout: str) -> str:
        """Tensor ``t`` as an ONNX value in ``layout`` ("nchw", "nhwc" or "plain")."""
        if self.is_const(t):
            value = self.consts[t]
            if layout == "nchw" and value.ndim == 4:
                value = value.transpose(0, 3, 1, 2)
            return self._views.setdefault((t, layout), self.g.const(self.tname(t), value))
        name, have = self.values[t]
        if have == layout or have == "plain" or (layout == "plain" and have == "nhwc"):
            return name
        key = (t, layout)
        if key not in self._views:
            perm = [0, 2, 3, 1] if layout in ("nhwc", "plain") else [0, 3, 1, 2]
            self._views[key] = self.g.node("Transpose", [name], hint=self.tname(t) + "_" + layout,
                                           perm=perm)
        return self._views[key]

    def broadcast_const(self, t: int, rank4_nchw: bool) -> str:
        """A constant operand of an elementwise op, reshaped for an NCHW partner."""
        value = self.consts[t]
        if rank4_nchw:
            while value.ndim < 4:
                value = value[np.newaxis]
            value = value.transpose(0, 3, 1, 2)
        return self.g.const(self.tname(t), value)

    def set_out(self, t: int, name: str, layout: str) -> None:
        self.values[t] = (name, layout)

    # -- helpers ---------------------------------------------------------------------------
    def activation(self, name: str, fused: int, hint: str) -> str:
        act = tfl.ActivationFunctionType
        if fused == act.NONE:
            return name
        if fused == act.RELU:
            return self.g.node("Relu", [name], hint=hint)
        if fused == act.RELU6:
            return self.g.node("Clip", [name, self.g.const("zero", np.float32(0)),
                                        self.g.const("six", np.float32(6))], hint=hint)
        if fused == act.RELU_N1_TO_1:
            return self.g.node("Clip", [name, self.g.const("m1", np.float32(-1)),
                                        self.g.const("p1", np.float32(1))], hint=hint)
        if fused == act.TANH:
            return self.g.node("Tanh", [name], hint=hint)
        raise UnsupportedModel(f"fused activation {fused}")

    def spatial_pads(self, t_in: int, kh: int, kw: int, sh: int, sw: int, padding: int,
                     dh: int = 1, dw: int = 1) -> list[int]:
        if padding == tfl.Padding.VALID:
            return [0, 0, 0, 0]
        _, h, w, _ = self.shape(t_in)
        top, bottom = _same_pads(h, kh, sh, dh)
        left, right = _same_pads(w, kw, sw, dw)
        return [top, left, bottom, right]

    # -- operators -------------------------------------------------------------------------
    def convert(self, name: str) -> onnx.ModelProto:
        graph = self.graph
        inputs = []
        for t in graph.inputs:
            shape = self.shape(t)
            inputs.append(helper.make_tensor_value_info(self.io_name(t), TensorProto.FLOAT, shape))
            self.set_out(t, self.io_name(t), "nhwc" if len(shape) == 4 else "plain")
        for op in graph.operators:
            self.convert_op(op)
        outputs = []
        for t in graph.outputs:
            value = self.as_layout(t, "nhwc" if len(self.shape(t)) == 4 else "plain")
            out_name = self.io_name(t)
            self.g.node("Identity", [value], [out_name])
            outputs.append(helper.make_tensor_value_info(out_name, TensorProto.FLOAT,
                                                         self.shape(t)))
        onnx_graph = helper.make_graph(self.g.nodes, name, inputs, outputs, self.g.inits)
        model = helper.make_model(onnx_graph, opset_imports=[helper.make_opsetid("", OPSET)],
                                  producer_name="showroom-kiosk tflite_to_onnx")
        model.ir_version = 8
        onnx.checker.check_model(model)
        return model

    def convert_op(self, op: Any) -> None:
        name = op_name(self.model, op)
        handler = getattr(self, "op_" + name.replace("CUSTOM:", "custom_"), None)
        if name in ("DEQUANTIZE", "DENSIFY"):
            if op.outputs[0] not in self.consts:
                raise UnsupportedModel(f"{name} of a non-constant tensor")
            return
        if handler is None:
            raise UnsupportedModel(f"operator {name} is not supported")
        handler(op)

    def op_CONV_2D(self, op: Any) -> None:
        o = op.builtinOptions
        x, w, b = op.inputs[0], op.inputs[1], op.inputs[2] if len(op.inputs) > 2 else -1
        weight = self.consts[w]  # [O, kh, kw, I]
        _, kh, kw, _ = weight.shape
        pads = self.spatial_pads(x, kh, kw, o.strideH, o.strideW, o.padding,
                                 o.dilationHFactor, o.dilationWFactor)
        ins = [self.as_layout(x, "nchw"), self.g.const(self.tname(w), weight.transpose(0, 3, 1, 2))]
        if b >= 0:
            ins.append(self.g.const(self.tname(b), self.consts[b]))
        out = self.g.node("Conv", ins, hint=self.tname(op.outputs[0]),
                          strides=[o.strideH, o.strideW], pads=pads, kernel_shape=[kh, kw],
                          dilations=[o.dilationHFactor, o.dilationWFactor])
        self.set_out(op.outputs[0], self.activation(out, o.fusedActivationFunction, "act"), "nchw")

    def op_DEPTHWISE_CONV_2D(self, op: Any) -> None:
        o = op.builtinOptions
        x, w, b = op.inputs[0], op.inputs[1], op.inputs[2] if len(op.inputs) > 2 else -1
        weight = self.consts[w]  # [1, kh, kw, C * multiplier]
        _, kh, kw, channels = weight.shape
        groups = self.shape(x)[3]
        pads = self.spatial_pads(x, kh, kw, o.strideH, o.strideW, o.padding,
                                 o.dilationHFactor, o.dilationWFactor)
        kernel = weight.transpose(3, 0, 1, 2).reshape(channels, 1, kh, kw)
        ins = [self.as_layout(x, "nchw"), self.g.const(self.tname(w), kernel)]
        if b >= 0:
            ins.append(self.g.const(self.tname(b), self.consts[b]))
        out = self.g.node("Conv", ins, hint=self.tname(op.outputs[0]), group=groups,
                          strides=[o.strideH, o.strideW], pads=pads, kernel_shape=[kh, kw],
                          dilations=[o.dilationHFactor, o.dilationWFactor])
        self.set_out(op.outputs[0], self.activation(out, o.fusedActivationFunction, "act"), "nchw")

    def custom_transpose_conv(self, op: Any) -> None:
        # MediaPipe's op carries TfLiteTransposeConvParams: padding, stride_width, stride_height.
        raw = bytes(np.asarray(op.customOptions, dtype=np.uint8))
        padding, stride_w, stride_h = struct.unpack("<3i", raw[:12])
        x, w, b = op.inputs
        weight = self.consts[w]  # [O, kh, kw, I]
        _, kh, kw, _ = weight.shape
        _, h_in, w_in, _ = self.shape(x)
        _, h_out, w_out, _ = self.shape(op.outputs[0])
        pad_h = max(stride_h * (h_in - 1) + kh - h_out, 0)
        pad_w = max(stride_w * (w_in - 1) + kw - w_out, 0)
        if padding == tfl.Padding.VALID:
            pads = [0, 0, 0, 0]
        else:
            pads = [pad_h // 2, pad_w // 2, pad_h - pad_h // 2, pad_w - pad_w // 2]
        out = self.g.node(
            "ConvTranspose",
            [self.as_layout(x, "nchw"), self.g.const(self.tname(w), weight.transpose(3, 0, 1, 2)),
             self.g.const(self.tname(b), self.consts[b])],
            hint=self.tname(op.outputs[0]), strides=[stride_h, stride_w], pads=pads,
            kernel_shape=[kh, kw])
        self.set_out(op.outputs[0], out, "nchw")

    def op_custom_Convolution2DTransposeBias(self, op: Any) -> None:
        self.custom_transpose_conv(op)

    def _elementwise(self, op: Any, onnx_op: str, fused: int) -> None:
        a, b = op.inputs
        rank4 = len(self.shape(op.outputs[0])) == 4
        layout = "nchw" if rank4 else "plain"
        ins = [self.broadcast_const(t, rank4) if self.is_const(t) else self.as_layout(t, layout)
               for t in (a, b)]
        out = self.g.node(onnx_op, ins, hint=self.tname(op.outputs[0]))
        self.set_out(op.outputs[0], self.activation(out, fused, "act"), layout)

    def op_ADD(self, op: Any) -> None:
        self._elementwise(op, "Add", op.builtinOptions.fusedActivationFunction)

    def op_MUL(self, op: Any) -> None:
        self._elementwise(op, "Mul", op.builtinOptions.fusedActivationFunction)

    def _unary(self, op: Any, onnx_op: str) -> None:
        t = op.inputs[0]
        name, layout = self.values[t]
        self.set_out(op.outputs[0], self.g.node(onnx_op, [name], hint=self.tname(op.outputs[0])),
                     layout)

    def op_RELU(self, op: Any) -> None:
        self._unary(op, "Relu")

    def op_LOGISTIC(self, op: Any) -> None:
        self._unary(op, "Sigmoid")

    def op_HARD_SWISH(self, op: Any) -> None:
        self._unary(op, "HardSwish")

    def op_PRELU(self, op: Any) -> None:
        x, alpha = op.inputs
        rank4 = len(self.shape(x)) == 4
        out = self.g.node("PRelu", [self.as_layout(x, "nchw" if rank4 else "plain"),
                                    self.broadcast_const(alpha, rank4)],
                          hint=self.tname(op.outputs[0]))
        self.set_out(op.outputs[0], out, "nchw" if rank4 else "plain")

    def op_PAD(self, op: Any) -> None:
        x, paddings = op.inputs
        p = self.consts[paddings].astype(np.int64)  # [[before, after]] per NHWC axis
        if p.shape != (4, 2):
            raise UnsupportedModel("PAD of a tensor that is not rank 4")
        order = [0, 3, 1, 2]
        pads = [int(p[a, 0]) for a in order] + [int(p[a, 1]) for a in order]
        out = self.g.node("Pad", [self.as_layout(x, "nchw"),
                                  self.g.const("pads", np.array(pads, dtype=np.int64))],
                          hint=self.tname(op.outputs[0]), mode="constant")
        self.set_out(op.outputs[0], out, "nchw")

    def _pool(self, op: Any, onnx_op: str) -> None:
        o = op.builtinOptions
        x = op.inputs[0]
        pads = self.spatial_pads(x, o.filterHeight, o.filterWidth, o.strideH, o.strideW,
                                 o.padding)
        attrs: dict[str, Any] = {"kernel_shape": [o.filterHeight, o.filterWidth],
                                 "strides": [o.strideH, o.strideW], "pads": pads}
        if onnx_op == "AveragePool":
            attrs["count_include_pad"] = 0  # TFLite averages over the real pixels only
        out = self.g.node(onnx_op, [self.as_layout(x, "nchw")], hint=self.tname(op.outputs[0]),
                          **attrs)
        self.set_out(op.outputs[0], self.activation(out, o.fusedActivationFunction, "act"), "nchw")

    def op_MAX_POOL_2D(self, op: Any) -> None:
        self._pool(op, "MaxPool")

    def op_AVERAGE_POOL_2D(self, op: Any) -> None:
        self._pool(op, "AveragePool")

    def op_RESHAPE(self, op: Any) -> None:
        x = op.inputs[0]
        shape = np.array(self.shape(op.outputs[0]), dtype=np.int64)
        out = self.g.node("Reshape", [self.as_layout(x, "nhwc"), self.g.const("shape", shape)],
                          hint=self.tname(op.outputs[0]))
        self.set_out(op.outputs[0], out, "nhwc" if shape.size == 4 else "plain")

    def op_CONCATENATION(self, op: Any) -> None:
        o = op.builtinOptions
        rank = len(self.shape(op.outputs[0]))
        axis = o.axis % rank
        if rank == 4:
            ins = [self.as_layout(t, "nchw") for t in op.inputs]
            out = self.g.node("Concat", ins, hint=self.tname(op.outputs[0]), axis=_TO_NCHW[axis])
            layout = "nchw"
        else:
            ins = [self.as_layout(t, "plain") for t in op.inputs]
            out = self.g.node("Concat", ins, hint=self.tname(op.outputs[0]), axis=axis)
            layout = "plain"
        self.set_out(op.outputs[0], self.activation(out, o.fusedActivationFunction, "act"), layout)

    def op_RESIZE_BILINEAR(self, op: Any) -> None:
        o = op.builtinOptions
        x = op.inputs[0]
        n, h, w, c = self.shape(op.outputs[0])
        if o.alignCorners:
            mode = "align_corners"
        elif o.halfPixelCenters:
            mode = "half_pixel"  # TF's half-pixel resize clamps like ONNX's half_pixel
        else:
            mode = "asymmetric"
        sizes = self.g.const("sizes", np.array([n, c, h, w], dtype=np.int64))
        out = self.g.node("Resize", [self.as_layout(x, "nchw"), "", "", sizes],
                          hint=self.tname(op.outputs[0]), mode="linear",
                          coordinate_transformation_mode=mode)
        self.set_out(op.outputs[0], out, "nchw")

    def op_DEPTH_TO_SPACE(self, op: Any) -> None:
        out = self.g.node("DepthToSpace", [self.as_layout(op.inputs[0], "nchw")],
                          hint=self.tname(op.outputs[0]),
                          blocksize=op.builtinOptions.blockSize, mode="DCR")
        self.set_out(op.outputs[0], out, "nchw")

    def op_MEAN(self, op: Any) -> None:
        x, axes_t = op.inputs
        axes = [int(a) % 4 for a in np.atleast_1d(self.consts[axes_t])]
        keep = bool(op.builtinOptions.keepDims)
        if len(self.shape(x)) != 4:
            raise UnsupportedModel("MEAN of a tensor that is not rank 4")
        if keep:
            out = self.g.node("ReduceMean", [self.as_layout(x, "nchw")],
                              hint=self.tname(op.outputs[0]),
                              axes=[_TO_NCHW[a] for a in axes], keepdims=1)
            self.set_out(op.outputs[0], out, "nchw")
        else:
            out = self.g.node("ReduceMean", [self.as_layout(x, "nhwc")],
                              hint=self.tname(op.outputs[0]), axes=axes, keepdims=0)
            self.set_out(op.outputs[0], out, "plain")

    def op_FULLY_CONNECTED(self, op: Any) -> None:
        o = op.builtinOptions
        x, w = op.inputs[0], op.inputs[1]
        b = op.inputs[2] if len(op.inputs) > 2 else -1
        weight = self.consts[w]  # [out, in]
        flat = self.g.node("Reshape", [self.as_layout(x, "nhwc"),
                                       self.g.const("shape", np.array([-1, weight.shape[1]],
                                                                      dtype=np.int64))])
        ins = [flat, self.g.const(self.tname(w), weight)]
        if b >= 0:
            ins.append(self.g.const(self.tname(b), self.consts[b]))
        out = self.g.node("Gemm", ins, hint=self.tname(op.outputs[0]), transB=1)
        out = self.activation(out, o.fusedActivationFunction, "act")
        want = self.shape(op.outputs[0])
        if len(want) != 2:
            out = self.g.node("Reshape", [out, self.g.const("shape", np.array(want,
                                                                             dtype=np.int64))])
        self.set_out(op.outputs[0], out, "nhwc" if len(want) == 4 else "plain")


def convert(tflite_path: Path, graph_name: str) -> onnx.ModelProto:
    """The ONNX translation of the TFLite model at ``tflite_path``."""
    model = read_model(tflite_path)
    if len(model.subgraphs) != 1:
        raise UnsupportedModel("only single-subgraph models are supported")
    return Converter(model, constant_values(model, tflite_path)).convert(graph_name)


def reference_model_bytes(tflite_path: Path) -> bytes:
    """The TFLite model with MediaPipe's custom transposed convolution made a builtin.

    The stock TFLite interpreter does not know ``Convolution2DTransposeBias``; its builtin
    TRANSPOSE_CONV with a bias input computes the same thing, so the parity reference can run
    the rest of the graph unchanged.
    """
    import flatbuffers

    model = read_model(tflite_path)
    graph = model.subgraphs[0]
    custom_codes = [i for i, c in enumerate(model.operatorCodes)
                    if c.customCode is not None and _CUSTOM_TRANSPOSE_CONV in (
                        c.customCode.decode() if isinstance(c.customCode, bytes)
                        else str(c.customCode))]
    if not custom_codes:
        return tflite_path.read_bytes()
    code = tfl.OperatorCodeT()
    code.builtinCode = code.deprecatedBuiltinCode = tfl.BuiltinOperator.TRANSPOSE_CONV
    code.version = 3
    model.operatorCodes.append(code)
    new_index = len(model.operatorCodes) - 1
    for op in graph.operators:
        if op.opcodeIndex not in custom_codes:
            continue
        raw = bytes(np.asarray(op.customOptions, dtype=np.uint8))
        padding, stride_w, stride_h = struct.unpack("<3i", raw[:12])
        x, w, b = op.inputs
        buffer = tfl.BufferT()
        buffer.data = np.frombuffer(
            np.array(graph.tensors[op.outputs[0]].shape, dtype=np.int32).tobytes(), np.uint8)
        model.buffers.append(buffer)
        shape_tensor = tfl.TensorT()
        shape_tensor.shape = np.array([4], dtype=np.int32)
        shape_tensor.type = tfl.TensorType.INT32
        shape_tensor.buffer = len(model.buffers) - 1
        shape_tensor.name = b"transpose_conv_output_shape"
        graph.tensors.append(shape_tensor)
        options = tfl.TransposeConvOptionsT()
        options.padding, options.strideW, options.strideH = padding, stride_w, stride_h
        op.opcodeIndex = new_index
        op.inputs = np.array([len(graph.tensors) - 1, w, x, b], dtype=np.int32)
        op.builtinOptionsType = tfl.BuiltinOptions.TransposeConvOptions
        op.builtinOptions = options
        op.customOptions = None
    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())
