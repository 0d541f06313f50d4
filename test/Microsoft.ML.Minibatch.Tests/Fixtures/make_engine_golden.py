#!/usr/bin/python3
"""Writes the PyTorch golden values the engine tests compare against.

Regenerate (from this directory) with:
    /usr/bin/python3 make_engine_golden.py
It needs torch 1.13 (Debian's python3-torch) and writes engine_generator.json, engine_losses.json,
engine_mlp.json and engine_training.json next to this script. The inputs are written into the fixtures too, so the C# tests never
depend on numpy's or torch's random streams except where the generator itself is under test.
"""
import json
import os
import struct

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))


def f32_list(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def bits_checksum(t):
    """Sum of the float32 bit patterns mod 2^32: equal only if (practically) every value is bitwise equal."""
    raw = t.detach().contiguous().numpy().astype(np.float32).tobytes()
    words = struct.unpack("<%dI" % (len(raw) // 4), raw)
    return sum(words) % (1 << 32)


def dump(name, obj):
    with open(os.path.join(HERE, name), "w") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")


def generator_fixture():
    out = {"torch_version": torch.__version__}
    torch.manual_seed(1)
    out["rand_seed1"] = f32_list(torch.rand(10))
    torch.manual_seed(1)
    out["uniform_seed1_minus2_3"] = f32_list(torch.empty(7).uniform_(-2, 3))
    torch.manual_seed(1)
    out["randperm_seed1_20"] = torch.randperm(20).tolist()
    torch.manual_seed(3)
    out["randperm_seed3_1000_first20"] = torch.randperm(1000)[:20].tolist()
    torch.manual_seed(2)
    out["randn_seed2_5"] = f32_list(torch.randn(5))
    torch.manual_seed(2)
    out["randn_seed2_37"] = f32_list(torch.randn(37))

    torch.manual_seed(1)
    l1 = nn.Linear(784, 50)
    l2 = nn.Linear(50, 10)
    for prefix, layer in (("l1", l1), ("l2", l2)):
        w, b = layer.weight, layer.bias
        out[prefix] = {
            "weight_first16": f32_list(w.reshape(-1)[:16]),
            "weight_last16": f32_list(w.reshape(-1)[-16:]),
            "weight_sum": float(w.double().sum()),
            "weight_bits_checksum": bits_checksum(w),
            "bias": f32_list(b),
            "bias_bits_checksum": bits_checksum(b),
        }
    # The model of the seeds: Sequential(Linear(784,50), ReLU(), Linear(50,10)) after manual_seed(1).
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(784, 50), nn.ReLU(), nn.Linear(50, 10))
    out["sequential_names"] = [n for n, _ in model.named_parameters()]
    out["sequential_shapes"] = [list(p.shape) for _, p in model.named_parameters()]
    out["sequential_bits_checksums"] = [bits_checksum(p) for _, p in model.named_parameters()]
    out["sequential_repr"] = repr(model)
    dump("engine_generator.json", out)


def loss_case(logits, target, upstream):
    x = torch.tensor(logits, dtype=torch.float32, requires_grad=True)
    t = torch.tensor(target, dtype=torch.int64)
    up = torch.tensor(upstream, dtype=torch.float32)  # weights of the per-element sum for non-scalar results
    case = {"logits": logits, "target": target, "upstream": upstream, "shape": list(x.shape)}

    def grad_of(fn):
        x.grad = None
        y = fn(x)
        if y.dim() == 0:
            y.backward()
        elif y.shape == x.shape:
            (y * up).sum().backward()
        else:
            (y * up[:, 0]).sum().backward()
        return f32_list(y), f32_list(x.grad)

    case["log_softmax"], case["log_softmax_grad"] = grad_of(lambda v: F.log_softmax(v, dim=-1))
    case["softmax"], case["softmax_grad"] = grad_of(lambda v: F.softmax(v, dim=-1))
    case["logsumexp"], case["logsumexp_grad"] = grad_of(lambda v: v.logsumexp(-1))
    for red in ("mean", "sum", "none"):
        case["nll_" + red], case["nll_%s_grad" % red] = grad_of(
            lambda v: F.nll_loss(F.log_softmax(v, dim=-1), t, reduction=red))
        case["ce_" + red], case["ce_%s_grad" % red] = grad_of(lambda v: F.cross_entropy(v, t, reduction=red))
    # nll on the raw input (not log-probabilities), to check its own gradient in isolation.
    for red in ("mean", "sum", "none"):
        case["nllraw_" + red], case["nllraw_%s_grad" % red] = grad_of(lambda v: F.nll_loss(v, t, reduction=red))
    case["accuracy"] = float((torch.argmax(x, dim=1) == t).float().mean())
    return case


def losses_fixture():
    rs = np.random.RandomState(0)
    ordinary = np.round(rs.randn(6, 5) * 2, 4).tolist()
    target = [0, 3, 4, 1, 1, 2]
    upstream = np.round(rs.randn(6, 5), 4).tolist()
    large = [[10000.0, -10000.0, 0.0, 9999.0], [-10000.0, -9998.5, -10000.0, -9999.0], [5000.0, 5000.0, -5000.0, 1.0]]
    large_target = [1, 1, 2]
    large_upstream = np.round(rs.randn(3, 4), 4).tolist()
    dump("engine_losses.json", {
        "torch_version": torch.__version__,
        "ordinary": loss_case(ordinary, target, upstream),
        "large": loss_case(large, large_target, large_upstream),
    })


def mlp_fixture():
    rs = np.random.RandomState(1)
    x = np.round(rs.randn(4, 6), 4).astype(np.float32)
    w1 = np.round(rs.randn(5, 6) * 0.5, 4).astype(np.float32)
    b1 = np.round(rs.randn(5) * 0.1, 4).astype(np.float32)
    w2 = np.round(rs.randn(3, 5) * 0.5, 4).astype(np.float32)
    b2 = np.round(rs.randn(3) * 0.1, 4).astype(np.float32)
    target = [2, 0, 1, 2]
    model = nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 3))
    with torch.no_grad():
        model[0].weight.copy_(torch.from_numpy(w1))
        model[0].bias.copy_(torch.from_numpy(b1))
        model[2].weight.copy_(torch.from_numpy(w2))
        model[2].bias.copy_(torch.from_numpy(b2))
    xt = torch.from_numpy(x).requires_grad_(True)
    out = model(xt)
    loss = F.cross_entropy(out, torch.tensor(target))
    loss.backward()
    grads = {n: f32_list(p.grad) for n, p in model.named_parameters()}
    # One SGD step (p -= 0.5 * grad), then the loss again: the lesson's update rule.
    with torch.no_grad():
        for p in model.parameters():
            p -= 0.5 * p.grad
    loss_after = F.cross_entropy(model(xt), torch.tensor(target))
    dump("engine_mlp.json", {
        "torch_version": torch.__version__,
        "x": x.reshape(-1).tolist(), "x_shape": list(x.shape),
        "w1": w1.reshape(-1).tolist(), "b1": b1.tolist(), "w2": w2.reshape(-1).tolist(), "b2": b2.tolist(),
        "target": target,
        "logits": f32_list(out), "loss": float(loss),
        "grad_names": list(grads.keys()),
        "grads": grads, "x_grad": f32_list(xt.grad),
        "loss_after_sgd_step": float(loss_after),
        "grad_fn_loss": type(loss.grad_fn).__name__, "grad_fn_out": type(out.grad_fn).__name__,
    })


def training_fixture():
    """The lesson's loop on reproducible data: init from manual_seed(1), data from torch.rand after manual_seed(2)
    (the C# Generator reproduces both streams bitwise, so the data need not be stored), lr 0.5, batch 64."""
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(784, 50), nn.ReLU(), nn.Linear(50, 10))
    torch.manual_seed(2)
    x = torch.rand(256, 784)
    y = torch.arange(256) % 10
    losses, accuracies = [], []
    for epoch in range(2):
        for i in range(0, 256, 64):
            xb, yb = x[i:i + 64], y[i:i + 64]
            out = model(xb)
            loss = F.cross_entropy(out, yb)
            losses.append(float(loss))
            accuracies.append(float((torch.argmax(out, dim=1) == yb).float().mean()))
            loss.backward()
            with torch.no_grad():
                for p in model.parameters():
                    p -= 0.5 * p.grad
                model.zero_grad()
    dump("engine_training.json", {
        "torch_version": torch.__version__,
        "losses": losses, "accuracies": accuracies,
        "param_sums": [float(p.double().sum()) for p in model.parameters()],
        "final_bias2": f32_list(model[2].bias),
    })


if __name__ == "__main__":
    generator_fixture()
    losses_fixture()
    mlp_fixture()
    training_fixture()
