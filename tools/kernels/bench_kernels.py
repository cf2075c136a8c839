#!/usr/bin/env python3
"""B2 (BENCHMARKS.md): our block-sparse attention against PyTorch's dense backends and
FlexAttention, side by side in one process on the same inputs.

Our kernels are called through their C API (kernels/afbs_kernels.h) with ctypes on torch's
tensors and torch's current stream. Per (head size, KV heads, length): dense causal attention
by SDPA's flash backend (FA2) and its cuDNN backend, FlexAttention (torch.compile'd
flex_attention, BlockMask of 128 × 128 blocks from from_kv_blocks: diagonal blocks partial,
the others full), our kernel in dense mode,
then at sparsities 0.5 / 0.7 / 0.9 ours and Flex on the same mask: random kept 128 × 128
blocks plus sink and diagonal, given to our kernel as 128 × 64 blocks (each kept 128-key
block is two 64-key columns) so both attend exactly the same tokens. Our mask prediction
(θ 0.3, τ 0.9 on the same q, k, one job per head) is timed separately and added to our
sparse times for the headline. SDPA's backends get K/V repeated to the query heads for GQA
(outside the timing). Times: median of triton.testing.do_bench. TFLOP/s count dense causal
work, 2·n²·D·H. Writes kernels.json and kernels.md into --out.
"""
import argparse
import ctypes
import datetime
import json
import math
import os
import subprocess
import sys

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel
from torch.nn.attention.flex_attention import BlockMask, flex_attention
import triton.testing


class PredictShape(ctypes.Structure):
    _fields_ = [("query_heads", ctypes.c_int), ("kv_heads", ctypes.c_int), ("length", ctypes.c_int),
                ("head_dim", ctypes.c_int), ("block_q", ctypes.c_int), ("block_k", ctypes.c_int),
                ("dtype", ctypes.c_int), ("q_head_stride", ctypes.c_int64),
                ("k_head_stride", ctypes.c_int64), ("search_rows", ctypes.c_int)]


class MaskJob(ctypes.Structure):
    _fields_ = [("head", ctypes.c_int), ("rule", ctypes.c_int), ("theta", ctypes.c_float),
                ("tau", ctypes.c_float), ("parameter", ctypes.c_double)]


class AttentionArgs(ctypes.Structure):
    _fields_ = [("q", ctypes.c_void_p), ("k", ctypes.c_void_p), ("v", ctypes.c_void_p),
                ("dtype", ctypes.c_int), ("query_heads", ctypes.c_int), ("kv_heads", ctypes.c_int),
                ("length", ctypes.c_int), ("head_dim", ctypes.c_int), ("block_q", ctypes.c_int),
                ("block_k", ctypes.c_int), ("scale", ctypes.c_float),
                ("q_head_stride", ctypes.c_int64), ("kv_head_stride", ctypes.c_int64),
                ("job_count", ctypes.c_int), ("job_head", ctypes.c_void_p), ("lut", ctypes.c_void_p),
                ("counts", ctypes.c_void_p), ("job_lambda", ctypes.c_void_p), ("out", ctypes.c_void_p),
                ("out_f32", ctypes.c_void_p), ("dense", ctypes.c_void_p), ("row_l1", ctypes.c_void_p),
                ("row_skipped", ctypes.c_void_p)]


AFBS_BF16 = 2
AFBS_RULE_CUMULATIVE = 1
AFBS_RULE_TOP_FRACTION = 2
AFBS_RULE_SLIDING_WINDOW = 3


