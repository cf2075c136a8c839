#include <cstdio>

#include "app/tune/commands.h"

namespace afbs::cli {

int run_demo(const std::vector<std::string>&) {
  std::printf("afbs-tune demo: nothing to demonstrate yet\n");
  return 0;
}

}  // namespace afbs::cli
