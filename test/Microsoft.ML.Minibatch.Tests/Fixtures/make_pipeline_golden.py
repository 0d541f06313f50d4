#!/usr/bin/python3
"""Golden values for the pipeline tests (Data/Loader*, Training), from Debian's python3-torch 1.13.

    /usr/bin/python3 make_pipeline_golden.py [MNIST_DIR]

Writes pipeline_golden.json next to this script:
- "loader": torch.manual_seed(1), the seeds' 784-50-10 model built (its init consumes the global generator),
  then DataLoader(TensorDataset(arange(50000)), 64, shuffle=True) and a validation DataLoader(bs 128) iterated
  as the seeds' fit does, for two epochs: the first 64 indices and a checksum sum(i * perm[i]) of each epoch's
  permutation. This pins how DataLoader + RandomSampler consume the global generator (base seed, then sampler seed).
- "replacement": torch.manual_seed(3); RandomSampler(range(10), replacement=True, num_samples=40), two epochs.
- "num_samples": torch.manual_seed(4); RandomSampler(range(7), num_samples=17), two epochs.
- "mnist_losses" (only when MNIST_DIR with the raw IDX files is given): the seeds' loop on the 50,000/10,000 split
  (x = pixels.float() / 255), torch.manual_seed(1), SGD lr 0.5, batch 64, shuffle=True: the first 30 batch losses.
- "mnist_epochs" (likewise): the same run for 5 epochs with validation as the seeds' fit (bs 128, eval, no_grad,
  weighted by batch size): per epoch train loss (weighted mean), valid loss, valid accuracy.
"""
import json, os, struct, sys

import torch
import torch.nn.functional as F
from torch import nn, optim
from torch.utils.data import DataLoader, RandomSampler, TensorDataset


def seeds_model():
    return nn.Sequential(nn.Linear(784, 50), nn.ReLU(), nn.Linear(50, 10))


def loader_golden():
    torch.manual_seed(1)
    seeds_model()
    n = 50000
    train_dl = DataLoader(TensorDataset(torch.arange(n)), batch_size=64, shuffle=True)
    valid_dl = DataLoader(TensorDataset(torch.arange(1000)), batch_size=128)
    epochs = []
    for _ in range(2):
        perm = torch.cat([xb for (xb,) in train_dl])
        for _ in valid_dl:
            pass
        epochs.append({"first": perm[:64].tolist(), "checksum": int((torch.arange(n) * perm).sum().item())})
    return epochs


def sampler_golden(seed, **kwargs):
    torch.manual_seed(seed)
    sampler = RandomSampler(range(kwargs.pop("n")), **kwargs)
    return [list(sampler), list(sampler)]


def read_idx(directory, name):
    with open(os.path.join(directory, name), "rb") as f:
        raw = f.read()
    rank = struct.unpack(">I", raw[:4])[0] & 0xFF
    dims = struct.unpack(">" + "I" * rank, raw[4:4 + 4 * rank])
    return torch.frombuffer(bytearray(raw[4 + 4 * rank:]), dtype=torch.uint8).reshape(*dims)


def mnist_losses(directory, count=30):
    torch.set_num_threads(1)
    torch.manual_seed(1)
    x = read_idx(directory, "train-images-idx3-ubyte").reshape(-1, 784).float() / 255
    y = read_idx(directory, "train-labels-idx1-ubyte").long()
    model = seeds_model()
    opt = optim.SGD(model.parameters(), lr=0.5)
    dl = DataLoader(TensorDataset(x[:50000], y[:50000]), batch_size=64, shuffle=True)
    losses = []
    for xb, yb in dl:
        loss = F.cross_entropy(model(xb), yb)
        losses.append(loss.item())
        loss.backward()
        opt.step()
        opt.zero_grad()
        if len(losses) == count:
            break
    return losses


def mnist_epochs(directory, epochs=5):
    torch.set_num_threads(1)
    torch.manual_seed(1)
    x = read_idx(directory, "train-images-idx3-ubyte").reshape(-1, 784).float() / 255
    y = read_idx(directory, "train-labels-idx1-ubyte").long()
    model = seeds_model()
    opt = optim.SGD(model.parameters(), lr=0.5)
    train_dl = DataLoader(TensorDataset(x[:50000], y[:50000]), batch_size=64, shuffle=True)
    valid_dl = DataLoader(TensorDataset(x[50000:], y[50000:]), batch_size=128)
    history = []
    for _ in range(epochs):
        model.train()
        total, seen = 0.0, 0
        for xb, yb in train_dl:
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            opt.zero_grad()
            total += loss.item() * len(yb)
            seen += len(yb)
        model.eval()
        with torch.no_grad():
            v_loss, v_correct, v_seen = 0.0, 0, 0
            for xb, yb in valid_dl:
                out = model(xb)
                v_loss += F.cross_entropy(out, yb).item() * len(yb)
                v_correct += (out.argmax(1) == yb).sum().item()
                v_seen += len(yb)
        history.append({"train_loss": total / seen, "valid_loss": v_loss / v_seen, "valid_accuracy": v_correct / v_seen})
    return history


golden = {
    "torch": torch.__version__,
    "loader": loader_golden(),
    "replacement": sampler_golden(3, n=10, replacement=True, num_samples=40),
    "num_samples": sampler_golden(4, n=7, num_samples=17),
}
if len(sys.argv) > 1:
    golden["mnist_losses"] = mnist_losses(sys.argv[1])
    golden["mnist_epochs"] = mnist_epochs(sys.argv[1])
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "pipeline_golden.json"), "w") as f:
    json.dump(golden, f)
    f.write("\n")
