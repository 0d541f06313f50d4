"""Golden values for Microsoft.ML.Minibatch.Data.ImageDeskew, from PyTorch's grid_sample.

Regenerate (from this folder, Debian python3-torch 1.13):

    /usr/bin/python3 make_deskew_golden.py

Writes deskew_golden.json: per case an image (height, width, pixels row-major) and its deskewing computed here
independently of our code: the ink's moments in float64 (centroid my, mx; alpha = cov(y, x) / var(y), or 0 when
var(y) <= 0.01), then torch.nn.functional.grid_sample(bilinear, padding_mode='zeros', align_corners=True) at
y = r + my - cy, x = c + mx - cx + alpha * (r - cy), with cy = (H - 1) / 2 and cx = (W - 1) / 2; an image without
positive ink is returned as it is. Floats are float32 values written as shortest round-trip doubles.
"""
import json
import os

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))


def deskew(image):
    h, w = image.shape
    x = image.double()
    total = x.sum()
    if not total > 0:
        return image.clone()
    r = torch.arange(h, dtype=torch.float64).unsqueeze(1)
    c = torch.arange(w, dtype=torch.float64).unsqueeze(0)
    my = (x * r).sum() / total
    mx = (x * c).sum() / total
    var_y = (x * (r - my) ** 2).sum() / total
    cov = (x * (r - my) * (c - mx)).sum() / total
    alpha = cov / var_y if var_y > 0.01 else torch.tensor(0.0, dtype=torch.float64)
    cy, cx = (h - 1) / 2, (w - 1) / 2
    src_y = r + my - cy + 0 * c
    src_x = c + mx - cx + alpha * (r - cy)
    grid = torch.stack([src_x * 2 / (w - 1) - 1, src_y * 2 / (h - 1) - 1], dim=-1).unsqueeze(0)
    out = F.grid_sample(x.view(1, 1, h, w), grid, mode="bilinear", padding_mode="zeros", align_corners=True)
    return out.view(h, w).float()


def stroke(h, w, slope, width=1.5):
    """A slanted bar of ink: intensity falls off with the horizontal distance from x = w/2 + slope * (y - h/2)."""
    r = torch.arange(h, dtype=torch.float32).unsqueeze(1)
    c = torch.arange(w, dtype=torch.float32).unsqueeze(0)
    d = (c - (w / 2 + slope * (r - h / 2))).abs()
    return (1 - d / width).clamp(min=0) * ((r > 2) & (r < h - 3)).float()


def flat(t):
    return [float(v) for v in t.flatten().tolist()]


def main():
    g = torch.Generator().manual_seed(20261130)
    sparse = torch.rand(28, 28, generator=g) * (torch.rand(28, 28, generator=g) < 0.2).float()
    one_row = torch.zeros(6, 9)
    one_row[4, 2:6] = torch.tensor([0.5, 1.0, 1.0, 0.25])
    images = [
        ("slanted stroke 16x16", stroke(16, 16, 0.6)),
        ("back-slanted stroke 20x14", stroke(20, 14, -0.4)),
        ("random ink 7x5", torch.rand(7, 5, generator=g)),
        ("sparse ink 28x28 in 0..255", (sparse * 255).round()),
        ("ink in one row 6x9", one_row),
        ("blank 4x4", torch.zeros(4, 4)),
    ]
    cases = [{"name": n, "height": im.shape[0], "width": im.shape[1], "image": flat(im), "deskewed": flat(deskew(im))}
             for n, im in images]
    with open(os.path.join(HERE, "deskew_golden.json"), "w") as f:
        json.dump({"torch": torch.__version__, "cases": cases}, f)
        f.write("\n")


if __name__ == "__main__":
    main()
