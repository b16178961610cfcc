// The language model's side of the engine facade (engine/include/moe/lm, engine/wasm/lm_bindings.cpp).
// A model folder is loaded once into the worker and named by an id; every later call names it.
// Arrays are copies (safe to keep and to post between threads); layouts are row-major.

/** The files of a model folder, read by the page (model-folder.ts fetches them). */
export interface LmFiles {
  /** config.json text (Hugging Face MixtralConfig field names). */
  config: string;
  /** model.safetensors bytes. */
  safetensors: Uint8Array;
  /** tokenizer.json text (Hugging Face tokenizers format); without it the model takes token ids only. */
  tokenizer?: string;
}

/** A loaded model: its id for later calls, and the sizes its config.json gives. */
export interface LmInfo {
  id: number;
  vocab_size: number; // V
  hidden_size: number; // d
  intermediate_size: number; // d_ff per expert
  num_hidden_layers: number; // L
  num_attention_heads: number;
  num_key_value_heads: number;
  head_dim: number;
  num_local_experts: number; // E
  num_experts_per_tok: number; // k
  max_position_embeddings: number; // the context: prompt + generated tokens
  total_params: number; // every parameter (lm_head counted unless tied)
  active_params: number; // the parameters one token passes through: k of E experts per layer, all else
  tokenizer_vocab_size: number; // 0 when loaded without tokenizer.json
}

/** The router's view of T tokens of one sequence, in every layer. */
export interface LmRouting {
  tokens: number; // T
  layers: number; // L
  experts: number; // E
  top_k: number; // k
  router_logits: Float32Array; // [L, T, E]
  router_probs: Float32Array; // [L, T, E] softmax over all E experts
  topk_ids: Int32Array; // [L, T, k] chosen experts, most probable first
  topk_weights: Float32Array; // [L, T, k] their gates, renormalised to sum to 1
}

/** Text as the model's tokens. */
export interface LmTokens {
  ids: Int32Array; // [T]
  /** [T] each token's text; a token holding part of a UTF-8 character shows U+FFFD. */
  pieces: string[];
}

/** Token ids back to text. */
export interface LmText {
  text: string; // the tokens' bytes joined, as UTF-8
  pieces: string[]; // [T] as in LmTokens
}

/** One forward pass over a sequence: its routing and how well the model predicts each next token. */
export interface LmTrace {
  routing: LmRouting;
  /** [T - 1] nll[t] = −log p(ids[t+1] | ids[0..t]) in nats. */
  nll: Float32Array;
  loss: number; // mean of nll (0 for a single token)
  aux_loss: number; // the Mixtral load-balancing loss over the rows of all layers
}

/** How generation picks each token. Greedy (the default) takes the most likely one, exactly. */
export interface LmGenerateOptions {
  greedy?: boolean; // true
  seed?: number; // 0; whole number, 0 .. 2^53 - 1
  temperature?: number; // 1; > 0
  top_p?: number; // 1; in (0, 1]
  max_new_tokens?: number; // 16; prompt + new tokens ≤ max_position_embeddings
}

/** A started generation: the prompt's routing. */
export interface LmGenerateStart {
  routing: LmRouting; // over the prompt's tokens
  position: number; // the prompt's length: where the first new token goes
}

/** The next tokens of a generation, each with its routing. */
export interface LmGenerated {
  ids: Int32Array; // [n] the new tokens, in order
  pieces: string[] | null; // [n] their text; null when the model has no tokenizer
  routing: LmRouting; // over these n tokens
  generated: number; // new tokens so far
  position: number; // where the next token goes
  done: boolean; // max_new_tokens reached
}

// ---- Held-out evaluation (lmEval, engine/wasm/lm_eval_bindings.cpp)

/** One named text to evaluate (a "domain": a held-out split, or the learner's own text). */
export interface LmEvalText {
  name: string;
  text: string;
}

/** What to switch off while evaluating. With none of these, the model as trained. */
export interface LmEvalOptions {
  /** Experts switched off: ids (in every layer) or [layer, expert] pairs. The router re-picks from the rest. */
  experts_off?: number[] | [layer: number, expert: number][];
  /** m: each token's m first choices are excluded and the router re-picks its k from the rest. */
  mask_top_ranks?: number;
  /** Predicted tokens per text; 0 or absent = the whole text. */
  max_tokens?: number;
  /** Window length C (≤ max_position_embeddings, the default). */
  context?: number;
  /** Also run DeepSeekMoE's masking study: top-1 masked, and each expert off in every layer (E + 1 more runs). */
  masking_study?: boolean;
}

/** Mean next-token NLL in nats per text and over all texts' tokens. */
export interface LmLosses {
  domains: { name: string; loss: number; tokens: number }[]; // [D], in the order given
  loss: number; // token-weighted over all texts
}

/** lmEval's answer: the losses under the options' masks (if any). */
export interface LmEvaluation extends LmLosses {
  context: number; // C used
  /** With masking_study: the losses with each token's first choice masked, and with expert e off (index e). */
  masking?: { top1_masked: LmLosses; expert_off: LmLosses[] };
}

/** lmGenerateMasked's options: the masks of LmEvalOptions, and how many tokens to add (default 16). */
export interface LmMaskedGenerateOptions {
  experts_off?: LmEvalOptions['experts_off'];
  mask_top_ranks?: number;
  max_new_tokens?: number;
}

/** A greedy continuation: the new ids, their text, and the text of each. */
export interface LmContinuation {
  ids: Int32Array; // [n]
  text: string;
  pieces: string[]; // [n]
}
