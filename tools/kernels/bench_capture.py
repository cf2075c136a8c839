#!/usr/bin/env python3
"""B2's real-capture rows (BENCHMARKS.md): our kernels on the masks a tuned config gives on a
real model's attention, against PyTorch's dense backends and FlexAttention on the same inputs.

Each --capture folder is what `afbs-bench capture` wrote for one layer (q.npy [B·Hq, n, D],
k.npy and v.npy [B·Hkv, n, D], capture.json); --config is a tuned config (afbs-config JSON)
for the same model (its fingerprint is checked). Per layer: our mask prediction with the
config's (θ, τ) per head (rows searched, as the forward predicts), our attention on those
masks with the config's PV-skip λ, our dense mode, SDPA's FA2 and cuDNN backends, and Flex on
the same blocks (its BlockMask built from our masks). The mask's sparsity
is measured from the predicted masks (skipped / causal blocks). Times: median of
triton.testing.do_bench. Writes capture.json and capture.md into --out.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel
from torch.nn.attention.flex_attention import flex_attention

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_kernels import (Kernels, MaskJob, AFBS_RULE_CUMULATIVE, AFBS_RULE_SLIDING_WINDOW,  # noqa: E402
                           AFBS_RULE_TOP_FRACTION, bench, flex_block_mask, run_meta)

AFBS_RULE_DENSE = 0


# The config's selection rules: the C API's rule and the key of its parameter (None: θ, τ).
RULES = {"cumulative": (AFBS_RULE_CUMULATIVE, None),
         "top_fraction": (AFBS_RULE_TOP_FRACTION, "fraction"),
         "sliding_window": (AFBS_RULE_SLIDING_WINDOW, "tokens")}


def jobs_for(config, layer, heads, query_heads):
    """A MaskJob and a PV-skip λ per folded head b·Hq + h, from the config's head h (its own
    fraction or window where it carries one, as a perplexity budget's allocation writes)."""
    settings = config["layers"][layer]["heads"]
    selection = config.get("selection", {})
    rule = selection.get("rule", "cumulative")
    if rule not in RULES:
        raise SystemExit(f"config rule {rule}: not timed here")
    code, key = RULES[rule]
    jobs, lambdas = [], []
    for t in range(heads):
        h = settings[t % query_heads]
        if h.get("sparse", True):
            parameter = float(h.get(key, selection.get(key))) if key else 0.0
            jobs.append(MaskJob(t, code, h["theta"], h["tau"], parameter))
            lambdas.append(h.get("lambda", 50.0))
        else:
            jobs.append(MaskJob(t, AFBS_RULE_DENSE, 0.0, 1.0, 0.0))
            lambdas.append(50.0)
    return jobs, lambdas


def keep_from_lut(lut, counts):
    """[jobs, nq, nk] bool of the kept blocks (entries past a row's count go to a spare column)."""
    jobs, nq, nk = lut.shape
    position = torch.arange(nk, device=lut.device)
    valid = position[None, None, :] < counts[:, :, None]
    keep = torch.zeros(jobs, nq, nk + 1, dtype=torch.bool, device=lut.device)
    keep.scatter_(2, torch.where(valid, lut.long(), nk), True)
    return keep[:, :, :nk].contiguous()