class Kernels:
    def __init__(self, path):
        self.lib = ctypes.CDLL(path)
        self.lib.afbs_predict_workspace_bytes.restype = ctypes.c_size_t
        self.lib.afbs_predict_workspace_bytes.argtypes = [PredictShape]
        self.lib.afbs_predict_prepare.argtypes = [ctypes.c_void_p, ctypes.c_void_p, PredictShape,
                                                  ctypes.c_void_p, ctypes.c_void_p]
        self.lib.afbs_predict_select.argtypes = [ctypes.c_void_p, PredictShape, ctypes.c_void_p,
                                                 ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p,
                                                 ctypes.c_void_p]
        self.lib.afbs_sparse_attention_forward.argtypes = [ctypes.POINTER(AttentionArgs),
                                                           ctypes.c_void_p]

    @staticmethod
    def stream():
        return ctypes.c_void_p(torch.cuda.current_stream().cuda_stream)

    def attention(self, q, k, v, block_q, block_k, lut=None, counts=None, out=None, lambdas=None):
        hq, n, d = q.shape
        a = AttentionArgs()
        a.q, a.k, a.v = q.data_ptr(), k.data_ptr(), v.data_ptr()
        a.dtype = AFBS_BF16
        a.query_heads, a.kv_heads, a.length, a.head_dim = hq, k.shape[0], n, d
        a.block_q, a.block_k = block_q, block_k
        a.scale = 1.0 / math.sqrt(d)
        a.job_count = hq
        if lut is not None:
            a.lut, a.counts = lut.data_ptr(), counts.data_ptr()
        if lambdas is not None:
            a.job_lambda = lambdas.data_ptr()
        a.out = out.data_ptr()
        status = self.lib.afbs_sparse_attention_forward(ctypes.byref(a), self.stream())
        if status != 0:
            raise RuntimeError(f"afbs_sparse_attention_forward: CUDA error {status}")

    def predictor(self, q, k, block_q, block_k, search_rows=True, jobs=None):
        """One setting per head, as the forward predicts: rows searched (search_rows) or sorted
        (the evaluator's mode, for many settings per head). `jobs`: a MaskJob per head (default
        θ 0.3, τ 0.9 for all)."""
        hq, n, d = q.shape
        shape = PredictShape(hq, k.shape[0], n, d, block_q, block_k, AFBS_BF16, 0, 0,
                             1 if search_rows else 0)
        workspace = torch.empty(self.lib.afbs_predict_workspace_bytes(shape), dtype=torch.uint8,
                                device=q.device)
        if jobs is None:
            jobs = [MaskJob(h, AFBS_RULE_CUMULATIVE, 0.3, 0.9, 0.0) for h in range(hq)]
        jobs = (MaskJob * hq)(*jobs)
        jobs_gpu = torch.frombuffer(bytearray(jobs), dtype=torch.uint8).to(q.device)
        nq, nk = (n + block_q - 1) // block_q, (n + block_k - 1) // block_k
        lut = torch.empty(hq, nq, nk, dtype=torch.int32, device=q.device)
        counts = torch.empty(hq, nq, dtype=torch.int32, device=q.device)

        def prepare():
            if self.lib.afbs_predict_prepare(q.data_ptr(), k.data_ptr(), shape, workspace.data_ptr(),
                                             self.stream()):
                raise RuntimeError("afbs_predict_prepare failed")

        def select():
            if self.lib.afbs_predict_select(workspace.data_ptr(), shape, jobs_gpu.data_ptr(), hq,
                                            lut.data_ptr(), counts.data_ptr(), self.stream()):
                raise RuntimeError("afbs_predict_select failed")

        # Dense and window jobs read only the shape (afbs_rule_needs_prepare): no Q/K pass.
        needs_prepare = any(job.rule in (AFBS_RULE_CUMULATIVE, AFBS_RULE_TOP_FRACTION) for job in jobs)

        def run():
            if needs_prepare:
                prepare()
            select()
        return run, prepare, select, lut, counts


def random_block_mask(heads, blocks, kept_fraction, generator):
    """[heads, blocks, blocks] bool over 128 × 128 blocks: causal, sink and diagonal kept, the
    other visible blocks kept at random so that about `kept_fraction` of causal blocks stay."""
    visible = torch.ones(blocks, blocks, dtype=torch.bool).tril()
    forced = torch.eye(blocks, dtype=torch.bool)
    forced[:, 0] = True
    causal = visible.sum().item()
    free = (visible & ~forced).sum().item()
    p = max(0.0, min(1.0, (kept_fraction * causal - forced.sum().item()) / max(free, 1)))
    keep = (torch.rand(heads, blocks, blocks, generator=generator) < p) & visible
    return keep | forced


