"""Self-check of the native linear algebra OpenCV runs on.

The Linux bundle lets OpenCV's BLAS/LAPACK calls run on NumPy's OpenBLAS (see
``build/native_libs.py``), so a wrong build would give wrong geometry, not an error. This
compares OpenCV's solvers, decompositions and matrix products with NumPy's on fixed random
matrices big enough that OpenCV hands them to LAPACK rather than its own small-matrix code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import cv2
import numpy as np

N = 120  # above OpenCV's "small matrix" limits (about 100), so LAPACK does the work

# Error allowed, relative to the largest expected element (the systems are well conditioned).
TOLERANCE = {"float32": 2e-3, "float64": 1e-9}


def _f64(m: Any) -> np.ndarray[Any, np.dtype[np.float64]]:
    return np.asarray(m, dtype=np.float64)


def _complex(m: Any) -> np.ndarray[Any, np.dtype[np.complex128]]:
    """An OpenCV two-channel matrix (real, imaginary) as a complex NumPy matrix."""
    parts = _f64(m)
    return np.asarray(parts[..., 0] + 1j * parts[..., 1], dtype=np.complex128)


def _cases(dtype: str, seed: int) -> dict[str, tuple[Callable[[], Any], Callable[[], Any]]]:
    """name → (what OpenCV computes, what NumPy computes in float64)."""
    rng = np.random.default_rng(seed)

    def rand(*shape: int) -> Any:
        return rng.standard_normal(shape).astype(dtype)

    a = (rng.standard_normal((N, N)) + N * np.eye(N)).astype(dtype)
    spd = (_f64(a) @ _f64(a).T).astype(dtype)
    b, tall, tall_b = rand(N, 3), rand(3 * N, N), rand(3 * N, 2)
    big_a, big_b = rand(160, 96), rand(96, 128)
    ca, cb = rand(64, 48, 2), rand(48, 40, 2)

    def solve(matrix: Any, rhs: Any, flags: int) -> Any:
        ok, x = cv2.solve(matrix, rhs, flags=flags)
        if not ok:
            raise ArithmeticError("cv2.solve reported a singular matrix")
        return x

    def gemm(x: Any, y: Any) -> Any:
        return cv2.gemm(x, y, 1.0, np.zeros((1, 1), dtype), 0.0)

    return {
        "solve_lu": (lambda: solve(a, b, cv2.DECOMP_LU), lambda: np.linalg.solve(_f64(a), _f64(b))),
        "solve_cholesky": (lambda: solve(spd, b, cv2.DECOMP_CHOLESKY),
                           lambda: np.linalg.solve(_f64(spd), _f64(b))),
        "solve_svd": (lambda: solve(a, b, cv2.DECOMP_SVD),
                      lambda: np.linalg.solve(_f64(a), _f64(b))),
        "solve_qr": (lambda: solve(tall, tall_b, cv2.DECOMP_QR),
                     lambda: np.linalg.lstsq(_f64(tall), _f64(tall_b), rcond=None)[0]),
        "determinant": (lambda: cv2.determinant(a / N), lambda: np.linalg.det(_f64(a) / N)),
        "invert": (lambda: _f64(cv2.invert(a, flags=cv2.DECOMP_LU)[1]) @ _f64(a),
                   lambda: np.eye(N)),
        "svd": (lambda: _f64(cv2.SVDecomp(a)[0]).ravel(),
                lambda: np.linalg.svd(_f64(a), compute_uv=False)),
        "eigen": (lambda: np.sort(_f64(cv2.eigen(spd)[1]).ravel()),
                  lambda: np.sort(np.linalg.eigvalsh(_f64(spd)))),
        "eigen_nonsymmetric": (lambda: np.sort(_f64(cv2.eigenNonSymmetric(spd)[0]).ravel()),
                               lambda: np.sort(np.linalg.eigvalsh(_f64(spd)))),
        "gemm": (lambda: gemm(big_a, big_b), lambda: _f64(big_a) @ _f64(big_b)),
        "gemm_complex": (lambda: _complex(gemm(ca, cb)), lambda: _complex(ca) @ _complex(cb)),
    }


def _agrees(got: Any, want: Any, dtype: str) -> bool:
    got, want = np.asarray(got), np.asarray(want)
    scale = max(1.0, float(np.abs(want).max()))
    return got.shape == want.shape and bool(
        np.allclose(got, want, rtol=0, atol=TOLERANCE[dtype] * scale))


def linear_algebra_problems(seed: int = 7) -> list[str]:
    """The OpenCV routines whose results differ from NumPy's (empty when all agree)."""
    problems: list[str] = []
    for dtype in TOLERANCE:
        for name, (opencv, numpy) in _cases(dtype, seed).items():
            try:
                ok = _agrees(opencv(), numpy(), dtype)
            except (cv2.error, ArithmeticError, ValueError) as exc:
                problems.append(f"{name}/{dtype}: {type(exc).__name__}: {exc}")
                continue
            if not ok:
                problems.append(f"{name}/{dtype}: differs from NumPy")
    corners = np.array([[0, 0], [4, 0], [4, 3], [0, 3]], dtype=np.float32)
    seen = np.array([[10, 20], [90, 25], [85, 80], [12, 70]], dtype=np.float32)
    mapped = cv2.perspectiveTransform(corners[None],
                                      cv2.getPerspectiveTransform(corners, seen))[0]
    if not np.allclose(mapped, seen, atol=1e-3):
        problems.append("getPerspectiveTransform: the corners do not map")
    return problems
