#!/usr/bin/env python3
"""Writes the seed corpora of fuzz/corpus/ (one folder per harness; tools/fuzz.sh).

Small well-formed files of every format, built here byte by byte or copied from the
repository's test data, so that each harness starts from inputs that reach deep into its
parser. Re-run after changing a format; the output is deterministic.
"""
import json
import pathlib
import shutil
import struct
import zipfile
import zlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus"


def put(harness, name, data):
    folder = CORPUS / harness
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data if isinstance(data, bytes) else data.encode())


# --- SpargeAttn .pt: torch.save's zip of a pickled dict of tensors -------------------------
def pickle_str(s):
    b = s.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def pickle_int(v):
    return b"K" + bytes([v]) if 0 <= v < 256 else b"J" + struct.pack("<i", v)


def pickle_tensor(key, dtype, numel):
    out = b"ctorch._utils\n_rebuild_tensor_v2\n("
    out += b"(" + pickle_str("storage") + b"ctorch\n" + dtype.encode() + b"Storage\n"
    out += pickle_str(key) + pickle_str("cpu") + pickle_int(numel) + b"tQ"
    out += pickle_int(0) + pickle_int(numel) + b"\x85" + pickle_int(1) + b"\x85" + b"\x89"
    out += b"ccollections\nOrderedDict\n)R" + b"tR"
    return out


def torch_file(layers, heads, ordered=False, protocol4=False):
    pkl = b"\x80\x02" + (b"ccollections\nOrderedDict\n)R" if ordered else b"}") + b"q\x00("
    records = []
    for layer in range(layers):
        module = f"model.layers.{layer}.self_attn.inner_attention"
        for name, dtype, value in [("is_sparse", "Bool", b"\x01"),
                                   ("cdfthreshd", "Float", struct.pack("<f", 0.9)),
                                   ("simthreshd1", "Float", struct.pack("<f", 0.6)),
                                   ("simthreshd2", "Float", struct.pack("<f", 0.0)),
                                   ("pvthreshd", "Float", struct.pack("<f", 20.0))]:
            key = str(len(records))
            pkl += pickle_str(f"{module}.{name}") + pickle_tensor(key, dtype, heads)
            records.append((key, value * heads))
    pkl += b"u."
    if protocol4:
        pkl = pkl.replace(b"\x80\x02", b"\x80\x04", 1)
    import io
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        def entry(name, data):  # a fixed date: writestr(name, ...) stamps the current time
            archive.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)
        entry("archive/data.pkl", pkl)
        entry("archive/byteorder", "little")
        for key, data in records:
            entry(f"archive/data/{key}", data)
        entry("archive/version", "3\n")
    return buffer.getvalue()


put("fuzz_spargeattn_file", "one_layer.pt", torch_file(1, 2))
put("fuzz_spargeattn_file", "ordered_dict.pt", torch_file(2, 1, ordered=True))
put("fuzz_spargeattn_file", "protocol4.pt", torch_file(1, 1, protocol4=True))

# --- native config -------------------------------------------------------------------------
config = {
    "format": "afbs-config", "version": 1,
    "model": {"name": "demo", "fingerprint": "00ff", "layers": 2, "heads": 2, "kv_heads": 1,
              "head_dim": 64},
    "blocks": {"query": 64, "key": 64},
    "selection": {"rule": "cumulative"},
    "tuning": {"method": "afbs-bo", "l1_target": 0.05, "pv_l1_target": 0.06,
               "fidelities": [256, 512], "evaluations": 10, "weighted_evaluations": 5.5,
               "seconds": 1.5},
    "layers": [{"layer": l, "heads": [
        {"head": h, "theta": 0.6, "tau": 0.9, "lambda": 20, "sparse": h == 0,
         "pinned": l == 1, "sparsity": 0.5, "error": 0.04} for h in range(2)]} for l in range(2)],
}
put("fuzz_native_config", "tuned.json", json.dumps(config, indent=1))
window = dict(config, selection={"rule": "sliding_window", "tokens": 256})
put("fuzz_native_config", "window.json", json.dumps(window))
# Integers outside int64 (fuzz_native_config found 8.9e48 cast to int64; tst_config_file).
huge = dict(config, version=8.9e48, model=dict(config["model"], layers=9300000000000000000),
            blocks={"query": -9.3e18, "key": 1e308})
