#!/usr/bin/env python3
"""Logits of our forward (afbs-bench forward --dump-logits) against Hugging Face
transformers (Llama, Qwen2, Qwen3, Phi-3, Gemma 2) on the same random-weight checkpoints.

Each case writes a legacy (transformers 4 style) config.json, builds the model with
transformers, gives every parameter random values, saves it with save_pretrained
(safetensors), then compares:
  fp32: ours (CUDA and CPU) vs transformers fp32 on CUDA: max|diff| / max|ref| <= 1e-4;
  bf16: ours bf16 vs transformers fp32 no worse than transformers bf16 vs its own fp32.
Writes parity.json and parity.md into --out.
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np
import torch
import transformers
from transformers import AutoConfig, AutoModelForCausalLM

# transformers 5 renamed torch_dtype to dtype.
DTYPE_KEY = "dtype" if int(transformers.__version__.split(".")[0]) >= 5 else "torch_dtype"

BASE = {
    "hidden_size": 256, "intermediate_size": 688, "num_hidden_layers": 3,
    "num_attention_heads": 8, "num_key_value_heads": 2, "vocab_size": 1000,
    "max_position_embeddings": 4096, "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
    "hidden_act": "silu", "torch_dtype": "float32", "bos_token_id": 1, "eos_token_id": 2,
}

CASES = {
    "llama_gqa": {"architectures": ["LlamaForCausalLM"], "model_type": "llama",
                  "tie_word_embeddings": False},
    "llama_tied_bias": {"architectures": ["LlamaForCausalLM"], "model_type": "llama",
                        "tie_word_embeddings": True, "attention_bias": True,
                        "num_key_value_heads": 8},
    "qwen2_bias_tied": {"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2",
                        "tie_word_embeddings": True, "use_sliding_window": False},
    "llama3_rope": {"architectures": ["LlamaForCausalLM"], "model_type": "llama",
                    "tie_word_embeddings": False, "rope_theta": 500000.0,
                    "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                     "high_freq_factor": 4.0,
                                     "original_max_position_embeddings": 128}},
    "llama_linear_rope": {"architectures": ["LlamaForCausalLM"], "model_type": "llama",
                          "num_key_value_heads": 4,
                          "rope_scaling": {"type": "linear", "factor": 4.0}},
    # Qwen3: per-head q/k RMSNorm; head_dim 64 makes q 512 wide on a 256-wide model.
    "qwen3_qk_norm": {"architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3",
                      "head_dim": 64, "tie_word_embeddings": True, "use_sliding_window": False},
    # Phi-3: fused qkv_proj and gate_up_proj, partial rotary, a sliding window shorter than
    # the 300 tokens.
    "phi3_fused": {"architectures": ["Phi3ForCausalLM"], "model_type": "phi3", "pad_token_id": 0,
                   "tie_word_embeddings": False, "sliding_window": 128,
                   "partial_rotary_factor": 0.75},
    # Gemma 2: sandwich norms, (1 + w) norms, scaled embeddings, both soft caps, alternating
    # sliding layers, query_pre_attn_scalar unlike head_dim; eager attention (transformers'
    # SDPA path has no soft cap).
    "gemma2": {"architectures": ["Gemma2ForCausalLM"], "model_type": "gemma2",
               "num_hidden_layers": 4, "head_dim": 64, "query_pre_attn_scalar": 48,
               "attn_logit_softcapping": 50.0, "final_logit_softcapping": 30.0,
               "sliding_window": 128, "hidden_activation": "gelu_pytorch_tanh",
               "tie_word_embeddings": True, "attn_implementation": "eager"},
    # Gemma 2 at its real head size (2B/9B): 256.
    "gemma2_d256": {"architectures": ["Gemma2ForCausalLM"], "model_type": "gemma2",
                    "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
                    "head_dim": 256, "query_pre_attn_scalar": 256,
                    "attn_logit_softcapping": 50.0, "final_logit_softcapping": 30.0,
                    "sliding_window": 128, "hidden_activation": "gelu_pytorch_tanh",
                    "tie_word_embeddings": True, "attn_implementation": "eager"},
}


def make_checkpoint(name, seed, work):
    folder = os.path.join(work, name)
    os.makedirs(folder, exist_ok=True)
    config = dict(BASE, **CASES[name])
    attn = config.pop("attn_implementation", None)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    hf_config = AutoConfig.from_pretrained(folder)
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(hf_config, **{DTYPE_KEY: torch.float32},
                                             **attention_kwargs(attn))
    with torch.no_grad():
        for pname, p in model.named_parameters():
            if "norm" in pname:
                p.copy_(1.0 + 0.1 * torch.randn_like(p))
            elif "embed" in pname:
                p.normal_(0.0, 1.0)
            else:
                p.normal_(0.0, 0.05)
    model.save_pretrained(folder, safe_serialization=True)
    return folder, model


def attention_kwargs(attn):
    return {"attn_implementation": attn} if attn else {}


def ours(bench, folder, tokens_file, device, dtype, out):
    cmd = [bench, "forward", folder, "--token-file", tokens_file, "--dump-logits", out,
           "--device", device, "--dtype", dtype]
    started = time.time()
    run = subprocess.run(cmd, capture_output=True, text=True)
    if run.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {run.stderr.strip()}")
    return np.load(out).astype(np.float64), time.time() - started


def compare(x, ref):
    diff = np.abs(x - ref)
    return {"max_abs_diff": float(diff.max()), "mean_abs_diff": float(diff.mean()),
            "max_abs_ref": float(np.abs(ref).max()),
            "rel_max_diff": float(diff.max() / np.abs(ref).max())}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bench", required=True)
    parser.add_argument("--work", default="/tmp/parity")
    parser.add_argument("--out", required=True)
    parser.add_argument("--tokens", type=int, default=300)
    parser.add_argument("--cases", default="", help="comma-separated case names (default: all)")
    args = parser.parse_args()
    names = [n for n in args.cases.split(",") if n] or list(CASES)
    unknown = [n for n in names if n not in CASES]
    if unknown:
        parser.error(f"unknown cases {unknown} (known: {', '.join(CASES)})")
    os.makedirs(args.work, exist_ok=True)
    os.makedirs(args.out, exist_ok=True)
    results = []
    for seed, name in enumerate(CASES):
        if name not in names:
            continue
        try:
            results.append(run_case(name, seed, args))
        except Exception as error:  # keep the other cases' figures
            results.append({"case": name, "error": repr(error)})
        print(json.dumps(results[-1]), flush=True)
    write_report(results, args)


def run_case(name, seed, args):
    folder, model = make_checkpoint(name, seed, args.work)
    rng = np.random.default_rng(7)
    ids = rng.integers(0, BASE["vocab_size"], size=args.tokens)
    tokens_file = os.path.join(folder, "tokens.txt")
    np.savetxt(tokens_file, ids, fmt="%d")
    input_ids = torch.tensor(ids, dtype=torch.long).unsqueeze(0).cuda()
    with torch.no_grad():
        model = model.cuda().eval()
        ref = model(input_ids).logits[0].double().cpu().numpy()
        attn = CASES[name].get("attn_implementation")
        model_bf16 = AutoModelForCausalLM.from_pretrained(
            folder, **{DTYPE_KEY: torch.bfloat16}, **attention_kwargs(attn)).cuda().eval()
        hf_bf16 = model_bf16(input_ids).logits[0].double().cpu().numpy()
    del model, model_bf16
    saved = json.load(open(os.path.join(folder, "config.json")))
    case = {"case": name, "tokens": args.tokens,
            "config_keys": sorted(k for k in saved if "rope" in k or k in ("tie_word_embeddings", "attention_bias")),
            "attn_implementation": CASES[name].get("attn_implementation", "default (sdpa)")}
    for device, dtype in (("cuda", "f32"), ("cpu", "f32"), ("cuda", "bf16")):
        logits, seconds = ours(args.bench, folder, tokens_file, device, dtype,
                               os.path.join(folder, f"ours_{device}_{dtype}.npy"))
        case[f"ours_{device}_{dtype}_vs_hf_f32"] = compare(logits[0], ref)
    case["hf_bf16_vs_hf_f32"] = compare(hf_bf16, ref)
    fp32_ok = all(case[f"ours_{d}_f32_vs_hf_f32"]["rel_max_diff"] <= 1e-4 for d in ("cuda", "cpu"))
    bf16_ok = (case["ours_cuda_bf16_vs_hf_f32"]["max_abs_diff"]
               <= case["hf_bf16_vs_hf_f32"]["max_abs_diff"])
    case["fp32_pass"] = fp32_ok
    case["bf16_pass"] = bf16_ok
    return case


def write_report(results, args):
    report = {"date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "machine": torch.cuda.get_device_name(0),
              "torch": torch.__version__, "transformers": transformers.__version__,
              "command": " ".join(sys.argv), "cases": results}
    with open(os.path.join(args.out, "parity.json"), "w") as f:
        json.dump(report, f, indent=2)
    lines = ["# Logits parity with transformers", "",
             f"{report['date_utc']}, {report['machine']}, torch {report['torch']}, "
             f"transformers {report['transformers']}, {args.tokens} tokens, random weights.", "",
             f"Command: `{report['command']}`", "",
             "rel = max|ours − HF fp32| / max|HF fp32|; bf16 columns: max|· − HF fp32|.", "",
             "| case | ours CUDA f32 rel | ours CPU f32 rel | ours bf16 max diff | HF bf16 max diff | fp32 ≤ 1e-4 | bf16 ≤ HF |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for c in results:
        if "error" in c:
            lines.append(f"| {c['case']} | error: {c['error']} | | | | NO | NO |")
            continue
        lines.append(
            f"| {c['case']} | {c['ours_cuda_f32_vs_hf_f32']['rel_max_diff']:.2e} | "
            f"{c['ours_cpu_f32_vs_hf_f32']['rel_max_diff']:.2e} | "
            f"{c['ours_cuda_bf16_vs_hf_f32']['max_abs_diff']:.3e} | "
            f"{c['hf_bf16_vs_hf_f32']['max_abs_diff']:.3e} | {'yes' if c['fp32_pass'] else 'NO'} | "
            f"{'yes' if c['bf16_pass'] else 'NO'} |")
    with open(os.path.join(args.out, "parity.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