def lut_from_mask(keep, length, block_q, block_k):
    """Our LUT for a 128 × 128 mask, in block_q × block_k blocks (128 × 64: two columns each)."""
    keep = keep.cuda()
    heads, blocks, _ = keep.shape
    split = 128 // block_k
    fine = keep.repeat_interleave(split, dim=2)  # [heads, blocks, blocks·split]
    nk = (length + block_k - 1) // block_k
    fine = fine[:, :, :nk]
    counts = fine.sum(-1).to(torch.int32)
    order = torch.argsort((~fine).to(torch.int8), dim=-1, stable=True).to(torch.int32)
    return order.contiguous(), counts.contiguous()


def flex_block_mask(keep, length, block=128, block_k=None):
    """Flex's BlockMask for the same blocks (block × block_k tokens; block_k None: square): the
    blocks the causal diagonal crosses as partial blocks (the causal mask_mod runs there), every
    other kept block as a full block (no mask_mod)."""
    keep = keep.cuda()
    block_k = block_k or block
    heads, query_blocks, key_blocks = keep.shape
    first_query = torch.arange(query_blocks, device="cuda")[:, None] * block
    first_key = torch.arange(key_blocks, device="cuda")[None, :] * block_k
    crossed = (first_key + block_k - 1 > first_query) & (first_key <= first_query + block - 1)
    diagonal = crossed.expand(heads, query_blocks, key_blocks)
    full = keep & ~diagonal

    def as_indices(m):
        counts = m.sum(-1).to(torch.int32)
        indices = torch.argsort((~m).to(torch.int8), dim=-1, stable=True).to(torch.int32)
        return counts[None].contiguous(), indices[None].contiguous()

    def causal(b, h, q_idx, kv_idx):
        return q_idx >= kv_idx
    partial_counts, partial_indices = as_indices(diagonal.contiguous())
    full_counts, full_indices = as_indices(full)
    return BlockMask.from_kv_blocks(partial_counts, partial_indices, full_counts, full_indices,
                                    BLOCK_SIZE=(block, block_k), mask_mod=causal,
                                    seq_lengths=(length, length))


