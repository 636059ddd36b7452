#!/usr/bin/env python3
"""bert_torch.py: chapter 07's pre-training step in PyTorch, for `make bench COMPARE=1`.

The same model as chapters/07_bert (BERT: token + position + segment embeddings,
embedding layer norm, post-LN encoder layers with exact-erf GELU and dropout 0.1 on
the residual branches and the embeddings, no dropout on attention probabilities; the
MLM head on the masked positions only, decoder tied to the word embeddings), the same
optimiser step (AdamW without decay on biases and norms, global-norm clipping at 1,
linear warm-up/decay), the same shapes, batch, sequence length and thread count.
It prints one line: tokens/s of whole training steps, after warm-up steps.

    python3 tests/bench/bert_torch.py --config mini --batch 32 --seq-len 128 --threads 2

Never needed to build or test the book: common/scripts/compare_bert.sh runs it when
PyTorch is installed (Debian: python3-torch, with libopenblas0-pthread so that torch
does not fall back to the reference BLAS).
"""
import argparse
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

CONFIGS = {"tiny": (2, 128, 2), "mini": (4, 256, 4), "small": (4, 512, 8)}


class Layer(nn.Module):
    def __init__(self, h, heads, inter, p):
        super().__init__()
        self.heads, self.p = heads, p
        self.q, self.k, self.v, self.o = (nn.Linear(h, h) for _ in range(4))
        self.ln1, self.ln2 = nn.LayerNorm(h, eps=1e-12), nn.LayerNorm(h, eps=1e-12)
        self.fc1, self.fc2 = nn.Linear(h, inter), nn.Linear(inter, h)

    def forward(self, x):
        b, t, h = x.shape
        hd = h // self.heads

        def split(z):
            return z.view(b, t, self.heads, hd).transpose(1, 2)

        q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
        probs = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(hd), dim=-1)
        a = (probs @ v).transpose(1, 2).reshape(b, t, h)
        x = self.ln1(x + F.dropout(self.o(a), self.p, self.training))
        f = self.fc2(F.gelu(self.fc1(x)))   # exact erf GELU, as BERT
        return self.ln2(x + F.dropout(f, self.p, self.training))


class Bert(nn.Module):
    def __init__(self, vocab, layers, h, heads, max_pos=512, p=0.1):
        super().__init__()
        self.word, self.pos, self.seg = nn.Embedding(vocab, h), nn.Embedding(max_pos, h), nn.Embedding(2, h)
        self.ln = nn.LayerNorm(h, eps=1e-12)
        self.layers = nn.ModuleList(Layer(h, heads, 4 * h, p) for _ in range(layers))
        self.dense, self.head_ln = nn.Linear(h, h), nn.LayerNorm(h, eps=1e-12)
        self.dec_bias = nn.Parameter(torch.zeros(vocab))
        self.p = p
        for m in self.modules():   # BERT's init
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, std=0.02)
            if isinstance(m, nn.Linear):
                nn.init.zeros_(m.bias)

    def forward(self, ids, positions, targets):
        b, t = ids.shape
        pos = torch.arange(t).unsqueeze(0)
        x = self.word(ids) + self.pos(pos) + self.seg(torch.zeros_like(ids))
        x = F.dropout(self.ln(x), self.p, self.training)
        for layer in self.layers:
            x = layer(x)
        hm = x.reshape(b * t, -1)[positions]          # the masked rows only
        z = self.head_ln(F.gelu(self.dense(hm)))
        logits = F.linear(z, self.word.weight, self.dec_bias)   # tied decoder
        return F.cross_entropy(logits, targets)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", default="mini")
    ap.add_argument("--vocab", type=int, default=8192)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seq-len", type=int, default=128)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup-steps", type=int, default=3)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    layers, h, heads = CONFIGS[a.config]
    model = Bert(a.vocab, layers, h, heads)
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=1e-3, betas=(0.9, 0.999), eps=1e-6)
    total = a.steps + a.warmup_steps
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min((s + 1) / 10, (total - s) / max(1, total - 10)))
    b, t = a.batch, a.seq_len
    n_pred = round(0.15 * (t - 2))
    model.train()
    start = None
    for step in range(total):
        if step == a.warmup_steps:
            start = time.perf_counter()
        ids = torch.randint(5, a.vocab, (b, t))
        # 15% of the positions between [CLS] and [SEP], 80/10/10 as in chapter 07
        positions = torch.stack([torch.randperm(t - 2)[:n_pred] + 1 + i * t for i in range(b)]).reshape(-1)
        targets = ids.reshape(-1)[positions].clone()
        r = torch.rand(positions.shape)
        flat = ids.reshape(-1)
        flat[positions[r < 0.8]] = 4
        rnd = positions[(r >= 0.8) & (r < 0.9)]
        flat[rnd] = torch.randint(5, a.vocab, rnd.shape)
        loss = model(ids, positions, targets)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
    secs = time.perf_counter() - start
    tokens = a.steps * b * t
    print(f"pytorch {torch.__version__} threads={a.threads} config={a.config} batch={b} seq_len={t} "
          f"steps={a.steps} tokens_per_s={tokens / secs:.0f} loss={loss.item():.3f}")


if __name__ == "__main__":
    main()
