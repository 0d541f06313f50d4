"""Reads an original MNIST IDX file (raw, or .gz beside it) as a numpy uint8 array; shared by the fixture scripts."""
import gzip
import os

import numpy as np


def read_idx(directory, name):
    path = os.path.join(directory, name)
    opener = open
    if not os.path.exists(path):
        path, opener = path + ".gz", gzip.open
    with opener(path, "rb") as f:
        data = f.read()
    rank = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)
