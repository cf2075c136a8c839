#!/usr/bin/env python3
"""Per-layer sensitivity table from an `afbs-bench frontier --allocations sensitivity` run.

Reads frontier.json and prints, for the first sensitivity budget point, each layer's measured
perplexity rise and mean sparsity at every menu setting (that layer alone, the others dense),
then each budget's mix probes. Usage: tools/frontier-layer-table.py DIR/frontier.json
"""
import json
import sys


def main(path):
    run = json.load(open(path))
    points = [p for p in run["points"] if p["method"] == "afbs-bo budget sensitivity"]
    if not points:
        sys.exit(f"{path}: no 'afbs-bo budget sensitivity' point")
    layers = {}
    settings = []
    for probe in points[0]["probes"]:
        option = probe.get("option", "")
        if not option.endswith(" alone"):
            continue
        setting = option[: -len(" alone")]
        if setting not in settings:
            settings.append(setting)
        layers.setdefault(probe["layer"], {})[setting] = probe
    print("Each layer alone at a setting (others dense): rise on the calibration windows, and the")
    print("model's mean sparsity that layer contributes (layer sparsity / layers)\n")
    print("| layer | " + " | ".join(settings) + " |")
    print("|---" * (len(settings) + 1) + "|")
    for layer in sorted(layers):
        cells = []
        for s in settings:
            p = layers[layer].get(s)
            cells.append("-" if p is None else f"{100 * p['rise']:+.3f} % / {p['mean_sparsity']:.3f}")
        print(f"| {layer} | " + " | ".join(cells) + " |")
    print("\nMix probes along the greedy path, per budget (steps taken: sparsity, rise):\n")
    for p in points:
        mixes = [q for q in p["probes"] if q.get("option", "").startswith("mix")]
        text = "; ".join(
            f"{q['option'][len('mix of '):]}: {q['mean_sparsity']:.3f}, {100 * q['rise']:.3f} %"
            + ("" if q["within_budget"] else " (over)")
            for q in mixes)
        print(f"- {p['parameter']}: {text}")
        if p.get("layer_choices"):
            print(f"  chosen: {', '.join(p['layer_choices'])}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
