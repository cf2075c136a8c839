#!/usr/bin/env python3
"""Makes the model-family tokenizer fixtures of tests/tokenizer with the Python `tokenizers`
package (nothing else: no sentencepiece, no transformers, no downloads). Twin of
tools/make_family_fixtures.cjs (the npm binding of the same Rust library), which made the
committed fixtures: keep the two alike.

    python3 tools/make_family_fixtures.py OUT_DIR

For each style it trains a small BPE on tests/tokenizer/data/train.txt (the library's default
trainer, cut to the first merges), builds the family's tokenizer.json around it, and writes
OUT_DIR/<style>.tokenizer.json and OUT_DIR/<style>.expected.json: the ids and the decoded text
`tokenizers` gives for the byte-level fixtures' texts and a few chat-template texts. It then
says whether the ids equal those of the committed fixture of the same style.
"""
import json
import pathlib
import sys

import tokenizers
from tokenizers import Tokenizer

DATA = pathlib.Path(__file__).resolve().parent.parent / "tests" / "tokenizer" / "data"
SPACE = "\u2581"  # ▁
QWEN2_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}|"
                 r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
PHI3_SPECIALS = ["<|endoftext|>", "<|assistant|>", "<|system|>", "<|end|>", "<|user|>"]
QWEN3_SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
QWEN3_PLAIN_ADDED = ["<think>", "</think>"]  # added, not special, in Qwen3
GEMMA_TURNS = ["<start_of_turn>", "<end_of_turn>"]
# Pieces of the family stress lines: the families' added tokens and look-alikes, spaces,
# byte-fallback characters.
FAMILY_POOL = [
    "a", "the", " ", "  ", "   ", "\n", "\t", "\r\n", "Hello", " world", "12", "345", ".", "!",
    SPACE, SPACE + SPACE, "<0x41>", "<0x0A>", "<s>", "</s>", "<unk>", "<bos>", "<eos>",
    "\u00e9", "e\u0301", "\u6771\u4eac", "\U0001F600", "\u0416", "\u017f", "\u212a",
    *PHI3_SPECIALS, *QWEN3_SPECIALS, *QWEN3_PLAIN_ADDED, *GEMMA_TURNS, "<|user", "end|>",
]
CHAT_TEXTS = [
    "<|user|>\nWhat is 2 + 2?<|end|>\n<|assistant|>\nIt is 4.<|end|>\n",
    "<|system|> You are helpful.<|end|><|user|>  Hi there <|end|> <|assistant|>",
    "<|im_start|>user\nhello<|im_end|>\n<|im_start|>assistant\n<think>\nhmm\n</think>\n\nHi!<|im_end|>",
    "<start_of_turn>user\nWrite a haiku.<end_of_turn>\n<start_of_turn>model\n",
    "<bos><start_of_turn>user  two  spaces<end_of_turn>",
    "tabs\tand\t\ttabs, 1234567890, \U0001F600\U0001F44D\U0001F3FD and \u6771\u4eac\u90fd",
    " leading space", "  two leading spaces", "trailing space ", SPACE + "already a metaspace",
    "<0x41> is not a byte token when typed", "\u00a0non-breaking\u3000ideographic\u2028line",
]


def family_stress_lines(count):
    """MINSTD, as the .cjs twin (products stay below 2^53)."""
    state = 20260

    def next_below(n):
        nonlocal state
        state = (state * 48271) % 2147483647
        return state % n

    lines = []
    for _ in range(count):
        parts = next_below(16)
        lines.append("".join(FAMILY_POOL[next_below(len(FAMILY_POOL))] for _ in range(parts)))
    return lines


def byte_level_alphabet():
    """GPT-2's bytes_to_unicode, in byte order."""
    def printable(b):
        return 0x21 <= b <= 0x7E or 0xA1 <= b <= 0xAC or b >= 0xAE

    out, nxt = [], 256
    for b in range(256):
        if printable(b):
            out.append(chr(b))
        else:
            out.append(chr(nxt))
            nxt += 1
    return out


def byte_tokens():
    return ["<0x%02X>" % b for b in range(256)]


def bpe_model(vocab, merges, **extra):
    model = {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
             "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False,
             "ignore_merges": False, "vocab": vocab, "merges": merges}
    model.update(extra)
    return model


def tokenizer_json(model, **parts):
    config = {"version": "1.0", "truncation": None, "padding": None, "added_tokens": [],
              "normalizer": None, "pre_tokenizer": None, "post_processor": None,
              "decoder": None, "model": model}
    config.update(parts)
    return config


def added(token_id, content, special, rstrip, normalized=False):
    return {"id": token_id, "content": content, "single_word": False, "lstrip": False,
            "rstrip": rstrip, "normalized": normalized, "special": special}


