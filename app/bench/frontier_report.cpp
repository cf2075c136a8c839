#include "app/bench/frontier_report.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

namespace afbs::bench {
namespace {

std::string fixed(double value, int digits) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", digits, value);
  return buffer;
}

std::string percent(double fraction) {
  return fixed(100.0 * fraction, 3) + " %";
}

nlohmann::ordered_json to_json(const FrontierPoint& p) {
  nlohmann::ordered_json j = {{"method", p.method},
                              {"parameter", p.parameter},
                              {"mean_sparsity", p.mean_sparsity},
                              {"perplexity", p.perplexity},
                              {"rise", p.rise},
                              {"held_out_perplexity", p.held_out_perplexity},
                              {"held_out_rise", p.held_out_rise},
                              {"heads", p.heads},
                              {"heads_meeting_target", p.heads_meeting_target},
                              {"evaluations", p.evaluations},
                              {"perplexity_measurements", p.perplexity_measurements},
                              {"wall_seconds", p.wall_seconds}};
  if (p.budget >= 0.0) {
    j["budget"] = p.budget;
    j["epsilon_multiplier"] = p.epsilon_multiplier;
  }
  if (p.target_error > 0.0) j["target_error"] = p.target_error;
  if (!p.probes.empty()) {
    j["layer_multipliers"] = p.layer_multipliers;
    j["by_price"] = p.by_price;
    if (!p.layer_choices.empty()) j["layer_choices"] = p.layer_choices;
    j["probes"] = nlohmann::ordered_json::array();
    for (const engine::BudgetProbe& probe : p.probes) {
      j["probes"].push_back({{"multiplier", probe.multiplier},
                             {"layer", probe.layer},
                             {"price", probe.price},
                             {"perplexity", probe.perplexity},
                             {"rise", probe.rise},
                             {"mean_sparsity", probe.mean_sparsity},
                             {"within_budget", probe.within_budget},
                             {"validated", probe.validated},
                             {"evaluations", probe.evaluations},
                             {"option", probe.option}});
    }
  }
  return j;
}

// The sparsest point of `method` whose rise on the calibration windows is within `budget`.
const FrontierPoint* best_within(const std::vector<FrontierPoint>& points,
                                 const std::string& method, double budget) {
  const FrontierPoint* best = nullptr;
  for (const FrontierPoint& p : points) {
    if (p.method != method || p.rise > budget) continue;
    // A budget run only speaks for budgets at least as loose as its own.
    if (p.budget >= 0.0 && p.budget > budget) continue;
    if (best == nullptr || p.mean_sparsity > best->mean_sparsity) best = &p;
  }
  return best;
}

}  // namespace

