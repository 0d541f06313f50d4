"""Golden values for Microsoft.ML.Minibatch.Optim (Sgd, Adam) and the state-dict codec, from PyTorch.

Regenerate (from this folder, Debian python3-torch 1.13):

    /usr/bin/python3 make_optim_golden.py

Writes, next to this script:
  optim_sgd_golden.json   ten torch.optim.SGD steps per case
  optim_adam_golden.json  ten torch.optim.Adam steps per case
  optim_adamw_golden.json ten torch.optim.AdamW steps per case
  optim_statedict_from_python.bin + optim_statedict_from_python.json
                          a small state dict written by optim_torchsharp_format.py and the exact
                          float32 values it holds (the C# reader must reproduce them bit for bit)

Every case runs on the same three parameters: "w" [3,4], "b" [5] and "s" [2]. "s" has no gradient
on steps 3 and 4 (0-based), so the files also pin down how PyTorch skips parameters without a
grad (no momentum-buffer update, no Adam step-count increment). Gradients are fixed per step and
stored, so the C# test replays exactly the same inputs. Floats are float32 values written as
shortest round-trip doubles, so parsing them as double and casting to float is exact.
A case may carry "lr" per step: the script sets param_groups[0]["lr"] before that step, which is
how a learning-rate schedule acts in PyTorch.
"""
import json
import os

import numpy as np
import torch

from optim_torchsharp_format import write_entries

HERE = os.path.dirname(os.path.abspath(__file__))
STEPS = 10
SKIP_PARAM = 2
SKIP_STEPS = (3, 4)


def initial_params():
    g = torch.Generator().manual_seed(20240611)
    return {
        "w": torch.randn(3, 4, generator=g),
        "b": torch.randn(5, generator=g),
        "s": torch.randn(2, generator=g),
    }


def step_grads(decay):
    """Per-step gradients; decay < 1 shrinks them over time (makes AMSGrad's max matter)."""
    g = torch.Generator().manual_seed(7)
    grads = []
    for step in range(STEPS):
        scale = decay ** step
        grads.append({
            "w": torch.randn(3, 4, generator=g) * scale,
            "b": torch.randn(5, generator=g) * scale,
            "s": torch.randn(2, generator=g) * scale,
        })
    return grads


def flat(t):
    return [float(x) for x in t.detach().flatten().tolist()]


def run_case(name, make_opt, options, decay=1.0, lrs=None):
    init = initial_params()
    params = [torch.nn.Parameter(init[k].clone()) for k in ("w", "b", "s")]
    opt = make_opt(params)
    grads = step_grads(decay)
    steps = []
    for step in range(STEPS):
        if lrs is not None:
            for group in opt.param_groups:
                group["lr"] = lrs[step]
        recorded = []
        for i, (p, key) in enumerate(zip(params, ("w", "b", "s"))):
            if i == SKIP_PARAM and step in SKIP_STEPS:
                p.grad = None
                recorded.append(None)
            else:
                p.grad = grads[step][key].clone()
                recorded.append(flat(p.grad))
        opt.step()
        entry = {"grads": recorded, "after": [flat(p) for p in params]}
        if lrs is not None:
            entry["lr"] = lrs[step]
        steps.append(entry)
    return {
        "name": name,
        "options": options,
        "params": [{"name": k, "shape": list(init[k].shape), "initial": flat(init[k])}
                   for k in ("w", "b", "s")],
        "steps": steps,
    }


def sgd_cases():
    def sgd(**kw):
        return lambda ps: torch.optim.SGD(ps, **kw)

    cases = [
        ("plain", dict(lr=0.1)),
        ("momentum", dict(lr=0.1, momentum=0.9)),
        ("momentum_dampening", dict(lr=0.1, momentum=0.9, dampening=0.5)),
        ("nesterov", dict(lr=0.1, momentum=0.9, nesterov=True)),
        ("weight_decay", dict(lr=0.1, weight_decay=0.05)),
        ("weight_decay_momentum", dict(lr=0.1, momentum=0.9, weight_decay=0.05)),
        ("maximize", dict(lr=0.1, maximize=True)),
        ("maximize_momentum_nesterov", dict(lr=0.1, momentum=0.9, nesterov=True, maximize=True)),
        ("lesson_lr", dict(lr=0.5)),
    ]
    out = [run_case(n, sgd(**kw), kw) for n, kw in cases]
    schedule = [0.1] * 5 + [0.05] * 3 + [0.01] * 2
    out.append(run_case("momentum_lr_schedule", sgd(lr=0.1, momentum=0.9), dict(lr=0.1, momentum=0.9),
                        lrs=schedule))
    return out


