#!/usr/bin/env python3
"""Tokens per second of our forward (afbs-bench forward) against transformers' on the
same shapes and random weights, in one run, interleaved (HF, ours, HF, ours):
  GPU: a Llama-2-7B shape, bf16, 4096 tokens; CPU: a small Llama (the demo model's shape)
  in f32, plus our peak resident memory (VmHWM) at 16k tokens.
Writes forward.json and forward.md into --out.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import torch
import transformers
from transformers import AutoConfig, AutoModelForCausalLM

DTYPE_KEY = "dtype" if int(transformers.__version__.split(".")[0]) >= 5 else "torch_dtype"

SHAPES = {
    "llama2-7b": {"architectures": ["LlamaForCausalLM"], "model_type": "llama",
                  "hidden_size": 4096, "intermediate_size": 11008, "num_hidden_layers": 32,
                  "num_attention_heads": 32, "num_key_value_heads": 32, "vocab_size": 32000,
                  "max_position_embeddings": 4096, "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
                  "hidden_act": "silu", "torch_dtype": "bfloat16", "tie_word_embeddings": False},
    "small": {"architectures": ["LlamaForCausalLM"], "model_type": "llama",
              "hidden_size": 512, "intermediate_size": 1536, "num_hidden_layers": 6,
              "num_attention_heads": 8, "num_key_value_heads": 4, "vocab_size": 8192,
              "max_position_embeddings": 16384, "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
              "hidden_act": "silu", "torch_dtype": "float32", "tie_word_embeddings": False},
}


def write_config(name, work):
    folder = os.path.join(work, name)
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "config.json")
    with open(path, "w") as f:
        json.dump(SHAPES[name], f, indent=2)
    return folder, path


def time_hf(model, tokens, device, repeat, warmup):
    ids = torch.randint(0, model.config.vocab_size, (1, tokens), device=device)
    times = []
    with torch.inference_mode():
        for i in range(warmup + repeat):
            if device == "cuda":
                torch.cuda.synchronize()
            started = time.perf_counter()
            logits = model(ids).logits
            if device == "cuda":
                torch.cuda.synchronize()
            elapsed = time.perf_counter() - started
            del logits
            if i >= warmup:
                times.append(elapsed)
    median = statistics.median(times)
    return {"seconds": times, "median_seconds": median, "tokens_per_second": tokens / median}


def run_ours(bench, config, tokens, device, dtype, repeat, warmup, threads=0):
    cmd = [bench, "forward", "--config", config, "--tokens", str(tokens), "--device", device,
           "--dtype", dtype, "--repeat", str(repeat), "--warmup", str(warmup)]
    if threads:
        cmd += ["--threads", str(threads)]
    run = subprocess.run(cmd, capture_output=True, text=True)
    if run.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {run.stderr.strip()}")
    result = json.loads(run.stdout)
    result["command"] = " ".join(cmd)
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bench", required=True)
    parser.add_argument("--work", default="/tmp/bench_forward")
    parser.add_argument("--out", required=True)
    parser.add_argument("--skip-gpu", action="store_true")
    parser.add_argument("--skip-cpu", action="store_true")
    parser.add_argument("--cpu-rounds", type=int, default=1)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    report = {"date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "torch": torch.__version__, "transformers": transformers.__version__,
              "command": " ".join(sys.argv), "cpu_count": os.cpu_count()}
    if not args.skip_gpu:
        folder, config = write_config("llama2-7b", args.work)
        report["gpu"] = torch.cuda.get_device_name(0)
        hf_config = AutoConfig.from_pretrained(folder)
        torch.manual_seed(0)
        with torch.device("cuda"):
            model = AutoModelForCausalLM.from_config(hf_config, **{DTYPE_KEY: torch.bfloat16}).eval()
        rounds = []
        for _ in range(2):
            hf = time_hf(model, 4096, "cuda", repeat=10, warmup=3)
            ours = run_ours(args.bench, config, 4096, "cuda", "bf16", repeat=10, warmup=3)
            rounds.append({"hf": hf, "ours": ours,
                           "ratio": ours["tokens_per_second"] / hf["tokens_per_second"]})
            print(json.dumps({"gpu_round_ratio": rounds[-1]["ratio"],
                              "hf_tps": hf["tokens_per_second"],
                              "ours_tps": ours["tokens_per_second"]}), flush=True)
        report["gpu_7b_bf16_4k"] = {"rounds": rounds,
                                    "ratio_median": statistics.median(r["ratio"] for r in rounds),
                                    "attn_implementation": getattr(model.config, "_attn_implementation", "?")}
        del model
        torch.cuda.empty_cache()
        write_report(report, args)
    if not args.skip_cpu:
        folder, config = write_config("small", args.work)
        threads = os.cpu_count()
        torch.set_num_threads(threads)
        hf_config = AutoConfig.from_pretrained(folder)
        model = AutoModelForCausalLM.from_config(hf_config, **{DTYPE_KEY: torch.float32}).eval()
        rounds = []
        for _ in range(args.cpu_rounds):
            hf = time_hf(model, 2048, "cpu", repeat=3, warmup=1)
            ours = run_ours(args.bench, config, 2048, "cpu", "f32", repeat=3, warmup=1, threads=threads)
            rounds.append({"hf": hf, "ours": ours,
                           "ratio": ours["tokens_per_second"] / hf["tokens_per_second"]})
            print(json.dumps({"cpu_round_ratio": rounds[-1]["ratio"]}), flush=True)
        report["cpu_small_f32_2k"] = {"rounds": rounds, "threads": threads,
                                      "ratio_median": statistics.median(r["ratio"] for r in rounds)}
        write_report(report, args)
        report["cpu_small_f32_16k"] = run_ours(args.bench, config, 16384, "cpu", "f32", repeat=1,
                                               warmup=0, threads=threads)
    write_report(report, args)


def write_report(report, args):
    with open(os.path.join(args.out, "forward.json"), "w") as f:
        json.dump(report, f, indent=2)
    lines = ["# Forward pass speed (afbs-bench forward vs transformers)", "",
             f"{report['date_utc']}, torch {report['torch']}, transformers {report['transformers']}, "
             f"{report['cpu_count']} CPUs{', ' + report['gpu'] if 'gpu' in report else ''}.", "",
             f"Command: `{report['command']}`", "",
             "| case | ours tokens/s | transformers tokens/s | ratio |", "| --- | --- | --- | --- |"]
    for key in ("gpu_7b_bf16_4k", "cpu_small_f32_2k"):
        if key in report:
            for i, r in enumerate(report[key]["rounds"]):
                lines.append(f"| {key} round {i + 1} | {r['ours']['tokens_per_second']:.0f} | "
                             f"{r['hf']['tokens_per_second']:.0f} | {r['ratio']:.3f} |")
    if "cpu_small_f32_16k" in report:
        r = report["cpu_small_f32_16k"]
        lines += ["", f"CPU, small shape, 16384 tokens, f32: {r['tokens_per_second']:.0f} tokens/s, "
                      f"peak RSS (VmHWM) {r['peak_rss_bytes'] / 2**20:.0f} MiB "
                      f"(logits alone: {16384 * 8192 * 4 / 2**20:.0f} MiB)."]
    with open(os.path.join(args.out, "forward.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
