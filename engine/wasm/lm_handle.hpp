// The loaded language model behind a JS `Lm` object (lm_bindings.cpp), for the other
// lm_*_bindings.cpp files of the moe_lm module: their entry points take that object as their
// first argument and reach its model and tokenizer through lm_parts.
#pragma once

#include <optional>

#include <emscripten/val.h>

#include "moe/lm/lm_forward.hpp"
#include "moe/text/tokenizer.hpp"

namespace moe::wasm {

struct LmParts {
  lm::LmModel* model;                // never null
  const text::Tokenizer* tokenizer;  // null when the model was loaded without tokenizer.json
};

// The model and tokenizer of `lm`, or nullopt when it is null or undefined. An object of another
// class, or an Lm already deleted, makes embind throw a JS error that names the Lm type.
std::optional<LmParts> lm_parts(const emscripten::val& lm);

}  // namespace moe::wasm
