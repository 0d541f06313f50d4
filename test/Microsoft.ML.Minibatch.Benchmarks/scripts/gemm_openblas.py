#!/usr/bin/python3
"""Times OpenBLAS sgemm through numpy at given GEMM shapes and prints JSON (the baseline of `gemm-compare`).

What it measures: np.matmul on float32, C-contiguous operands, into a preallocated `out=` array, so the time
is OpenBLAS's sgemm plus numpy's per-call overhead (about a microsecond, which matters only at the smallest
shapes). Transposed operands are passed as transposed views (`a.T`), which numpy hands to sgemm as transpose
flags without copying. Shapes marked "accumulate" are timed as a plain product (C = op(A)·op(B)): numpy has
no C += A·B, and leaving out the extra addition favours OpenBLAS.

Threads: OPENBLAS_NUM_THREADS (default 2, set before numpy is imported; threadpoolctl is used to confirm the
setting when it is installed). The time of a shape is the median over many timed blocks, each block running
the product enough times to last about 2 ms, after a warm-up.

Usage: gemm_openblas.py SHAPE...  where SHAPE is  name:m:n:k:ta:tb  (ta, tb = 0 or 1).
"""
import json
import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")

import numpy as np  # noqa: E402  (the thread count must be set first)


def blas_threads():
    try:
        from threadpoolctl import threadpool_info  # type: ignore
        info = [p for p in threadpool_info() if p.get("internal_api") == "openblas"]
        if info:
            return info[0].get("num_threads"), info[0].get("version"), info[0].get("architecture")
    except ImportError:
        pass
    return int(os.environ["OPENBLAS_NUM_THREADS"]), None, None


def loaded_blas():
    """The BLAS shared objects numpy actually loaded (Debian routes libblas.so.3 through alternatives)."""
    np.ones((64, 64), dtype=np.float32) @ np.ones((64, 64), dtype=np.float32)
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "blas" in line.lower() and "/" in line}
        return sorted(os.path.realpath(p) for p in paths)
    except OSError:
        return []


def time_shape(m, n, k, ta, tb, seed):
    rng = np.random.default_rng(seed)
    a = rng.uniform(-1, 1, (k, m) if ta else (m, k)).astype(np.float32)
    b = rng.uniform(-1, 1, (n, k) if tb else (k, n)).astype(np.float32)
    opa = a.T if ta else a
    opb = b.T if tb else b
    out = np.empty((m, n), dtype=np.float32)

    def run(count):
        start = time.perf_counter()
        for _ in range(count):
            np.matmul(opa, opb, out=out)
        return time.perf_counter() - start

    run(5)
    once = max(run(3) / 3, 1e-7)
    per_block = max(1, int(2e-3 / once))
    deadline = time.perf_counter() + 0.6
    samples = []
    while len(samples) < 31 or (time.perf_counter() < deadline and len(samples) < 301):
        samples.append(run(per_block) / per_block)
    samples.sort()
    return samples[len(samples) // 2], len(samples) * per_block


def openblas_core(paths):
    """OpenBLAS's kernel family for this CPU (e.g. Haswell), asked from the loaded library itself."""
    import ctypes
    for path in paths:
        if "openblas" in os.path.basename(path):
            try:
                lib = ctypes.CDLL(path)
                lib.openblas_get_corename.restype = ctypes.c_char_p
                return lib.openblas_get_corename().decode()
            except (OSError, AttributeError):
                return None
    return None


def main(argv):
    threads, version, arch = blas_threads()
    loaded = loaded_blas()
    arch = arch or openblas_core(loaded)
    results = []
    for i, spec in enumerate(argv):
        name, m, n, k, ta, tb = spec.split(":")
        m, n, k, ta, tb = int(m), int(n), int(k), ta == "1", tb == "1"
        seconds, reps = time_shape(m, n, k, ta, tb, i)
        results.append({
            "name": name, "m": m, "n": n, "k": k, "ta": ta, "tb": tb,
            "seconds": seconds, "repetitions": reps, "gflops": 2.0 * m * n * k / seconds / 1e9,
        })
    print(json.dumps({
        "library": "OpenBLAS via numpy " + np.__version__ + (" " + version if version else ""),
        "architecture": arch,
        "loaded": loaded,
        "threads": threads,
        "results": results,
    }))


if __name__ == "__main__":
    main(sys.argv[1:])
