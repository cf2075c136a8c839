#!/usr/bin/env python3
"""Trains the demo model kjv-llama: a small Llama (GQA, SwiGLU, RoPE) on the King James Bible.

Writes the Hugging Face layout (config.json + model.safetensors) so the loader that serves
Llama-2-7B serves this model too, then measures on the held-out books what the model card
quotes: perplexity at 512/1024/2048/4096 tokens, a check against transformers'
LlamaForCausalLM, and the share of attention mass in the top 10 % of 64x64 blocks.

Usage (on a GPU machine, from the repository root, after prepare_data.py):
  python3 tools/demo_model/train.py --out OUTDIR [--set key=value ...]
Every setting lives in CONFIG below; --set overrides one (for smoke runs only).
"""
import argparse
import copy
import json
import math
import pathlib
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

CONFIG = dict(
    seed=1234,
    train_bin="tools/demo_model/work/train.bin",
    val_bin="tools/demo_model/work/val.bin",
    # Architecture (Hugging Face LlamaConfig names).
    vocab_size=4096,
    hidden_size=512,
    intermediate_size=1024,
    num_hidden_layers=6,
    num_attention_heads=8,
    num_key_value_heads=2,
    head_dim=64,
    rope_theta=10000.0,
    rms_norm_eps=1e-5,
    max_position_embeddings=4096,
    tie_word_embeddings=True,
    bos_token_id=1,
    eos_token_id=2,
    initializer_range=0.02,
    # Training: every window is BOS + seq_len-1 consecutive tokens at a random offset.
    seq_len=4096,
    batch_size=8,
    max_steps=600,
    time_budget_s=135.0,
    warmup_steps=60,
    lr=1.5e-3,
    min_lr_ratio=0.1,
    weight_decay=0.1,
    beta1=0.9,
    beta2=0.95,
    grad_clip=1.0,
    dropout=0.3,  # residual dropout, training only
    attn_dropout=0.0,  # dropout on attention probabilities, training only
    eval_every=50,
    # Measurements after training.
    ppl_lengths=[512, 1024, 2048, 4096],
    analysis_windows=4,
    block_size=64,
    top_fraction=0.10,
)


# ----------------------------------------------------------------------------- model
class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        dtype = x.dtype
        x = x.float()
        x = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * x.to(dtype)


def rope_tables(cfg, length, device):
    d = cfg["head_dim"]
    inv_freq = 1.0 / (cfg["rope_theta"] ** (torch.arange(0, d, 2, device=device).float() / d))
    freqs = torch.outer(torch.arange(length, device=device).float(), inv_freq)
    emb = torch.cat([freqs, freqs], dim=-1)  # Hugging Face "rotate_half" layout
    return emb.cos(), emb.sin()


def apply_rope(x, cos, sin):
    half = x.shape[-1] // 2
    rotated = torch.cat([-x[..., half:], x[..., :half]], dim=-1)
    return (x * cos + rotated * sin).to(x.dtype)


class Attention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        h, d = cfg["hidden_size"], cfg["head_dim"]
        self.nq, self.nkv, self.d = cfg["num_attention_heads"], cfg["num_key_value_heads"], d
        self.q_proj = nn.Linear(h, self.nq * d, bias=False)
        self.k_proj = nn.Linear(h, self.nkv * d, bias=False)
        self.v_proj = nn.Linear(h, self.nkv * d, bias=False)
        self.o_proj = nn.Linear(self.nq * d, h, bias=False)
        self.dropout = cfg["attn_dropout"]

    def forward(self, x, cos, sin, capture=None):
        b, t, _ = x.shape
        q = self.q_proj(x).view(b, t, self.nq, self.d).transpose(1, 2)
        k = self.k_proj(x).view(b, t, self.nkv, self.d).transpose(1, 2)
        v = self.v_proj(x).view(b, t, self.nkv, self.d).transpose(1, 2)
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        rep = self.nq // self.nkv  # query head i reads key/value head i // rep, as in HF repeat_kv
        k, v = k.repeat_interleave(rep, dim=1), v.repeat_interleave(rep, dim=1)
        if capture is not None:
            capture.append((q.detach(), k.detach()))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True,
                                           dropout_p=self.dropout if self.training else 0.0)
        return self.o_proj(y.transpose(1, 2).reshape(b, t, self.nq * self.d))


