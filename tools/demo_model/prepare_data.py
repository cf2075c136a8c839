#!/usr/bin/python3
"""Prepares the demo model's corpus and tokenizer from Debian's King James Bible.

Reads all 31,102 verses with `bible -f -l 0 "gen1:1-rev22:21"` (packages bible-kjv and
bible-kjv-text), writes running text without verse references (book title, then one line per
chapter, a blank line between books), holds out whole books for validation, trains the
SentencePiece tokenizer on the training books only, and stores both token streams as
little-endian uint16 for the trainer.

Outputs:
  resources/data/kjv-validation.txt         held-out books (committed)
  resources/models/kjv-llama/tokenizer.model (committed)
  tools/demo_model/work/{train,val}.bin     uint16 token ids (not committed)
  tools/demo_model/work/kjv-train.txt       training text (not committed)

Needs Debian's python3-sentencepiece (whole-text encoding, newlines as byte pieces, exactly as
the Llama tokenizer treats them) and spm_train from package sentencepiece.
"""
import json
import pathlib
import re
import subprocess
import sys

import sentencepiece as spm

ROOT = pathlib.Path(__file__).resolve().parents[2]
WORK = ROOT / "tools/demo_model/work"
MODEL_DIR = ROOT / "resources/models/kjv-llama"
VALIDATION_TEXT = ROOT / "resources/data/kjv-validation.txt"

# Whole books held out for validation, spread over both testaments (about 5 % of the text).
HELD_OUT = ["Ruth", "Esther", "Ecclesiastes", "Daniel", "Romans", "Hebrews"]

SPM_SETTINGS = [
    "--model_type=bpe",
    "--vocab_size=4096",
    "--byte_fallback=true",
    "--normalization_rule_name=identity",
    "--add_dummy_prefix=true",
    "--remove_extra_whitespaces=false",
    "--split_digits=true",
    "--character_coverage=1.0",
    "--unk_id=0",
    "--bos_id=1",
    "--eos_id=2",
    "--pad_id=-1",
    "--num_threads=2",
    "--seed_sentencepiece_size=200000",
]

# The 66 books in canonical order; `bible` prints its own abbreviations in the same order.
BOOK_NAMES = [
    "Genesis", "Exodus", "Leviticus", "Numbers", "Deuteronomy", "Joshua", "Judges", "Ruth",
    "1 Samuel", "2 Samuel", "1 Kings", "2 Kings", "1 Chronicles", "2 Chronicles", "Ezra",
    "Nehemiah", "Esther", "Job", "Psalms", "Proverbs", "Ecclesiastes", "Song of Solomon",
    "Isaiah", "Jeremiah", "Lamentations", "Ezekiel", "Daniel", "Hosea", "Joel", "Amos",
    "Obadiah", "Jonah", "Micah", "Nahum", "Habakkuk", "Zephaniah", "Haggai", "Zechariah",
    "Malachi", "Matthew", "Mark", "Luke", "John", "Acts", "Romans", "1 Corinthians",
    "2 Corinthians", "Galatians", "Ephesians", "Philippians", "Colossians", "1 Thessalonians",
    "2 Thessalonians", "1 Timothy", "2 Timothy", "Titus", "Philemon", "Hebrews", "James",
    "1 Peter", "2 Peter", "1 John", "2 John", "3 John", "Jude", "Revelation",
]

VERSE = re.compile(r"^(\d?[A-Za-z]+)(\d+):(\d+) (.*)$")


def read_books():
    """Returns [(name, [[verse, ...] per chapter])] in canonical order."""
    out = subprocess.run(["bible", "-f", "-l", "0", "gen1:1-rev22:21"], check=True,
                         capture_output=True, text=True).stdout
    books, abbrev = [], None
    for line in out.splitlines():
        m = VERSE.match(line)
        if not m:
            sys.exit(f"prepare_data: unexpected line from bible: {line!r}")
        abbr, chapter, text = m.group(1), int(m.group(2)), m.group(4).strip()
        if abbr != abbrev:
            abbrev = abbr
            books.append((BOOK_NAMES[len(books)], []))
        chapters = books[-1][1]
        if chapter != len(chapters):
            chapters.append([])
        chapters[-1].append(text)
    if len(books) != 66:
        sys.exit(f"prepare_data: expected 66 books, got {len(books)}")
    return books


def book_text(name, chapters):
    return name + "\n" + "\n".join(" ".join(verses) for verses in chapters) + "\n"


def write_ids(path, ids):
    import array
    data = array.array("H", ids)
    if sys.byteorder != "little":
        data.byteswap()
    path.write_bytes(data.tobytes())


def main():
    WORK.mkdir(parents=True, exist_ok=True)
    MODEL_DIR.mkdir(parents=True, exist_ok=True)
    VALIDATION_TEXT.parent.mkdir(parents=True, exist_ok=True)

    books = read_books()
    verses = sum(len(v) for _, ch in books for v in ch)
    train_books = [b for b in books if b[0] not in HELD_OUT]
    val_books = [b for b in books if b[0] in HELD_OUT]
    train_text = "\n".join(book_text(*b) for b in train_books)
    val_text = "\n".join(book_text(*b) for b in val_books)
    (WORK / "kjv-train.txt").write_text(train_text)
    VALIDATION_TEXT.write_text(val_text)

    # SentencePiece learns from the training books only, one verse a line.
    spm_input = WORK / "spm-input.txt"
    spm_input.write_text("\n".join([n for n, _ in train_books] +
                                   [v for _, ch in train_books for vs in ch for v in vs]) + "\n")
    prefix = WORK / "kjv"
    subprocess.run(["spm_train", f"--input={spm_input}", f"--model_prefix={prefix}"] +
                   SPM_SETTINGS, check=True, capture_output=True)
    (MODEL_DIR / "tokenizer.model").write_bytes((WORK / "kjv.model").read_bytes())

    sp = spm.SentencePieceProcessor(model_file=str(MODEL_DIR / "tokenizer.model"))
    train_ids = sp.encode(train_text)
    val_ids = sp.encode(val_text)
    assert sp.decode(val_ids) == val_text, "tokenizer does not round-trip the validation text"
    write_ids(WORK / "train.bin", train_ids)
    write_ids(WORK / "val.bin", val_ids)

    stats = {
        "verses": verses,
        "train_books": len(train_books),
        "held_out_books": HELD_OUT,
        "train_chars": len(train_text),
        "val_chars": len(val_text),
        "val_share_chars": round(len(val_text) / (len(val_text) + len(train_text)), 4),
        "train_tokens": len(train_ids),
        "val_tokens": len(val_ids),
        "vocab_size": sp.get_piece_size(),
        "spm_settings": SPM_SETTINGS,
    }
    (WORK / "data_stats.json").write_text(json.dumps(stats, indent=2) + "\n")
    print(json.dumps(stats, indent=2))


if __name__ == "__main__":
    main()
