// afbs-tune demo: a few minutes on a laptop CPU that show the whole loop on the bundled
// model: describe it, tune its upper layers at short lengths, and measure the result.
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "app/tune/cli_args.h"
#include "app/tune/commands.h"

namespace afbs::cli {

int run_info(const std::vector<std::string>& args);
int run_perplexity(const std::vector<std::string>& args);
int run_tune(const std::vector<std::string>& args);

namespace {

void heading(const char* text) {
  std::printf("\n== %s\n", text), std::fflush(stdout);
}

}  // namespace

int run_demo(const std::vector<std::string>& argv) {
  auto args = CliArgs::parse(argv, {"seed", "threads", "out"}, {});
  if (!args) return fail_usage(args.error().message);
  const std::string seed = args->get("seed", "0");
  const std::string threads = args->get("threads", "0");
  const std::string out = args->get("out", (std::filesystem::temp_directory_path() /
                                            ("afbs-demo-" + std::to_string(::getpid()) + ".json"))
                                               .string());

  heading("The bundled demo model (afbs-tune info)");
  if (int rc = run_info({}); rc != 0) return rc;

  heading("Tuning layers 3-5 with AFBS-BO at 256/512/1024 tokens (afbs-tune tune)");
  if (int rc = run_tune({"--out", out, "--layers", "3-5", "--fidelities", "256,512,1024", "--seed",
                         seed, "--threads", threads});
      rc != 0) {
    return rc;
  }

  heading("Perplexity at 1024 tokens, dense and with the tuned config (afbs-tune perplexity)");
  if (int rc = run_perplexity({"--length", "1024", "--max-windows", "8", "--threads", threads});
      rc != 0) {
    return rc;
  }
  if (int rc = run_perplexity(
          {"--length", "1024", "--max-windows", "8", "--config", out, "--threads", threads});
      rc != 0) {
    return rc;
  }
  std::printf(
      "\nThe tuned config is %s. Next: afbs-tune tune --out cfg.json (all layers), "
      "afbs-tune export cfg.json --spargeattn cfg.pt, or the workbench.\n",
      out.c_str());
  return 0;
}

}  // namespace afbs::cli
