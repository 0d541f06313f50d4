"""Golden values for the first contract program (MnistContractTests): the seeds' run in PyTorch 1.13.

    MINIBATCH_DATA=DIR python3 make_trainer_golden.py > trainer_golden.json

torch.manual_seed(1); nn.Sequential(Linear(784, 50), ReLU(), Linear(50, 10)); SGD lr 0.5; the first 50,000 MNIST
training images (pixels.float() / 255) in DataLoader(batch 64, shuffle=True); the last 10,000 as validation in
DataLoader(batch 128); 5 epochs. Prints the validation loss and accuracy after each epoch, weighted by batch size.
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mnist_idx import read_idx  # noqa: E402


def main():
    directory = os.environ.get("MINIBATCH_DATA") or os.path.expanduser("~/.cache/minibatch/mnist")
    x = torch.tensor(read_idx(directory, "train-images-idx3-ubyte").reshape(-1, 784).copy()).float() / 255
    y = torch.tensor(read_idx(directory, "train-labels-idx1-ubyte").astype(np.int64))
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(784, 50), nn.ReLU(), nn.Linear(50, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    train = DataLoader(TensorDataset(x[:50000], y[:50000]), 64, shuffle=True)
    valid = DataLoader(TensorDataset(x[50000:], y[50000:]), 128)
    epochs = []
    for _ in range(5):
        model.train()
        for xb, yb in train:
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            opt.zero_grad()
        model.eval()
        total_loss, correct = 0.0, 0
        with torch.no_grad():
            for xb, yb in valid:
                out = model(xb)
                total_loss += F.cross_entropy(out, yb).item() * len(yb)
                correct += int((out.argmax(1) == yb).sum())
        epochs.append({"valid_loss": total_loss / 10000, "valid_accuracy": correct / 10000})
    json.dump({"torch": torch.__version__, "epochs": epochs}, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
