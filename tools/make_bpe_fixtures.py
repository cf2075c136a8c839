#!/usr/bin/env python3
"""Makes the byte-level BPE parity fixtures of tests/tokenizer (run where the Python
`tokenizers` package is installed, e.g. the GPU machine):

    python3 tools/make_bpe_fixtures.py OUT_DIR

For each style it trains a small byte-level BPE on tests/tokenizer/data/train.txt, saves
OUT_DIR/<style>.tokenizer.json and OUT_DIR/<style>.expected.json, the ids `tokenizers`
gives for every corpus line and a few multi-line texts (no special tokens added).
"""
import json
import pathlib
import random
import sys

import tokenizers
from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

LLAMA3_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|"
                  r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
QWEN2_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}|"
                 r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
SPECIALS = ["<|begin_of_text|>", "<|end_of_text|>", "<|endoftext|>"]
# Pieces of random stress lines: what the pre-tokeniser regexes treat differently.
STRESS_POOL = [
    "a", "e", "the", "The", "ing", "and", " ", " ", "  ", "   ", "\t", "\n", "\r\n", "\r", "\n\n",
    "'s", "'S", "'t", "'re", "'VE", "'m", "'ll", "'LL", "'d", "'D", "'x", "'", "\u017f", "\u212a",
    "1", "23", "4567", "0", "\u00b2", "\u00bd", "\u216b", "\u0663", "\u0967", ".", ",", "!?", "--",
    "(", ")", "{}", "_", "#", "@", "\u00e9", "e\u0301", "\u00df", "\u0416", "\u03a9", "\u6771",
    "\u4eac", "\ud55c", "\U0001f600", "\U0001f44d\U0001f3fd", "\u200d", "\u00a0", "\u3000",
    "\u2028", "\u0085", "\u000b", "\u000c", "<|begin_of_text|>", "<|end_of_text|>", "\u2581",
]


def stress_lines(count, seed=1234):
    rng = random.Random(seed)
    return ["".join(rng.choice(STRESS_POOL) for _ in range(rng.randint(0, 20)))
            for _ in range(count)]


def split_then_bytes(pattern):
    return pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(pattern), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])


def make_bpe(ignore_merges):
    if ignore_merges:
        try:
            return models.BPE(ignore_merges=True)
        except TypeError:  # older tokenizers without the option
            pass
    return models.BPE()


STYLES = {
    # name: (pre-tokenizer, normalizer, ignore_merges, vocab size)
    "llama3": (lambda: split_then_bytes(LLAMA3_PATTERN), None, True, 700),
    "qwen2": (lambda: split_then_bytes(QWEN2_PATTERN), None, False, 600),
    "gpt2": (lambda: pre_tokenizers.ByteLevel(add_prefix_space=False), None, False, 600),
    "gpt2_prefix": (lambda: pre_tokenizers.ByteLevel(add_prefix_space=True), None, False, 500),
}


def main():
    out = pathlib.Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    data = pathlib.Path(__file__).resolve().parent.parent / "tests" / "tokenizer" / "data"
    train_lines = (data / "train.txt").read_text(encoding="utf-8").split("\n")
    corpus = (data / "corpus.txt").read_text(encoding="utf-8")
    texts = corpus.split("\n")[:-1]
    texts += [
        corpus,
        "line one\nline two\r\nline three\n\n\nend  \n",
        "spaces before newline   \n  and after\t\n\tend",
        "<|begin_of_text|> hello <|end_of_text|><|end_of_text|>x",
        "numbers 12345678901 and ²³ ½ Ⅻ",
        "   ",
        "",
    ]
    texts += stress_lines(400)
    for name, (make_pre, normalizer, ignore_merges, vocab) in STYLES.items():
        tok = Tokenizer(make_bpe(ignore_merges))
        if normalizer is not None:
            tok.normalizer = normalizer
        tok.pre_tokenizer = make_pre()
        tok.decoder = decoders.ByteLevel()
        trainer = trainers.BpeTrainer(vocab_size=vocab, special_tokens=SPECIALS,
                                      initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                      show_progress=False)
        tok.train_from_iterator(train_lines, trainer)
        tok.save(str(out / f"{name}.tokenizer.json"))
        cases = []
        for text in texts:
            ids = tok.encode(text, add_special_tokens=False).ids
            cases.append({"text": text, "ids": ids})
        meta = {"tokenizers_version": tokenizers.__version__, "style": name, "cases": cases}
        (out / f"{name}.expected.json").write_text(
            json.dumps(meta, ensure_ascii=False, indent=0), encoding="utf-8")
        print(name, "vocab", tok.get_vocab_size(), "cases", len(cases),
              "ids", sum(len(c["ids"]) for c in cases))
    print("tokenizers", tokenizers.__version__)


if __name__ == "__main__":
    main()