def bench_layer(kernels, flex, folder, config, block_q, block_k):
    meta = json.load(open(os.path.join(folder, "capture.json")))
    if config["model"].get("fingerprint") not in (None, "", meta["fingerprint"]):
        raise SystemExit(f"{folder}: captured from model {meta['fingerprint']}, the config is for "
                         f"{config['model']['fingerprint']}")
    load = lambda name: torch.from_numpy(np.load(os.path.join(folder, name))).to("cuda", torch.bfloat16)
    q, k, v = load("q.npy"), load("k.npy"), load("v.npy")
    heads, n, d = q.shape
    group = heads // k.shape[0]
    jobs, lambdas = jobs_for(config, meta["layer"], heads, meta["query_heads"])
    lambdas = torch.tensor(lambdas, dtype=torch.float32, device="cuda")
    row = {"layer": meta["layer"], "windows": meta["windows"], "length": n, "heads": heads,
           "kv_heads": k.shape[0], "head_dim": d, "ms": {}}
    k_full, v_full = k.repeat_interleave(group, 0)[None], v.repeat_interleave(group, 0)[None]
    for name, backend in (("fa2", SDPBackend.FLASH_ATTENTION), ("cudnn", SDPBackend.CUDNN_ATTENTION)):
        try:
            with sdpa_kernel([backend]):
                row["ms"][name] = bench(lambda: F.scaled_dot_product_attention(
                    q[None], k_full, v_full, is_causal=True))
        except RuntimeError as error:
            print(f"{name}: {error}", file=sys.stderr)
    out = torch.empty_like(q)
    row["ms"]["ours_dense"] = bench(lambda: kernels.attention(q, k, v, block_q, block_k, out=out))
    predict, _, _, lut, counts = kernels.predictor(q, k, block_q, block_k, jobs=jobs)
    row["ms"]["predict"] = bench(predict)
    predict()
    row["ms"]["ours_sparse"] = bench(lambda: kernels.attention(q, k, v, block_q, block_k, lut, counts,
                                                               out, lambdas))
    nq, nk = lut.shape[1], lut.shape[2]
    visible = torch.tensor([min(n, (i + 1) * block_q - 1) // block_k + 1 for i in range(nq)],
                           device="cuda")
    row["sparsity"] = 1.0 - counts.sum().item() / (heads * visible.sum().item())
    mask = flex_block_mask(keep_from_lut(lut, counts), n, block_q, block_k)
    # Flex's kernel tiles must divide the BlockMask's blocks: below 128 they are named.
    options = None if min(block_q, block_k) >= 128 else {"BLOCK_M": block_q, "BLOCK_N": block_k}
    try:
        row["ms"]["flex_sparse"] = bench(lambda: flex(q[None], k[None], v[None], block_mask=mask,
                                                      enable_gqa=group > 1, kernel_options=options))
        row["flex_kernel_options"] = options
    except Exception as error:  # Flex's compiler raises many kinds; the row goes on without it
        row["flex_error"] = str(error).splitlines()[0][:300]
        print(f"Flex: {row['flex_error']}", file=sys.stderr)
    best = min(row["ms"][b] for b in ("fa2", "cudnn") if b in row["ms"])
    total = row["ms"]["ours_sparse"] + row["ms"]["predict"]
    row.update(best_dense_ms=best, ours_with_predict_ms=total, speedup_vs_best_dense=best / total,
               ideal=1.0 / (1.0 - row["sparsity"]))
    row["share_of_ideal"] = row["speedup_vs_best_dense"] / row["ideal"]
    if "flex_sparse" in row["ms"]:
        row["vs_flex"] = row["ms"]["flex_sparse"] / total
        row["vs_flex_attention_only"] = row["ms"]["flex_sparse"] / row["ms"]["ours_sparse"]
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lib", required=True, help="libafbs_kernels.so")
    parser.add_argument("--config", required=True, help="a tuned afbs-config JSON")
    parser.add_argument("--capture", required=True, help="capture folders, comma-separated")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    config = json.load(open(args.config))
    block_q, block_k = config["blocks"]["query"], config["blocks"]["key"]
    kernels = Kernels(args.lib)
    flex = torch.compile(flex_attention, dynamic=False)
    rows = []
    for folder in args.capture.split(","):
        rows.append(bench_layer(kernels, flex, folder, config, block_q, block_k))
        print(json.dumps(rows[-1]), flush=True)
    meta = dict(run_meta(), config=args.config)
    commit = meta["commit"]
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "capture.json"), "w") as f:
        json.dump({"meta": meta, "rows": rows}, f, indent=1)
    sums = {key: sum(r["ms"].get(key, 0.0) for r in rows)
            for key in ("fa2", "cudnn", "ours_dense", "predict", "ours_sparse", "flex_sparse")}
    lines = [f"# B2 on a real capture — {meta['device']}, torch {meta['torch']}, commit {commit}, "
             f"{meta['date_utc']}", "", f"`{meta['command']}`", "",
             f"bf16, causal, blocks {block_q} × {block_k}, masks predicted by our kernels with the "
             f"config's rule ({config.get('selection', {}).get('rule', 'cumulative')}) per head and attention with its PV-skip λ. ms = median. ×best = "
             "best dense (FA2/cuDNN) ÷ (prediction + our sparse attention); ideal = 1/(1−s); "
             "×Flex = Flex on the same blocks ÷ ours with prediction (attention only in brackets).", "",
             "| layer | heads × n × D (Hkv) | FA2 ms | cuDNN ms | ours dense ms | s | predict ms | "
             "ours sparse ms | ×best | ideal | share | Flex ms | ×Flex |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    fmt = lambda ms, key: f"{ms[key]:.3f}" if key in ms else "–"
    for r in rows:
        ms = r["ms"]
        lines.append(f"| {r['layer']} | {r['heads']} × {r['length']} × {r['head_dim']} ({r['kv_heads']}) | "
                     f"{fmt(ms, 'fa2')} | {fmt(ms, 'cudnn')} | {ms['ours_dense']:.3f} | {r['sparsity']:.3f} | "
                     f"{ms['predict']:.3f} | {ms['ours_sparse']:.3f} | {r['speedup_vs_best_dense']:.2f} | "
                     f"{r['ideal']:.2f} | {r['share_of_ideal']:.2f} | {fmt(ms, 'flex_sparse')} | "
                     + (f"{r['vs_flex']:.2f} ({r['vs_flex_attention_only']:.2f})" if "vs_flex" in r else "–")
                     + " |")
    if len(rows) > 1:
        best = min(sums["fa2"], sums["cudnn"]) if sums["cudnn"] else sums["fa2"]
        ours = sums["predict"] + sums["ours_sparse"]
        lines.append(f"| all | | {sums['fa2']:.3f} | {sums['cudnn']:.3f} | {sums['ours_dense']:.3f} | | "
                     f"{sums['predict']:.3f} | {sums['ours_sparse']:.3f} | {best / ours:.2f} | | | "
                     f"{sums['flex_sparse']:.3f} | "
                     + (f"{sums['flex_sparse'] / ours:.2f}" if sums["flex_sparse"] else "–") + " |")
    with open(os.path.join(args.out, "capture.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