def split_string(s, behavior):
    return {"type": "Split", "pattern": {"String": s}, "behavior": behavior, "invert": False}


def replace(src, dst):
    return {"type": "Replace", "pattern": {"String": src}, "content": dst}


def metaspace(scheme, split):
    return {"type": "Metaspace", "replacement": SPACE, "prepend_scheme": scheme, "split": split}


def train(normalizer, pre_tokenizer):
    """Trains with the library's default trainer; returns the alphabet and merges in order."""
    tok = Tokenizer.from_str(json.dumps(tokenizer_json(
        bpe_model({}, []), normalizer=normalizer, pre_tokenizer=pre_tokenizer)))
    tok.train([str(DATA / "train.txt")])
    model = json.loads(tok.to_str())["model"]
    merges = [m if isinstance(m, list) else m.split(" ") for m in model["merges"]]
    first_merged = min(model["vocab"][a + b] for a, b in merges)
    alphabet = [t for t, i in sorted(model["vocab"].items(), key=lambda e: e[1])
                if i < first_merged]
    return {"alphabet": alphabet, "merges": merges}


def cut(trained, count, keep, leading_merges=()):
    """The first `count` merges whose tokens all pass `keep`, and the tokens they need."""
    tokens = [t for t in trained["alphabet"] if keep(t)]
    known = set(tokens)
    merges = []
    for a, b in list(leading_merges) + trained["merges"]:
        if len(merges) == count:
            break
        if a not in known or b not in known or not keep(a + b):
            continue
        merges.append([a, b])
        if a + b not in known:
            known.add(a + b)
            tokens.append(a + b)
    return {"tokens": tokens, "merges": merges}


def latin(s):
    return all(c == SPACE or ord(c) < 0x250 for c in s)


def no_emoji(s):
    return all(ord(c) <= 0xFFFF for c in s)


def no_control(s):
    return "\n" not in s and "\t" not in s and "\r" not in s


WHITESPACE_MERGES = [[SPACE, SPACE], [SPACE * 2, SPACE * 2], [SPACE * 2, SPACE]]


def ids(tokens, first=0):
    return {t: first + i for i, t in enumerate(tokens)}


LLAMA_DECODER = {"type": "Sequence", "decoders": [
    replace(SPACE, " "), {"type": "ByteFallback"}, {"type": "Fuse"},
    {"type": "Strip", "content": " ", "start": 1, "stop": 0}]}
LLAMA_NORMALIZER = {"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": SPACE},
                                                        replace(" ", SPACE)]}


def phi3_like(pieces, normalizer, pre_tokenizer, extra=None):
    """Llama-2 / Phi-3 vocabulary: <unk> <s> </s>, the byte tokens, the trained pieces;
    `extra(size)` gives the added tokens after them (Phi-3's chat tokens by default)."""
    vocab = ids(["<unk>", "<s>", "</s>", *byte_tokens(), *pieces["tokens"]])
    size = len(vocab)
    added_tokens = [added(0, "<unk>", True, False), added(1, "<s>", True, False),
                    added(2, "</s>", True, False)]
    if extra:
        added_tokens += extra(size)
    else:
        added_tokens += [added(size + i, t, True, t != "<|endoftext|>")
                         for i, t in enumerate(PHI3_SPECIALS)]
    return tokenizer_json(
        bpe_model(vocab, pieces["merges"], unk_token="<unk>", fuse_unk=True, byte_fallback=True),
        added_tokens=added_tokens, normalizer=normalizer, pre_tokenizer=pre_tokenizer,
        decoder=LLAMA_DECODER)


def qwen3():
    """Qwen2's regex, ByteLevel, NFC; <think> tags added but not special."""
    pre = {"type": "Sequence", "pretokenizers": [
        {"type": "Split", "pattern": {"Regex": QWEN2_PATTERN}, "behavior": "Isolated",
         "invert": False},
        {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False,
         "use_regex": False}]}
    normalizer = {"type": "NFC"}
    trained = train(normalizer, pre)
    alphabet = byte_level_alphabet()
    pieces = cut({"alphabet": alphabet + [c for c in trained["alphabet"] if c not in alphabet],
                  "merges": trained["merges"]}, 600, lambda s: True)
    size = len(pieces["tokens"])
    added_tokens = [added(size + i, t, True, False) for i, t in enumerate(QWEN3_SPECIALS)]
    added_tokens += [added(size + 3 + i, t, False, False)
                     for i, t in enumerate(QWEN3_PLAIN_ADDED)]
    return tokenizer_json(
        bpe_model(ids(pieces["tokens"]), pieces["merges"]), added_tokens=added_tokens,
        normalizer=normalizer, pre_tokenizer=pre,
        decoder={"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True,
                 "use_regex": True})