class MLP(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        h, i = cfg["hidden_size"], cfg["intermediate_size"]
        self.gate_proj = nn.Linear(h, i, bias=False)
        self.up_proj = nn.Linear(h, i, bias=False)
        self.down_proj = nn.Linear(i, h, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.input_layernorm = RMSNorm(cfg["hidden_size"], cfg["rms_norm_eps"])
        self.self_attn = Attention(cfg)
        self.post_attention_layernorm = RMSNorm(cfg["hidden_size"], cfg["rms_norm_eps"])
        self.mlp = MLP(cfg)
        self.drop = nn.Dropout(cfg["dropout"])

    def forward(self, x, cos, sin, capture=None):
        x = x + self.drop(self.self_attn(self.input_layernorm(x), cos, sin, capture))
        return x + self.drop(self.mlp(self.post_attention_layernorm(x)))


class Body(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.embed_tokens = nn.Embedding(cfg["vocab_size"], cfg["hidden_size"])
        self.layers = nn.ModuleList(Block(cfg) for _ in range(cfg["num_hidden_layers"]))
        self.norm = RMSNorm(cfg["hidden_size"], cfg["rms_norm_eps"])


class Llama(nn.Module):
    """Parameter names match Hugging Face's LlamaForCausalLM (model.*, lm_head tied)."""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.model = Body(cfg)
        self.reset_parameters()

    def reset_parameters(self):
        std = self.cfg["initializer_range"]
        for name, p in self.named_parameters():
            if p.dim() == 1:
                nn.init.ones_(p)
            elif name.endswith(("o_proj.weight", "down_proj.weight")):
                nn.init.normal_(p, std=std / math.sqrt(2 * self.cfg["num_hidden_layers"]))
            else:
                nn.init.normal_(p, std=std)

    def forward(self, ids, capture=None):
        cos, sin = rope_tables(self.cfg, ids.shape[1], ids.device)
        x = self.model.embed_tokens(ids)
        for layer in self.model.layers:
            x = layer(x, cos, sin, capture)
        x = self.model.norm(x)
        return F.linear(x, self.model.embed_tokens.weight)  # tied lm_head

    def loss(self, ids):
        logits = self(ids[:, :-1])
        return F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), ids[:, 1:].reshape(-1))


# ----------------------------------------------------------------------------- data
def load_ids(path):
    return torch.from_numpy(np.fromfile(path, dtype="<u2").astype(np.int64))


def random_batch(ids, cfg, gen, device):
    n = cfg["seq_len"] - 1
    starts = torch.randint(0, len(ids) - n, (cfg["batch_size"],), generator=gen)
    body = torch.stack([ids[s:s + n] for s in starts])
    bos = torch.full((cfg["batch_size"], 1), cfg["bos_token_id"], dtype=torch.long)
    return torch.cat([bos, body], dim=1).to(device, non_blocking=True)


def windows(ids, length, bos):
    """Non-overlapping windows of BOS + (length-1) validation tokens; the tail is dropped."""
    n = length - 1
    chunks = [ids[i:i + n] for i in range(0, len(ids) - n + 1, n)]
    return torch.stack([torch.cat([torch.tensor([bos]), c]) for c in chunks])


@torch.no_grad()
def mean_nll(model, wins, device, batch=4, autocast=True):
    """Mean negative log-likelihood over every predicted token of the windows."""
    total, count = 0.0, 0
    for i in range(0, len(wins), batch):
        ids = wins[i:i + batch].to(device)
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=autocast):
            logits = model(ids[:, :-1])
        nll = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]),
                              ids[:, 1:].reshape(-1), reduction="sum")
        total += nll.item()
        count += ids[:, 1:].numel()
    return total / count, count


