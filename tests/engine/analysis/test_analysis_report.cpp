// analyze_lm (moe/analysis/analysis_report.hpp): the report the CLI and the page share holds, per
// layer, exactly what the analysis functions compute on the evaluation's routing record.
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "analysis_test_support.hpp"
#include "moe/analysis/analysis_report.hpp"
#include "moe/analysis/consecutive_agreement.hpp"
#include "moe/analysis/expert_specialisation.hpp"
#include "moe/lm/lm_weights.hpp"

namespace {

struct Fixture {
  moe::text::Tokenizer tok = moe_test::tiny_tokenizer();
  moe::lm::LmConfig config = moe_test::tiny_text_config(tok.vocab_size());
  moe::lm::LmModel model{config, moe::lm::lm_weights_init_seeded(config, 7)};
  std::vector<moe::analysis::TokenDomain> domains{{"prose", tok.encode(moe_test::kProseText)},
                                                  {"code", tok.encode(moe_test::kCodeText)}};
};

}  // namespace

TEST_CASE("analyze_lm: each layer's report is the analysis functions on the routing record") {
  Fixture f;
  moe::analysis::AnalysisOptions o;
  o.max_tokens = 0;  // every token
  o.top_vocab = 3;
  auto a = moe::analysis::analyze_lm(f.model, f.tok, f.domains, o);
  REQUIRE(a.ok());
  const nlohmann::json& r = a.value().report;
  const moe::analysis::RoutingRecord& record = a.value().evaluation.routing;
  CHECK(r["domains"] == std::vector<std::string>{"prose", "code"});
  CHECK(r["tokens"] == record.tokens());
  CHECK(r["model"]["layers"] == 2);
  CHECK(r["model"]["context"] == 16);
  CHECK(r["heldout_loss"]["loss"].get<double>() == a.value().evaluation.loss);
  for (int l = 0; l < record.layers(); ++l) {
    INFO("layer " << l);
    const moe::analysis::ConsecutiveAgreement c = moe::analysis::consecutive_agreement(record, l);
    CHECK(r["consecutive_agreement"][l]["first_choice"].get<double>() == c.first_choice);
    CHECK(r["consecutive_agreement"][l]["excess_set"].get<double>() == c.excess_set);
    CHECK(r["expert_share"][l] == moe::analysis::expert_share_by_domain(record, l));
    CHECK(r["nmi"][l]["surface"].get<double>() == moe::analysis::nmi_expert_surface(record, l));
    CHECK(r["vocabulary"][l]["top"].size() == 3);
    CHECK(r["coactivation"][l]["counts"].size() == 4);
    CHECK(r["consecutive_agreement_by_domain"]["code"].size() == 2);
  }
}

TEST_CASE("analyze_lm: bad options name the field") {
  Fixture f;
  moe::analysis::AnalysisOptions o;
  o.top_vocab = 0;
  auto a = moe::analysis::analyze_lm(f.model, f.tok, f.domains, o);
  REQUIRE_FALSE(a.ok());
  CHECK(a.error().message() == "top_vocab: must be at least 1, got 0");
  o.top_vocab = 5;
  o.context = 99;  // above max_position_embeddings (16)
  auto b = moe::analysis::analyze_lm(f.model, f.tok, f.domains, o);
  REQUIRE_FALSE(b.ok());
  CHECK(b.error().where.find("context") != std::string::npos);
}
