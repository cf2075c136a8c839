#!/usr/bin/env node
// Makes the model-family tokenizer fixtures of tests/tokenizer with the `tokenizers` library's
// Node binding (npm `tokenizers`, the same Rust library as the Python package). Twin of
// tools/make_family_fixtures.py, which does the same with the Python package: keep the two alike.
//
//     npm install --prefix /tmp/tok tokenizers@0.23.2
//     NODE_PATH=/tmp/tok/node_modules node tools/make_family_fixtures.cjs OUT_DIR
//
// For each style it trains a small BPE on tests/tokenizer/data/train.txt (the library's default
// trainer, cut to the first merges), builds the family's tokenizer.json around it, and writes
// OUT_DIR/<style>.tokenizer.json and OUT_DIR/<style>.expected.json: the ids and the decoded text
// `tokenizers` gives for the byte-level fixtures' texts and a few chat-template texts.
'use strict';
const fs = require('fs');
const path = require('path');
const tk = require('tokenizers');

const DATA = path.join(__dirname, '..', 'tests', 'tokenizer', 'data');
const SPACE = '\u2581';  // ▁
const QWEN2_PATTERN =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}|" +
    ' ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+';
const PHI3_SPECIALS = ['<|endoftext|>', '<|assistant|>', '<|system|>', '<|end|>', '<|user|>'];
const QWEN3_SPECIALS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'];
const QWEN3_PLAIN_ADDED = ['<think>', '</think>'];  // added, not special, in Qwen3
const GEMMA_TURNS = ['<start_of_turn>', '<end_of_turn>'];
// Pieces of the family stress lines: the families' added tokens and look-alikes, spaces,
// byte-fallback characters.
const FAMILY_POOL = [
  'a', 'the', ' ', '  ', '   ', '\n', '\t', '\r\n', 'Hello', ' world', '12', '345', '.', '!',
  SPACE, SPACE + SPACE, '<0x41>', '<0x0A>', '<s>', '</s>', '<unk>', '<bos>', '<eos>',
  '\u00e9', 'e\u0301', '\u6771\u4eac', '\u{1F600}', '\u0416', '\u017f', '\u212a',
  ...PHI3_SPECIALS, ...QWEN3_SPECIALS, ...QWEN3_PLAIN_ADDED, ...GEMMA_TURNS, '<|user', 'end|>',
];
const CHAT_TEXTS = [
  '<|user|>\nWhat is 2 + 2?<|end|>\n<|assistant|>\nIt is 4.<|end|>\n',
  '<|system|> You are helpful.<|end|><|user|>  Hi there <|end|> <|assistant|>',
  '<|im_start|>user\nhello<|im_end|>\n<|im_start|>assistant\n<think>\nhmm\n</think>\n\nHi!<|im_end|>',
  '<start_of_turn>user\nWrite a haiku.<end_of_turn>\n<start_of_turn>model\n',
  '<bos><start_of_turn>user  two  spaces<end_of_turn>',
  'tabs\tand\t\ttabs, 1234567890, \u{1F600}\u{1F44D}\u{1F3FD} and \u6771\u4eac\u90fd',
  ' leading space', '  two leading spaces', 'trailing space ', SPACE + 'already a metaspace',
  '<0x41> is not a byte token when typed', '\u00a0non-breaking\u3000ideographic\u2028line',
];

// MINSTD (products stay below 2^53, so Python and JavaScript agree).
function familyStressLines(count) {
  let state = 20260;
  const next = (n) => {
    state = (state * 48271) % 2147483647;
    return state % n;
  };
  const lines = [];
  for (let i = 0; i < count; ++i) {
    const parts = next(16);
    let line = '';
    for (let j = 0; j < parts; ++j) line += FAMILY_POOL[next(FAMILY_POOL.length)];
    lines.push(line);
  }
  return lines;
}

// GPT-2's bytes_to_unicode, in byte order.
function byteLevelAlphabet() {
  const printable = (b) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || b >= 0xae;
  const out = [];
  let next = 256;
  for (let b = 0; b < 256; ++b) out.push(String.fromCodePoint(printable(b) ? b : next++));
  return out;
}

function byteTokens() {
  const out = [];
  for (let b = 0; b < 256; ++b) out.push('<0x' + b.toString(16).toUpperCase().padStart(2, '0') + '>');
  return out;
}

function bpeModel(vocab, merges, extra) {
  return Object.assign({
    type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null,
    end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, ignore_merges: false,
    vocab, merges,
  }, extra);
}

function tokenizerJson(model, parts) {
  return Object.assign({
    version: '1.0', truncation: null, padding: null, added_tokens: [], normalizer: null,
    pre_tokenizer: null, post_processor: null, decoder: null, model,
  }, parts);
}

function added(id, content, special, rstrip, normalized = false) {
  return {id, content, single_word: false, lstrip: false, rstrip, normalized, special};
}

const splitString = (s, behavior) =>
    ({type: 'Split', pattern: {String: s}, behavior, invert: false});
