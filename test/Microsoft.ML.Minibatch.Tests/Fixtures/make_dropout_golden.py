"""Golden values for Microsoft.ML.Minibatch.NN.Dropout / Functional.Dropout, from PyTorch.

Regenerate (from this folder, Debian python3-torch 1.13, built without MKL, so CPU bernoulli_ draws from mt19937):

    /usr/bin/python3 make_dropout_golden.py

Writes dropout_golden.json: per case a seed s, a probability p and an input x (drawn from a separate generator); the
output of torch.manual_seed(s); F.dropout(x, p, training=True), called twice in a row (the second call continues the
stream), and the gradient of sum(c * first output) with respect to x for fixed weights c. Floats are float32 values
written as shortest round-trip doubles, so parsing them as double and casting to float is exact.
"""
import json
import os

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))


def flat(t):
    return [float(v) for v in t.detach().flatten().tolist()]


def case(seed, p, shape):
    g = torch.Generator().manual_seed(1000 + seed)
    x = torch.randn(*shape, generator=g).requires_grad_()
    c = torch.randn(*shape, generator=g)
    torch.manual_seed(seed)
    first = F.dropout(x, p, training=True)
    second = F.dropout(x.detach(), p, training=True)
    (c * first).sum().backward()
    return {"seed": seed, "p": p, "shape": list(shape), "x": flat(x), "c": flat(c),
            "first": flat(first), "second": flat(second), "grad": flat(x.grad)}


if __name__ == "__main__":
    torch.set_num_threads(1)
    cases = [case(1, 0.5, (4, 7)), case(2, 0.1, (3, 50)), case(3, 0.3, (64, 9)), case(4, 0.9, (5, 5)),
             case(5, 0.25, (2, 3, 4)), case(6, 1 / 3, (100,))]
    with open(os.path.join(HERE, "dropout_golden.json"), "w") as f:
        json.dump({"generator": "make_dropout_golden.py", "torch_version": torch.__version__, "cases": cases}, f)
        f.write("\n")
