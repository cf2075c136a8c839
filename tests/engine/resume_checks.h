#pragma once

// What the resume tests share (engine and session suites): a journal's lines, a journal cut
// short as a kill leaves it, and the check that two runs ended with the same heads.

#include <QtTest>

#include <cstddef>
#include <fstream>
#include <string>
#include <vector>

#include "core/engine/tuning_engine.h"

namespace afbs::engine::testing {

inline std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

// Writes the first `count` of `lines` to `path`, each with its newline: a journal killed there.
inline void write_first_lines(const std::string& path, const std::vector<std::string>& lines,
                              std::size_t count) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  for (std::size_t i = 0; i < count && i < lines.size(); ++i)
    out << lines[i] << "\n";
}

// Every head of `a` and `b` alike: sparse or dense, θ, τ, λ, sparsity and error (a failure
// is reported by QtTest against the calling test).
inline void compare_heads(const RunResult& a, const RunResult& b) {
  QCOMPARE(a.layers.size(), b.layers.size());
  for (std::size_t l = 0; l < a.layers.size(); ++l) {
    QCOMPARE(a.layers[l].layer, b.layers[l].layer);
    QCOMPARE(a.layers[l].heads.size(), b.layers[l].heads.size());
    for (std::size_t h = 0; h < a.layers[l].heads.size(); ++h) {
      const HeadResult& x = a.layers[l].heads[h];
      const HeadResult& y = b.layers[l].heads[h];
      QCOMPARE(x.sparse, y.sparse);
      QCOMPARE(x.setting.theta, y.setting.theta);
      QCOMPARE(x.setting.tau, y.setting.tau);
      QCOMPARE(x.setting.lambda, y.setting.lambda);
      QCOMPARE(x.sparsity, y.sparsity);
      QCOMPARE(x.error, y.error);
    }
  }
}

}  // namespace afbs::engine::testing
