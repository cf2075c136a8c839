#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace afbs {

// What went wrong, in words that name the file, tensor or setting at fault.
struct Error {
  std::string message;
  // The device or host ran out of memory: the same work at a smaller size may fit, so the
  // caller can say what to lower (core/model/torch_errors.h sets it; with_context keeps it).
  bool out_of_memory = false;
};

// A value or an Error: how core reports failure (it never throws across its boundary).
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}
  Result(Error error) : state_(std::move(error)) {}

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { return std::get<Error>(state_); }

 private:
  std::variant<T, Error> state_;
};

// Success or an Error, for operations with nothing to return.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)) {}

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return *error_; }

 private:
  std::optional<Error> error_;
};

// Prefixes an error's message with context ("loading model: ..."), keeping its kind.
Error with_context(const std::string& context, const Error& error);

}  // namespace afbs
