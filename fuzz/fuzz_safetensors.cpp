// A safetensors file: 8-byte length, JSON header, data section (read through mmap).
#include <cstddef>
#include <cstdint>

#include "core/model/safetensors_file.h"
#include "fuzz/scratch_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto path = afbs::fuzz::write_scratch("model.safetensors", data, size);
  auto file = afbs::SafetensorsFile::open(path);
  if (file.ok()) {
    for (const auto& [name, entry] : file->entries()) {
      volatile unsigned char first = 0;
      if (entry.end > entry.begin) first = static_cast<unsigned char>(*file->data(entry));
      (void)first;
    }
  }
  return 0;
}
