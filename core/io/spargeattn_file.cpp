#include "core/io/spargeattn_file.h"

#include <ATen/ATen.h>
#include <caffe2/serialize/inline_container.h>
#include <torch/csrc/jit/serialization/pickler.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <vector>

#include "core/common/atomic_file.h"
#include "core/io/torch_state_dict.h"

namespace afbs {
namespace {

// A file of thresholds for the largest models is a few hundred kilobytes.
constexpr uint64_t kMaxSpargeAttnFileBytes = 64u << 20;

const char* const kTensorNames[] = {"is_sparse", "cdfthreshd", "simthreshd1", "simthreshd2",
                                    "pvthreshd"};

// torch.save's zip layout (archive/data.pkl + archive/data/<i>) around a pickle of `state`.
// Written with the type tags of TorchScript dicts off: Python's torch.load(weights_only=True)
// refuses torch.jit._pickle.restore_type_tag, which torch::pickle_save would emit.
std::string torch_save_bytes(const c10::Dict<std::string, at::Tensor>& state) {
  std::vector<char> pickle;
  torch::jit::Pickler pickler(
      [&](const char* bytes, size_t size) { pickle.insert(pickle.end(), bytes, bytes + size); },
      nullptr, nullptr, nullptr, nullptr, /*tag_aggregates=*/false);
  pickler.protocol();
  pickler.pushIValue(c10::IValue(state));
  pickler.stop();

  std::string archive;
  caffe2::serialize::PyTorchStreamWriter writer([&](const void* bytes, size_t size) {
    archive.append(static_cast<const char*>(bytes), size);
    return size;
  });
  writer.writeRecord("data.pkl", pickle.data(), pickle.size());
  const auto& tensors = pickler.tensorData();
  for (size_t i = 0; i < tensors.size(); ++i) {
    const at::Tensor& tensor = tensors[i];
    writer.writeRecord("data/" + std::to_string(i), tensor.storage().data(),
                       tensor.storage().nbytes());
  }
  writer.writeEndOfFile();
  return archive;
}

at::Tensor float_tensor(const std::vector<float>& values) {
  return at::tensor(values, at::TensorOptions().dtype(at::kFloat));
}

// The first run of digits in a module name as a number (the layer index in
// "model.layers.12.self_attn…" or "transformer_blocks.12.attn1…"), or -1.
int64_t first_number(const std::string& name) {
  const size_t at = name.find_first_of("0123456789");
  if (at == std::string::npos) return -1;
  int64_t value = 0;
  for (size_t i = at; i < name.size() && std::isdigit(static_cast<unsigned char>(name[i])) &&
                      value < (int64_t{1} << 40);
       ++i) {
    value = value * 10 + (name[i] - '0');
  }
  return value;
}

// One module name per layer. Llama's names (spargeattn_module) when the file has them;
// otherwise the attention modules the file names, whatever the saving model called them
// (SpargeAttn saves state-dict keys as they are: transformer_blocks.3.attn1.processor.
// inner_attention for CogVideoX), ordered by their layer index.
Result<std::vector<std::string>> module_names(const std::map<std::string, PickledTensor>& tensors,
                                              const ModelIdentity& model,
                                              const std::string& where) {
  std::vector<std::string> names;
  for (int64_t layer = 0; layer < model.layers; ++layer)
    names.push_back(spargeattn_module(layer));
  if (tensors.count(names.front() + ".cdfthreshd")) return names;
  const std::string suffix = ".cdfthreshd";
  names.clear();
  for (const auto& [key, tensor] : tensors) {
    if (key.size() > suffix.size() && key.ends_with(suffix))
      names.push_back(key.substr(0, key.size() - suffix.size()));
  }
  if (names.empty()) {
    return Error{where + ": no tensor '" + spargeattn_module(0) + suffix + "' nor any other '*" +
                 suffix + "' (the file has " + std::to_string(tensors.size()) +
                 " tensors; is it a SpargeAttn file?)"};
  }
  std::stable_sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) {
    return first_number(a) < first_number(b);
  });
  if (static_cast<int64_t>(names.size()) != model.layers) {
    return Error{where + ": the file holds " + std::to_string(names.size()) +
                 " attention modules (" + names.front() + ", …), the model has " +
                 std::to_string(model.layers) + " layers (is it for this model?)"};
  }
  return names;
}

}  // namespace

std::string spargeattn_module(int64_t layer) {
  return "model.layers." + std::to_string(layer) + ".self_attn.inner_attention";
}