Result<std::string> write_frontier_results(const FrontierRun& run, const std::string& out) {
  std::string ladder;
  for (int n : run.ladder) {
    if (!ladder.empty()) ladder += ',';
    ladder += std::to_string(n);
  }
  std::vector<std::string> methods;
  for (const FrontierPoint& p : run.points) {
    if (std::find(methods.begin(), methods.end(), p.method) == methods.end())
      methods.push_back(p.method);
  }

  nlohmann::ordered_json json;
  json["benchmark"] = "B6 sparsity-quality frontier";
  json["date"] = run.provenance.date_utc;
  json["machine"] = run.provenance.machine;
  json["commit"] = run.provenance.commit;
  json["command"] = run.provenance.command;
  json["load_average"] = run.provenance.load_average;
  json["threads"] = run.threads;
  json["model"] = run.model;
  json["text"] = run.text;
  json["device"] = run.device;
  json["fidelities"] = run.ladder;
  json["blocks"] = run.blocks;
  json["layers"] = run.layers;
  json["tune_windows"] = run.tune_windows;
  json["validation_windows"] = run.validation_windows;
  json["guard_windows"] = run.guard_windows;
  json["held_out_windows"] = run.held_out_windows;
  json["seed"] = run.seed;
  json["perplexity_dense"] = run.perplexity_dense;
  json["held_out_perplexity_dense"] = run.held_out_dense;
  json["points"] = nlohmann::ordered_json::array();
  for (const FrontierPoint& p : run.points)
    json["points"].push_back(to_json(p));

  std::ostringstream csv;
  csv << "method,parameter,budget,epsilon_multiplier,target_error,mean_sparsity,perplexity,rise,"
         "held_out_perplexity,held_out_rise,heads,heads_meeting_target,evaluations,"
         "perplexity_measurements,wall_seconds\n";
  csv.precision(17);
  for (const FrontierPoint& p : run.points) {
    csv << p.method << "," << p.parameter << "," << p.budget << "," << p.epsilon_multiplier << ","
        << p.target_error << "," << p.mean_sparsity << "," << p.perplexity << "," << p.rise << ","
        << p.held_out_perplexity << "," << p.held_out_rise << "," << p.heads << ","
        << p.heads_meeting_target << "," << p.evaluations << "," << p.perplexity_measurements << ","
        << p.wall_seconds << "\n";
  }

  const int top = run.ladder.empty() ? 0 : run.ladder.back();
  const int calibration = run.tune_windows + run.validation_windows + run.guard_windows;
  std::ostringstream md;
  md << "# B6: sparsity-quality frontier (afbs-bench frontier)\n\n"
     << "- date: " << run.provenance.date_utc << "\n- machine: " << run.provenance.machine
     << "\n- commit: " << run.provenance.commit << "\n- command: `" << run.provenance.command
     << "`\n- load average at start (1/5/15 min): " << run.provenance.load_average
     << "\n- threads: " << run.threads << "; device: " << run.device << "\n- model: " << run.model
     << "; text: " << run.text << "\n- fidelity ladder: " << ladder << " (n_F = " << top
     << "); blocks " << run.blocks << "; layers: " << run.layers << "; tune windows "
     << run.tune_windows << ", validation windows " << run.validation_windows << "; seed "
     << run.seed << "\n- **calibration perplexity** (`rise`): the first " << calibration
     << " windows of " << top << " tokens of the text (tune and validation windows, then "
     << run.guard_windows
     << " guard windows), the windows the guard and the budget stage measure; dense "
     << fixed(run.perplexity_dense, 4) << "\n- **held-out perplexity**: the next "
     << run.held_out_windows << " windows of " << top << " tokens, which no method saw; dense "
     << fixed(run.held_out_dense, 4)
     << "\n- mean sparsity: over every layer x head (dense heads count 0), measured on the "
        "validation windows at n_F (a budget-probe head that ends the run: its tune windows)\n"
     << "- all methods share one session (same captures); evaluations are the engine's count, "
        "wall seconds are not comparable across methods here (shared caches; a config's "
        "perplexity measured once in the session is remembered, but every measurement is "
        "counted)\n\n";
  md << "| method | parameter | mean sparsity | rise (calibration) | rise (held out) | heads on "
        "target | evaluations |\n|---|---|---|---|---|---|---|\n";
  for (const FrontierPoint& p : run.points) {
    md << "| " << p.method << " | " << p.parameter;
    if (p.budget >= 0.0 && p.by_price) md << " (price allocation)";
    if (p.budget >= 0.0 && !p.layer_choices.empty()) {
      md << " (layers:";
      for (std::size_t i = 0; i < p.layer_choices.size(); ++i)
        md << (i == 0 ? " " : ", ") << p.layer_choices[i];
      md << ")";
    } else if (p.budget >= 0.0 && !p.by_price) {
      md << " (eps x " << fixed(p.epsilon_multiplier, 3) << ")";
    }
    md << " | " << fixed(p.mean_sparsity, 4) << " | " << percent(p.rise) << " | "
       << percent(p.held_out_rise) << " | " << p.heads_meeting_target << "/" << p.heads << " | "
       << p.evaluations << " |\n";
  }
  if (!run.budgets.empty()) {
    md << "\n## Best point within each budget (highest mean sparsity whose calibration rise is "
          "within it; held-out rise in brackets)\n\n| budget |";
    for (const std::string& m : methods)
      md << " " << m << " |";
    md << "\n|---|";
    for (std::size_t i = 0; i < methods.size(); ++i)
      md << "---|";
    md << "\n";
    nlohmann::ordered_json best_json = nlohmann::ordered_json::array();
    for (double budget : run.budgets) {
      md << "| " << percent(budget) << " |";
      nlohmann::ordered_json row = {{"budget", budget}};
      for (const std::string& m : methods) {
        const FrontierPoint* best = best_within(run.points, m, budget);
        if (best == nullptr) {
          md << " - |";
          row[m] = nullptr;
          continue;
        }
        md << " " << fixed(best->mean_sparsity, 3) << " (" << best->parameter << "; "
           << percent(best->held_out_rise) << ") |";
        row[m] = {{"parameter", best->parameter},
                  {"mean_sparsity", best->mean_sparsity},
                  {"held_out_rise", best->held_out_rise}};
      }
      md << "\n";
      best_json.push_back(row);
    }
    json["best_within_budget"] = best_json;
  }
  for (const auto& [name, text] : {std::pair{std::string("/frontier.json"), json.dump(2) + "\n"},
                                   std::pair{std::string("/frontier.csv"), csv.str()},
                                   std::pair{std::string("/frontier.md"), md.str()}}) {
    if (Status written = write_file_atomically(out + name, text); !written) return written.error();
  }
  return md.str();
}

}  // namespace afbs::bench
