#!/usr/bin/python3
"""PyTorch reference for the side-by-side comparison: the seeds' final training loop.

Run with Debian's python3-torch and libopenblas0-pthread (apt-get install python3-torch
libopenblas0-pthread), on 2 threads, as:

    /usr/bin/python3 pytorch_reference.py --data DIR [--hidden 50] [--batch-size 64] [--lr 0.5]
        [--momentum 0] [--weight-decay 0] [--lr-schedule constant|cosine|step|onecycle] [--dropout 0] [--epochs 5]
        [--split seed|full] [--threads 2] [--seed 1] [--deskew]

DIR holds the four original MNIST IDX files (raw or .gz). The loop is the lesson's `fit` over
`DataLoader(TensorDataset(x, y), batch_size, shuffle=True)` with `F.cross_entropy` and
`optim.SGD`, validation in eval mode under no_grad with a loader of twice the batch size, and
metrics weighted by batch size. The learning-rate schedule is `minibatch train --lr-schedule`'s, in the
same closed form, set before every batch (cosine: lr·(1+cos(π·t/T))/2 over all T batches; step: ÷10 at
epochs ⌊E/2⌋ and ⌊3E/4⌋, as MultiStepLR). The last line printed is one JSON object with the timings,
accuracies and the peak working set (VmHWM) of this process. --deskew deskews every image once before training,
as `minibatch train --deskew` does batch by batch (moments in float64, grid_sample bilinear with zeros outside and
align_corners); its time is reported apart, as deskew_seconds.
"""
import argparse, gzip, json, math, os, struct, time

import torch
import torch.nn.functional as F
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset


def read_idx(directory, name):
    for candidate in (name, name + ".gz"):
        path = os.path.join(directory, candidate)
        if os.path.exists(path):
            with open(path, "rb") as f:
                raw = f.read()
            if raw[:2] == b"\x1f\x8b":
                raw = gzip.decompress(raw)
            magic, = struct.unpack(">I", raw[:4])
            rank = magic & 0xFF
            dims = struct.unpack(">" + "I" * rank, raw[4:4 + 4 * rank])
            data = torch.frombuffer(bytearray(raw[4 + 4 * rank:]), dtype=torch.uint8)
            return data.reshape(*dims)
    raise FileNotFoundError(f"{name} not found in {directory}")


def deskew(images, h=28, w=28, chunk=10000):
    """Each row of images [N, h*w] deskewed: centroid to the centre, rows sheared by cov(y, x) / var(y)."""
    parts = []
    r = torch.arange(h, dtype=torch.float64).view(1, h, 1)
    c = torch.arange(w, dtype=torch.float64).view(1, 1, w)
    cy, cx = (h - 1) / 2, (w - 1) / 2
    for block in images.split(chunk):
        x = block.view(-1, h, w).double()
        total = x.sum((1, 2))
        inked = total > 0
        safe = torch.where(inked, total, torch.ones_like(total))
        my = (x * r).sum((1, 2)) / safe
        mx = (x * c).sum((1, 2)) / safe
        var_y = (x * r * r).sum((1, 2)) / safe - my * my
        cov = (x * r * c).sum((1, 2)) / safe - my * mx
        slanted = var_y > 0.01
        alpha = torch.where(slanted, cov / torch.where(slanted, var_y, torch.ones_like(var_y)), torch.zeros_like(var_y))
        src_y = r + (my - cy).view(-1, 1, 1) + 0 * c
        src_x = c + (mx - cx).view(-1, 1, 1) + alpha.view(-1, 1, 1) * (r - cy)
        grid = torch.stack([src_x * 2 / (w - 1) - 1, src_y * 2 / (h - 1) - 1], dim=-1)
        out = F.grid_sample(x.unsqueeze(1), grid, mode="bilinear", padding_mode="zeros", align_corners=True)
        parts.append(torch.where(inked.view(-1, 1), out.view(-1, h * w).float(), block))
    return torch.cat(parts)


def peak_working_set_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def one_cycle(position, start, middle, end, pct_start=0.25):
    # fast.ai's fit_one_cycle: a half-cosine from start to middle over pct_start, then from middle to end.
    p = min(max(position, 0.0), 1.0)
    if p < pct_start:
        a, b, q = start, middle, p / pct_start
    else:
        a, b, q = middle, end, (p - pct_start) / (1 - pct_start)
    return a + (1 + math.cos(math.pi * (1 - q))) * (b - a) / 2


