#include "core/common/result.h"

namespace afbs {

Error with_context(const std::string& context, const Error& error) {
  return Error{context + ": " + error.message};
}

}  // namespace afbs
