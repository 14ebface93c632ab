"""PyTorch side of bench/finetune (Debian /usr/bin/python3 + python3-torch 1.13; no fair-esm, PEFT or
Lightning needed: the pieces of them the study's LoRA training step runs are written out below).

  model <out folder> [seed]                 random esm2_8M_shape weights as a Hugging Face folder
                                            (config.json + model.safetensors), read by both sides
  batch <assay.csv> <out.tsv> <n> [seed]    n variants of a study DMS assay (fixed seed) as
                                            "sequence<TAB>target" lines, read by both sides
  init <out.safetensors> [seed]             initial adapter and head values (PEFT's lora_A init, a
                                            non-zero lora_B = 0.02 randn so every gradient is exercised,
                                            torch's Linear/LayerNorm init for the head), read by both sides
  bench <model folder> <batch.tsv> <init.safetensors> [--threads 2] [--warmup 2] [--steps 5] [--dropout-off]
                                            times training steps; prints one JSON line (with the losses:
                                            with --dropout-off both sides must give the same ones)

The model is fair-esm's ESM-2 (esm/model/esm2.py, esm/modules.py, esm/multihead_attention.py,
esm/rotary_embedding.py @ 2b36991) in its own layout ([T, B, D] inside the blocks, q scaled
after q_proj, rotary on q and k, erf-GELU written out as fair-esm does, float softmax, pad keys
masked only when the batch has padding), with PEFT's LoRA Linear on q_proj and v_proj
(y = base(x) + B(A(dropout(x))) * alpha/r, r 4, alpha 32, dropout 0.01, base weight and bias
frozen) and SWAT's ClassificationHead (dense -> dropout 0.1 -> LayerNorm -> out_proj, reading
the <cls> row of emb_layer_norm_after's output). The step is Lightning's automatic
optimisation as SWAT configures it: forward, MSELoss(mean), zero_grad, backward,
clip_grad_norm_(1.0) over the optimiser's parameters, torch.optim.AdamW(all parameters,
lr 1e-4, weight_decay 1e-5) step, loss.item() for the log.
"""
import json
import math
import os
import resource
import struct
import sys
import time
from pathlib import Path

LAYERS, D, HEADS, FFN, VOCAB = 6, 320, 20, 1280, 33
CLS, PAD, EOS = 0, 1, 2
# fair-esm's alphabet: <cls> <pad> <eos> <unk>, then these 25 letters, then . - <null_1> <mask>.
LETTERS = "LAGVSERTIDPKQNFYMHWCXBUZO"


def write_model(out, seed=0):
    import torch
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    g = torch.Generator().manual_seed(seed)

    def normal(*shape, std=0.02, mean=0.0):
        return torch.randn(*shape, generator=g) * std + mean

    hd = D // HEADS
    t = {"esm.embeddings.word_embeddings.weight": normal(VOCAB, D, std=0.3)}
    for i in range(LAYERS):
        p = f"esm.encoder.layer.{i}."
        for name in ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"):
            t[p + name + ".weight"] = normal(D, D, std=D ** -0.5)
            t[p + name + ".bias"] = normal(D)
        t[p + "attention.self.rotary_embeddings.inv_freq"] = 1.0 / (10000 ** (torch.arange(0, hd, 2).float() / hd))
        t[p + "intermediate.dense.weight"] = normal(FFN, D, std=D ** -0.5)
        t[p + "intermediate.dense.bias"] = normal(FFN)
        t[p + "output.dense.weight"] = normal(D, FFN, std=FFN ** -0.5)
        t[p + "output.dense.bias"] = normal(D)
        for ln in ("attention.LayerNorm", "LayerNorm"):
            t[p + ln + ".weight"] = normal(D, std=0.1, mean=1.0)
            t[p + ln + ".bias"] = normal(D, std=0.1)
    t["esm.encoder.emb_layer_norm_after.weight"] = normal(D, std=0.1, mean=1.0)
    t["esm.encoder.emb_layer_norm_after.bias"] = normal(D, std=0.1)
    write_safetensors(out / "model.safetensors", t)
    config = {"architectures": ["EsmForMaskedLM"], "model_type": "esm", "hidden_size": D, "num_hidden_layers": LAYERS,
              "num_attention_heads": HEADS, "intermediate_size": FFN, "vocab_size": VOCAB, "hidden_act": "gelu",
              "layer_norm_eps": 1e-5, "emb_layer_norm_before": False, "position_embedding_type": "rotary",
              "token_dropout": True, "mask_token_id": 32, "pad_token_id": PAD, "max_position_embeddings": 1026,
              "attention_probs_dropout_prob": 0.0, "hidden_dropout_prob": 0.0, "torch_dtype": "float32"}
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    print(f"{out}: {sum(x.numel() for x in t.values())} parameters, seed {seed}")