# ----------------------------------------------------------------------------- output
def hf_config(cfg):
    keys = ["vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers",
            "num_attention_heads", "num_key_value_heads", "head_dim", "rope_theta",
            "rms_norm_eps", "max_position_embeddings", "tie_word_embeddings", "bos_token_id",
            "eos_token_id", "initializer_range"]
    out = {"architectures": ["LlamaForCausalLM"], "model_type": "llama"}
    out.update({k: cfg[k] for k in keys})
    out.update({"hidden_act": "silu", "attention_bias": False, "attention_dropout": 0.0,
                "mlp_bias": False, "pretraining_tp": 1, "rope_scaling": None,
                "pad_token_id": None, "torch_dtype": "bfloat16", "use_cache": True})
    return dict(sorted(out.items()))


def write_safetensors(path, tensors):
    """Header length (u64 LE) + JSON header padded to 8 bytes + raw little-endian BF16 data."""
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, t in tensors.items():
        raw = t.detach().to(torch.bfloat16).contiguous().cpu().view(torch.uint16).numpy().tobytes()
        header[name] = {"dtype": "BF16", "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    head = json.dumps(header, separators=(",", ":")).encode()
    head += b" " * (-len(head) % 8)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for raw in blobs:
            f.write(raw)
    tmp.replace(path)


def save_hf(model, cfg, out_dir):
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "config.json").write_text(json.dumps(hf_config(cfg), indent=2) + "\n")
    tensors = {n: p for n, p in model.named_parameters()}  # tied: no lm_head.weight
    write_safetensors(out_dir / "model.safetensors", tensors)


# ----------------------------------------------------------------------------- analysis
@torch.no_grad()
def block_mass(model, wins, cfg, device):
    """Per layer and head, over analysis windows of 4096 tokens (fp32, exact softmax):
    M[qb, kb] = mean over the 64 query rows of query block qb of the attention probability
    summed over the 64 keys of key block kb. For query blocks with at least 10 causal blocks
    (qb >= 9): top10 = sum of the ceil(10 % * (qb+1)) largest M[qb, kb]; sink = M[qb, 0];
    local = M[qb, qb] + M[qb, qb-1]; far = 1 - sink - local. Each is averaged over those query
    blocks and over the windows. Head class: local if local >= 0.5, else sink if sink >= 0.5,
    else long-range if far >= 0.5 and top10 >= 0.5 (concentrated on few distant blocks), else
    mixed (spread over many blocks, or no share above one half)."""
    bs, frac = cfg["block_size"], cfg["top_fraction"]
    L, H = cfg["num_hidden_layers"], cfg["num_attention_heads"]
    acc = {k: torch.zeros(L, H, dtype=torch.float64) for k in ("top", "sink", "local")}
    for w in wins:
        ids = w[None].to(device)
        t = ids.shape[1]
        nb = t // bs
        capture = []
        model(ids, capture)
        mask = torch.ones(t, t, device=device, dtype=torch.bool).tril()
        qbs = torch.arange(9, nb, device=device)
        for li, (q, k) in enumerate(capture):
            for h in range(H):
                s = (q[0, h].float() @ k[0, h].float().T) / math.sqrt(cfg["head_dim"])
                p = torch.softmax(s.masked_fill(~mask, float("-inf")), dim=-1)
                m = p.view(nb, bs, nb, bs).sum(-1).mean(1)  # [qb, kb]
                cum = m.sort(dim=-1, descending=True).values.cumsum(-1)
                kk = torch.ceil(frac * (qbs + 1).double()).long()  # blocks kept per query block
                acc["top"][li, h] += cum[qbs, kk - 1].mean().item()
                acc["sink"][li, h] += m[qbs, 0].mean().item()
                acc["local"][li, h] += (m[qbs, qbs] + m[qbs, qbs - 1]).mean().item()
    heads = []
    for li in range(L):
        for h in range(H):
            top, sink, local = (acc[k][li, h].item() / len(wins) for k in ("top", "sink", "local"))
            far = 1.0 - sink - local
            if local >= 0.5:
                cls = "local"
            elif sink >= 0.5:
                cls = "sink"
            elif far >= 0.5 and top >= 0.5:
                cls = "long-range"
            else:
                cls = "mixed"
            heads.append(dict(layer=li, head=h, top10_mass=round(top, 4), sink=round(sink, 4),
                              local=round(local, 4), far=round(far, 4), cls=cls))
    layers = []
    for li in range(L):
        hs = [x for x in heads if x["layer"] == li]
        layers.append(dict(layer=li, top10_mass_mean=round(sum(x["top10_mass"] for x in hs) / H, 4),
                           top10_mass_min=min(x["top10_mass"] for x in hs),
                           classes={c: sum(x["cls"] == c for x in hs)
                                    for c in ("local", "sink", "long-range", "mixed")}))
    return dict(definition=block_mass.__doc__, windows=len(wins), tokens_per_window=wins.shape[1],
                layers=layers, heads=heads)


