#!/usr/bin/env python3
"""Writes tests/tokenizer/data/nfc_cases.json: [input, NFC(input)] pairs from Python's
unicodedata (the oracle for libutf8proc, which core/tokenizer/unicode_normalization uses):

    python3 tools/make_nfc_fixtures.py > tests/tokenizer/data/nfc_cases.json
"""
import json
import random
import unicodedata

cases = []
for cp in range(0x110000):
    d = unicodedata.decomposition(chr(cp))
    if d and not d.startswith("<"):
        nfd = unicodedata.normalize("NFD", chr(cp))
        cases.append(nfd + "x")  # decomposed, to be composed again (or not: exclusions)
        cases.append(chr(cp))    # precomposed or excluded, as it comes
POOL = ["a", "e", "o", "u", "A", "E", "O", "\u03b1", "\u03c9", "\u0438", "\u00e9", "\u01d6",
        "\u0300", "\u0301", "\u0308", "\u0323", "\u0327", "\u031b", "\u0345", "\u05b0", "\u093c",
        "\u0915", "\u304b", "\u3099", "\u0f71", "\u0f72", "\u1100", "\u1161", "\u11a8", "\uac00",
        "\ud55c", "\u2126", "\u212b", "\u0958", "\u0344", "\u0f73", " ", "\U0001d15e", "\U0001d165"]
rng = random.Random(2024)
for _ in range(1500):
    cases.append("".join(rng.choice(POOL) for _ in range(rng.randint(1, 8))))
pairs = [[text, unicodedata.normalize("NFC", text)] for text in cases]
print(json.dumps({"unicode": unicodedata.unidata_version, "cases": pairs}, ensure_ascii=False))