def bench(fn):
    return triton.testing.do_bench(fn, warmup=25, rep=100, return_mode="median")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lib", required=True, help="libafbs_kernels.so")
    parser.add_argument("--out", required=True)
    parser.add_argument("--lengths", default="4096,8192,16384,32768,65536")
    parser.add_argument("--dims", default="64,128")
    parser.add_argument("--kv-heads", default="32,8")
    parser.add_argument("--sparsities", default="0.5,0.7,0.9")
    parser.add_argument("--flex", default="128:32", help="D:Hkv pairs that also run Flex, or none")
    parser.add_argument("--heads", type=int, default=32)
    parser.add_argument("--profile-predict", action="store_true",
                        help="print the prediction's kernels by GPU time (torch.profiler)")
    args = parser.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False
    kernels = Kernels(args.lib)
    flex = torch.compile(flex_attention, dynamic=False)
    flex_pairs = {tuple(int(x) for x in p.split(":")) for p in args.flex.split(",") if p and p != "none"}
    generator = torch.Generator().manual_seed(0)
    rows = []
    for d in [int(x) for x in args.dims.split(",")]:
        for hkv in [int(x) for x in args.kv_heads.split(",")]:
            for n in [int(x) for x in args.lengths.split(",")]:
                torch.manual_seed(n + d + hkv)
                q = torch.randn(args.heads, n, d, device="cuda", dtype=torch.bfloat16)
                k = torch.randn(hkv, n, d, device="cuda", dtype=torch.bfloat16)
                v = torch.randn(hkv, n, d, device="cuda", dtype=torch.bfloat16)
                group = args.heads // hkv
                k_full = k.repeat_interleave(group, 0)[None]
                v_full = v.repeat_interleave(group, 0)[None]
                flops = 2.0 * n * n * d * args.heads
                row = {"head_dim": d, "kv_heads": hkv, "length": n, "ms": {}}
                with sdpa_kernel([SDPBackend.FLASH_ATTENTION]):
                    row["ms"]["fa2"] = bench(lambda: F.scaled_dot_product_attention(
                        q[None], k_full, v_full, is_causal=True))
                    reference = F.scaled_dot_product_attention(q[None], k_full, v_full, is_causal=True)[0]
                try:
                    with sdpa_kernel([SDPBackend.CUDNN_ATTENTION]):
                        row["ms"]["cudnn"] = bench(lambda: F.scaled_dot_product_attention(
                            q[None], k_full, v_full, is_causal=True))
                except RuntimeError as error:
                    print(f"cuDNN backend: {error}", file=sys.stderr)
                out = torch.empty_like(q)
                row["ms"]["ours_dense"] = bench(lambda: kernels.attention(q, k, v, 128, 64, out=out))
                kernels.attention(q, k, v, 128, 64, out=out)
                row["dense_relative_l1_vs_fa2"] = ((out.float() - reference.float()).abs().sum()
                                                   / reference.float().abs().sum()).item()
                predict, prepare, select, _, counts = kernels.predictor(q, k, 128, 64)
                row["ms"]["predict"] = bench(predict)
                row["predict_parts_ms"] = {"prepare": bench(prepare), "select": bench(select)}
                # The evaluator's mode (rows sorted once for many settings), for comparison.
                sorted_predict, _, _, _, sorted_counts = kernels.predictor(
                    q, k, 128, 64, search_rows=False)
                row["predict_sorted_ms"] = bench(sorted_predict)
                predict()
                sorted_predict()
                # Rows whose kept count differs between the modes (rounding at τ only).
                row["predict_rows_differing"] = int((counts != sorted_counts).sum().item())
                if args.profile_predict:
                    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CUDA]) as prof:
                        for _ in range(5):
                            predict()
                        torch.cuda.synchronize()
                    print(prof.key_averages().table(sort_by="cuda_time_total", row_limit=8), flush=True)
                blocks = (n + 127) // 128
                use_flex = (d, hkv) in flex_pairs
                if use_flex:
                    dense_keep = torch.ones(args.heads, blocks, blocks, dtype=torch.bool).tril()
                    mask = flex_block_mask(dense_keep, n)
                    row["ms"]["flex_dense"] = bench(lambda: flex(q[None], k[None], v[None], block_mask=mask,
                                                                 enable_gqa=group > 1))
                row["sparse"] = []
                for s in [float(x) for x in args.sparsities.split(",")]:
                    keep = random_block_mask(args.heads, blocks, 1.0 - s, generator)
                    causal_blocks = blocks * (blocks + 1) // 2
                    actual = 1.0 - keep.sum().item() / (args.heads * causal_blocks)
                    lut, counts = lut_from_mask(keep, n, 128, 64)
                    lut, counts = lut.cuda(), counts.cuda()
                    entry = {"target": s, "sparsity": actual}
                    entry["ours_ms"] = bench(lambda: kernels.attention(q, k, v, 128, 64, lut, counts, out))
                    if use_flex:
                        mask = flex_block_mask(keep, n)
                        entry["flex_ms"] = bench(lambda: flex(q[None], k[None], v[None], block_mask=mask,
                                                              enable_gqa=group > 1))
                        kernels.attention(q, k, v, 128, 64, lut, counts, out)
                        flex_out = flex(q[None], k[None], v[None], block_mask=mask, enable_gqa=group > 1)[0]
                        entry["relative_l1_vs_flex"] = ((out.float() - flex_out.float()).abs().sum()
                                                        / flex_out.float().abs().sum()).item()
                    row["sparse"].append(entry)
                best = min(row["ms"][b] for b in ("fa2", "cudnn") if b in row["ms"])
                row["best_dense_ms"] = best
                row["tflops"] = {b: flops / (ms * 1e9) for b, ms in row["ms"].items() if b != "predict"}
                for entry in row["sparse"]:
                    total = entry["ours_ms"] + row["ms"]["predict"]
                    entry["ours_with_predict_ms"] = total
                    entry["speedup_vs_best_dense"] = best / total
                    entry["ideal"] = 1.0 / (1.0 - entry["sparsity"])
                    entry["share_of_ideal"] = entry["speedup_vs_best_dense"] / entry["ideal"]
                    entry["predict_share"] = row["ms"]["predict"] / entry["ours_ms"]
                    if "flex_ms" in entry:
                        entry["vs_flex"] = entry["flex_ms"] / total
                        entry["vs_flex_attention_only"] = entry["flex_ms"] / entry["ours_ms"]
                rows.append(row)
                print(json.dumps(row), flush=True)
                del q, k, v, k_full, v_full, out, reference
                torch.cuda.empty_cache()
    write(args, rows)


