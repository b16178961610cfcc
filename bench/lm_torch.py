"""PyTorch CPU training of the bench's language model: the peer of `moe lm train` in bench/run.mjs.

The same model as engine/include/moe/lm (Hugging Face MixtralForCausalLM math), written out here
in plain torch ops: embedding; per layer RMSNorm, attention with RoPE (rotate_half) and grouped
query heads, residual, RMSNorm, softmax router over all experts with top-k renormalised gates,
SwiGLU experts w2(silu(w1 x) * w3 x) run on their own tokens only, residual; final RMSNorm and
lm_head. Loss: next-token cross-entropy + switch_aux * Switch load-balancing loss + z_loss *
router z-loss, per layer. AdamW (betas 0.9 / 0.95), global-norm clipping at 1.

Starts from the weights in MODEL_DIR (config.json + model.safetensors, F32 or F16), trains on
windows of TOKENS.json (a JSON array of ids) and prints one JSON line per thread count:
{"threads", "step_seconds": [...], "losses": [...], "torch", "blas"}.

  python3 bench/lm_torch.py MODEL_DIR TOKENS.json --batch 16 --seq-len 128 --steps 6 --threads 1,2
"""

import argparse
import json
import math
import struct
import time

import numpy as np
import torch
import torch.nn.functional as F


def read_safetensors(path):
    data = open(path, "rb").read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8 : 8 + n])
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        dtype = {"F32": np.float32, "F16": np.float16}[t["dtype"]]
        begin, end = t["data_offsets"]
        count = (end - begin) // np.dtype(dtype).itemsize
        a = np.frombuffer(data, dtype=dtype, count=count, offset=8 + n + begin)
        out[name] = torch.from_numpy(a.astype(np.float32).reshape(t["shape"]))
    return out


def rmsnorm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rotate_half(x):
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)


def loss_fn(p, c, ids, targets, switch_aux, z_coef):
    """Mean next-token loss + the weighted aux terms. ids, targets [B, T]."""
    B, T = ids.shape
    d, H, KV = c["hidden_size"], c["num_attention_heads"], c["num_key_value_heads"]
    hd = c.get("head_dim") or d // H
    E, k, eps = c["num_local_experts"], c["num_experts_per_tok"], c["rms_norm_eps"]
    inv_freq = 1.0 / (c["rope_theta"] ** (torch.arange(0, hd, 2, dtype=torch.float32) / hd))
    ang = torch.arange(T, dtype=torch.float32)[:, None] * inv_freq[None, :]
    ang = torch.cat((ang, ang), dim=-1)  # [T, hd]
    cos, sin = ang.cos(), ang.sin()
    causal = torch.ones(T, T, dtype=torch.bool).triu(1)
    x = p["model.embed_tokens.weight"][ids]  # [B, T, d]
    aux = x.new_zeros(())
    for layer in range(c["num_hidden_layers"]):
        w = lambda name: p[f"model.layers.{layer}.{name}"]
        h = rmsnorm(x, w("input_layernorm.weight"), eps)
        q = (h @ w("self_attn.q_proj.weight").T).view(B, T, H, hd).transpose(1, 2)
        kk = (h @ w("self_attn.k_proj.weight").T).view(B, T, KV, hd).transpose(1, 2)
        v = (h @ w("self_attn.v_proj.weight").T).view(B, T, KV, hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        kk = kk * cos + rotate_half(kk) * sin
        kk = kk.repeat_interleave(H // KV, dim=1)
        v = v.repeat_interleave(H // KV, dim=1)
        s = (q @ kk.transpose(-1, -2)) / math.sqrt(hd)  # [B, H, T, T]
        a = s.masked_fill(causal, float("-inf")).softmax(-1) @ v
        x = x + a.transpose(1, 2).reshape(B, T, H * hd) @ w("self_attn.o_proj.weight").T
        m = rmsnorm(x, w("post_attention_layernorm.weight"), eps).reshape(B * T, d)
        router_logits = m @ w("block_sparse_moe.gate.weight").T  # [N, E]
        probs = router_logits.softmax(-1)
        gates, chosen = probs.topk(k, dim=-1)
        gates = gates / gates.sum(-1, keepdim=True)
        out = torch.zeros_like(m)
        for e in range(E):
            rows, slot = torch.where(chosen == e)
            if rows.numel() == 0:
                continue
            xe = m[rows]
            ex = lambda n: w(f"block_sparse_moe.experts.{e}.{n}.weight")
            ye = (F.silu(xe @ ex("w1").T) * (xe @ ex("w3").T)) @ ex("w2").T
            out = out.index_add(0, rows, ye * gates[rows, slot, None])
        x = x + out.view(B, T, d)
        load = F.one_hot(chosen, E).float().sum(1).mean(0)  # [E] share of tokens (× k)
        aux = aux + switch_aux * E * (load / k * probs.mean(0)).sum()
        aux = aux + z_coef * torch.logsumexp(router_logits, -1).pow(2).mean()
    logits = rmsnorm(x, p["model.norm.weight"], eps) @ p["lm_head.weight"].T
    return F.cross_entropy(logits.view(-1, logits.shape[-1]), targets.reshape(-1)) + aux


def loaded_blas():
    libs = set()
    for line in open("/proc/self/maps"):
        path = line.split()[-1] if len(line.split()) >= 6 else ""
        if "blas" in path or "lapack" in path:
            libs.add(path)
    return sorted(libs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model_dir")
    ap.add_argument("tokens")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--seq-len", type=int, default=128)
    ap.add_argument("--steps", type=int, default=6)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--weight-decay", type=float, default=0.1)
    ap.add_argument("--switch-aux", type=float, default=0.01)
    ap.add_argument("--z-loss", type=float, default=0.001)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    config = json.load(open(f"{a.model_dir}/config.json"))
    initial = read_safetensors(f"{a.model_dir}/model.safetensors")
    tokens = torch.tensor(json.load(open(a.tokens)), dtype=torch.long)
    T = a.seq_len
    for threads in [int(t) for t in a.threads.split(",")]:
        torch.set_num_threads(threads)
        torch.manual_seed(a.seed)
        rng = np.random.default_rng(a.seed)
        params = {n: t.clone().requires_grad_(True) for n, t in initial.items()}
        opt = torch.optim.AdamW(params.values(), lr=a.lr, betas=(0.9, 0.95), weight_decay=a.weight_decay)
        seconds, losses = [], []
        for _ in range(a.steps):
            starts = torch.from_numpy(rng.integers(0, len(tokens) - T - 1, a.batch))
            windows = tokens[starts[:, None] + torch.arange(T + 1)[None, :]]  # [B, T + 1]
            t0 = time.perf_counter()
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(params, config, windows[:, :-1], windows[:, 1:], a.switch_aux, a.z_loss)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params.values(), 1.0)
            opt.step()
            seconds.append(time.perf_counter() - t0)
            losses.append(float(loss))
        print(json.dumps({"threads": threads, "step_seconds": seconds, "losses": losses,
                          "torch": torch.__version__, "blas": loaded_blas()}), flush=True)


if __name__ == "__main__":
    main()
