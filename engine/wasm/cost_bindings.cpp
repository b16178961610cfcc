// Embind entry points for the cost and communication calculators (calc/cost, calc/comm), in their
// own EMSCRIPTEN_BINDINGS block (bindings.cpp keeps the layer and the embedding, probe_bindings.cpp
// the expert probe). Same contract as
// there: every function returns `{ok: true, ...}` or `{ok: false, error: "where: reason"}` and
// catches every C++ exception. web/src/engine/core.ts wraps these names:
//   layerCost({d_model, d_ff, num_experts, top_k, layers, shared_params, expert_kind})
//       -> {ok, report: {params_per_expert, router_params, total_params, active_params,
//                        active_fraction, flops_per_token_active, flops_per_token_dense}}
//   solveActive(total_params, shared_fraction, num_experts, top_k)
//       -> {ok, solve: {total_params, shared_params, expert_params, active_params,
//       active_fraction}}
//   commVolume({num_experts, devices, d_model, bytes_per_value, layers?, tokens, top_k,
//               topk_ids: Int32Array [T·k], kept?: Uint8Array [T·k], token_device?: Int32Array
//               [T]})
//       -> {ok, volume: {devices, dispatch_bytes: Float64Array [D·D], sent_bytes, received_bytes:
//           Float64Array [D], forward_bytes, cross_device_bytes, cross_device_fraction,
//           training_step_bytes, training_step_cross_device_bytes, routed_slots, local_slots,
//           dropped_slots}}
//   trainingMemory(total_params, bytes_per_value)
//       -> {ok, memory: {serving_bytes, weight_bytes, gradient_bytes, optimizer_bytes,
//           master_bytes, training_bytes}}
#include <cmath>
#include <string>
#include <vector>

#include <emscripten/bind.h>
#include <emscripten/val.h>

#include "js_values.hpp"
#include "moe/calc/comm.hpp"
#include "moe/calc/cost.hpp"

