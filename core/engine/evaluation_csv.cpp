#include "core/engine/evaluation_csv.h"

#include <cstdio>

#include "core/common/atomic_file.h"

namespace afbs::engine {
namespace {

std::string number(double value) {
  char text[40];
  std::snprintf(text, sizeof text, "%.17g", value);
  return text;
}

}  // namespace

std::string evaluation_csv_header() {
  return "call,layer,head,stage,length_tokens,window,theta,tau,lambda,sparsity,error,skip_rate,"
         "objective,seconds,elapsed_seconds";
}

std::string format_evaluations_csv(const std::vector<EvaluationRecord>& records) {
  std::string text = evaluation_csv_header() + "\n";
  for (const EvaluationRecord& r : records) {
    text += std::to_string(r.call) + "," + std::to_string(r.layer) + "," + std::to_string(r.head) +
            "," + stage_name(r.stage) + "," + std::to_string(r.length_tokens) + "," +
            std::to_string(r.window) + "," + number(r.theta) + "," + number(r.tau) + "," +
            number(r.lambda) + "," + number(r.sparsity) + "," + number(r.error) + "," +
            number(r.skip_rate) + "," + number(r.objective) + "," + number(r.seconds) + "," +
            number(r.elapsed_seconds) + "\n";
  }
  return text;
}

Status write_evaluations_csv(const std::string& path,
                             const std::vector<EvaluationRecord>& records) {
  if (Status written = write_file_atomically(path, format_evaluations_csv(records)); !written) {
    return with_context("writing the evaluation CSV", written.error());
  }
  return {};
}

}  // namespace afbs::engine
