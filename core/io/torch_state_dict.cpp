#include "core/io/torch_state_dict.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <variant>

#include "core/io/stored_zip_archive.h"

namespace afbs {
namespace {

// Pickle opcodes (CPython's Lib/pickletools.py names) that a dict of tensors needs.
enum Opcode : unsigned char {
  kMark = '(',
  kStop = '.',
  kBinInt = 'J',
  kBinInt1 = 'K',
  kBinInt2 = 'M',
  kNone = 'N',
  kBinPersId = 'Q',
  kReduce = 'R',
  kBinUnicode = 'X',
  kBuild = 'b',
  kGlobal = 'c',
  kBinGet = 'h',
  kLongBinGet = 'j',
  kBinPut = 'q',
  kLongBinPut = 'r',
  kSetItem = 's',
  kTuple = 't',
  kSetItems = 'u',
  kBinFloat = 'G',
  kEmptyDict = '}',
  kEmptyTuple = ')',
  kProto = 0x80,
  kTuple1 = 0x85,
  kTuple2 = 0x86,
  kTuple3 = 0x87,
  kNewTrue = 0x88,
  kNewFalse = 0x89,
  kLong1 = 0x8a,
  kShortBinUnicode = 0x8c,
  kBinUnicode8 = 0x8d,
  kStackGlobal = 0x93,
  kMemoize = 0x94,
  kFrame = 0x95,
};

struct DtypeInfo {
  const char* name;
  int64_t bytes;
};
constexpr DtypeInfo kDtypes[] = {{"Float", 4}, {"Double", 8}, {"Half", 2}, {"BFloat16", 2},
                                 {"Bool", 1},  {"Byte", 1},   {"Char", 1}, {"Short", 2},
                                 {"Int", 4},   {"Long", 8}};

const DtypeInfo* storage_dtype(const std::string& global_name) {
  for (const DtypeInfo& dtype : kDtypes) {
    if (global_name == std::string(dtype.name) + "Storage") return &dtype;
  }
  return nullptr;
}

struct Global {
  std::string module, name;
};
struct Storage {
  const DtypeInfo* dtype = nullptr;
  std::string key;
  std::string_view bytes;
  int64_t numel = 0;
};
struct DictRef {
  size_t index = 0;
};
struct Value;
using Items = std::vector<Value>;

// Aggregates are shared, never copied, so memo gets cannot amplify memory.
struct Value {
  std::variant<std::monostate, bool, int64_t, double, std::shared_ptr<const std::string>,
               std::shared_ptr<const Global>, std::shared_ptr<const Items>, DictRef,
               std::shared_ptr<const Storage>, std::shared_ptr<const PickledTensor>>
      data;
  size_t depth = 0;  // tuples inside tuples

  template <class T>
  const T* get() const {
    return std::get_if<T>(&data);
  }
  const std::string* string() const {
    auto p = get<std::shared_ptr<const std::string>>();
    return p ? p->get() : nullptr;
  }
  const Items* tuple() const {
    auto p = get<std::shared_ptr<const Items>>();
    return p ? p->get() : nullptr;
  }
  const char* kind() const {
    static const char* const names[] = {"None",  "bool",  "int",  "float",   "str",
                                        "class", "tuple", "dict", "storage", "tensor"};
    return names[data.index()];
  }
};

struct PickleError {
  std::string message;
};

bool multiply(int64_t a, int64_t b, int64_t& out) {
  return !__builtin_mul_overflow(a, b, &out);
}
bool add(int64_t a, int64_t b, int64_t& out) {
  return !__builtin_add_overflow(a, b, &out);
}

std::string shape_text(const std::vector<int64_t>& sizes) {
  std::string text = "[";
  for (size_t i = 0; i < sizes.size(); ++i)
    text += (i ? ", " : "") + std::to_string(sizes[i]);
  return text + "]";
}

class Unpickler {
 public:
  Unpickler(std::string_view pickle, const StoredZipArchive& archive, std::string prefix,
            const TorchFileLimits& limits)
      : in_(pickle), archive_(archive), prefix_(std::move(prefix)), limits_(limits) {}

