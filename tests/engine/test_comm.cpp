// The all-to-all traffic counter against a batch worked by hand, its edge cases (all-local
// routing, dropped slots, explicit token placement), its validation errors, and the training
// memory convention.
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "moe/calc/comm.hpp"
#include "result_support.hpp"

namespace {

moe::CommVolume volume_ok(const moe::CommSpec& s) {
  return moe_test::value_of(moe::all_to_all_volume(s));
}

std::string volume_error(const moe::CommSpec& s) {
  return moe_test::error_of(moe::all_to_all_volume(s));
}

// 4 tokens, 2 devices, 4 experts, top-2, d_model 3, 2 bytes per value, one layer.
// Tokens 0, 1 sit on device 0 and tokens 2, 3 on device 1; experts 0, 1 on device 0, 2, 3 on 1.
moe::CommSpec hand_case() {
  moe::CommSpec s{
      .num_experts = 4, .devices = 2, .d_model = 3, .bytes_per_value = 2, .tokens = 4, .top_k = 2};
  s.topk_ids = {0, 2,    // token 0 (device 0): expert 0 local, expert 2 on device 1
                1, 3,    // token 1 (device 0): local, device 1
                2, 0,    // token 2 (device 1): local, device 0
                3, -1};  // token 3 (device 1): local, second slot dropped
  return s;
}

}  // namespace

TEST_CASE("all_to_all_volume: 4 tokens on 2 devices, counted by hand") {
  const moe::CommVolume v = volume_ok(hand_case());
  // One slot moves 3 values · 2 bytes = 6 bytes each way. Slots from → to:
  // 0→0: 2 (t0 e0, t1 e1), 0→1: 2 (t0 e2, t1 e3), 1→0: 1 (t2 e0), 1→1: 2 (t2 e2, t3 e3).
  CHECK(v.devices == 2);
  CHECK(v.dispatch_bytes == std::vector<double>{12, 12, 6, 12});
  CHECK(v.sent_bytes == std::vector<double>{12, 6});
  CHECK(v.received_bytes == std::vector<double>{6, 12});
  CHECK(v.forward_bytes == 84);       // 2 · (12 + 12 + 6 + 12): dispatch and combine
  CHECK(v.cross_device_bytes == 36);  // 2 · (12 + 6)
  CHECK(v.cross_device_fraction == doctest::Approx(18.0 / 42.0));
  CHECK(v.training_step_bytes == 168);
  CHECK(v.training_step_cross_device_bytes == 72);
  CHECK(v.routed_slots == 7);
  CHECK(v.local_slots == 4);
  CHECK(v.dropped_slots == 1);

  // Three layers routing the same way: three times every byte, the same slot counts.
  moe::CommSpec three = hand_case();
  three.layers = 3;
  const moe::CommVolume v3 = volume_ok(three);
  CHECK(v3.forward_bytes == 3 * 84);
  CHECK(v3.cross_device_bytes == 3 * 36);
  CHECK(v3.routed_slots == 7);
}

TEST_CASE("all_to_all_volume: all-local routing crosses nothing; one device crosses nothing") {
  moe::CommSpec s = hand_case();
  s.topk_ids = {0, 1, 1, 0, 2, 3, 3, 2};  // every token's experts on its own device
  const moe::CommVolume v = volume_ok(s);
  CHECK(v.cross_device_bytes == 0);
  CHECK(v.cross_device_fraction == 0);
  CHECK(v.forward_bytes == 2 * 8 * 6);
  CHECK(v.sent_bytes == std::vector<double>{0, 0});
  CHECK(v.local_slots == 8);

  moe::CommSpec one = hand_case();
  one.devices = 1;
  const moe::CommVolume v1 = volume_ok(one);
  CHECK(v1.dispatch_bytes == std::vector<double>{7 * 6});
  CHECK(v1.cross_device_bytes == 0);
}

TEST_CASE("all_to_all_volume: dropped slots send nothing, by id -1 or by the kept mask") {
  moe::CommSpec s = hand_case();
  s.kept = {1, 0, 1, 1, 1, 1, 1, 1};  // token 0's cross-device slot dropped by capacity
  const moe::CommVolume v = volume_ok(s);
  CHECK(v.dropped_slots == 2);
  CHECK(v.routed_slots == 6);
  CHECK(v.dispatch_bytes == std::vector<double>{12, 6, 6, 12});
  CHECK(v.cross_device_bytes == 2 * (6 + 6));

  moe::CommSpec none = hand_case();
  none.topk_ids.assign(8, -1);
  const moe::CommVolume v0 = volume_ok(none);
  CHECK(v0.forward_bytes == 0);
  CHECK(v0.cross_device_fraction == 0);
  CHECK(v0.dropped_slots == 8);
}