put("fuzz_native_config", "huge_integers.json", json.dumps(huge))

# --- config.json ---------------------------------------------------------------------------
demo = (ROOT / "resources/models/kjv-llama/config.json").read_text()
put("fuzz_model_config", "kjv_llama.json", demo)
llama3 = json.loads(demo)
llama3["rope_scaling"] = {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                          "high_freq_factor": 4.0, "original_max_position_embeddings": 64}
put("fuzz_model_config", "llama3_rope.json", json.dumps(llama3))
qwen = dict(json.loads(demo), architectures=["Qwen2ForCausalLM"], use_sliding_window=True,
            sliding_window=128, rope_parameters={"rope_theta": 1e6, "rope_type": "linear",
                                                 "factor": 2.0})
put("fuzz_model_config", "qwen2.json", json.dumps(qwen))


# --- safetensors -------------------------------------------------------------------------
def safetensors(tensors, metadata=None):
    header, data = {}, b""
    if metadata:
        header["__metadata__"] = metadata
    for name, (dtype, shape, payload) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [len(data), len(data) + len(payload)]}
        data += payload
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data


put("fuzz_safetensors", "two_tensors.safetensors", safetensors(
    {"a": ("F32", [2, 2], struct.pack("<4f", 1, 2, 3, 4)),
     "b": ("BF16", [3], b"\x80\x3f" * 3)}, {"format": "pt"}))
put("fuzz_safetensors", "f16_empty.safetensors", safetensors(
    {"h": ("F16", [2], b"\x00\x3c\x00\x40"), "z": ("F32", [0], b"")}))
put("fuzz_safetensors_index", "index.json", json.dumps(
    {"metadata": {"total_size": 4}, "weight_map": {"x": "a.safetensors"}}))
put("fuzz_safetensors_index", "missing.json", json.dumps(
    {"weight_map": {"x": "a.safetensors", "y": "a.safetensors"}}))

# --- tokenizers ----------------------------------------------------------------------------
data = ROOT / "tests/tokenizer/data"
for name in ["gpt2_prefix.tokenizer.json", "qwen2.tokenizer.json", "llama3.tokenizer.json",
             "phi3.tokenizer.json", "gemma.tokenizer.json"]:
    put("fuzz_tokenizer_json", name, (data / name).read_bytes())
for name in ["bpe_identity_unk.model", "unigram_identity_unk.model", "bpe_llama.model"]:
    put("fuzz_sentencepiece", name, (data / name).read_bytes())

# --- journal -----------------------------------------------------------------------------
header = {"afbs_journal": 2, "method": "afbs-bo", "seed": 0, "fingerprint": "fuzz"}


def journal_line(record):  # the object, its closing brace replaced by its CRC-32
    text = json.dumps(record, separators=(",", ":"))
    return text[:-1] + ',"crc32":"%08x"}' % zlib.crc32(text.encode())



record = {"call": 0, "of": 2, "layer": 0, "head": 0, "stage": "explore", "n": 256,
          "window": 0, "theta": 0.6, "tau": 0.9, "lambda": 50.0, "sparsity": 0.3,
          "error": 0.01, "skip_rate": 0.0, "objective": 0.3, "seconds": 0.01, "elapsed": 0.5}
lines = [json.dumps(header), journal_line(record), journal_line(dict(record, head=1))]
put("fuzz_journal", "two_records.jsonl", "\n".join(lines) + "\n")
put("fuzz_journal", "torn.jsonl", "\n".join(lines) + "\n" + journal_line(record)[:40])
put("fuzz_journal", "edited.jsonl", "\n".join(lines).replace('"sparsity":0.3', '"sparsity":0.9') + "\n")

# --- command lines -------------------------------------------------------------------------
for i, words in enumerate([["--layers", "0-3,5"], ["--fidelities=256,512,1024", "--json"],
                           ["model", "--threads", "4", "--l1", "0.05"], ["2147483646-2147483647"]]):
    put("fuzz_cli", f"args{i}", "\0".join(words))
print("corpus:", sum(1 for _ in CORPUS.rglob("*") if _.is_file()), "files")
