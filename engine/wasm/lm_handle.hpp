// The model and tokenizer behind a JS `Lm` object (made by createLm in lm_bindings.cpp), for the
// other binding files linked into moe_lm (lm_analysis_bindings.cpp and the like): their entry
// points take the Lm object the page already holds, so a model is loaded once and every kind of
// call reads that one. A generation in progress keeps its own cache, so a forward pass made
// through these parts leaves it intact.
#pragma once

#include <string>

#include <emscripten/val.h>

#include "moe/lm/lm_forward.hpp"
#include "moe/result.hpp"
#include "moe/text/tokenizer.hpp"

namespace moe::wasm {

struct LmParts {
  moe::lm::LmModel* model = nullptr;                // never null in a returned value
  const moe::text::Tokenizer* tokenizer = nullptr;  // null: loaded without a tokenizer.json
};

// The parts of `lm`; an error naming `field` when it is not a live (undeleted) Lm object.
moe::Result<LmParts> lm_parts(const emscripten::val& lm, const std::string& field);

}  // namespace moe::wasm
