"""Batch-1 decode of a random-weight Llama-3.2-1B-shaped LlamaForCausalLM in PyTorch eager (transformers),
the same shape kvscope's `synth --shape llama-3.2-1b` writes, with the same prompt and decode lengths as
CudaBench (prompt 16, warm-up 4, decode N). Each decode step is one forward of one token with the
DynamicCache, timed between torch.cuda.synchronize() calls, plus the greedy argmax on the GPU and
`.item()` (as CudaBench copies logits to the host and takes argmax there). Also the device-to-device copy
bandwidth (bytes read + written). usage: python3 torch_bench.py DECODE OUT.json
"""
import json
import os
import statistics
import sys
import time

import torch
import transformers
from transformers import LlamaConfig, LlamaForCausalLM

PROMPT, WARMUP = 16, 4
DEV = "cuda" if torch.cuda.is_available() else "cpu"  # cpu: rehearsal only (TINY=1 for a small shape)
TINY = os.environ.get("TINY") == "1"


def sync():
    if DEV == "cuda":
        torch.cuda.synchronize()


def copy_bandwidth():
    n = 1 << 30
    if TINY:
        n = 1 << 24
    src = torch.randint(0, 255, (n,), dtype=torch.uint8, device=DEV)
    dst = torch.empty_like(src)
    dst.copy_(src)
    sync()
    times = []
    for _ in range(10):
        sync(); t0 = time.perf_counter(); dst.copy_(src); sync()
        times.append(time.perf_counter() - t0)
    del src, dst
    return 2.0 * n / statistics.median(times)


def config():
    if TINY:
        return LlamaConfig(vocab_size=320, hidden_size=256, intermediate_size=512, num_hidden_layers=2,
                           num_attention_heads=4, num_key_value_heads=2, head_dim=64, tie_word_embeddings=False)
    # Llama-3.2-1B: the shape kvscope's ModelShape.LLAMA_3_2_1B writes (tied embeddings).
    return LlamaConfig(vocab_size=128256, hidden_size=2048, intermediate_size=8192, num_hidden_layers=16,
                       num_attention_heads=32, num_key_value_heads=8, head_dim=64, max_position_embeddings=131072,
                       rms_norm_eps=1e-5, rope_theta=500000.0, tie_word_embeddings=True,
                       rope_scaling={"rope_type": "llama3", "factor": 32.0, "low_freq_factor": 1.0,
                                     "high_freq_factor": 4.0, "original_max_position_embeddings": 8192})


def run(dtype, attn, decode):
    torch.manual_seed(0)
    cfg = config()
    cfg._attn_implementation = attn
    with torch.device(DEV):
        torch.set_default_dtype(dtype)
        model = LlamaForCausalLM(cfg)
        torch.set_default_dtype(torch.float32)
    model.eval()
    weight_bytes = sum(p.numel() * p.element_size() for p in model.parameters())
    tokens = torch.tensor([[(i * 7919 + 1) % cfg.vocab_size for i in range(PROMPT)]], device=DEV)
    steps = []
    with torch.inference_mode():
        out = model(input_ids=tokens, use_cache=True)
        past = out.past_key_values
        nxt = int(out.logits[0, -1].argmax().item())
        for i in range(WARMUP + decode):
            sync()
            t0 = time.perf_counter()
            out = model(input_ids=torch.tensor([[nxt]], device=DEV), past_key_values=past, use_cache=True)
            past = out.past_key_values
            nxt = int(out.logits[0, -1].argmax().item())
            sync()
            if i >= WARMUP:
                steps.append(time.perf_counter() - t0)
    del model, past, out
    if DEV == "cuda":
        torch.cuda.empty_cache()
    total = sum(steps)
    return {"dtype": str(dtype).replace("torch.", ""), "attn": attn, "decode_tokens": decode,
            "tokens_per_s": decode / total, "median_step_ms": 1e3 * statistics.median(steps),
            "weight_bytes_resident": weight_bytes}


def main():
    decode = int(sys.argv[1])
    bw = copy_bandwidth()
    res = {"torch": torch.__version__, "transformers": transformers.__version__,
           "gpu": torch.cuda.get_device_name(0) if DEV == "cuda" else "cpu", "copy_bandwidth_Bps": bw, "runs": []}
    print(f"torch {torch.__version__} transformers {transformers.__version__} on {res['gpu']}; "
          f"D2D copy {bw / 1e9:.0f} GB/s (read + written)", flush=True)
    for dtype in (torch.bfloat16, torch.float16):
        for attn in ("sdpa", "eager"):
            r = run(dtype, attn, decode)
            res["runs"].append(r)
            print(f"torch {r['dtype']:9s} attn={attn:5s}: {r['tokens_per_s']:.1f} tok/s "
                  f"(median step {r['median_step_ms']:.2f} ms, {decode} tokens after prompt {PROMPT})", flush=True)
    with open(sys.argv[2], "w") as f:
        json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()