def write_batch(csv_path, out, n, seed=0):
    import csv
    import numpy as np
    with open(csv_path, newline="") as f:
        rows = list(csv.DictReader(f))
    pick = np.random.RandomState(seed).choice(len(rows), size=n, replace=False)
    with open(out, "w") as f:
        for i in pick:
            f.write(f"{rows[i]['sequence']}\t{float(rows[i]['target'])!r}\n")
    lengths = sorted({len(rows[i]["sequence"]) for i in pick})
    print(f"{out}: {n} variants of {Path(csv_path).stem} (rows {sorted(int(i) for i in pick)}), lengths {lengths}")


def write_safetensors(path, t):
    header, offset, blobs = {}, 0, []
    for key in sorted(t):
        data = t[key].contiguous().float().numpy().tobytes()
        header[key] = {"dtype": "F32", "shape": list(t[key].shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    Path(path).write_bytes(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def write_init(out, seed=0):
    import torch
    g = torch.Generator().manual_seed(seed)
    bound = D ** -0.5
    t = {}
    for i in range(LAYERS):
        for proj in ("q_proj", "v_proj"):
            p = f"layers.{i}.self_attn.{proj}."
            t[p + "lora_A.weight"] = (torch.rand(4, D, generator=g) * 2 - 1) * bound
            t[p + "lora_B.weight"] = 0.02 * torch.randn(D, 4, generator=g)
    t["head.dense.weight"] = (torch.rand(D, D, generator=g) * 2 - 1) * bound
    t["head.dense.bias"] = (torch.rand(D, generator=g) * 2 - 1) * bound
    t["head.layer_norm.weight"] = torch.ones(D)
    t["head.layer_norm.bias"] = torch.zeros(D)
    t["head.out_proj.weight"] = (torch.rand(1, D, generator=g) * 2 - 1) * bound
    t["head.out_proj.bias"] = (torch.rand(1, generator=g) * 2 - 1) * bound
    write_safetensors(out, t)
    print(f"{out}: {sum(x.numel() for x in t.values())} trainable values, seed {seed}")


def read_safetensors(path):
    import numpy as np
    import torch
    data = Path(path).read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    return {k: torch.from_numpy(np.frombuffer(data[8 + n + e["data_offsets"][0]:8 + n + e["data_offsets"][1]],
                                              dtype=np.float32).reshape(e["shape"]).copy())
            for k, e in header.items() if k != "__metadata__"}


def build(folder, lora_dropout, head_dropout):
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    def gelu(x):  # fair-esm's esm.modules.gelu
        return x * 0.5 * (1.0 + torch.erf(x / math.sqrt(2.0)))

    def rotate_half(x):
        x1, x2 = x.chunk(2, dim=-1)
        return torch.cat((-x2, x1), dim=-1)

    class RotaryEmbedding(nn.Module):  # esm/rotary_embedding.py
        def __init__(self, dim):
            super().__init__()
            self.register_buffer("inv_freq", 1.0 / (10000 ** (torch.arange(0, dim, 2).float() / dim)))
            self._seq_len_cached, self._cos_cached, self._sin_cached = None, None, None

        def _update_cos_sin_tables(self, x, seq_dimension=1):
            seq_len = x.shape[seq_dimension]
            if seq_len != self._seq_len_cached or self._cos_cached.device != x.device:
                self._seq_len_cached = seq_len
                t = torch.arange(x.shape[seq_dimension], device=x.device).type_as(self.inv_freq)
                freqs = torch.einsum("i,j->ij", t, self.inv_freq)
                emb = torch.cat((freqs, freqs), dim=-1).to(x.device)
                self._cos_cached = emb.cos()[None, :, :]
                self._sin_cached = emb.sin()[None, :, :]
            return self._cos_cached, self._sin_cached

        def forward(self, q, k):
            cos, sin = self._update_cos_sin_tables(k, seq_dimension=-2)
            cos, sin = cos[:, : q.shape[-2], :], sin[:, : q.shape[-2], :]
            return q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin

    class LoraLinear(nn.Module):  # PEFT's LoRA Linear (bias="none": base weight and bias frozen)
        def __init__(self, base, r=4, alpha=32, dropout=0.01):
            super().__init__()
            self.base_layer = base
            self.lora_dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
            self.lora_A = nn.Linear(base.in_features, r, bias=False)
            self.lora_B = nn.Linear(r, base.out_features, bias=False)
            nn.init.kaiming_uniform_(self.lora_A.weight, a=math.sqrt(5))
            nn.init.zeros_(self.lora_B.weight)
            self.scaling = alpha / r

        def forward(self, x):
            return self.base_layer(x) + self.lora_B(self.lora_A(self.lora_dropout(x))) * self.scaling

    class MultiheadAttention(nn.Module):  # esm/multihead_attention.py, the path ESM-2 takes (rotary on)
        def __init__(self):
            super().__init__()
            self.head_dim = D // HEADS
            self.scaling = self.head_dim ** -0.5
            self.k_proj, self.v_proj, self.q_proj, self.out_proj = (nn.Linear(D, D) for _ in range(4))
            self.rot_emb = RotaryEmbedding(self.head_dim)

        def forward(self, query, key_padding_mask):
            tgt_len, bsz, _ = query.size()
            q = self.q_proj(query)
            k = self.k_proj(query)
            v = self.v_proj(query)
            q *= self.scaling
            q = q.contiguous().view(tgt_len, bsz * HEADS, self.head_dim).transpose(0, 1)
            k = k.contiguous().view(-1, bsz * HEADS, self.head_dim).transpose(0, 1)
            v = v.contiguous().view(-1, bsz * HEADS, self.head_dim).transpose(0, 1)
            src_len = k.size(1)
            q, k = self.rot_emb(q, k)
            attn_weights = torch.bmm(q, k.transpose(1, 2))
            if key_padding_mask is not None:
                attn_weights = attn_weights.view(bsz, HEADS, tgt_len, src_len)
                attn_weights = attn_weights.masked_fill(key_padding_mask.unsqueeze(1).unsqueeze(2).to(torch.bool), float("-inf"))
                attn_weights = attn_weights.view(bsz * HEADS, tgt_len, src_len)
            attn_weights_float = F.softmax(attn_weights, dim=-1, dtype=torch.float32)
            attn_probs = F.dropout(attn_weights_float.type_as(attn_weights), p=0.0, training=self.training)
            attn = torch.bmm(attn_probs, v)
            attn = attn.transpose(0, 1).contiguous().view(tgt_len, bsz, D)
            return self.out_proj(attn)

    class TransformerLayer(nn.Module):  # esm/modules.py, pre-LayerNorm
        def __init__(self):
            super().__init__()
            self.self_attn = MultiheadAttention()
            self.self_attn_layer_norm = nn.LayerNorm(D)
            self.fc1, self.fc2 = nn.Linear(D, FFN), nn.Linear(FFN, D)
            self.final_layer_norm = nn.LayerNorm(D)

        def forward(self, x, padding_mask):
            residual = x
            x = self.self_attn_layer_norm(x)
            x = self.self_attn(x, padding_mask)
            x = residual + x
            residual = x
            x = self.final_layer_norm(x)
            x = gelu(self.fc1(x))
            x = self.fc2(x)
            return residual + x

    class ClassificationHead(nn.Module):  # SWAT scripts/ESM2ne_Lora.py
        def __init__(self, dropout):
            super().__init__()
            self.dense = nn.Linear(D, D)
            self.dropout = nn.Dropout(dropout)
            self.layer_norm = nn.LayerNorm(D)
            self.out_proj = nn.Linear(D, 1)

        def forward(self, features):
            x = features[:, 0, :]
            return self.out_proj(self.layer_norm(self.dropout(self.dense(x))))

    class ESM2(nn.Module):  # esm/model/esm2.py (token dropout on, no masks in the input)
        def __init__(self):
            super().__init__()
            self.embed_tokens = nn.Embedding(VOCAB, D, padding_idx=PAD)
            self.layers = nn.ModuleList(TransformerLayer() for _ in range(LAYERS))
            self.emb_layer_norm_after = nn.LayerNorm(D)
            self.lm_head = None

        def forward(self, tokens):
            padding_mask = tokens.eq(PAD)
            x = self.embed_tokens(tokens)
            x.masked_fill_((tokens == 32).unsqueeze(-1), 0.0)
            mask_ratio_train = 0.15 * 0.8
            src_lengths = (~padding_mask).sum(-1)
            mask_ratio_observed = (tokens == 32).sum(-1).to(x.dtype) / src_lengths
            x = x * (1 - mask_ratio_train) / (1 - mask_ratio_observed)[:, None, None]
            x = x * (1 - padding_mask.unsqueeze(-1).type_as(x))
            x = x.transpose(0, 1)
            if not padding_mask.any():
                padding_mask = None
            for layer in self.layers:
                x = layer(x, padding_mask)
            x = self.emb_layer_norm_after(x)
            x = x.transpose(0, 1)
            return {"logits": self.lm_head(x)}

    hf = read_safetensors(Path(folder) / "model.safetensors")
    model = ESM2()
    state = {"embed_tokens.weight": hf["esm.embeddings.word_embeddings.weight"],
             "emb_layer_norm_after.weight": hf["esm.encoder.emb_layer_norm_after.weight"],
             "emb_layer_norm_after.bias": hf["esm.encoder.emb_layer_norm_after.bias"]}
    names = {"attention.self.query": "self_attn.q_proj", "attention.self.key": "self_attn.k_proj",
             "attention.self.value": "self_attn.v_proj", "attention.output.dense": "self_attn.out_proj",
             "attention.LayerNorm": "self_attn_layer_norm", "intermediate.dense": "fc1", "output.dense": "fc2",
             "LayerNorm": "final_layer_norm"}
    for i in range(LAYERS):
        for hf_name, fair in names.items():
            for w in ("weight", "bias"):
                state[f"layers.{i}.{fair}.{w}"] = hf[f"esm.encoder.layer.{i}.{hf_name}.{w}"]
        state[f"layers.{i}.self_attn.rot_emb.inv_freq"] = hf[f"esm.encoder.layer.{i}.attention.self.rotary_embeddings.inv_freq"]
    model.load_state_dict(state, strict=True)
    # SWAT: lm_head = ClassificationHead; get_peft_model freezes everything, wraps the targets; the head is unfrozen again.
    torch.manual_seed(0)
    model.lm_head = ClassificationHead(head_dropout)
    for p in model.parameters():
        p.requires_grad_(False)
    for layer in model.layers:
        layer.self_attn.q_proj = LoraLinear(layer.self_attn.q_proj, dropout=lora_dropout)
        layer.self_attn.v_proj = LoraLinear(layer.self_attn.v_proj, dropout=lora_dropout)
    for p in model.lm_head.parameters():
        p.requires_grad_(True)
    return model


def bench(folder, batch, init, threads=2, warmup=2, steps=5, dropout_off=False):
    import torch
    torch.set_num_threads(threads)
    config = torch.__config__.show()
    lines = [l.split("\t") for l in Path(batch).read_text().splitlines() if l]
    seqs, targets = [l[0] for l in lines], [float(l[1]) for l in lines]
    index = {c: i for i, c in enumerate(["<cls>", "<pad>", "<eos>", "<unk>"] + list(LETTERS))}
    longest = max(map(len, seqs))
    tokens = torch.full((len(seqs), longest + 2), PAD, dtype=torch.int64)
    for r, s in enumerate(seqs):
        tokens[r, 0] = CLS
        tokens[r, 1:len(s) + 1] = torch.tensor([index[c] for c in s])
        tokens[r, len(s) + 1] = EOS
    y = torch.tensor(targets, dtype=torch.float32).unsqueeze(1)
    model = build(folder, 0.0 if dropout_off else 0.01, 0.0 if dropout_off else 0.1)
    values = {("lm_" + k if k.startswith("head.") else k): v for k, v in read_safetensors(init).items()}
    missing = model.load_state_dict(values, strict=False)
    assert not missing.unexpected_keys, missing.unexpected_keys
    assert {n for n, p in model.named_parameters() if p.requires_grad} == set(values), "trainable tensors differ from the init file"
    model.train()
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=1e-5)
    mse = torch.nn.MSELoss()
    times, losses = [], []
    for step in range(warmup + steps):
        start = time.perf_counter()
        preds = model(tokens)["logits"]
        loss = mse(preds, y)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trainable, 1.0)
        optimizer.step()
        losses.append(loss.item())
        elapsed = time.perf_counter() - start
        if step >= warmup:
            times.append(elapsed)
    n_tokens = tokens.numel()
    median = sorted(times)[len(times) // 2] if len(times) % 2 else sum(sorted(times)[len(times) // 2 - 1:len(times) // 2 + 1]) / 2
    print(json.dumps({
        "side": "pytorch", "torch": torch.__version__, "threads": torch.get_num_threads(),
        "blas": "openblas" if "BLAS_INFO=generic" in config and "openblas" in os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3") else "other",
        "tokens_shape": list(tokens.shape), "tokens": n_tokens, "padding": int(tokens.eq(PAD).sum()),
        "trainable": sum(p.numel() for p in trainable), "steps_s": [round(t, 4) for t in times],
        "median_s": median, "tokens_per_s": n_tokens / median, "best_s": min(times), "losses": losses,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "model":
        write_model(args[0], int(args[1]) if len(args) > 1 else 0)
    elif cmd == "batch":
        write_batch(args[0], args[1], int(args[2]), int(args[3]) if len(args) > 3 else 0)
    elif cmd == "init":
        write_init(args[0], int(args[1]) if len(args) > 1 else 0)
    elif cmd == "bench":
        opts = {"--threads": 2, "--warmup": 2, "--steps": 5}
        rest = args[3:]
        off = "--dropout-off" in rest
        rest = [a for a in rest if a != "--dropout-off"]
        for k, v in zip(rest[::2], rest[1::2]):
            opts[k] = int(v)
        bench(args[0], args[1], args[2], opts["--threads"], opts["--warmup"], opts["--steps"], off)
    else:
        raise SystemExit(__doc__)
