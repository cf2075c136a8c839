#!/usr/bin/python3
"""Draws docs/demo-model-training-curve.png from the device run's log and results.

Left: training and validation loss of every dropout setting of the sweep (log.txt).
Right: validation perplexity of the bundled model by context length (training.json).
Needs matplotlib (Debian: python3-matplotlib).
"""
import json
import pathlib

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
RESULTS = ROOT / "tools/demo_model/results"


def read_curves(log):
    curves, name = {}, None
    for line in log.read_text().splitlines():
        if line.startswith("=== dropout"):
            name = "dropout " + line.split()[-1]
            curves[name] = []
        elif line.startswith('{"step"') and name:
            curves[name].append(json.loads(line))
    return curves


def main():
    curves = read_curves(RESULTS / "log.txt")
    training = json.loads((RESULTS / "training.json").read_text())
    sweep = json.loads((RESULTS / "sweep.json").read_text())
    best_run = "dropout " + str(sweep["runs"][sweep["best"]]["dropout"])
    best_step = training["summary"]["best_step"]

    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12, 4.5), gridspec_kw={"width_ratios": [2, 1]})
    for i, (name, rows) in enumerate(curves.items()):
        color = f"C{i}"
        steps = [r["step"] for r in rows if r["step"] > 0]
        ax.plot(steps, [r["train_loss"] for r in rows if r["step"] > 0], "--", color=color,
                label=f"{name} train")
        ax.plot([r["step"] for r in rows], [r["val_loss"] for r in rows], "-", color=color,
                label=f"{name} validation")
    ax.axvline(best_step, color="grey", lw=0.8)
    ax.annotate(f"kept: {best_run}, step {best_step}\nval loss {training['summary']['best_val_loss']}",
                xy=(best_step, training["summary"]["best_val_loss"]), xytext=(best_step + 150, 6.5),
                arrowprops=dict(arrowstyle="->", color="grey"), fontsize=9)
    ax.set_xlabel("step (8 x 4096 tokens)")
    ax.set_ylabel("cross-entropy (nats/token)")
    ax.set_ylim(0, 9)
    ax.set_title("kjv-llama: loss at 4096 tokens (train: dropout on)")
    ax.legend(fontsize=8, ncol=2)
    ax.grid(alpha=0.3)

    ppl = training["val_ppl"]
    lengths = [int(k) for k in ppl]
    ax2.plot(lengths, [ppl[str(n)]["ppl"] for n in lengths], "o-")
    for n in lengths:
        ax2.annotate(f"{ppl[str(n)]['ppl']:.1f}", (n, ppl[str(n)]["ppl"]),
                     textcoords="offset points", xytext=(0, 6), ha="center", fontsize=9)
    ax2.set_xscale("log", base=2)
    ax2.set_xticks(lengths, [str(n) for n in lengths])
    ax2.set_xlabel("context length (tokens)")
    ax2.set_ylabel("validation perplexity")
    ax2.set_title("held-out books, PyTorch, bf16 weights")
    ax2.margins(y=0.15)
    ax2.grid(alpha=0.3)

    fig.tight_layout()
    out = ROOT / "docs/demo-model-training-curve.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    print(out)


if __name__ == "__main__":
    main()