const replace = (from, to) => ({type: 'Replace', pattern: {String: from}, content: to});
const metaspace = (scheme, split) =>
    ({type: 'Metaspace', replacement: SPACE, prepend_scheme: scheme, split});

// Trains with the library's default trainer; returns the alphabet and merges in order.
function train(normalizer, preTokenizer) {
  const tok = tk.Tokenizer.fromString(JSON.stringify(tokenizerJson(
      bpeModel({}, []), {normalizer, pre_tokenizer: preTokenizer})));
  tok.train([path.join(DATA, 'train.txt')]);
  const model = JSON.parse(saveToString(tok)).model;
  const merges = model.merges.map((m) => (Array.isArray(m) ? m : m.split(' ')));
  const firstMerged = Math.min(...merges.map(([a, b]) => model.vocab[a + b]));
  const alphabet = Object.entries(model.vocab)
                       .filter(([, id]) => id < firstMerged)
                       .sort((x, y) => x[1] - y[1])
                       .map(([token]) => token);
  return {alphabet, merges};
}

function saveToString(tok) {
  const file = path.join(require('os').tmpdir(), `family-fixture-${process.pid}.json`);
  tok.save(file, false);
  const text = fs.readFileSync(file, 'utf8');
  fs.unlinkSync(file);
  return text;
}

// The first `count` merges whose tokens all pass `keep`, and the tokens they need: a vocabulary
// as if trained to that size on the kept characters only.
function cut(trained, count, keep, leadingMerges = []) {
  const tokens = trained.alphabet.filter(keep);
  const known = new Set(tokens);
  const merges = [];
  for (const [a, b] of [...leadingMerges, ...trained.merges]) {
    if (merges.length === count) break;
    if (!known.has(a) || !known.has(b) || !keep(a + b)) continue;
    merges.push([a, b]);
    if (!known.has(a + b)) {
      known.add(a + b);
      tokens.push(a + b);
    }
  }
  return {tokens, merges};
}

const chars = (s) => Array.from(s);
const latin = (s) => chars(s).every((c) => c === SPACE || c.codePointAt(0) < 0x250);
const noEmoji = (s) => chars(s).every((c) => c.codePointAt(0) <= 0xffff);
const noControl = (s) => !s.includes('\n') && !s.includes('\t') && !s.includes('\r');
const WHITESPACE_MERGES = [[SPACE, SPACE], [SPACE + SPACE, SPACE + SPACE], [SPACE + SPACE, SPACE]];

function ids(list, first = 0) {
  const vocab = {};
  list.forEach((token, i) => { vocab[token] = first + i; });
  return vocab;
}

// Llama-2 / Phi-3 vocabulary: <unk> <s> </s>, the byte tokens, then the trained pieces.
function sentencepieceVocab(pieces) {
  return ids(['<unk>', '<s>', '</s>', ...byteTokens(), ...pieces.tokens]);
}

const LLAMA_DECODER = {type: 'Sequence', decoders: [replace(SPACE, ' '), {type: 'ByteFallback'},
                                                    {type: 'Fuse'},
                                                    {type: 'Strip', content: ' ', start: 1, stop: 0}]};

// `extra(size)` gives the added tokens after the vocabulary (Phi-3's chat tokens by default).
function phi3Like(pieces, normalizer, preTokenizer, extra = null) {
  const vocab = sentencepieceVocab(pieces);
  const size = Object.keys(vocab).length;
  const addedTokens = [added(0, '<unk>', true, false), added(1, '<s>', true, false),
                       added(2, '</s>', true, false)];
  if (extra) {
    addedTokens.push(...extra(size));
  } else {
    PHI3_SPECIALS.forEach((t, i) => addedTokens.push(added(size + i, t, true, t !== '<|endoftext|>')));
  }
  return tokenizerJson(
      bpeModel(vocab, pieces.merges, {unk_token: '<unk>', fuse_unk: true, byte_fallback: true}),
      {added_tokens: addedTokens, normalizer, pre_tokenizer: preTokenizer, decoder: LLAMA_DECODER});
}