# ----------------------------------------------------------------------------- main
def lr_at(step, cfg):
    if step < cfg["warmup_steps"]:
        return cfg["lr"] * (step + 1) / cfg["warmup_steps"]
    progress = min(1.0, (step - cfg["warmup_steps"]) / max(1, cfg["max_steps"] - cfg["warmup_steps"]))
    floor = cfg["min_lr_ratio"]
    return cfg["lr"] * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress)))


def parse_args():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True, type=pathlib.Path)
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    args = ap.parse_args()
    cfg = copy.deepcopy(CONFIG)
    for item in args.set:
        key, value = item.split("=", 1)
        if key not in cfg:
            sys.exit(f"train.py: unknown setting {key}")
        cfg[key] = json.loads(value) if not isinstance(cfg[key], str) else value
    return args.out, cfg


def main():
    out, cfg = parse_args()
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(cfg["seed"])
    device = "cuda"
    train_ids, val_ids = load_ids(cfg["train_bin"]), load_ids(cfg["val_bin"])
    val_wins = windows(val_ids, cfg["seq_len"], cfg["bos_token_id"])
    print(f"train tokens {len(train_ids)}, val tokens {len(val_ids)}, val windows {len(val_wins)}")
    print(f"device {torch.cuda.get_device_name()}, torch {torch.__version__}")

    model = Llama(cfg).to(device)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"parameters {n_params} ({2 * n_params / 1e6:.2f} MB in bf16)")
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": cfg["weight_decay"]},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=cfg["lr"], betas=(cfg["beta1"], cfg["beta2"]), fused=True)
    gen = torch.Generator().manual_seed(cfg["seed"])

    curve, best = [], dict(val_loss=float("inf"), step=-1, state=None)
    tokens_per_step = cfg["batch_size"] * cfg["seq_len"]
    t_start = time.time()
    t_log, running, running_n = t_start, torch.zeros((), device=device), 0
    train_time = 0.0  # wall time spent in training steps, evaluation excluded
    for step in range(cfg["max_steps"] + 1):
        if step % cfg["eval_every"] == 0 or step == cfg["max_steps"]:
            torch.cuda.synchronize()
            interval = time.time() - t_log
            train_time += interval
            model.eval()
            val_loss, _ = mean_nll(model, val_wins, device)
            model.train()
            if val_loss < best["val_loss"]:
                best = dict(val_loss=val_loss, step=step,
                            state={k: v.detach().clone() for k, v in model.state_dict().items()})
            train_loss = running.item() / running_n if running_n else float("nan")
            row = dict(step=step, epoch=round(step * tokens_per_step / len(train_ids), 2),
                       train_loss=round(train_loss, 4), val_loss=round(val_loss, 4),
                       lr=round(lr_at(step, cfg), 7),
                       tokens_per_s=round(running_n * tokens_per_step / interval) if running_n else 0,
                       elapsed_s=round(time.time() - t_start, 1))
            curve.append(row)
            print(json.dumps(row), flush=True)
            if time.time() - t_start > cfg["time_budget_s"] or step == cfg["max_steps"]:
                break
            running.zero_()
            running_n, t_log = 0, time.time()
        for g in opt.param_groups:
            g["lr"] = lr_at(step, cfg)
        ids = random_batch(train_ids, cfg, gen, device)
        with torch.autocast("cuda", dtype=torch.bfloat16):
            loss = model.loss(ids)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg["grad_clip"])
        opt.step()
        running += loss.detach()
        running_n += 1
    wall = time.time() - t_start
    steps_done = curve[-1]["step"]
    summary = dict(wall_time_s=round(wall, 1), train_step_time_s=round(train_time, 1),
                   steps=steps_done, tokens_seen=steps_done * tokens_per_step,
                   epochs=round(steps_done * tokens_per_step / len(train_ids), 2),
                   tokens_per_s=round(steps_done * tokens_per_step / train_time),
                   best_step=best["step"], best_val_loss=round(best["val_loss"], 4),
                   parameters=n_params)
    print("summary", json.dumps(summary))

    # Keep the best checkpoint, rounded to bf16 exactly as it is written.
    model.load_state_dict(best["state"])
    model.eval()
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.to(torch.bfloat16).float())
    model_dir = out / "kjv-llama"
    save_hf(model, cfg, model_dir)
    print(f"wrote {model_dir}, model.safetensors {(model_dir / 'model.safetensors').stat().st_size} bytes")

    results = dict(config=cfg, summary=summary, curve=curve)
    # Perplexity by context length, fp32 compute on the bf16 weights.
    ppl = {}
    for length in cfg["ppl_lengths"]:
        nll, count = mean_nll(model, windows(val_ids, length, cfg["bos_token_id"]), device,
                              autocast=False)
        ppl[length] = dict(nll=round(nll, 5), ppl=round(math.exp(nll), 4), tokens=count)
        print(f"val ppl @ {length}: {math.exp(nll):.4f} (nll {nll:.5f}, {count} tokens)")
    results["val_ppl"] = ppl

    # Cross-check against transformers' LlamaForCausalLM loading the written folder.
    try:
        from transformers import LlamaForCausalLM
        import transformers
        hf = LlamaForCausalLM.from_pretrained(model_dir, dtype=torch.float32).to(device).eval()
        ids = val_wins[:1].to(device)
        with torch.no_grad():
            hf_loss = hf(input_ids=ids, labels=ids).loss.item()
            ours = model.loss(ids).item()
            diff = (hf(input_ids=ids).logits[:, :-1] - model(ids[:, :-1])).abs().max().item()
        print(f"transformers {transformers.__version__}: HF loss {hf_loss:.6f}, ours {ours:.6f}, "
              f"max |logit diff| {diff:.2e}")
        results["hf_check"] = dict(transformers=transformers.__version__, hf_loss=hf_loss,
                                   our_loss=ours, max_abs_logit_diff=diff)
        from safetensors.torch import load_file
        st = load_file(str(model_dir / "model.safetensors"))
        results["hf_check"]["safetensors_tensors"] = len(st)
        del hf
    except Exception as e:  # report, never lose the trained model over the check
        print(f"HF check failed: {e!r}")
        results["hf_check"] = dict(error=repr(e))

    analysis = block_mass(model, val_wins[:cfg["analysis_windows"]], cfg, device)
    for row in analysis["layers"]:
        print(f"layer {row['layer']}: top-10% block mass mean {row['top10_mass_mean']:.3f} "
              f"min {row['top10_mass_min']:.3f} classes {row['classes']}")
    for hrow in analysis["heads"]:
        print(json.dumps(hrow))
    (out / "attention_blocks.json").write_text(json.dumps(analysis, indent=1) + "\n")
    (out / "training.json").write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
