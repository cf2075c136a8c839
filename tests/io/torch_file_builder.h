#pragma once

// Builds torch.save archives byte by byte, well-formed or broken on purpose, for the tests of
// the bounded reader and for the fuzzing seeds. Header-only, torch-free.

#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "core/io/stored_zip_archive.h"

namespace afbs::test {

// Pickle opcodes, one call each; the bytes are in `bytes`.
struct PickleWriter {
  std::string bytes;

  PickleWriter& raw(const std::string& b) { return bytes += b, *this; }
  PickleWriter& op(unsigned char c) { return bytes += static_cast<char>(c), *this; }
  PickleWriter& u32(uint32_t v) {
    for (int i = 0; i < 4; ++i)
      bytes += static_cast<char>((v >> (8 * i)) & 0xffu);
    return *this;
  }
  PickleWriter& proto() { return op(0x80).op(2); }
  PickleWriter& stop() { return op('.'); }
  PickleWriter& mark() { return op('('); }
  PickleWriter& empty_dict() { return op('}'); }
  PickleWriter& empty_tuple() { return op(')'); }
  PickleWriter& str(const std::string& s) {
    return op('X').u32(static_cast<uint32_t>(s.size())).raw(s);
  }
  PickleWriter& global(const std::string& module, const std::string& name) {
    return op('c').raw(module + "\n" + name + "\n");
  }
  PickleWriter& integer(int64_t v) {
    if (v >= 0 && v < 256) return op('K').op(static_cast<unsigned char>(v));
    bytes += static_cast<char>(0x8a);
    bytes += static_cast<char>(8);
    for (int i = 0; i < 8; ++i)
      bytes += static_cast<char>((static_cast<uint64_t>(v) >> (8 * i)) & 0xffu);
    return *this;
  }
  PickleWriter& tuple() { return op('t'); }
  PickleWriter& tuple1() { return op(0x85); }
  PickleWriter& tuple3() { return op(0x87); }
  PickleWriter& reduce() { return op('R'); }
  PickleWriter& persid() { return op('Q'); }
  PickleWriter& setitems() { return op('u'); }
  PickleWriter& newfalse() { return op(0x89); }
  PickleWriter& binput(unsigned char i) { return op('q').op(i); }
  PickleWriter& binget(unsigned char i) { return op('h').op(i); }
  PickleWriter& ints(const std::vector<int64_t>& values) {
    mark();
    for (int64_t v : values)
      integer(v);
    return tuple();
  }
};

// One tensor as torch.save writes it, with every field open to breaking.
struct TensorSpec {
  std::string name;
  std::string dtype = "Float";  // torch storage name without "Storage"
  std::string key;              // its record: archive/data/<key>
  std::string storage;          // the record's bytes
  int64_t declared_numel = -1;  // -1: the record's element count
  int64_t element_bytes = 4;
  std::vector<int64_t> sizes, strides;
  int64_t offset = 0;
};

inline std::string float_bytes(const std::vector<float>& values) {
  std::string out(values.size() * 4, '\0');
  std::memcpy(out.data(), values.data(), out.size());
  return out;
}

// `tensor` pushed as torch._utils._rebuild_tensor_v2(storage, offset, sizes, strides, False,
// OrderedDict()) in the style of Python's pickler.
inline void push_tensor(PickleWriter& p, const TensorSpec& t) {
  const int64_t numel = t.declared_numel >= 0
                            ? t.declared_numel
                            : static_cast<int64_t>(t.storage.size()) / t.element_bytes;
  p.global("torch._utils", "_rebuild_tensor_v2").mark();
  p.mark().str("storage").global("torch", t.dtype + "Storage").str(t.key).str("cpu").integer(numel);
  p.tuple().persid();
  p.integer(t.offset).ints(t.sizes).ints(t.strides).newfalse();
  p.global("collections", "OrderedDict").empty_tuple().reduce();
  p.tuple().reduce();
}

// A stored (uncompressed) zip with correct CRCs, as torch.save writes it.
inline std::string stored_zip(const std::vector<std::pair<std::string, std::string>>& entries) {
  auto le = [](std::string& out, uint64_t v, int width) {
    for (int i = 0; i < width; ++i)
      out += static_cast<char>((v >> (8 * i)) & 0xffu);
  };
  std::string out, directory;
  for (const auto& [name, data] : entries) {
    const uint32_t crc = crc32_of(data);
    const uint64_t offset = out.size();
    le(out, 0x04034b50, 4);
    le(out, 20, 2), le(out, 0, 2), le(out, 0, 2), le(out, 0, 2), le(out, 0, 2);
    le(out, crc, 4), le(out, data.size(), 4), le(out, data.size(), 4);
    le(out, name.size(), 2), le(out, 0, 2);
    out += name + data;
    le(directory, 0x02014b50, 4);
    le(directory, 20, 2), le(directory, 20, 2), le(directory, 0, 2), le(directory, 0, 2);
    le(directory, 0, 2), le(directory, 0, 2);
    le(directory, crc, 4), le(directory, data.size(), 4), le(directory, data.size(), 4);
    le(directory, name.size(), 2), le(directory, 0, 2), le(directory, 0, 2);
    le(directory, 0, 2), le(directory, 0, 2), le(directory, 0, 4), le(directory, offset, 4);
    directory += name;
  }
  const uint64_t directory_offset = out.size();
  out += directory;
  le(out, 0x06054b50, 4);
  le(out, 0, 2), le(out, 0, 2), le(out, entries.size(), 2), le(out, entries.size(), 2);
  le(out, directory.size(), 4), le(out, directory_offset, 4), le(out, 0, 2);
  return out;
}

// A torch.save archive of {name: tensor} with `pickle` as data.pkl (built from `tensors`
// when empty) and every tensor's storage record.
inline std::string torch_archive(const std::vector<TensorSpec>& tensors, std::string pickle = {}) {
  if (pickle.empty()) {
    PickleWriter p;
    p.proto().empty_dict().binput(0).mark();
    for (const TensorSpec& t : tensors) {
      p.str(t.name);
      push_tensor(p, t);
    }
    p.setitems().stop();
    pickle = p.bytes;
  }
  std::vector<std::pair<std::string, std::string>> entries{{"archive/data.pkl", pickle}};
  for (const TensorSpec& t : tensors)
    entries.emplace_back("archive/data/" + t.key, t.storage);
  entries.emplace_back("archive/version", "3\n");
  return stored_zip(entries);
}

}  // namespace afbs::test