namespace moe::wasm {
namespace {

// Reads obj[name] as a whole number of at most `max_abs` in size, naming it `object.name` in the
// error; an absent optional field keeps `out`.
template <class Int>
bool read_whole_number(const val& obj, const char* object, const char* name, bool required,
                       double max_abs, Int& out, std::string& error) {
  const val v = obj[name];
  if (v.isUndefined() && !required) return true;
  const std::string where = std::string(object) + "." + name;
  if (!v.isNumber()) {
    error = where + ": must be a number";
    return false;
  }
  const double x = v.as<double>();
  if (!std::isfinite(x) || std::trunc(x) != x || std::fabs(x) > max_abs) {
    error = where + ": must be a whole number, got " + std::to_string(x);
    return false;
  }
  out = static_cast<Int>(x);
  return true;
}

// Reads config[name] as an integer for layer_cost.
bool read_integer(const val& obj, const char* name, bool required, int64_t& out,
                  std::string& error) {
  return read_whole_number(obj, "cost", name, required, 9.0e15, out, error);
}

val layer_cost(val config) {
  return guarded([&] {
    if (config.typeOf().as<std::string>() != "object" || config.isNull()) {
      return error_value("cost: must be an object");
    }
    moe::CostConfig c;
    std::string error;
    if (!read_integer(config, "d_model", true, c.d_model, error) ||
        !read_integer(config, "d_ff", true, c.d_ff, error) ||
        !read_integer(config, "num_experts", true, c.num_experts, error) ||
        !read_integer(config, "top_k", true, c.top_k, error) ||
        !read_integer(config, "layers", false, c.layers, error) ||
        !read_integer(config, "shared_params", false, c.shared_params, error)) {
      return error_value(error);
    }
    const val kind = config["expert_kind"];
    if (!kind.isUndefined()) {
      const std::string k = kind.isString() ? kind.as<std::string>() : "";
      if (k == "mlp") {
        c.expert_kind = moe::ExpertKind::mlp;
      } else if (k == "swiglu") {
        c.expert_kind = moe::ExpertKind::swiglu;
      } else {
        return error_value("cost.expert_kind: must be \"mlp\" or \"swiglu\"");
      }
    }
    moe::Result<moe::CostReport> r = moe::layer_cost(c);
    if (!r.ok()) return error_value(r.error().message());
    const moe::CostReport& rep = r.value();
    val report = val::object();
    report.set("params_per_expert", static_cast<double>(rep.params_per_expert));
    report.set("router_params", static_cast<double>(rep.router_params));
    report.set("total_params", static_cast<double>(rep.total_params));
    report.set("active_params", static_cast<double>(rep.active_params));
    report.set("active_fraction", rep.active_fraction);
    report.set("flops_per_token_active", rep.flops_per_token_active);
    report.set("flops_per_token_dense", rep.flops_per_token_dense);
    return ok_value("report", report);
  });
}

//   expertCapacity(capacity_factor, tokens, num_experts, top_k) -> {ok, capacity}
val expert_capacity(double capacity_factor, double tokens, double num_experts, double top_k) {
  return guarded([&] {
    for (double v : {tokens, num_experts, top_k}) {
      if (!std::isfinite(v) || std::trunc(v) != v || std::fabs(v) > 9.0e15) {
        return error_value("capacity.tokens/num_experts/top_k: must be whole numbers");
      }
    }
    moe::Result<int64_t> r =
        moe::expert_capacity_for(capacity_factor, static_cast<int64_t>(tokens),
                                 static_cast<int64_t>(num_experts), static_cast<int64_t>(top_k));
    if (!r.ok()) return error_value(r.error().message());
    return ok_value("capacity", static_cast<double>(r.value()));
  });
}

val solve_active(double total_params, double shared_fraction, double num_experts, double top_k) {
  return guarded([&] {
    for (double v : {num_experts, top_k}) {
      if (!std::isfinite(v) || std::trunc(v) != v || std::fabs(v) > 1e9) {
        return error_value("cost.num_experts/top_k: must be whole numbers");
      }
    }
    moe::Result<moe::ActiveSolve> r = moe::solve_active_from_total(
        total_params, shared_fraction, static_cast<int64_t>(num_experts),
        static_cast<int64_t>(top_k));
    if (!r.ok()) return error_value(r.error().message());
    const moe::ActiveSolve& s = r.value();
    val solve = val::object();
    solve.set("total_params", s.total_params);
    solve.set("shared_params", s.shared_params);
    solve.set("expert_params", s.expert_params);
    solve.set("active_params", s.active_params);
    solve.set("active_fraction", s.active_fraction);
    return ok_value("solve", solve);
  });
}

// Reads spec[name] as an int for comm_volume.
bool read_comm_int(const val& obj, const char* name, bool required, int& out, std::string& error) {
  return read_whole_number(obj, "comm", name, required, 2147483647.0, out, error);
}

// Copies obj[name], a typed array of `array_type`, into `out`; absent and optional: left empty.
template <class T>
bool read_comm_array(const val& obj, const char* name, const char* array_type, bool required,
                     std::vector<T>& out, std::string& error) {
  const val v = obj[name];
  if (v.isUndefined() && !required) return true;
  const std::string where = std::string("comm.") + name;
  if (!v.instanceof (val::global(array_type))) {
    error = where + ": must be an " + array_type;
    return false;
  }
  const size_t n = v["length"].as<size_t>();
  if (n > (size_t{1} << 26)) {
    error = where + ": too long (" + std::to_string(n) + " values)";
    return false;
  }
  out.resize(n);
  val(emscripten::typed_memory_view(n, out.data())).call<void>("set", v);
  return true;
}

val comm_volume(val spec) {
  return guarded([&] {
    if (spec.typeOf().as<std::string>() != "object" || spec.isNull()) {
      return error_value("comm: must be an object");
    }
    moe::CommSpec c;
    std::string error;
    if (!read_comm_int(spec, "num_experts", true, c.num_experts, error) ||
        !read_comm_int(spec, "devices", true, c.devices, error) ||
        !read_comm_int(spec, "layers", false, c.layers, error) ||
        !read_comm_int(spec, "tokens", true, c.tokens, error) ||
        !read_comm_int(spec, "top_k", true, c.top_k, error) ||
        !read_comm_array(spec, "topk_ids", "Int32Array", true, c.topk_ids, error) ||
        !read_comm_array(spec, "kept", "Uint8Array", false, c.kept, error) ||
        !read_comm_array(spec, "token_device", "Int32Array", false, c.token_device, error)) {
      return error_value(error);
    }
    int d_model = 0;
    if (!read_comm_int(spec, "d_model", true, d_model, error)) return error_value(error);
    c.d_model = d_model;
    const val bytes = spec["bytes_per_value"];
    if (!bytes.isNumber()) return error_value("comm.bytes_per_value: must be a number");
    c.bytes_per_value = bytes.as<double>();
    moe::Result<moe::CommVolume> r = moe::all_to_all_volume(c);
    if (!r.ok()) return error_value(r.error().message());
    const moe::CommVolume& v = r.value();
    val volume = val::object();
    volume.set("devices", v.devices);
    volume.set("dispatch_bytes", copy_of(v.dispatch_bytes, "Float64Array"));
    volume.set("sent_bytes", copy_of(v.sent_bytes, "Float64Array"));
    volume.set("received_bytes", copy_of(v.received_bytes, "Float64Array"));
    volume.set("forward_bytes", v.forward_bytes);
    volume.set("cross_device_bytes", v.cross_device_bytes);
    volume.set("cross_device_fraction", v.cross_device_fraction);
    volume.set("training_step_bytes", v.training_step_bytes);
    volume.set("training_step_cross_device_bytes", v.training_step_cross_device_bytes);
    volume.set("routed_slots", static_cast<double>(v.routed_slots));
    volume.set("local_slots", static_cast<double>(v.local_slots));
    volume.set("dropped_slots", static_cast<double>(v.dropped_slots));
    return ok_value("volume", volume);
  });
}

val training_memory(double total_params, double bytes_per_value) {
  return guarded([&] {
    moe::Result<moe::TrainingMemory> r = moe::training_memory(total_params, bytes_per_value);
    if (!r.ok()) return error_value(r.error().message());
    const moe::TrainingMemory& m = r.value();
    val memory = val::object();
    memory.set("serving_bytes", m.serving_bytes);
    memory.set("weight_bytes", m.weight_bytes);
    memory.set("gradient_bytes", m.gradient_bytes);
    memory.set("optimizer_bytes", m.optimizer_bytes);
    memory.set("master_bytes", m.master_bytes);
    memory.set("training_bytes", m.training_bytes);
    return ok_value("memory", memory);
  });
}

}  // namespace

EMSCRIPTEN_BINDINGS(cost) {
  emscripten::function("layerCost", &layer_cost);
  emscripten::function("solveActive", &solve_active);
  emscripten::function("expertCapacity", &expert_capacity);
  emscripten::function("commVolume", &comm_volume);
  emscripten::function("trainingMemory", &training_memory);
}

}  // namespace moe::wasm
