// config.json of a Hugging Face model folder.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/model/model_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto config =
      afbs::parse_model_config(std::string(reinterpret_cast<const char*>(data), size), "fuzz");
  if (config.ok()) (void)afbs::expected_tensors(*config);
  return 0;
}