Status write_spargeattn(const SparseConfig& config, const std::filesystem::path& path) {
  if (Status valid = config.validate(path.string()); !valid) return valid;
  if (config.rule != SelectionRule::cumulative) {
    return Error{path.string() + ": a '" + std::string(selection_rule_name(config.rule)) +
                 "' config cannot be written for SpargeAttn, which only has the cumulative "
                 "rule (θ, τ, λ)"};
  }
  try {
    c10::Dict<std::string, at::Tensor> state;
    for (size_t layer = 0; layer < config.layers.size(); ++layer) {
      const auto& heads = config.layers[layer];
      std::vector<float> tau, theta, zeros(heads.size(), 0.0f), lambda;
      auto is_sparse = at::zeros({static_cast<int64_t>(heads.size())}, at::kBool);
      for (size_t h = 0; h < heads.size(); ++h) {
        const HeadConfig& head = heads[h];
        is_sparse[static_cast<int64_t>(h)] = head.sparse;
        tau.push_back(head.sparse ? static_cast<float>(head.tau) : 1.0f);
        theta.push_back(head.sparse ? static_cast<float>(head.theta) : 1.0f);
        lambda.push_back(static_cast<float>(head.lambda));
      }
      const std::string module = spargeattn_module(static_cast<int64_t>(layer));
      state.insert(module + ".is_sparse", is_sparse);
      state.insert(module + ".cdfthreshd", float_tensor(tau));
      state.insert(module + ".simthreshd1", float_tensor(theta));
      state.insert(module + ".simthreshd2", float_tensor(zeros));
      state.insert(module + ".pvthreshd", float_tensor(lambda));
    }
    return write_file_atomically(path, torch_save_bytes(state));
  } catch (const std::exception& e) {
    return Error{path.string() + ": cannot serialise the SpargeAttn file: " + e.what()};
  }
}

Result<SparseConfig> read_spargeattn(const std::filesystem::path& path,
                                     const ModelIdentity& model) {
  const std::string where = path.string();
  auto bytes = read_file_bytes(path, kMaxSpargeAttnFileBytes);
  if (!bytes) return bytes.error();
  // Our own bounded reader, not libtorch's unpickler: the file may come from anyone.
  auto tensors = read_torch_state_dict(*bytes, where);
  if (!tensors) return tensors.error();

  auto modules = module_names(*tensors, model, where);
  if (!modules) return modules.error();

  SparseConfig config;
  config.model = model;
  config.layers.resize(static_cast<size_t>(model.layers));
  for (int64_t layer = 0; layer < model.layers; ++layer) {
    const std::string& module = (*modules)[static_cast<size_t>(layer)];
    std::map<std::string, const PickledTensor*> found;
    for (const char* name : kTensorNames) {
      const std::string key = module + "." + name;
      auto it = tensors->find(key);
      if (it == tensors->end()) {
        if (std::string(name) == "simthreshd2") continue;  // unused by the kernels
        return Error{where + ": no tensor '" + key + "' (the file has " +
                     std::to_string(tensors->size()) + " tensors; is it for this model?)"};
      }
      const PickledTensor& t = it->second;
      if (t.sizes.size() != 1 || t.sizes[0] != model.heads) {
        std::string shape = "[";
        for (size_t d = 0; d < t.sizes.size(); ++d) {
          shape += (d ? ", " : "") + std::to_string(t.sizes[d]);
        }
        return Error{where + ": tensor '" + key + "' has shape " + shape + "], expected [" +
                     std::to_string(model.heads) + "] (one per query head)"};
      }
      for (int64_t h = 0; h < model.heads; ++h) {
        if (!std::isfinite(t.at(h))) {
          return Error{where + ": tensor '" + key + "' holds " + std::to_string(t.at(h)) +
                       " for head " + std::to_string(h) + ", not a finite number"};
        }
      }
      found[name] = &t;
    }
    auto& heads = config.layers[static_cast<size_t>(layer)];
    heads.resize(static_cast<size_t>(model.heads));
    for (int64_t h = 0; h < model.heads; ++h) {
      HeadConfig& head = heads[static_cast<size_t>(h)];
      head.sparse = found["is_sparse"]->at(h) != 0.0;
      head.tau = found["cdfthreshd"]->at(h);
      head.theta = found["simthreshd1"]->at(h);
      head.lambda = found["pvthreshd"]->at(h);
    }
  }
  if (Status valid = config.validate(where); !valid) return valid.error();
  return config;
}

}  // namespace afbs
