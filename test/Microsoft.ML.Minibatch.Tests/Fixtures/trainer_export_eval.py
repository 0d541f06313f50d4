"""Evaluates a state dict written by `minibatch export` with PyTorch, independently of the C# code.

    python3 trainer_export_eval.py WEIGHTS MNIST_DIR HIDDEN

Builds nn.Sequential(nn.Linear(784, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, 10)), loads WEIGHTS into it (with
optim_torchsharp_format.load_state_dict, strict), reads the seeds' validation set (rows 50,000 on of the MNIST
training files, pixels / 255) and prints {"accuracy": ..., "log_loss": ..., "rows": ...} as JSON: accuracy of the
argmax, and the mean of -ln(softmax probability of the true class) clamped at 1e-15, as ML.NET's LogLoss defines it.
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from optim_torchsharp_format import load_state_dict  # noqa: E402
from mnist_idx import read_idx  # noqa: E402


def main():
    weights, directory, hidden = sys.argv[1], sys.argv[2], int(sys.argv[3])
    images = read_idx(directory, "train-images-idx3-ubyte")[50000:].reshape(-1, 784)
    labels = read_idx(directory, "train-labels-idx1-ubyte")[50000:]
    x = torch.tensor(images.astype(np.float32) / np.float32(255))
    y = torch.tensor(labels.astype(np.int64))
    model = nn.Sequential(nn.Linear(784, hidden), nn.ReLU(), nn.Linear(hidden, 10))
    model.load_state_dict(load_state_dict(weights), strict=True)
    model.eval()
    with torch.no_grad():
        probabilities = torch.softmax(model(x), dim=1).double()
    p_true = probabilities[torch.arange(len(y)), y].clamp_min(1e-15)
    result = {
        "accuracy": float((probabilities.argmax(dim=1) == y).double().mean()),
        "log_loss": float((-p_true.log()).mean()),
        "rows": int(len(y)),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