TEST_CASE("all_to_all_volume: token_device moves tokens, and a token routed home is free") {
  moe::CommSpec s = hand_case();
  s.token_device = {1, 1, 1, 1};  // every token on device 1
  const moe::CommVolume v = volume_ok(s);
  // Slots to experts 0, 1 (device 0): t0 e0, t1 e1, t2 e0 = 3 cross; the other 4 stay.
  CHECK(v.dispatch_bytes == std::vector<double>{0, 0, 18, 24});
  CHECK(v.local_slots == 4);
  CHECK(v.received_bytes == std::vector<double>{18, 0});
}

TEST_CASE("all_to_all_volume: bad inputs are errors naming the field") {
  // One field of the hand case broken, and the error it gives: the whole message, or (whole =
  // false) how it starts.
  const struct {
    void (*breaks)(moe::CommSpec&);
    const char* error;
    bool whole = true;
  } cases[] = {
      {[](moe::CommSpec& s) { s.devices = 3; },
       "comm.devices: must divide num_experts (4) so every device holds the same number of "
       "experts, got 3"},
      {[](moe::CommSpec& s) { s.devices = 0; }, "comm.devices: must be between 1 and 4, got 0"},
      {[](moe::CommSpec& s) { s.num_experts = 0; }, "comm.num_experts: must be between 1", false},
      {[](moe::CommSpec& s) { s.bytes_per_value = 0; }, "comm.bytes_per_value: must be > 0", false},
      {[](moe::CommSpec& s) { s.topk_ids.pop_back(); },
       "comm.topk_ids: must hold tokens · top_k = 8 ids, got 7"},
      {[](moe::CommSpec& s) { s.topk_ids[5] = 4; },
       "comm.topk_ids[2][1]: must be -1 (dropped) or an expert 0..3, got 4"},
      {[](moe::CommSpec& s) {
         s.token_device = {0, 0, 2, 1};
       },
       "comm.token_device[2]: must be a device 0..1, got 2"},
      {[](moe::CommSpec& s) {
         s.token_device = {0, 1};
       },
       "comm.token_device: must be empty or hold one device per token", false},
      {[](moe::CommSpec& s) {
         s.kept = {1, 1};
       },
       "comm.kept: must be empty or hold tokens · top_k = 8", false},
      {[](moe::CommSpec& s) { s.top_k = 5; }, "comm.top_k: must be between 1 and 4, got 5"},
      {[](moe::CommSpec& s) { s.d_model = 0; }, "comm.d_model: must be between 1", false},
  };
  for (const auto& c : cases) {
    moe::CommSpec s = hand_case();
    c.breaks(s);
    const std::string error = volume_error(s);
    if (c.whole) {
      CHECK(error == c.error);
    } else {
      INFO("expected to start with: " << c.error);
      CHECK(error.rfind(c.error, 0) == 0);
    }
  }
}

TEST_CASE("training_memory: weights, gradients, Adam moments and the fp32 master copy") {
  const moe::Result<moe::TrainingMemory> bf16 = moe::training_memory(1000, 2);
  REQUIRE(bf16.ok());
  CHECK(bf16.value().serving_bytes == 2000);
  CHECK(bf16.value().gradient_bytes == 2000);
  CHECK(bf16.value().optimizer_bytes == 8000);
  CHECK(bf16.value().master_bytes == 4000);
  CHECK(bf16.value().training_bytes == 16000);  // 16 bytes per parameter
  const moe::Result<moe::TrainingMemory> fp32 = moe::training_memory(1000, 4);
  REQUIRE(fp32.ok());
  CHECK(fp32.value().serving_bytes == 4000);
  CHECK(fp32.value().master_bytes == 0);  // the weights already are fp32
  CHECK(fp32.value().training_bytes == 16000);
  CHECK(moe::training_memory(-1, 2).error().message() ==
        "memory.total_params: must be between 0 and 1e18, got -1.000000");
  CHECK(moe::training_memory(10, 0).error().message().rfind("memory.bytes_per_value: must be > 0",
                                                            0) == 0);
}