const STYLES = {
  // Qwen3: Qwen2's regex, ByteLevel, NFC; <think> tags added but not special.
  qwen3: () => {
    const pre = {type: 'Sequence', pretokenizers: [
      {type: 'Split', pattern: {Regex: QWEN2_PATTERN}, behavior: 'Isolated', invert: false},
      {type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false}]};
    const normalizer = {type: 'NFC'};
    const trained = train(normalizer, pre);
    const alphabet = byteLevelAlphabet();
    const pieces = cut({alphabet: [...alphabet, ...trained.alphabet.filter((c) => !alphabet.includes(c))],
                        merges: trained.merges}, 600, () => true);
    const vocab = ids(pieces.tokens);
    const size = pieces.tokens.length;
    const addedTokens = [...QWEN3_SPECIALS.map((t, i) => added(size + i, t, true, false)),
                         ...QWEN3_PLAIN_ADDED.map((t, i) => added(size + 3 + i, t, false, false))];
    return tokenizerJson(bpeModel(vocab, pieces.merges),
                         {added_tokens: addedTokens, normalizer, pre_tokenizer: pre,
                          decoder: {type: 'ByteLevel', add_prefix_space: true, trim_offsets: true,
                                    use_regex: true}});
  },
  // Phi-3 (as Llama-2, legacy): Prepend("▁") + Replace(" ", "▁"), no pre-tokenizer, merges over
  // the whole text; newline and tab by byte fallback; chat tokens that eat the spaces after them.
  phi3: () => {
    const normalizer = {type: 'Sequence', normalizers: [{type: 'Prepend', prepend: SPACE},
                                                        replace(' ', SPACE)]};
    const trained = train(normalizer, {type: 'Sequence', pretokenizers: [
      splitString('\n', 'Isolated'), metaspace('never', true)]});
    const pieces = cut(trained, 500, (s) => latin(s) && noControl(s), WHITESPACE_MERGES);
    return phi3Like(pieces, normalizer, null);
  },
  // Llama-2 / Mistral as converted today (legacy false): Metaspace "first", not split.
  llama2_metaspace: () => {
    const normalizer = {type: 'Sequence', normalizers: [{type: 'Prepend', prepend: SPACE},
                                                        replace(' ', SPACE)]};
    const trained = train(normalizer, {type: 'Sequence', pretokenizers: [
      splitString('\n', 'Isolated'), metaspace('never', true)]});
    const pieces = cut(trained, 500, (s) => latin(s) && noControl(s), WHITESPACE_MERGES);
    return phi3Like(pieces, null, metaspace('first', false));
  },
  // A ChatML fine-tune of Llama-2 (legacy): <|im_start|> <|im_end|> added as plain tokens, which
  // tokenizers matches in the normalised text ("normalized": true), after Prepend("▁").
  llama2_chatml: () => {
    const normalizer = {type: 'Sequence', normalizers: [{type: 'Prepend', prepend: SPACE},
                                                        replace(' ', SPACE)]};
    const trained = train(normalizer, {type: 'Sequence', pretokenizers: [
      splitString('\n', 'Isolated'), metaspace('never', true)]});
    const pieces = cut(trained, 500, (s) => latin(s) && noControl(s), WHITESPACE_MERGES);
    return phi3Like(pieces, normalizer, null, (size) => ['<|im_start|>', '<|im_end|>'].map(
        (t, i) => added(size + i, t, false, false, true)));
  },
  // Gemma: Replace(" ", "▁") only (no dummy prefix), digits alone, whitespace-run pieces,
  // newline and tab in the vocabulary, emoji by byte fallback.
  gemma: () => {
    const normalizer = replace(' ', SPACE);
    const trained = train(normalizer, {type: 'Sequence', pretokenizers: [
      splitString('\n', 'Isolated'), {type: 'Digits', individual_digits: true},
      metaspace('never', true)]});
    const pieces = cut(trained, 500, noEmoji, WHITESPACE_MERGES);
    const head = ['<pad>', '<eos>', '<bos>', '<unk>', ...GEMMA_TURNS];
    const vocab = ids([...head, ...byteTokens(), ...pieces.tokens]);
    return tokenizerJson(
        bpeModel(vocab, pieces.merges, {unk_token: '<unk>', fuse_unk: true, byte_fallback: true}),
        {added_tokens: head.map((t, i) => added(i, t, true, false)), normalizer,
         pre_tokenizer: splitString(' ', 'MergedWithPrevious'),
         decoder: {type: 'Sequence', decoders: [replace(SPACE, ' '), {type: 'ByteFallback'},
                                                {type: 'Fuse'}]}});
  },
};

async function main() {
  const out = process.argv[2];
  if (!out) {
    console.error('usage: node tools/make_family_fixtures.cjs OUT_DIR');
    process.exit(2);
  }
  fs.mkdirSync(out, {recursive: true});
  // The byte-level fixtures' texts (corpus lines, multi-line texts, stress lines), then ours.
  const base = JSON.parse(fs.readFileSync(path.join(DATA, 'qwen2.expected.json'), 'utf8'));
  const texts = [...base.cases.map((c) => c.text), ...CHAT_TEXTS, ...familyStressLines(150)];
  const version = require('tokenizers/package.json').version;
  for (const [style, make] of Object.entries(STYLES)) {
    const tok = tk.Tokenizer.fromString(JSON.stringify(make()));
    const cases = [];
    for (const text of texts) {
      const encoding = await tok.encode(text, null, {addSpecialTokens: false});
      const got = encoding.getIds();
      cases.push({text, ids: got, decoded: await tok.decode(got, false)});
    }
    const jsonPath = path.join(out, `${style}.tokenizer.json`);
    tok.save(jsonPath, true);
    fs.writeFileSync(path.join(out, `${style}.expected.json`),
                     JSON.stringify({tokenizers_version: version, binding: 'node', style, cases}));
    const total = cases.reduce((n, c) => n + c.ids.length, 0);
    console.log(`${style}: vocab ${tok.getVocabSize(true)}, ${cases.length} texts, ${total} ids -> ` +
                `${jsonPath} and ${style}.expected.json`);
  }
  console.log(`tokenizers (node) ${version}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
