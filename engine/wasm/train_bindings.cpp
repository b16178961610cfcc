// embind layer for live training (a second EMSCRIPTEN_BINDINGS block next to bindings.cpp).
// Same rules: every entry point returns {ok: true, ...} or {ok: false, error} and catches every
// C++ exception. web/src/engine/core.ts wraps these names:
//   createTrainer(configJson)  -> {ok, trainer} | {ok: false, error}
//   Trainer.run(steps)         -> {ok, steps, step, loss, aux_loss, expert_load [steps·E],
//                                  router_prob [steps·E], selection_bias [E]}
//                                 (views of the trainer's buffers, valid until the next call)
//   Trainer.assign(text)       -> {ok, tokens, experts: Int32Array} | {ok: false, error}
//   Trainer.stats()            -> {ok, load_cv, max_share, loss, expert_load, router_prob,
//                                  switch_term, switch_loss, nmi_surface?, nmi_topic?,
//                                  nmi_cluster?}
//   Trainer.delete()
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include <emscripten/bind.h>
#include <emscripten/val.h>

#include "js_values.hpp"
#include "moe/calc/embed.hpp"
#include "moe/train/trainer.hpp"

namespace moe::wasm {
namespace {

class TrainerHandle {
 public:
  explicit TrainerHandle(moe::train::Trainer trainer) : trainer_(std::move(trainer)) {}

  int num_experts() const { return trainer_.config().layer.num_experts; }
  int step() const { return trainer_.step(); }

  val run(val steps) {
    return guarded([&] {
      if (!steps.isNumber()) return error_value("steps: must be a number");
      const double s = steps.as<double>();
      if (!std::isfinite(s) || std::trunc(s) != s || s < 0 || s > 100000) {
        return error_value("steps: must be an integer between 0 and 100000, got " +
                           std::to_string(s));
      }
      last_ = trainer_.run(static_cast<int>(s));
      val out = val::object();
      out.set("ok", true);
      out.set("steps", last_.steps);
      out.set("step", trainer_.step());
      out.set("loss", view(last_.loss));
      out.set("aux_loss", view(last_.aux_loss));
      out.set("expert_load", view(last_.expert_load));
      out.set("router_prob", view(last_.router_prob));
      out.set("selection_bias", view(last_.selection_bias));
      return out;
    });
  }

  val assign(std::string text) {
    return guarded([&] {
      moe::Result<std::vector<int32_t>> r = trainer_.assign(text);
      if (!r.ok()) return error_value(r.error().message());
      val tokens = val::array();
      for (const std::string& t : moe::embed_tokenize(text)) tokens.call<void>("push", t);
      val out = val::object();
      out.set("ok", true);
      out.set("tokens", tokens);
      out.set("experts", copy_of(r.value(), "Int32Array"));
      return out;
    });
  }

  val stats() {
    return guarded([&] {
      const moe::train::TrainStats st = trainer_.stats();
      val out = val::object();
      out.set("ok", true);
      out.set("load_cv", st.load_cv);
      out.set("max_share", st.max_share);
      out.set("loss", st.task_loss);
      out.set("expert_load", copy_of(st.expert_load, "Float32Array"));
      out.set("router_prob", copy_of(st.router_prob, "Float32Array"));
      out.set("switch_term", copy_of(st.switch_term, "Float32Array"));
      out.set("switch_loss", st.switch_loss);
      if (st.has_surface) out.set("nmi_surface", st.nmi_surface);
      if (st.has_topic) out.set("nmi_topic", st.nmi_topic);
      if (st.has_cluster) out.set("nmi_cluster", st.nmi_cluster);
      return out;
    });
  }

 private:
  moe::train::Trainer trainer_;
  moe::train::ChunkResult last_;  // backs the views run() returns
};

val create_trainer(std::string config_json) {
  return guarded([&] {
    moe::Result<moe::train::TrainConfig> config = moe::train::parse_train_config(config_json);
    if (!config.ok()) return error_value(config.error().message());
    moe::Result<moe::train::Trainer> trainer = moe::train::Trainer::create(config.value());
    if (!trainer.ok()) return error_value(trainer.error().message());
    return ok_value("trainer", val(TrainerHandle(std::move(trainer.value()))));
  });
}

}  // namespace

EMSCRIPTEN_BINDINGS(moe_engine_train) {
  emscripten::class_<TrainerHandle>("Trainer")
      .function("run", &TrainerHandle::run)
      .function("assign", &TrainerHandle::assign)
      .function("stats", &TrainerHandle::stats)
      .property("num_experts", &TrainerHandle::num_experts)
      .property("step", &TrainerHandle::step);
  emscripten::function("createTrainer", &create_trainer);
}

}  // namespace moe::wasm