def adam_cases():
    def adam(**kw):
        return lambda ps: torch.optim.Adam(ps, **kw)

    # lr 0.1 besides the true defaults: with lr 1e-3 the whole ten-step trajectory moves the
    # parameters by ~1e-2, so a 1e-5 relative check on them would hardly test the update.
    cases = [
        ("default", dict(), 1.0),
        ("lr01", dict(lr=0.1), 1.0),
        ("weight_decay", dict(lr=0.1, weight_decay=0.1), 1.0),
        ("amsgrad", dict(lr=0.1, amsgrad=True), 0.5),
        ("amsgrad_weight_decay", dict(lr=0.1, amsgrad=True, weight_decay=0.1), 0.5),
        ("maximize", dict(lr=0.1, maximize=True), 1.0),
        ("betas_eps", dict(lr=0.1, betas=(0.8, 0.99), eps=1e-3), 1.0),
    ]
    out = [run_case(n, adam(**kw), {k: (list(v) if isinstance(v, tuple) else v) for k, v in kw.items()}, decay=d)
           for n, kw, d in cases]
    schedule = [0.1] * 5 + [0.05] * 5
    out.append(run_case("lr_schedule", adam(lr=0.1), dict(lr=0.1), lrs=schedule))
    return out


def adamw_cases():
    def adamw(**kw):
        return lambda ps: torch.optim.AdamW(ps, **kw)

    # "default" is torch.optim.AdamW() as is: lr 1e-3, weight_decay 0.01. The large weight decays make the decoupled
    # term (p *= 1 - lr*wd) move the parameters as much as the gradient step does.
    cases = [
        ("default", dict(), 1.0),
        ("lr01", dict(lr=0.1), 1.0),
        ("weight_decay", dict(lr=0.1, weight_decay=0.5), 1.0),
        ("no_weight_decay", dict(lr=0.1, weight_decay=0.0), 1.0),
        ("amsgrad_weight_decay", dict(lr=0.1, amsgrad=True, weight_decay=0.5), 0.5),
        ("maximize", dict(lr=0.1, weight_decay=0.1, maximize=True), 1.0),
        ("betas_eps", dict(lr=0.1, betas=(0.8, 0.99), eps=1e-3, weight_decay=0.2), 1.0),
    ]
    out = [run_case(n, adamw(**kw), {k: (list(v) if isinstance(v, tuple) else v) for k, v in kw.items()}, decay=d)
           for n, kw, d in cases]
    schedule = [0.1] * 5 + [0.05] * 5
    out.append(run_case("lr_schedule", adamw(lr=0.1, weight_decay=0.3), dict(lr=0.1, weight_decay=0.3), lrs=schedule))
    return out


def write_json(name, cases):
    doc = {
        "generator": "make_optim_golden.py",
        "torch_version": torch.__version__,
        "steps": STEPS,
        "cases": cases,
    }
    with open(os.path.join(HERE, name), "w") as f:
        json.dump(doc, f)
        f.write("\n")


def write_statedict_fixture():
    """A small state dict with the shapes the library uses (incl. rank 0 and a non-ASCII key)."""
    g = torch.Generator().manual_seed(3)
    entries = [
        ("0.weight", torch.randn(3, 4, generator=g)),
        ("0.bias", torch.randn(3, generator=g)),
        ("2.weight", torch.randn(2, 3, generator=g)),
        ("2.bias", torch.tensor([float("inf"), -0.0])),
        ("scalar", torch.tensor(1.5)),
        ("empty", torch.zeros(0, 3)),
        ("gewicht.\u00fc\u00df", torch.tensor([[1e-38, -3.4e38]])),
    ]
    with open(os.path.join(HERE, "optim_statedict_from_python.bin"), "wb") as f:
        write_entries(((k, v.numpy()) for k, v in entries), f)
    expected = [{"key": k, "shape": list(v.shape),
                 "bits": [int(x) for x in v.numpy().astype("<f4").view("<u4").flatten()]}
                for k, v in entries]
    with open(os.path.join(HERE, "optim_statedict_from_python.json"), "w") as f:
        json.dump({"generator": "make_optim_golden.py", "entries": expected}, f)
        f.write("\n")


if __name__ == "__main__":
    torch.set_num_threads(1)
    write_json("optim_sgd_golden.json", sgd_cases())
    write_json("optim_adam_golden.json", adam_cases())
    write_json("optim_adamw_golden.json", adamw_cases())
    write_statedict_fixture()
