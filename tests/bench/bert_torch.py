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

With --train DIR it pre-trains instead, on the sequences `ch07 --dump-seqs --out DIR`
wrote, and prints a learning curve to compare with chapter 07's (README 07.9):

    python3 tests/bench/bert_torch.py --train DIR --steps 500

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


def read_safetensors(path):
    """The safetensors format by hand (8-byte header length, JSON header, raw F32
    tensors): this script needs nothing but PyTorch."""
    import json
    import struct
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        assert e["dtype"] == "F32", f"{name}: dtype {e['dtype']}"
        begin, end = e["data_offsets"]
        out[name] = torch.frombuffer(bytearray(data[begin:end]), dtype=torch.float32).reshape(e["shape"])
    return out


# Hugging Face's BertForMaskedLM names -> this script's modules
def hf_to_local(name):
    import re
    for hf, local in (("bert.embeddings.word_embeddings", "word"), ("bert.embeddings.position_embeddings", "pos"),
                      ("bert.embeddings.token_type_embeddings", "seg"), ("bert.embeddings.LayerNorm", "ln"),
                      ("cls.predictions.transform.dense", "dense"), ("cls.predictions.transform.LayerNorm", "head_ln")):
        if name.startswith(hf + "."):
            return local + name[len(hf):]
    if name == "cls.predictions.bias":
        return "dec_bias"
    m = re.match(r"bert\.encoder\.layer\.(\d+)\.(.*)\.(weight|bias)$", name)
    parts = {"attention.self.query": "q", "attention.self.key": "k", "attention.self.value": "v",
             "attention.output.dense": "o", "attention.output.LayerNorm": "ln1", "intermediate.dense": "fc1",
             "output.dense": "fc2", "output.LayerNorm": "ln2"}
    return f"layers.{m.group(1)}.{parts[m.group(2)]}.{m.group(3)}"


