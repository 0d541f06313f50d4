#!/usr/bin/python3
"""Writes mnist_golden.json: reference numbers for the MNIST tests, computed with numpy/PyTorch.

Usage: /usr/bin/python3 make_mnist_golden.py DIR   (DIR holds the four raw IDX files)
The pixel scaling reference is torch's uint8 -> float32 / 255 for all 256 byte values.
"""
import hashlib, json, os, sys

import numpy as np
import torch

d = sys.argv[1]


def raw(name):
    with open(os.path.join(d, name), "rb") as f:
        return f.read()


def idx(name, header):
    return np.frombuffer(raw(name)[header:], dtype=np.uint8)


train_x = idx("train-images-idx3-ubyte", 16).reshape(-1, 784).astype(np.float64) / 255
train_y = idx("train-labels-idx1-ubyte", 8)
test_x = idx("t10k-images-idx3-ubyte", 16).reshape(-1, 784).astype(np.float64) / 255
test_y = idx("t10k-labels-idx1-ubyte", 8)


def stats(x, y):
    # Population standard deviation (ddof=0), as `minibatch data` reports.
    return {"count": int(len(y)), "class_counts": np.bincount(y, minlength=10).tolist(),
            "mean": float(x.mean()), "std": float(x.std())}


scaled = (torch.arange(256, dtype=torch.uint8).float() / 255).numpy()
golden = {
    "sha256": {n: hashlib.sha256(raw(n)).hexdigest() for n in sorted(os.listdir(d)) if n.endswith("ubyte")},
    "train": stats(train_x[:50000], train_y[:50000]),
    "valid": stats(train_x[50000:], train_y[50000:]),
    "test": stats(test_x, test_y),
    "first_train_label": int(train_y[0]),
    "first_train_pixel_sum": int(idx("train-images-idx3-ubyte", 16)[:784].astype(np.int64).sum()),
    "first_train_nonzero": int(np.count_nonzero(idx("train-images-idx3-ubyte", 16)[:784])),
    "last_test_label": int(test_y[-1]),
    "byte_to_float_bits": [int(b) for b in scaled.view(np.uint32)],
}
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "mnist_golden.json"), "w") as f:
    json.dump(golden, f, indent=1)
    f.write("\n")