def scheduled_lr(schedule, base, epoch, batch, batches, epochs):
    if schedule == "onecycle":
        position = (epoch * max(1, batches) + batch) / float(max(1, batches) * max(1, epochs))
        return one_cycle(position, base / 25, base, base / 1e5)
    if schedule == "cosine":
        total = float(max(1, batches) * max(1, epochs))
        done = float(epoch * max(1, batches) + batch)
        return base * 0.5 * (1 + math.cos(math.pi * min(done, total) / total))
    if schedule == "step":
        rate = base
        if epochs // 2 > 0 and epoch >= epochs // 2:
            rate *= 0.1
        if 3 * epochs // 4 > epochs // 2 and epoch >= 3 * epochs // 4:
            rate *= 0.1
        return rate
    return base


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True)
    p.add_argument("--hidden", default="50")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=0.5)
    p.add_argument("--momentum", type=float, default=0.0)
    p.add_argument("--weight-decay", type=float, default=0.0)
    p.add_argument("--lr-schedule", choices=["constant", "cosine", "step", "onecycle"], default="constant")
    p.add_argument("--dropout", type=float, default=0.0)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--split", choices=["seed", "full"], default="seed")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--deskew", action="store_true")
    a = p.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)

    images = read_idx(a.data, "train-images-idx3-ubyte").reshape(-1, 784).float() / 255
    labels = read_idx(a.data, "train-labels-idx1-ubyte").long()
    if a.split == "seed":
        x_train, y_train, x_valid, y_valid = images[:50000], labels[:50000], images[50000:], labels[50000:]
    else:
        x_train, y_train = images, labels
        x_valid = read_idx(a.data, "t10k-images-idx3-ubyte").reshape(-1, 784).float() / 255
        y_valid = read_idx(a.data, "t10k-labels-idx1-ubyte").long()

    deskew_seconds = 0.0
    if a.deskew:
        start = time.perf_counter()
        x_train, x_valid = deskew(x_train), deskew(x_valid)
        deskew_seconds = time.perf_counter() - start

    sizes = [784] + [int(h) for h in a.hidden.split(",") if h] + [10]
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
            if a.dropout > 0:
                layers.append(nn.Dropout(a.dropout))
    model = nn.Sequential(*layers)
    opt = optim.SGD(model.parameters(), lr=a.lr, momentum=a.momentum, weight_decay=a.weight_decay)
    train_dl = DataLoader(TensorDataset(x_train, y_train), batch_size=a.batch_size, shuffle=True)
    valid_dl = DataLoader(TensorDataset(x_valid, y_valid), batch_size=a.batch_size * 2)

    epochs = []
    for epoch in range(a.epochs):
        start = time.perf_counter()
        model.train()
        total, seen = 0.0, 0
        for i, (xb, yb) in enumerate(train_dl):
            if a.lr_schedule != "constant":
                for group in opt.param_groups:
                    group["lr"] = scheduled_lr(a.lr_schedule, a.lr, epoch, i, len(train_dl), a.epochs)
                    if a.lr_schedule == "onecycle" and a.momentum > 0:
                        position = (epoch * len(train_dl) + i) / float(len(train_dl) * a.epochs)
                        group["momentum"] = one_cycle(position, 0.95, 0.85, 0.95)
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            opt.zero_grad()
            total += loss.item() * len(yb)
            seen += len(yb)
        train_seconds = time.perf_counter() - start
        model.eval()
        with torch.no_grad():
            v_loss, v_correct, v_seen = 0.0, 0, 0
            for xb, yb in valid_dl:
                out = model(xb)
                v_loss += F.cross_entropy(out, yb, reduction="sum").item()
                v_correct += (out.argmax(1) == yb).sum().item()
                v_seen += len(yb)
        epochs.append({"epoch": epoch, "train_loss": total / seen, "valid_loss": v_loss / v_seen,
                       "valid_accuracy": v_correct / v_seen, "seconds": train_seconds})
        print(epoch, f"{total / seen:.4f}", f"{v_loss / v_seen:.4f}", f"{v_correct / v_seen:.4f}", f"{train_seconds:.2f}s", flush=True)

    train_seconds = sum(e["seconds"] for e in epochs)
    summary = {"epochs": a.epochs, "train_seconds": train_seconds,
               "seconds_per_epoch": train_seconds / a.epochs,
               "train_loss": epochs[-1]["train_loss"], "valid_loss": epochs[-1]["valid_loss"],
               "valid_accuracy": epochs[-1]["valid_accuracy"],
               "peak_working_set_mb": peak_working_set_mb(), "torch": torch.__version__}
    if a.deskew:
        summary["deskew_seconds"] = deskew_seconds
    if a.split == "full":
        summary["test_accuracy"] = epochs[-1]["valid_accuracy"]
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
