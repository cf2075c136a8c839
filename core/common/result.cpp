#include "core/common/result.h"

namespace afbs {

Error with_context(const std::string& context, const Error& error) {
  return Error{context + ": " + error.message, error.out_of_memory};
}

}  // namespace afbs
