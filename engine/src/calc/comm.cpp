#include "moe/calc/comm.hpp"

#include <cmath>
#include <string>

namespace moe {

namespace {

constexpr int64_t kMaxCommExperts = int64_t{1} << 16;  // num_experts
constexpr int64_t kMaxCommTokens = int64_t{1} << 24;   // tokens
constexpr int64_t kMaxCommDim = int64_t{1} << 20;      // d_model
constexpr int64_t kMaxCommLayers = 4096;               // layers
constexpr double kMaxBytesPerValue = 16;               // bytes_per_value
constexpr double kMaxParams = 1e18;                    // total_params

Error comm_error(const std::string& field, const std::string& reason) {
  return Error{"comm." + field, reason};
}

// `lo <= value <= hi`, or an error naming the field and the value found.
bool comm_in_range(const char* field, int64_t value, int64_t lo, int64_t hi, Error& out) {
  if (value < lo || value > hi) {
    out = comm_error(field, "must be between " + std::to_string(lo) + " and " + std::to_string(hi) +
                                ", got " + std::to_string(value));
    return false;
  }
  return true;
}

// Checks every field; on success the routing can be counted without further checks.
bool validate(const CommSpec& s, Error& err) {
  if (!comm_in_range("num_experts", s.num_experts, 1, kMaxCommExperts, err) ||
      !comm_in_range("devices", s.devices, 1, s.num_experts, err) ||
      !comm_in_range("d_model", s.d_model, 1, kMaxCommDim, err) ||
      !comm_in_range("layers", s.layers, 1, kMaxCommLayers, err) ||
      !comm_in_range("tokens", s.tokens, 0, kMaxCommTokens, err) ||
      !comm_in_range("top_k", s.top_k, 1, s.num_experts, err)) {
    return false;
  }
  if (s.num_experts % s.devices != 0) {
    err = comm_error("devices", "must divide num_experts (" + std::to_string(s.num_experts) +
                                    ") so every device holds the same number of experts, got " +
                                    std::to_string(s.devices));
    return false;
  }
  if (!std::isfinite(s.bytes_per_value) || s.bytes_per_value <= 0 ||
      s.bytes_per_value > kMaxBytesPerValue) {
    err = comm_error("bytes_per_value",
                     "must be > 0 and <= 16, got " + std::to_string(s.bytes_per_value));
    return false;
  }
  const size_t slots = static_cast<size_t>(s.tokens) * s.top_k;
  if (s.topk_ids.size() != slots) {
    err = comm_error("topk_ids", "must hold tokens · top_k = " + std::to_string(slots) +
                                     " ids, got " + std::to_string(s.topk_ids.size()));
    return false;
  }
  for (size_t i = 0; i < slots; ++i) {
    if (s.topk_ids[i] < -1 || s.topk_ids[i] >= s.num_experts) {
      err = comm_error(
          "topk_ids[" + std::to_string(i / s.top_k) + "][" + std::to_string(i % s.top_k) + "]",
          "must be -1 (dropped) or an expert 0.." + std::to_string(s.num_experts - 1) + ", got " +
              std::to_string(s.topk_ids[i]));
      return false;
    }
  }
  if (!s.kept.empty() && s.kept.size() != slots) {
    err = comm_error("kept", "must be empty or hold tokens · top_k = " + std::to_string(slots) +
                                 " flags, got " + std::to_string(s.kept.size()));
    return false;
  }
  if (!s.token_device.empty()) {
    if (s.token_device.size() != static_cast<size_t>(s.tokens)) {
      err = comm_error("token_device", "must be empty or hold one device per token (" +
                                           std::to_string(s.tokens) + "), got " +
                                           std::to_string(s.token_device.size()));
      return false;
    }
    for (int t = 0; t < s.tokens; ++t) {
      if (s.token_device[t] < 0 || s.token_device[t] >= s.devices) {
        err = comm_error("token_device[" + std::to_string(t) + "]",
                         "must be a device 0.." + std::to_string(s.devices - 1) + ", got " +
                             std::to_string(s.token_device[t]));
        return false;
      }
    }
  }
  return true;
}

}  // namespace

Result<CommVolume> all_to_all_volume(const CommSpec& s) {
  Error err;
  if (!validate(s, err)) return err;
  const int D = s.devices, T = s.tokens, k = s.top_k;
  const int experts_per_device = s.num_experts / D;
  std::vector<int64_t> pairs(static_cast<size_t>(D) * D, 0);  // [D,D] kept slots from → to
  CommVolume v;
  v.devices = D;
  for (int t = 0; t < T; ++t) {
    const int from = s.token_device.empty() ? static_cast<int>(static_cast<int64_t>(t) * D / T)
                                            : s.token_device[t];
    for (int j = 0; j < k; ++j) {
      const size_t slot = static_cast<size_t>(t) * k + j;
      const int32_t e = s.topk_ids[slot];
      if (e < 0 || (!s.kept.empty() && s.kept[slot] == 0)) {
        ++v.dropped_slots;
        continue;
      }
      const int to = e / experts_per_device;
      ++pairs[static_cast<size_t>(from) * D + to];
      ++v.routed_slots;
      if (to == from) ++v.local_slots;
    }
  }
  // Bytes one kept slot moves in one direction, over all layers.
  const double slot_bytes =
      static_cast<double>(s.layers) * static_cast<double>(s.d_model) * s.bytes_per_value;
  v.dispatch_bytes.assign(pairs.size(), 0.0);
  v.sent_bytes.assign(D, 0.0);
  v.received_bytes.assign(D, 0.0);
  double dispatch_total = 0, dispatch_cross = 0;
  for (int a = 0; a < D; ++a) {
    for (int b = 0; b < D; ++b) {
      const double bytes = slot_bytes * static_cast<double>(pairs[static_cast<size_t>(a) * D + b]);
      v.dispatch_bytes[static_cast<size_t>(a) * D + b] = bytes;
      dispatch_total += bytes;
      if (a == b) continue;
      dispatch_cross += bytes;
      v.sent_bytes[a] += bytes;
      v.received_bytes[b] += bytes;
    }
  }
  v.forward_bytes = 2 * dispatch_total;
  v.cross_device_bytes = 2 * dispatch_cross;
  v.cross_device_fraction = dispatch_total > 0 ? dispatch_cross / dispatch_total : 0;
  v.training_step_bytes = 2 * v.forward_bytes;
  v.training_step_cross_device_bytes = 2 * v.cross_device_bytes;
  return v;
}

Result<TrainingMemory> training_memory(double total_params, double bytes_per_value) {
  if (!std::isfinite(total_params) || total_params < 0 || total_params > kMaxParams) {
    return Error{"memory.total_params",
                 "must be between 0 and 1e18, got " + std::to_string(total_params)};
  }
  if (!std::isfinite(bytes_per_value) || bytes_per_value <= 0 ||
      bytes_per_value > kMaxBytesPerValue) {
    return Error{"memory.bytes_per_value",
                 "must be > 0 and <= 16, got " + std::to_string(bytes_per_value)};
  }
  TrainingMemory m;
  m.serving_bytes = total_params * bytes_per_value;
  m.weight_bytes = total_params * bytes_per_value;
  m.gradient_bytes = total_params * bytes_per_value;
  m.optimizer_bytes = total_params * 8;  // Adam m and v, fp32 each
  m.master_bytes = bytes_per_value < 4 ? total_params * 4 : 0;
  m.training_bytes = m.weight_bytes + m.gradient_bytes + m.optimizer_bytes + m.master_bytes;
  return m;
}

}  // namespace moe