def check(directory, ids):
    """Loads a checkpoint chapter 07 wrote and prints the top-5 (id, probability) at
    each [MASK] (id 4) of ids: the same numbers as `ch07 --fill` on the same text."""
    import json
    import os
    cfg = json.load(open(os.path.join(directory, "config.json")))
    assert cfg["model_type"] == "bert" and cfg["hidden_act"] == "gelu"
    model = Bert(cfg["vocab_size"], cfg["num_hidden_layers"], cfg["hidden_size"], cfg["num_attention_heads"],
                 cfg["max_position_embeddings"])
    tensors = read_safetensors(os.path.join(directory, "model.safetensors"))
    state = {hf_to_local(k): v for k, v in tensors.items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    assert not unexpected and not missing, (missing, unexpected)
    model.eval()
    x = torch.tensor([ids])
    positions = torch.tensor([i for i, t in enumerate(ids) if t == 4])
    with torch.no_grad():
        b, t = x.shape
        h = model.word(x) + model.pos(torch.arange(t).unsqueeze(0)) + model.seg(torch.zeros_like(x))
        h = model.ln(h)
        for layer in model.layers:
            h = layer(h)
        z = model.head_ln(F.gelu(model.dense(h[0, positions])))
        probs = torch.softmax(F.linear(z, model.word.weight, model.dec_bias), dim=-1)
    vocab = open(os.path.join(directory, "vocab.txt"), encoding="utf-8").read().split("\n")
    for row in probs:
        top = torch.topk(row, 5)
        print("  ".join(f"{vocab[i]} {p:.3f}" for p, i in zip(top.values.tolist(), top.indices.tolist())))


def train_reference(a):
    """--train DIR: BERT-mini pre-trained on the sequences `ch07 --dump-seqs` wrote into
    DIR, with chapter 07's recipe (15% masking 80/10/10 over non-special tokens, AdamW
    without decay on 1-D tensors, clipping at 1, linear warm-up and decay), printing the
    train loss and accuracy every 50 steps and the held-out ones every --eval-every:
    a reference curve for chapter 07's run, from an independent implementation."""
    import numpy as np
    T, V = a.seq_len, a.vocab
    train = np.fromfile(f"{a.train}/train_seqs.i32", dtype=np.int32).reshape(-1, T)
    held = np.fromfile(f"{a.train}/heldout_seqs.i32", dtype=np.int32).reshape(-1, T)[:a.eval_max]

    def mask(ids, g):
        ids = ids.copy()
        pos, tgt = [], []
        for b in range(ids.shape[0]):
            ok = np.nonzero(ids[b] >= 5)[0]   # never [PAD] [UNK] [CLS] [SEP] [MASK]
            for t in np.sort(g.choice(ok, max(1, int(round(0.15 * len(ok)))), replace=False)):
                pos.append(b * T + t)
                tgt.append(ids[b, t])
                r = g.random()
                if r < 0.8:
                    ids[b, t] = 4
                elif r < 0.9:
                    ids[b, t] = g.integers(5, V)
        return torch.tensor(ids, dtype=torch.long), torch.tensor(pos), torch.tensor(tgt, dtype=torch.long)

    def logits_at(model, ids, pos):
        b = ids.shape[0]
        x = model.word(ids) + model.pos(torch.arange(T).unsqueeze(0)) + model.seg(torch.zeros_like(ids))
        x = F.dropout(model.ln(x), model.p, model.training)
        for layer in model.layers:
            x = layer(x)
        z = model.head_ln(F.gelu(model.dense(x.reshape(b * T, -1)[pos])))
        return F.linear(z, model.word.weight, model.dec_bias)

    g_held = np.random.default_rng(20240607)
    held_batches = [mask(held[i:i + a.batch], g_held) for i in range(0, len(held), a.batch)]
    torch.manual_seed(a.seed)
    layers, h, heads = CONFIGS[a.config]
    model = Bert(V, layers, h, heads)
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=a.lr, betas=(0.9, 0.999), eps=1e-6)
    g = np.random.default_rng(a.seed)
    order = g.permutation(len(train))
    window = [0.0, 0, 0]
    t0 = time.perf_counter()
    for step in range(1, a.steps + 1):
        lr = a.lr * (step / a.warmup if step <= a.warmup else (a.total - step) / (a.total - a.warmup))
        for group in opt.param_groups:
            group["lr"] = lr
        ids, pos, tgt = mask(train[order[(step - 1) * a.batch: step * a.batch]], g)
        model.train()
        logits = logits_at(model, ids, pos)
        loss = F.cross_entropy(logits, tgt)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        window[0] += loss.item() * len(tgt)
        window[1] += (logits.argmax(-1) == tgt).sum().item()
        window[2] += len(tgt)
        if step % 50 == 0:
            line = f"step {step:5d} | lr {lr:.2e} | train loss {window[0] / window[2]:.4f} acc {window[1] / window[2]:.4f}"
            window = [0.0, 0, 0]
            if step % a.eval_every == 0:
                model.eval()
                total, right, n = 0.0, 0, 0
                with torch.no_grad():
                    for ids, pos, tgt in held_batches:
                        logits = logits_at(model, ids, pos)
                        total += F.cross_entropy(logits, tgt, reduction="sum").item()
                        right += (logits.argmax(-1) == tgt).sum().item()
                        n += len(tgt)
                line += f" | held-out loss {total / n:.4f} acc {right / n:.4f}"
            print(line, f"| {time.perf_counter() - t0:.0f} s", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", help="a checkpoint directory: print the top-5 at each [MASK] of --ids")
    ap.add_argument("--ids", help="token ids, space-separated, [CLS] ... [SEP] included")
    ap.add_argument("--config", default="mini")
    ap.add_argument("--vocab", type=int, default=8192)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seq-len", type=int, default=128)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup-steps", type=int, default=3)
    ap.add_argument("--train", help="a directory from `ch07 --dump-seqs`: train on it (a reference curve)")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--warmup", type=int, default=300, help="--train: warm-up steps")
    ap.add_argument("--total", type=int, default=4000, help="--train: the schedule's length (--steps may stop earlier)")
    ap.add_argument("--eval-every", type=int, default=100)
    ap.add_argument("--eval-max", type=int, default=1024)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    if a.train:
        train_reference(a)
        return
    if a.check:
        check(a.check, [int(t) for t in a.ids.split()])
        return
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
