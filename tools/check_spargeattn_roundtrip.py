#!/usr/bin/env python3
"""SpargeAttn interop, both ways, with SpargeAttn's own Python code (needs torch: run it on the
GPU machine).

  ORIGINAL.pt: a file SpargeAttn's autotune saved (extract_sparse_attention_state_dict);
  OURS.pt:     `afbs-tune import ORIGINAL.pt MODEL --out cfg.json` then
               `afbs-tune export cfg.json --spargeattn OURS.pt`.

OURS.pt is loaded with SpargeAttn's load_sparse_attention_state_dict onto a model whose
attention modules are SpargeAttn's SparseAttentionMeansim, named as Llama names them (what a
SpargeAttn user with a Llama model has), and every head's is_sparse, τ (cdfthreshd),
θ (simthreshd1) and λ (pvthreshd) read back from the modules is compared with ORIGINAL.pt's.
Dense heads are written with τ = θ = 1 (as SpargeAttn writes them), so only is_sparse and λ are
compared there.

SPARGE_DIR holds SpargeAttn's spas_sage_attn/autotune.py unmodified; its CUDA kernels and
metric helpers are stubbed (the loader uses neither).

usage: check_spargeattn_roundtrip.py SPARGE_DIR ORIGINAL.pt OURS.pt
"""
import importlib.util
import re
import sys
import types

import torch
import torch.nn as nn


def load_autotune(sparge_dir):
    package = types.ModuleType("spas_sage_attn")
    package.__path__ = []
    package.spas_sage_attn_meansim_cuda = package.spas_sage2_attn_meansim_cuda = None
    utils = types.ModuleType("spas_sage_attn.utils")
    utils.precision_metric = None
    # autotune.py makes a process pool of SpargeAttn's repository at import (its tools/
    # folder); the loader under test needs none of it.
    gpu_process = types.ModuleType("tools.gpu_process")
    gpu_process.GPUProcessPoolExecutor = lambda *args, **kwargs: None
    tools = types.ModuleType("tools")
    tools.__path__ = []
    tools.gpu_process = gpu_process
    sys.modules.update({"spas_sage_attn": package, "spas_sage_attn.utils": utils,
                        "tools": tools, "tools.gpu_process": gpu_process})
    for optional in ("tqdm", "einops"):
        try:
            importlib.import_module(optional)
        except ImportError:
            stub = types.ModuleType(optional)
            stub.tqdm = stub.rearrange = None
            sys.modules[optional] = stub
    spec = importlib.util.spec_from_file_location(
        "spas_sage_attn.autotune", f"{sparge_dir}/spas_sage_attn/autotune.py")
    autotune = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(autotune)
    return autotune


def main():
    sparge_dir, original_path, ours_path = sys.argv[1:4]
    autotune = load_autotune(sparge_dir)
    original = torch.load(original_path, weights_only=True, map_location="cpu")
    ours = torch.load(ours_path, weights_only=True, map_location="cpu")

    # The original's modules by layer index (the first number in the module name).
    modules = sorted({k.rsplit(".", 1)[0] for k in original},
                     key=lambda m: int(re.search(r"\d+", m).group()))
    layers = len(modules)

    class Attention(nn.Module):
        def __init__(self):
            super().__init__()
            self.inner_attention = autotune.SparseAttentionMeansim()

    class Layer(nn.Module):
        def __init__(self):
            super().__init__()
            self.self_attn = Attention()

    class Inner(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList(Layer() for _ in range(layers))

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.model = Inner()
            self.lm_head = nn.Linear(2, 2)  # the loader takes device and dtype from a parameter

    model = autotune.load_sparse_attention_state_dict(Model(), ours)
    checked = {"is_sparse": 0, "cdfthreshd": 0, "simthreshd1": 0, "pvthreshd": 0}
    mismatches = []
    for layer, module in enumerate(modules):
        loaded = model.model.layers[layer].self_attn.inner_attention
        want_sparse = original[f"{module}.is_sparse"].bool()
        got_sparse = loaded.is_sparse.bool()
        for name in checked:
            want = original[f"{module}.{name}"].float()
            got = getattr(loaded, name).detach().float()
            heads = range(want.numel()) if name in ("is_sparse", "pvthreshd") else \
                [h for h in range(want.numel()) if want_sparse[h]]
            for h in heads:
                checked[name] += 1
                if got[h].item() != want[h].item():
                    mismatches.append((layer, h, name, want[h].item(), got[h].item()))
        if not torch.equal(got_sparse, want_sparse):
            mismatches.append((layer, -1, "is_sparse (as bool)", None, None))
    print(f"torch {torch.__version__}; SpargeAttn's load_sparse_attention_state_dict loaded "
          f"{len(ours)} tensors onto {layers} SparseAttentionMeansim modules")
    print("values compared with the original file:",
          ", ".join(f"{n} {c}" for n, c in checked.items()))
    for m in mismatches[:20]:
        print("MISMATCH layer %d head %d %s: original %s, read back %s" % m)
    print("OK: every value read back equals SpargeAttn's own" if not mismatches
          else f"FAILED: {len(mismatches)} mismatches")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
