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

/** What to switch off while evaluating. With none of these, the model as trained. */
export interface LmEvalOptions {
  /** Experts switched off: ids (in every layer) or [layer, expert] pairs. The router re-picks from the rest. */
  experts_off?: number[] | [layer: number, expert: number][];
  /** m: each token's m first choices are excluded and the router re-picks its k from the rest. */
  mask_top_ranks?: number;
  /** Predicted tokens per text, rounded up to whole windows of C (the held-out loss reads windows
   * at 0, C, 2C, … as the trainer does; a text shorter than one window is one window of its own
   * length); 0 or absent = the whole text. */
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

// ---- lmAnalyze (engine/wasm/lm_analysis_bindings.cpp, moe/analysis/analysis_report.hpp): the
// routing analyses of the MoE papers on named texts, the numbers `moe lm analyze` prints.

/** One named text (a "domain": a held-out split, or the learner's own text); the evaluations and
 * analyses group its tokens under `name`. */
export interface LmNamedText {
  name: string; // 1..64 characters, distinct
  text: string;
}

/** As `moe lm analyze`'s flags. */
export interface LmAnalyzeOptions {
  max_tokens?: number; // 4096; predicted tokens per text (rounded up to whole windows), 0 = all
  context?: number; // 0 = max_position_embeddings; window length
  top_vocab?: number; // 20; rows of vocabulary[l].top
}

/** Consecutive-token agreement in one layer (Mixtral, Jiang et al. 2024, Table 5), with its yardsticks. */
export interface LmAgreement {
  pairs: number; // P, consecutive pairs inside one window
  first_choice: number; // share of pairs whose first choice is the same expert
  first_or_second: number; // share of pairs whose top-k sets intersect
  uniform_first: number; // 1/E
  uniform_set: number; // 1 − C(E−k,k)/C(E,k)
  chance_first: number; // Σ_e p_e², p_e the layer's own first-choice shares
  chance_set: number; // the same for top-k sets, from the layer's own set frequencies
  excess_first: number; // first_choice − chance_first
  excess_set: number; // first_or_second − chance_set
}

/** OLMoE's vocabulary specialisation in one layer. */
export interface LmVocabulary {
  mean: number; // token-weighted mean of max_e N_{x,e} / N_x, in [1/E, 1]
  distinct_ids: number;
  top: { id: number; piece: string; count: number; expert: number; share: number }[]; // most frequent first
}

export interface LmAnalysis {
  model: { layers: number; experts: number; top_k: number; vocab_size: number; context: number };
  domains: string[]; // [D] the texts' names, in the order given
  tokens: number; // N, tokens routed
  heldout_loss: { domains: { name: string; loss: number; tokens: number }[]; loss: number };
  consecutive_agreement: LmAgreement[]; // [L] over all texts
  consecutive_agreement_by_domain: Record<string, LmAgreement[]>; // [name][L], each text against its own loads
  expert_share: number[][][]; // [L][D][E] share of the text's tokens with e in their top-k (sums to k)
  vocabulary: LmVocabulary[]; // [L]
  coactivation: { counts: number[][]; given: number[][] }[]; // [L] [E, E]
  nmi: { domain: number; surface: number }[]; // [L] first choice vs text, vs surface class
  surface_classes: { names: string[]; counts: number[] };
}

// ---- Training a small language model in the page (lm-train-core.ts, engine/wasm/lm_train_bindings.cpp).

/**
 * The training fields of a TRAIN.json (engine/README.md, "Training the language model"; the same
 * names and ranges as `moe lm train`), plus train_bytes and eval_windows. Absent fields take the
 * engine's defaults.
 */
export interface LmTrainRecipe {
  /** MixtralConfig fields without vocab_size (the tokenizer's) and router_aux_loss_coef (balancing.switch_aux). */
  model: {
    hidden_size: number;
    intermediate_size: number;
    num_hidden_layers: number;
    num_attention_heads: number;
    num_key_value_heads: number;
    num_local_experts: number;
    num_experts_per_tok: number;
    max_position_embeddings: number;
    rope_theta?: number;
    rms_norm_eps?: number;
    /** DeepSeek-V3's always-on expert(s), each intermediate_size wide; 0 or absent = none. */
    n_shared_experts?: number;
    /** sigmoid_grouped_topk_bias: expert groups, and how many of them each token may use. */
    n_group?: number;
    topk_group?: number;
    norm_topk_prob?: boolean;
    routed_scaling_factor?: number;
    /** Where sampling stops; absent = the tokenizer's <|endoftext|>. */
    eos_token_id?: number;
  };
  /** 'softmax_topk_renorm' (Mixtral, the default), 'softmax_topk', 'sigmoid_grouped_topk_bias',
   * 'softmax_top1_capacity' (Switch) or 'topk_capacity'. */
  router_kind?: string;
  /** The capacity routers' capacity factor (engine/README.md). */
  capacity_factor?: number;
  /** switch_aux: α of the Switch loss; bias_gamma: the loss-free bias step γ; 0 or absent = off. */
  balancing?: { switch_aux?: number; z_loss?: number; seq_aux?: number; bias_gamma?: number };
  batch?: number;
  seq_len?: number;
  steps: number;
  warmup?: number;
  lr?: number;
  min_lr?: number;
  weight_decay?: number;
  clip?: number;
  beta1?: number;
  beta2?: number;
  seed?: number;
  threads?: number;
  train_bytes?: number; // bytes of each training text used (0 = all), as `moe lm train` cuts train.txt
  eval_windows?: number; // held-out windows per domain for lmTrainHeldout (default 8)
}

/** The text a run trains on, one entry per domain in the same order, and the tokenizer.json text. */
export interface LmTrainTexts {
  tokenizer: string;
  domains: string[]; // [D] names
  train: string[]; // [D]
  heldout: string[]; // [D]
}

/** A started run: its id for later calls and its sizes. */
export interface LmTrainerInfo {
  id: number;
  steps: number;
  step: number;
  layers: number; // L
  experts: number; // E
  top_k: number; // k
  seq_len: number;
  batch: number;
  vocab_size: number;
  max_position_embeddings: number;
  params: number;
  active_params: number;
  train_tokens: number;
  heldout_tokens: Int32Array; // [D]
  routing_tokens: number; // tokens whose routing lmTrainRecordRouting keeps
  domains: string[]; // [D]
}

/** What n more steps did. */
export interface LmTrainChunk {
  step: number; // steps done after this chunk
  done: boolean;
  loss: Float64Array; // [n] mean next-token loss of each step's batch (before its update), nats
  aux: Float64Array; // [n] the weighted balancing terms
  lr: Float32Array; // [n]
  expert_load: Int32Array; // [n, L, E] (token, slot) assignments of each step's batch
  load_cv: Float64Array; // [n, L] std / mean of each layer's load (population)
  max_share: Float64Array; // [n, L] the busiest expert's share of the layer's assignments
  dead_experts: Int32Array; // [n, L] experts with under 1% of the layer's assignments
}

/** Router saturation (OLMoE) of each recorded step against the model as it is now. */
export interface LmTrainSaturation {
  steps: Int32Array; // [S]
  per_layer: Float64Array; // [S, L] share of top-k choices that are the current model's, in [0, 1]
  mean: Float64Array; // [S]
}

/** The text the model being trained writes after a prompt. */
export interface LmTrainText {
  prompt_tokens: number;
  ids: Int32Array; // [n]
  text: string; // the new tokens' bytes as UTF-8
}
