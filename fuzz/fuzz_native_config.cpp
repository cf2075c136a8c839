// The native config (and pins) reader: JSON, schema, every head's values.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/io/config_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto config = afbs::parse_config(std::string(reinterpret_cast<const char*>(data), size), "fuzz");
  if (config.ok()) (void)afbs::config_to_json(*config);  // what was read can be written
  return 0;
}
