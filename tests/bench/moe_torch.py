#!/usr/bin/env python3
"""Chapter 09's MoE layer written the straightforward way in PyTorch, for `make bench
COMPARE=1`: the same shapes as `ch09 --bench-layer K` (4,096 tokens, C = 256, 8
experts of width 1024 for top-1 or 512 for top-2, capacity factor 1.25, GELU experts,
Switch's load-balancing loss and the z-loss), forward + backward, the mean of 10 after
one warm-up. Never needed to build or test the book.

    python3 tests/bench/moe_torch.py --k 1 --threads 2
"""
import argparse
import math
import time

import torch
import torch.nn.functional as F


class MoE(torch.nn.Module):
    def __init__(self, C, H, E, k, capacity_factor):
        super().__init__()
        self.E, self.k, self.cf = E, k, capacity_factor
        self.router = torch.nn.Linear(C, E, bias=False)
        self.fc1 = torch.nn.ModuleList(torch.nn.Linear(C, H) for _ in range(E))
        self.fc2 = torch.nn.ModuleList(torch.nn.Linear(H, C) for _ in range(E))

    def forward(self, x):
        N = x.shape[0]
        logits = self.router(x)
        probs = logits.softmax(-1)
        top_p, top_e = probs.topk(self.k, dim=-1)                 # (N, k)
        if self.k > 1:
            top_p = top_p / top_p.sum(-1, keepdim=True)
        cap = math.ceil(self.cf * self.k * N / self.E)
        # capacity: first choices of all tokens first, then second ones (a cumulative
        # count per expert, as Switch's and GShard's reference code compute it)
        onehot = F.one_hot(top_e.t().reshape(-1), self.E)           # (k N, E), choice-major
        position = (onehot.cumsum(0) - 1) * onehot
        kept = ((position < cap) & (onehot > 0)).any(-1).view(self.k, N).t()   # (N, k)
        y = torch.zeros_like(x)
        for e in range(self.E):
            token, slot = ((top_e == e) & kept).nonzero(as_tuple=True)
            if token.numel() == 0:
                continue
            h = self.fc2[e](F.gelu(self.fc1[e](x[token])))
            y.index_add_(0, token, h * top_p[token, slot].unsqueeze(-1))
        f = F.one_hot(top_e.reshape(-1), self.E).float().mean(0)
        aux = 1e-2 * self.E * (f * probs.mean(0)).sum()
        z = 1e-3 * logits.logsumexp(-1).pow(2).mean()
        return y, aux + z


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--k", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(5)
    N, C, E = 4096, 256, 8
    H = 1024 if args.k == 1 else 512
    layer = MoE(C, H, E, args.k, 1.25)
    x = torch.randn(N, C, requires_grad=True)
    dy = torch.randn(N, C)
    total, reps = 0.0, 10
    for r in range(reps + 1):
        t = time.perf_counter()
        y, extra = layer(x)
        ((y * dy).sum() + extra).backward()
        if r:
            total += (time.perf_counter() - t) / reps
    print(f"PyTorch {torch.__version__}, {args.threads} threads: MoE layer top-{args.k} forward + backward "
          f"{1e3 * total:.2f} ms ({N / total:.0f} tokens/s)")
    print(f"RESULT task=moe-torch k={args.k} moe_ms={1e3 * total:.3f} tokens_per_s={N / total:.0f}")


if __name__ == "__main__":
    main()
