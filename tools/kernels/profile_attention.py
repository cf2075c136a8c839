#!/usr/bin/env python3
"""One attention shape for a profiler (ncu): `--warm` untimed calls, then one more, the call to
profile (`ncu --launch-skip WARM --launch-count 1 -k regex:sparse_attention`). The inputs are
bench_kernels.py's: random bf16 Q/K/V, causal, and for s > 0 its random block mask."""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_kernels import Kernels, lut_from_mask, random_block_mask  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lib", required=True, help="libafbs_kernels.so")
    parser.add_argument("--length", type=int, default=16384)
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--heads", type=int, default=32)
    parser.add_argument("--kv-heads", type=int, default=32)
    parser.add_argument("--sparsity", type=float, default=0.0, help="0: dense mode")
    parser.add_argument("--warm", type=int, default=3)
    args = parser.parse_args()
    kernels = Kernels(args.lib)
    n, d = args.length, args.dim
    torch.manual_seed(0)
    q = torch.randn(args.heads, n, d, device="cuda", dtype=torch.bfloat16)
    k = torch.randn(args.kv_heads, n, d, device="cuda", dtype=torch.bfloat16)
    v = torch.randn(args.kv_heads, n, d, device="cuda", dtype=torch.bfloat16)
    out = torch.empty_like(q)
    lut = counts = None
    if args.sparsity > 0:
        keep = random_block_mask(args.heads, (n + 127) // 128, 1.0 - args.sparsity,
                                 torch.Generator().manual_seed(0))
        lut, counts = (t.cuda() for t in lut_from_mask(keep, n, 128, 64))
    for _ in range(args.warm + 1):
        kernels.attention(q, k, v, 128, 64, lut, counts, out)
    torch.cuda.synchronize()
    print(f"ran n {n}, D {d}, {args.heads}/{args.kv_heads} heads, s {args.sparsity}")


if __name__ == "__main__":
    main()