def run_meta():
    """Where and when this run happened, for the result files' headers."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True).stdout.strip() or "unknown"
    except OSError:
        commit = "unknown"
    return {"date_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "device": torch.cuda.get_device_name(), "torch": torch.__version__, "commit": commit,
            "command": " ".join(sys.argv)}


def write(args, rows):
    os.makedirs(args.out, exist_ok=True)
    meta = run_meta()
    commit = meta["commit"]
    with open(os.path.join(args.out, "kernels.json"), "w") as f:
        json.dump({"meta": meta, "rows": rows}, f, indent=1)
    lines = [f"# B2 kernels — {meta['device']}, torch {meta['torch']}, commit {commit}, {meta['date_utc']}",
             "", f"`{meta['command']}`", "",
             "bf16, causal, 32 query heads. ms = median; TFLOP/s as dense causal work. "
             "Ours sparse = prediction + attention; ×Flex, attention only = Flex against our attention "
             "on the same mask without the prediction; ×best = speedup over the faster of FA2/cuDNN; "
             "ideal = 1/(1−s). predict: one setting per head, rows searched (the forward's mode); "
             "in brackets, with rows sorted (the evaluator's mode, for many settings per head).", "",
             "| D | Hkv | n | FA2 ms (TF/s) | cuDNN ms (TF/s) | ours dense ms (TF/s) | Flex dense ms | "
             "predict ms | s | ours ms | ×best | ideal | share | ×Flex | ×Flex, attention only |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        ms, tf = r["ms"], r["tflops"]
        head = (f"| {r['head_dim']} | {r['kv_heads']} | {r['length']} | {ms['fa2']:.2f} ({tf['fa2']:.0f}) | "
                + (f"{ms['cudnn']:.2f} ({tf['cudnn']:.0f})" if "cudnn" in ms else "–")
                + f" | {ms['ours_dense']:.2f} ({tf['ours_dense']:.0f}) | "
                + (f"{ms['flex_dense']:.2f}" if "flex_dense" in ms else "–") + f" | {ms['predict']:.3f} ({r['predict_sorted_ms']:.3f}) |")
        for e in r["sparse"]:
            lines.append(head + f" {e['sparsity']:.3f} | {e['ours_with_predict_ms']:.2f} | "
                         f"{e['speedup_vs_best_dense']:.2f} | {e['ideal']:.2f} | {e['share_of_ideal']:.2f} | "
                         + (f"{e['vs_flex']:.2f} | {e['vs_flex_attention_only']:.2f}" if "vs_flex" in e
                            else "– | –") + " |")
            head = "| | | | | | | | |"
    with open(os.path.join(args.out, "kernels.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