def sentencepiece_pieces():
    """Pieces as SentencePiece would cut them: words start with ▁, newlines apart."""
    trained = train(LLAMA_NORMALIZER, {"type": "Sequence", "pretokenizers": [
        split_string("\n", "Isolated"), metaspace("never", True)]})
    return cut(trained, 500, lambda s: latin(s) and no_control(s), WHITESPACE_MERGES)


def phi3():
    """Phi-3 (as Llama-2, legacy): Prepend("▁") + Replace(" ", "▁"), no pre-tokenizer."""
    return phi3_like(sentencepiece_pieces(), LLAMA_NORMALIZER, None)


def llama2_metaspace():
    """Llama-2 / Mistral as converted today (legacy false): Metaspace "first", not split."""
    return phi3_like(sentencepiece_pieces(), None, metaspace("first", False))


def llama2_chatml():
    """A ChatML fine-tune of Llama-2 (legacy): <|im_start|> <|im_end|> added as plain tokens,
    which tokenizers matches in the normalised text ("normalized": true), after Prepend("▁")."""
    return phi3_like(sentencepiece_pieces(), LLAMA_NORMALIZER, None,
                     lambda size: [added(size + i, t, False, False, True)
                                   for i, t in enumerate(["<|im_start|>", "<|im_end|>"])])


def gemma():
    """Replace(" ", "▁") only, digits alone, whitespace runs, newline and tab in the vocab."""
    normalizer = replace(" ", SPACE)
    trained = train(normalizer, {"type": "Sequence", "pretokenizers": [
        split_string("\n", "Isolated"), {"type": "Digits", "individual_digits": True},
        metaspace("never", True)]})
    pieces = cut(trained, 500, no_emoji, WHITESPACE_MERGES)
    head = ["<pad>", "<eos>", "<bos>", "<unk>", *GEMMA_TURNS]
    vocab = ids([*head, *byte_tokens(), *pieces["tokens"]])
    return tokenizer_json(
        bpe_model(vocab, pieces["merges"], unk_token="<unk>", fuse_unk=True, byte_fallback=True),
        added_tokens=[added(i, t, True, False) for i, t in enumerate(head)],
        normalizer=normalizer, pre_tokenizer=split_string(" ", "MergedWithPrevious"),
        decoder={"type": "Sequence", "decoders": [replace(SPACE, " "), {"type": "ByteFallback"},
                                                  {"type": "Fuse"}]})


STYLES = {"qwen3": qwen3, "phi3": phi3, "llama2_metaspace": llama2_metaspace,
          "llama2_chatml": llama2_chatml, "gemma": gemma}


def compare_with_committed(style, cases):
    committed = DATA / f"{style}.expected.json"
    if not committed.exists():
        return "no committed fixture to compare with"
    old = json.loads(committed.read_text(encoding="utf-8"))["cases"]
    if len(old) != len(cases) or any(a["text"] != b["text"] for a, b in zip(old, cases)):
        return "DIFFERS from the committed fixture: not the same texts"
    ids = sum(1 for a, b in zip(old, cases) if a["ids"] != b["ids"])
    decoded = sum(1 for a, b in zip(old, cases) if a.get("decoded") != b["decoded"])
    if ids or decoded:
        return (f"DIFFERS from the committed fixture: ids in {ids} cases, "
                f"decoded text in {decoded} cases")
    return "same ids and decoded text as the committed fixture"


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: python3 tools/make_family_fixtures.py OUT_DIR")
    out = pathlib.Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    # The byte-level fixtures' texts (corpus lines, multi-line texts, stress lines), then ours.
    base = json.loads((DATA / "qwen2.expected.json").read_text(encoding="utf-8"))
    texts = [c["text"] for c in base["cases"]] + CHAT_TEXTS + family_stress_lines(150)
    for style, make in STYLES.items():
        tok = Tokenizer.from_str(json.dumps(make()))
        cases = []
        for text in texts:
            got = tok.encode(text, add_special_tokens=False).ids
            cases.append({"text": text, "ids": got,
                          "decoded": tok.decode(got, skip_special_tokens=False)})
        tok.save(str(out / f"{style}.tokenizer.json"), pretty=True)
        meta = {"tokenizers_version": tokenizers.__version__, "binding": "python", "style": style,
                "cases": cases}
        (out / f"{style}.expected.json").write_text(json.dumps(meta, ensure_ascii=False),
                                                    encoding="utf-8")
        total = sum(len(c["ids"]) for c in cases)
        print(f"{style}: vocab {tok.get_vocab_size(with_added_tokens=True)}, {len(cases)} texts, "
              f"{total} ids -> {out / (style + '.tokenizer.json')} and {style}.expected.json; "
              f"{compare_with_committed(style, cases)}")
    print("tokenizers (python)", tokenizers.__version__)


if __name__ == "__main__":
    main()
