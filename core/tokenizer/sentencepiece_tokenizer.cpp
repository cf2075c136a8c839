#include "core/tokenizer/sentencepiece_tokenizer.h"

#include <algorithm>
#include <cfloat>
#include <cstdio>
#include <functional>
#include <map>
#include <queue>

#include "core/tokenizer/utf8.h"

namespace afbs {
namespace {

using Proto = SentencePieceModelProto;
constexpr std::string_view kSpaceSymbol = "\xE2\x96\x81";
constexpr float kUnkPenalty = 10.0f;  // unigram_model.h

std::string byte_piece(int byte) {
  char text[8];
  std::snprintf(text, sizeof text, "<0x%02X>", byte);
  return text;
}

}  // namespace

Result<std::unique_ptr<SentencePieceTokenizer>> SentencePieceTokenizer::create(Proto proto) {
  if (proto.model_type != Proto::ModelType::Bpe && proto.model_type != Proto::ModelType::Unigram) {
    return Error{"only BPE and unigram SentencePiece models are supported (model_type " +
                 std::to_string(static_cast<int>(proto.model_type)) + ")"};
  }
  if (proto.treat_whitespace_as_suffix) {
    return Error{"treat_whitespace_as_suffix is not supported"};
  }
  std::unique_ptr<SentencePieceTokenizer> tok(new SentencePieceTokenizer());
  tok->byte_ids_.fill(-1);
  std::vector<std::string> user_defined;
  int unk_id = -1;
  tok->min_score_ = FLT_MAX;
  tok->max_score_ = FLT_MIN;  // sic: SentencePiece starts from the smallest positive float
  for (std::size_t i = 0; i < proto.pieces.size(); ++i) {
    const Proto::Piece& piece = proto.pieces[i];
    const int id = static_cast<int>(i);
    const std::string where = "piece " + std::to_string(i);
    if (piece.text.empty()) return Error{where + " is empty"};
    const bool normal = piece.type == PieceType::Normal || piece.type == PieceType::UserDefined ||
                        piece.type == PieceType::Unused;
    if (!(normal ? tok->pieces_ : tok->reserved_).emplace(piece.text, id).second) {
      return Error{where + " ('" + piece.text + "') is defined twice"};
    }
    if (normal) tok->max_piece_bytes_ = std::max(tok->max_piece_bytes_, piece.text.size());
    if (piece.type == PieceType::Normal) {
      tok->min_score_ = std::min(tok->min_score_, piece.score);
      tok->max_score_ = std::max(tok->max_score_, piece.score);
    } else if (piece.type == PieceType::UserDefined) {
      user_defined.push_back(piece.text);
    } else if (piece.type == PieceType::Unknown) {
      if (unk_id >= 0) return Error{where + " is a second unknown piece"};
      unk_id = id;
    } else if (piece.type == PieceType::Byte) {
      if (!proto.byte_fallback) return Error{where + " is a byte piece but byte_fallback is off"};
      int byte = -1;
      for (int b = 0; b < 256 && byte < 0; ++b) {
        if (piece.text == byte_piece(b)) byte = b;
      }
      if (byte < 0) return Error{where + " ('" + piece.text + "') is not a byte piece <0xNN>"};
      tok->byte_ids_[static_cast<std::size_t>(byte)] = id;
    }
  }
  if (tok->min_score_ == FLT_MAX) tok->min_score_ = 0.0f;
  if (tok->max_score_ == FLT_MIN) tok->max_score_ = 0.0f;
  if (unk_id < 0) return Error{"the model has no unknown piece"};
  proto.unk_id = unk_id;
  if (proto.byte_fallback &&
      std::any_of(tok->byte_ids_.begin(), tok->byte_ids_.end(), [](int id) { return id < 0; })) {
    return Error{"byte_fallback is on but the model lacks some of the 256 byte pieces"};
  }
  const auto special_id = [&](int id) {
    return id >= 0 && id < static_cast<int>(proto.pieces.size()) ? id : -1;
  };
  tok->bos_id_ = special_id(proto.bos_id);
  tok->eos_id_ = special_id(proto.eos_id);
  Result<SentencePieceNormalizer> normalizer =
      SentencePieceNormalizer::create(proto.normalizer, std::move(user_defined));
  if (!normalizer.ok()) return normalizer.error();
  tok->normalizer_ = std::move(*normalizer);
  tok->proto_ = std::move(proto);
  return tok;
}

std::string SentencePieceTokenizer::kind() const {
  return proto_.model_type == Proto::ModelType::Bpe ? "sentencepiece-bpe" : "sentencepiece-unigram";
}

int SentencePieceTokenizer::piece_to_id(std::string_view piece) const {
  if (const auto it = reserved_.find(piece); it != reserved_.end()) return it->second;
  if (const auto it = pieces_.find(piece); it != pieces_.end()) return it->second;
  return proto_.unk_id;
}

std::vector<int32_t> SentencePieceTokenizer::encode(std::string_view text) const {
  const std::string normalized = normalizer_.normalize(text);
  const std::vector<Segment> segments = proto_.model_type == Proto::ModelType::Bpe
                                            ? encode_bpe(normalized)
                                            : encode_unigram(normalized);
  std::vector<int32_t> ids;
  ids.reserve(segments.size());
  bool previous_unknown = false;
  for (const auto& [piece, id] : segments) {
    const bool unknown = type_of(id) == PieceType::Unknown;
    if (unknown && proto_.byte_fallback) {
      for (const char byte : piece)
        ids.push_back(byte_ids_[static_cast<unsigned char>(byte)]);
    } else if (!(unknown && previous_unknown)) {  // a run of unknown pieces is one unknown id
      ids.push_back(id);
    }
    previous_unknown = unknown;
  }
  return ids;
}

// bpe_model.cc: start from characters (user-defined symbols whole and frozen) and merge the
// adjacent pair whose union is the highest-scoring piece, leftmost first on ties.
std::vector<SentencePieceTokenizer::Segment> SentencePieceTokenizer::encode_bpe(
    std::string_view normalized) const {
  struct Symbol {
    std::size_t begin, length;
    int prev, next;
    bool frozen;
  };
  struct SymbolPair {
    int left, right;
    float score;
    std::size_t length;
  };
  const auto lower_priority = [](const SymbolPair& a, const SymbolPair& b) {
    return a.score < b.score || (a.score == b.score && a.left > b.left);
  };
  std::priority_queue<SymbolPair, std::vector<SymbolPair>, decltype(lower_priority)> agenda(
      lower_priority);
  std::map<std::string, std::pair<std::string, std::string>, std::less<>> unused_splits;
  std::vector<Symbol> symbols;
  for (std::size_t pos = 0; pos < normalized.size();) {
    std::size_t length = normalizer_.match_user_defined(normalized.substr(pos));
    const bool frozen = length > 0;
    if (!frozen) {
      length = std::min<std::size_t>(normalized.size() - pos,
                                     utf8::length_from_lead_byte(normalized[pos]));
    }
    const int index = static_cast<int>(symbols.size());
    symbols.push_back({pos, length, index - 1, -1, frozen});
    pos += length;
    if (pos < normalized.size()) symbols.back().next = index + 1;
  }
  const auto add_pair = [&](int left, int right) {
    if (left < 0 || right < 0 || symbols[left].frozen || symbols[right].frozen) return;
    const std::string_view piece =
        normalized.substr(symbols[left].begin, symbols[left].length + symbols[right].length);
    const auto it = pieces_.find(piece);
    if (it == pieces_.end()) return;
    agenda.push({left, right, proto_.pieces[it->second].score, piece.size()});
    if (type_of(it->second) == PieceType::Unused) {
      unused_splits[std::string(piece)] = {
          std::string(normalized.substr(symbols[left].begin, symbols[left].length)),
          std::string(normalized.substr(symbols[right].begin, symbols[right].length))};
    }
  };
  for (std::size_t i = 1; i < symbols.size(); ++i)
    add_pair(static_cast<int>(i) - 1, static_cast<int>(i));
  while (!agenda.empty()) {
    const SymbolPair top = agenda.top();
    agenda.pop();
    Symbol& left = symbols[top.left];
    Symbol& right = symbols[top.right];
    if (left.length == 0 || right.length == 0 || left.length + right.length != top.length) continue;
    left.length += right.length;
    left.next = right.next;
    if (right.next >= 0) symbols[right.next].prev = top.left;
    right.length = 0;
    add_pair(left.prev, top.left);
    add_pair(top.left, left.next);
  }
  // Unused pieces may not appear in the output: split them back into what they merged.
  std::vector<Segment> out;
  std::function<void(std::string_view)> resegment = [&](std::string_view piece) {
    const int id = piece_to_id(piece);
    const auto split = unused_splits.find(piece);
    if (type_of(id) != PieceType::Unused || split == unused_splits.end()) {
      out.emplace_back(piece, id);
      return;
    }
    resegment(split->second.first);
    resegment(split->second.second);
  };
  for (int index = symbols.empty() ? -1 : 0; index != -1; index = symbols[index].next) {
    resegment(normalized.substr(symbols[index].begin, symbols[index].length));
  }
  return out;
}

// unigram_model.cc's EncodeOptimized: Viterbi over the pieces starting at each character,
// an unknown character scoring min_score - 10; float arithmetic kept as SentencePiece's.
std::vector<SentencePieceTokenizer::Segment> SentencePieceTokenizer::encode_unigram(
    std::string_view normalized) const {
  struct BestPathNode {
    int id = -1;
    float best_path_score = 0.0f;
    int starts_at = -1;
  };
  const std::size_t size = normalized.size();
  const float unk_score = min_score_ - kUnkPenalty;
  std::vector<BestPathNode> best(size + 1);
  for (std::size_t start = 0; start < size;) {
    const float score_so_far = best[start].best_path_score;
    const std::size_t char_length =
        std::min<std::size_t>(utf8::length_from_lead_byte(normalized[start]), size - start);
    bool has_single_char_piece = false;
    const std::size_t longest = std::min(max_piece_bytes_, size - start);
    for (std::size_t length = 1; length <= longest; ++length) {
      const auto it = pieces_.find(normalized.substr(start, length));
      if (it == pieces_.end() || type_of(it->second) == PieceType::Unused) continue;
      BestPathNode& node = best[start + length];
      const Proto::Piece& piece = proto_.pieces[it->second];
      bool better;
      float new_score;
      if (piece.type == PieceType::UserDefined) {
        // The bonus that makes a user-defined symbol always win, computed in double as upstream.
        const double candidate =
            (static_cast<double>(static_cast<float>(length) * max_score_) - 0.1) + score_so_far;
        better = node.starts_at == -1 || candidate > node.best_path_score;
        new_score = static_cast<float>(candidate);
      } else {
        const float candidate = piece.score + score_so_far;
        better = node.starts_at == -1 || candidate > node.best_path_score;
        new_score = candidate;
      }
      if (better) node = {it->second, new_score, static_cast<int>(start)};
      if (length == char_length) has_single_char_piece = true;
    }
    if (!has_single_char_piece) {
      BestPathNode& node = best[start + char_length];
      const float candidate = unk_score + score_so_far;
      if (node.starts_at == -1 || candidate > node.best_path_score) {
        node = {proto_.unk_id, candidate, static_cast<int>(start)};
      }
    }
    start += char_length;
  }
  std::vector<Segment> out;
  for (std::size_t end = size; end > 0;) {
    const BestPathNode& node = best[end];
    const auto begin = static_cast<std::size_t>(node.starts_at);
    out.emplace_back(normalized.substr(begin, end - begin), node.id);
    end = begin;
  }
  std::reverse(out.begin(), out.end());
  return out;
}

// As SentencePiece's DecodeIds: control pieces vanish, the unknown piece reads as its surface,
// runs of byte pieces become UTF-8 (malformed bytes as U+FFFD) and U+2581 becomes a space. The
// leading U+2581 of the first piece that has one is dropped (the dummy prefix); when the model
// collapses whitespace, of every piece until some text appears. Ids outside the vocabulary are
// skipped.
std::string SentencePieceTokenizer::decode(const std::vector<int32_t>& ids) const {
  const Proto::NormalizerSpec& spec = proto_.normalizer;
  std::string text;
  std::string pending_bytes;
  bool at_start = true;
  bool start_space_dropped = false;
  const auto flush_bytes = [&] {
    text += utf8::replace_invalid(pending_bytes);
    pending_bytes.clear();
  };
  for (const int32_t id : ids) {
    if (id < 0 || id >= vocab_size()) continue;
    const Proto::Piece& piece = proto_.pieces[static_cast<std::size_t>(id)];
    if (piece.type == PieceType::Byte) {
      const auto it = std::find(byte_ids_.begin(), byte_ids_.end(), id);
      pending_bytes += static_cast<char>(it - byte_ids_.begin());
      continue;
    }
    flush_bytes();
    if (start_space_dropped || !text.empty()) at_start = false;
    start_space_dropped = false;
    if (piece.type == PieceType::Control) continue;
    if (piece.type == PieceType::Unknown) {
      text += proto_.unk_surface;
      continue;
    }
    std::string_view surface = piece.text;
    if (at_start && (spec.add_dummy_prefix || spec.remove_extra_whitespaces) &&
        surface.starts_with(kSpaceSymbol)) {
      surface.remove_prefix(kSpaceSymbol.size());
      start_space_dropped = !spec.remove_extra_whitespaces;
    }
    for (std::size_t pos = 0; pos < surface.size();) {
      if (surface.substr(pos).starts_with(kSpaceSymbol)) {
        text += ' ';
        pos += kSpaceSymbol.size();
      } else {
        text += surface[pos++];
      }
    }
  }
  flush_bytes();
  return text;
}

}  // namespace afbs