  std::map<std::string, PickledTensor> run() {
    while (true) {
      opcode_at_ = pos_;
      const auto op = static_cast<unsigned char>(take(1)[0]);
      if (op == kStop) break;
      step(op);
    }
    if (!metastack_.empty()) fail("a MARK is never closed");
    if (stack_.size() != 1) {
      fail("ends with " + std::to_string(stack_.size()) + " values on the stack, not one dict");
    }
    const DictRef* dict = stack_[0].get<DictRef>();
    if (!dict) fail(std::string("holds a ") + stack_[0].kind() + ", not a dict of tensors");
    std::map<std::string, PickledTensor> tensors;
    for (const auto& [key, value] : dicts_[dict->index]) {
      const std::string* name = key.string();
      if (!name) fail(std::string("has a key that is a ") + key.kind() + ", not a name");
      auto tensor = value.get<std::shared_ptr<const PickledTensor>>();
      if (!tensor) fail("entry '" + *name + "' is a " + value.kind() + ", not a tensor");
      if (!tensors.emplace(*name, **tensor).second) fail("entry '" + *name + "' appears twice");
    }
    return tensors;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw PickleError{what + " (opcode at byte " + std::to_string(opcode_at_) + " of data.pkl)"};
  }

  std::string_view take(uint64_t count) {
    if (in_.size() - pos_ < count) {
      fail("runs past the end of data.pkl (wants " + std::to_string(count) + " bytes, " +
           std::to_string(in_.size() - pos_) + " left)");
    }
    std::string_view bytes = in_.substr(pos_, count);
    pos_ += count;
    return bytes;
  }
  uint64_t little_endian(int width) {
    std::string_view bytes = take(static_cast<uint64_t>(width));
    uint64_t value = 0;
    for (int i = width - 1; i >= 0; --i) {
      value = (value << 8) | static_cast<unsigned char>(bytes[static_cast<size_t>(i)]);
    }
    return value;
  }
  std::string line() {
    const size_t end = in_.find('\n', pos_);
    if (end == std::string_view::npos || end - pos_ > 256) fail("has a broken GLOBAL name");
    std::string text(in_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return text;
  }

  size_t held() const { return stack_.size() + held_below_ + memo_.size(); }
  void push(Value value) {
    if (held() >= limits_.max_stack_items) {
      fail("holds more than " + std::to_string(limits_.max_stack_items) + " values at once");
    }
    stack_.push_back(std::move(value));
  }
  Value pop(const char* opcode) {
    if (stack_.empty()) fail(std::string(opcode) + " finds the stack empty");
    Value value = std::move(stack_.back());
    stack_.pop_back();
    return value;
  }
  Value& top(const char* opcode) {
    if (stack_.empty()) fail(std::string(opcode) + " finds the stack empty");
    return stack_.back();
  }
  Items pop_mark(const char* opcode) {
    if (metastack_.empty()) fail(std::string(opcode) + " has no MARK before it");
    Items items = std::move(stack_);
    stack_ = std::move(metastack_.back());
    metastack_.pop_back();
    held_below_ -= stack_.size();
    return items;
  }
  void push_string(std::string_view bytes) {
    push(Value{std::make_shared<const std::string>(bytes)});
  }
  void push_int(int64_t value) { push(Value{value}); }
  void push_tuple(Items items) {
    size_t depth = 0;
    for (const Value& item : items)
      depth = std::max(depth, item.depth);
    if (depth + 1 > limits_.max_nesting) {
      fail("nests tuples deeper than " + std::to_string(limits_.max_nesting));
    }
    Value tuple{std::make_shared<const Items>(std::move(items))};
    tuple.depth = depth + 1;
    push(std::move(tuple));
  }
  void memo_put(uint64_t index, const char* opcode) {
    const Value& value = top(opcode);
    if (memo_.size() >= limits_.max_stack_items) fail("memoises too many values");
    memo_[index] = value;
  }
  void memo_get(uint64_t index) {
    auto it = memo_.find(index);
    if (it == memo_.end()) fail("gets memo entry " + std::to_string(index) + ", never put");
    push(it->second);
  }
  void set_item(DictRef dict, Value key, Value value) {
    dicts_[dict.index].emplace_back(std::move(key), std::move(value));
  }
  DictRef dict_under(const char* opcode) {
    const DictRef* dict = top(opcode).get<DictRef>();
    if (!dict) fail(std::string(opcode) + " applies to a " + top(opcode).kind() + ", not a dict");
    return *dict;
  }

  void global(std::string module, std::string name) {
    const bool allowed = (module == "collections" && name == "OrderedDict") ||
                         (module == "torch._utils" && name == "_rebuild_tensor_v2") ||
                         (module == "torch" && storage_dtype(name) != nullptr);
    if (!allowed) {
      fail("refers to " + module.substr(0, 64) + "." + name.substr(0, 64) +
           ", which a file of tensors never needs (nothing is executed)");
    }
    push(Value{std::make_shared<const Global>(Global{std::move(module), std::move(name)})});
  }

  void step(unsigned char op) {
    switch (op) {
      case kProto:
        if (static_cast<unsigned char>(take(1)[0]) > 5) fail("uses an unknown pickle protocol");
        return;
      case kFrame:
        take(8);
        return;
      case kMark:
        if (metastack_.size() >= limits_.max_nesting) {
          fail("opens more than " + std::to_string(limits_.max_nesting) + " MARKs at once");
        }
        held_below_ += stack_.size();
        metastack_.push_back(std::move(stack_));
        stack_.clear();
        return;
      case kEmptyDict:
        dicts_.emplace_back();
        push(Value{DictRef{dicts_.size() - 1}});
        return;
      case kEmptyTuple:
        push_tuple({});
        return;
      case kBinUnicode:
        push_string(take(little_endian(4)));
        return;
      case kShortBinUnicode:
        push_string(take(little_endian(1)));
        return;
      case kBinUnicode8:
        push_string(take(little_endian(8)));
        return;
      case kGlobal: {
        std::string module = line();
        global(std::move(module), line());
        return;
      }
      case kStackGlobal: {
        Value name = pop("STACK_GLOBAL");
        Value module = pop("STACK_GLOBAL");
        if (!name.string() || !module.string()) fail("STACK_GLOBAL needs two names");
        global(*module.string(), *name.string());
        return;
      }
      case kBinInt1:
        push_int(static_cast<int64_t>(little_endian(1)));
        return;
      case kBinInt2:
        push_int(static_cast<int64_t>(little_endian(2)));
        return;
      case kBinInt:
        push_int(static_cast<int32_t>(static_cast<uint32_t>(little_endian(4))));
        return;
      case kLong1: {
        const auto width = static_cast<int>(little_endian(1));
        if (width > 8) fail("has an integer wider than 64 bits");
        uint64_t bits = width == 0 ? 0 : little_endian(width);
        if (width > 0 && width < 8 && (bits >> (8 * width - 1)) != 0) {
          bits |= ~uint64_t{0} << (8 * width);  // sign-extend
        }
        push_int(static_cast<int64_t>(bits));
        return;
      }
      case kBinFloat: {
        uint64_t bits = 0;
        for (char c : take(8))
          bits = (bits << 8) | static_cast<unsigned char>(c);  // big-endian
        double value = 0;
        std::memcpy(&value, &bits, sizeof value);
        push(Value{value});
        return;
      }
      case kNewTrue:
        push(Value{true});
        return;
      case kNewFalse:
        push(Value{false});
        return;
      case kNone:
        push(Value{});
        return;
      case kTuple:
        push_tuple(pop_mark("TUPLE"));
        return;
      case kTuple1:
      case kTuple2:
      case kTuple3: {
        const size_t count = op - kTuple1 + 1u;
        Items items(count);
        for (size_t i = count; i-- > 0;)
          items[i] = pop("TUPLE1/2/3");
        push_tuple(std::move(items));
        return;
      }
      case kBinPut:
        memo_put(little_endian(1), "BINPUT");
        return;
      case kLongBinPut:
        memo_put(little_endian(4), "LONG_BINPUT");
        return;
      case kMemoize:
        memo_put(memo_.size(), "MEMOIZE");
        return;
      case kBinGet:
        memo_get(little_endian(1));
        return;
      case kLongBinGet:
        memo_get(little_endian(4));
        return;
      case kSetItem: {
        Value value = pop("SETITEM");
        Value key = pop("SETITEM");
        set_item(dict_under("SETITEM"), std::move(key), std::move(value));
        return;
      }
      case kSetItems: {
        Items items = pop_mark("SETITEMS");
        if (items.size() % 2 != 0) fail("SETITEMS has a key without a value");
        const DictRef dict = dict_under("SETITEMS");
        for (size_t i = 0; i < items.size(); i += 2) {
          set_item(dict, std::move(items[i]), std::move(items[i + 1]));
        }
        return;
      }
      case kBuild:  // an OrderedDict's attributes (state_dict's _metadata): not needed
        pop("BUILD");
        dict_under("BUILD");
        return;
      case kReduce:
        reduce();
        return;
      case kBinPersId:
        persistent_load();
        return;
      default: {
        static const char* const hex = "0123456789abcdef";
        fail(std::string("has opcode 0x") + hex[op >> 4] + hex[op & 15] +
             ", which a torch.save file of tensors does not use");
      }
    }
  }

  void reduce() {
    Value args = pop("REDUCE");
    Value callable = pop("REDUCE");
    auto global = callable.get<std::shared_ptr<const Global>>();
    const Items* arguments = args.tuple();
    if (!global || !arguments) fail("REDUCE needs a class and a tuple of arguments");
    if ((*global)->name == "OrderedDict") {
      if (!arguments->empty()) fail("builds an OrderedDict from arguments");
      dicts_.emplace_back();
      push(Value{DictRef{dicts_.size() - 1}});
      return;
    }
    if ((*global)->name != "_rebuild_tensor_v2") fail("calls a storage class");
    push(Value{rebuild_tensor(*arguments)});
  }

  static std::optional<std::vector<int64_t>> int_tuple(const Value& value) {
    const Items* items = value.tuple();
    if (!items) return std::nullopt;
    std::vector<int64_t> ints;
    for (const Value& item : *items) {
      const int64_t* i = item.get<int64_t>();
      if (!i || *i < 0) return std::nullopt;
      ints.push_back(*i);
    }
    return ints;
  }

  std::shared_ptr<const PickledTensor> rebuild_tensor(const Items& args) {
    if (args.size() != 6 && args.size() != 7) {
      fail("rebuilds a tensor from " + std::to_string(args.size()) + " arguments, not 6 or 7");
    }
    auto storage = args[0].get<std::shared_ptr<const Storage>>();
    const int64_t* offset = args[1].get<int64_t>();
    auto sizes = int_tuple(args[2]);
    auto strides = int_tuple(args[3]);
    if (!storage || !offset || *offset < 0 || !sizes || !strides) {
      fail("rebuilds a tensor from arguments that are not (storage, offset, sizes, strides, ...)");
    }
    if (sizes->size() != strides->size() || sizes->size() > limits_.max_dimensions) {
      fail("gives a tensor " + std::to_string(sizes->size()) + " sizes and " +
           std::to_string(strides->size()) + " strides");
    }
    auto tensor = std::make_shared<PickledTensor>();
    tensor->dtype = (*storage)->dtype->name;
    tensor->element_bytes = (*storage)->dtype->bytes;
    tensor->sizes = *sizes;
    tensor->strides = *strides;
    tensor->offset = *offset;
    tensor->storage = (*storage)->bytes;
    // The last element the view reaches must lie inside the storage.
    int64_t numel = 1, last = *offset;
    bool fits = true;
    for (size_t d = 0; d < sizes->size(); ++d) {
      int64_t step = 0;
      fits = fits && multiply(numel, (*sizes)[d], numel);
      if ((*sizes)[d] > 0) {
        fits = fits && multiply((*sizes)[d] - 1, (*strides)[d], step) && add(last, step, last);
      }
    }
    if (!fits || (numel > 0 && last >= (*storage)->numel)) {
      fail("has a tensor of shape " + shape_text(*sizes) + " at offset " + std::to_string(*offset) +
           " that reaches past its storage '" + (*storage)->key + "' of " +
           std::to_string((*storage)->numel) + " elements");
    }
    return tensor;
  }

  void persistent_load() {
    Value id = pop("BINPERSID");
    const Items* fields = id.tuple();
    if (!fields || fields->size() != 5 || !(*fields)[0].string() ||
        *(*fields)[0].string() != "storage") {
      fail("has a persistent id that is not ('storage', type, key, location, size)");
    }
    auto type = (*fields)[1].get<std::shared_ptr<const Global>>();
    const std::string* key = (*fields)[2].string();
    const int64_t* numel = (*fields)[4].get<int64_t>();
    const DtypeInfo* dtype = type ? storage_dtype((*type)->name) : nullptr;
    if (!dtype || !key || !(*fields)[3].string() || !numel || *numel < 0) {
      fail("has a storage reference whose type, key, location or size is malformed");
    }
    const std::string record = prefix_ + "data/" + *key;
    if (key->empty() || key->size() > 64 || !archive_.contains(record)) {
      fail("refers to storage '" + key->substr(0, 64) + "', which the archive does not hold");
    }
    auto bytes = archive_.read(record);
    if (!bytes) throw PickleError{bytes.error().message};
    int64_t wanted = 0;
    if (!multiply(*numel, dtype->bytes, wanted) || static_cast<uint64_t>(wanted) != bytes->size()) {
      fail("says storage '" + *key + "' holds " + std::to_string(*numel) + " " + dtype->name +
           " elements, but its record has " + std::to_string(bytes->size()) + " bytes");
    }
    push(Value{std::make_shared<const Storage>(Storage{dtype, *key, *bytes, *numel})});
  }

  std::string_view in_;
  size_t pos_ = 0;
  size_t opcode_at_ = 0;
  const StoredZipArchive& archive_;
  std::string prefix_;
  TorchFileLimits limits_;
  Items stack_;
  std::vector<Items> metastack_;
  size_t held_below_ = 0;  // values in metastack_
  std::map<uint64_t, Value> memo_;
  std::vector<std::vector<std::pair<Value, Value>>> dicts_;
};

float half_to_float(uint16_t half) {
  const uint32_t sign = (half >> 15) & 1u, exponent = (half >> 10) & 0x1fu,
                 mantissa = half & 0x3ffu;
  float magnitude;
  if (exponent == 0) {
    magnitude = std::ldexp(static_cast<float>(mantissa), -24);
  } else if (exponent == 31) {
    magnitude =
        mantissa ? std::numeric_limits<float>::quiet_NaN() : std::numeric_limits<float>::infinity();
  } else {
    magnitude = std::ldexp(static_cast<float>(mantissa | 0x400u), static_cast<int>(exponent) - 25);
  }
  return sign ? -magnitude : magnitude;
}

}  // namespace

int64_t PickledTensor::numel() const {
  int64_t n = 1;
  for (int64_t size : sizes)
    n *= size;
  return n;
}

double PickledTensor::at(int64_t index) const {
  int64_t element = offset;
  for (size_t d = sizes.size(); d-- > 0;) {
    if (sizes[d] <= 0) return std::numeric_limits<double>::quiet_NaN();
    element += (index % sizes[d]) * strides[d];
    index /= sizes[d];
  }
  if (element < 0 || element_bytes <= 0 ||
      static_cast<uint64_t>(element) >= storage.size() / static_cast<uint64_t>(element_bytes)) {
    return std::numeric_limits<double>::quiet_NaN();  // unreachable for a tensor read here
  }
  unsigned char raw[8] = {};
  std::memcpy(raw, storage.data() + element * element_bytes, static_cast<size_t>(element_bytes));
  uint64_t bits = 0;
  for (int64_t i = element_bytes - 1; i >= 0; --i)
    bits = (bits << 8) | raw[i];
  if (dtype == "Float") {
    float f;
    const auto b32 = static_cast<uint32_t>(bits);
    std::memcpy(&f, &b32, sizeof f);
    return f;
  }
  if (dtype == "Double") {
    double d;
    std::memcpy(&d, &bits, sizeof d);
    return d;
  }
  if (dtype == "Half") return half_to_float(static_cast<uint16_t>(bits));
  if (dtype == "BFloat16") {
    float f;
    const uint32_t b32 = static_cast<uint32_t>(bits) << 16;
    std::memcpy(&f, &b32, sizeof f);
    return f;
  }
  if (dtype == "Bool") return bits != 0 ? 1.0 : 0.0;
  if (dtype == "Byte") return static_cast<double>(bits);
  if (dtype == "Char") return static_cast<int8_t>(bits);
  if (dtype == "Short") return static_cast<int16_t>(bits);
  if (dtype == "Int") return static_cast<int32_t>(bits);
  return static_cast<double>(static_cast<int64_t>(bits));  // Long
}

Result<std::map<std::string, PickledTensor>> read_torch_state_dict(std::string_view file_bytes,
                                                                   const std::string& where,
                                                                   const TorchFileLimits& limits) {
  auto archive = StoredZipArchive::open(file_bytes, where);
  if (!archive) return archive.error();
  // torch.save names every entry "<archive name>/...", the name taken from the first entry.
  const size_t slash = archive->first_name().find('/');
  if (slash == std::string::npos) return Error{where + ": not a torch.save archive (no folder)"};
  const std::string prefix = archive->first_name().substr(0, slash + 1);
  if (archive->contains(prefix + "byteorder")) {
    auto order = archive->read(prefix + "byteorder");
    if (!order) return order.error();
    if (*order != "little") return Error{where + ": holds big-endian tensors, not supported"};
  }
  auto pickle = archive->read(prefix + "data.pkl");
  if (!pickle) return pickle.error();
  if (pickle->size() > limits.max_pickle_bytes) {
    return Error{where + ": its data.pkl has " + std::to_string(pickle->size()) +
                 " bytes, more than a file of thresholds needs (" +
                 std::to_string(limits.max_pickle_bytes) + ")"};
  }
  try {
    return Unpickler(*pickle, *archive, prefix, limits).run();
  } catch (const PickleError& error) {
    return Error{where + ": not a torch.save file SpargeAttn wrote: " + error.message};
  } catch (const std::bad_alloc&) {
    return Error{where + ": not a torch.save file SpargeAttn wrote: out of memory reading it"};
  }
}

}  // namespace afbs
