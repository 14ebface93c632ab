"""Helpers for bench/embed/run.sh (Debian /usr/bin/python3 + python3-torch; no fair-esm code here).

  convert <hf folder> <out.pt>      HF ESM-2 safetensors folder -> fair-esm checkpoint (+ -contact-regression.pt)
  fasta <in.fasta> <out.fasta> <n>  the input repeated n times (ids suffixed _r<i>)
  tokens <fasta> <max residues>     tokens extract.py feeds the model: sum(min(L, max) + 2)
  params <hf folder>                encoder parameters (no lm_head / contact_head)
  dms-fasta <assay.csv> <out.fasta> <n>   the first n variants of a study DMS assay (ID, sequence columns) as FASTA
  manifest-seconds <embed.manifest.json>  embedding seconds plmkit measured (after start-up and model loading)
  matmul <threads>                  python torch fp32 1024^3 matmul GFLOP per wall second and per CPU second
  cosine <a.csv> <b.csv>            min / mean cosine between matching rows of two plmkit CSVs
  compare <a.csv> <b.csv>           max abs difference (and the id and column where it is), min cosine of matching rows
  json <file.json> <key>            one field of a JSON file (reference_families.py's reference.json)
  extract-rss <time -v output>      prints wall seconds, max RSS MiB and CPU seconds (user+sys) from /usr/bin/time -v
"""
import json
import re
import struct
import sys
import time
from argparse import Namespace
from pathlib import Path


def read_safetensors(path):
    import numpy as np
    import torch
    data = Path(path).read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for key, entry in header.items():
        if key == "__metadata__":
            continue
        assert entry["dtype"] == "F32", entry
        a, b = entry["data_offsets"]
        out[key] = torch.from_numpy(np.frombuffer(data[base + a:base + b], dtype=np.float32).reshape(entry["shape"]).copy())
    return out


# Hugging Face EsmForMaskedLM names -> fair-esm ESM2 names (the inverse of the table in
# ../shared/golden/README.md).
RULES = [
    (r"^esm\.embeddings\.word_embeddings\.weight$", "embed_tokens.weight"),
    (r"^esm\.encoder\.layer\.(\d+)\.attention\.self\.query\.", r"layers.\1.self_attn.q_proj."),
    (r"^esm\.encoder\.layer\.(\d+)\.attention\.self\.key\.", r"layers.\1.self_attn.k_proj."),
    (r"^esm\.encoder\.layer\.(\d+)\.attention\.self\.value\.", r"layers.\1.self_attn.v_proj."),
    (r"^esm\.encoder\.layer\.(\d+)\.attention\.self\.rotary_embeddings\.inv_freq$", r"layers.\1.self_attn.rot_emb.inv_freq"),
    (r"^esm\.encoder\.layer\.(\d+)\.attention\.output\.dense\.", r"layers.\1.self_attn.out_proj."),
    (r"^esm\.encoder\.layer\.(\d+)\.attention\.LayerNorm\.", r"layers.\1.self_attn_layer_norm."),
    (r"^esm\.encoder\.layer\.(\d+)\.intermediate\.dense\.", r"layers.\1.fc1."),
    (r"^esm\.encoder\.layer\.(\d+)\.output\.dense\.", r"layers.\1.fc2."),
    (r"^esm\.encoder\.layer\.(\d+)\.LayerNorm\.", r"layers.\1.final_layer_norm."),
    (r"^esm\.encoder\.emb_layer_norm_after\.", "emb_layer_norm_after."),
    (r"^lm_head\.decoder\.weight$", "lm_head.weight"),
    (r"^lm_head\.", "lm_head."),
    (r"^esm\.contact_head\.", "contact_head."),
]


def convert(folder, out):
    import torch
    config = json.loads((Path(folder) / "config.json").read_text())
    state, regression = {}, {}
    for key, value in read_safetensors(Path(folder) / "model.safetensors").items():
        for pattern, repl in RULES:
            if re.match(pattern, key):
                name = re.sub(pattern, repl, key)
                break
        else:
            raise SystemExit(f"unmapped key {key}")
        if name.startswith("contact_head."):
            regression[name] = value
        elif name.startswith("lm_head."):
            state["encoder." + name] = value
        else:
            state["encoder.sentence_encoder." + name] = value
    cfg = Namespace(encoder_layers=config["num_hidden_layers"], encoder_embed_dim=config["hidden_size"],
                    encoder_ffn_embed_dim=config["intermediate_size"], encoder_attention_heads=config["num_attention_heads"],
                    token_dropout=config["token_dropout"], dropout=0.0, attention_dropout=0.0)
    out = Path(out)
    torch.save({"model": state, "cfg": {"model": cfg}}, out)
    torch.save({"model": regression}, str(out.with_suffix("")) + "-contact-regression.pt")


def read_fasta(path):
    records, name, seq = [], None, []
    for line in Path(path).read_text().splitlines():
        if line.startswith(">"):
            if name is not None:
                records.append((name, "".join(seq)))
            name, seq = line[1:].split()[0], []
        elif line.strip():
            seq.append(line.strip())
    records.append((name, "".join(seq)))
    return records


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "convert":
        convert(*args)
    elif cmd == "fasta":
        records = read_fasta(args[0])
        with open(args[1], "w") as f:
            for r in range(int(args[2])):
                for name, seq in records:
                    f.write(f">{name}_r{r}\n{seq}\n")
    elif cmd == "dms-fasta":
        import csv
        with open(args[0], newline="") as f, open(args[1], "w") as out:
            for i, row in enumerate(csv.DictReader(f)):
                if i == int(args[2]):
                    break
                out.write(f">{row['ID']}\n{row['sequence']}\n")
    elif cmd == "manifest-seconds":
        print(json.loads(Path(args[0]).read_text())["seconds"])
    elif cmd == "tokens":
        print(sum(min(len(s), int(args[1])) + 2 for _, s in read_fasta(args[0])))
    elif cmd == "params":
        print(sum(v.numel() for k, v in read_safetensors(Path(args[0]) / "model.safetensors").items()
                  if not k.startswith(("lm_head", "esm.contact_head")) and not k.endswith("inv_freq")))
    elif cmd == "matmul":
        import torch
        torch.set_num_threads(int(args[0]))
        a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
        for _ in range(3):
            a @ b
        n, t, c = 20, time.perf_counter(), time.process_time()
        for _ in range(n):
            a @ b
        wall, cpu = time.perf_counter() - t, time.process_time() - c
        print(f"{2 * 1024 ** 3 * n / wall / 1e9:.1f} {2 * 1024 ** 3 * n / cpu / 1e9:.1f}")
    elif cmd == "cosine":
        import numpy as np

        def load(p):
            rows = [l.rstrip("\n").split(",") for l in open(p)][1:]
            return {r[0]: np.array(r[1:], dtype=np.float64) for r in rows}
        a, b = load(args[0]), load(args[1])
        cos = [float(a[k] @ b[k] / np.linalg.norm(a[k]) / np.linalg.norm(b[k])) for k in a]
        print(f"{min(cos):.6f} {sum(cos) / len(cos):.6f}")
    elif cmd == "compare":  # plain Python: runs with any python3 (no numpy needed)
        import math

        def load(p):
            rows = [l.rstrip("\n").split(",") for l in open(p)][1:]
            return {r[0]: [float(x) for x in r[1:]] for r in rows}

        def cosine(u, v):
            return sum(x * y for x, y in zip(u, v)) / math.sqrt(sum(x * x for x in u) * sum(y * y for y in v))
        a, b = load(args[0]), load(args[1])
        if a.keys() != b.keys():
            raise SystemExit(f"{args[0]} and {args[1]} hold different ids")
        worst, where = -1.0, ""
        for k in a:
            for j, (x, y) in enumerate(zip(a[k], b[k], strict=True)):
                if abs(x - y) > worst:
                    worst, where = abs(x - y), f"{k}:c{j}"
        print(f"{worst:.3g} {where} {min(cosine(a[k], b[k]) for k in a):.7f}")
    elif cmd == "json":
        print(json.loads(Path(args[0]).read_text())[args[1]])
    elif cmd == "extract-rss":
        text = Path(args[0]).read_text()
        wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", text).group(1)
        parts = [float(p) for p in wall.split(":")]
        seconds = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
        rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1)) / 1024
        cpu = float(re.search(r"User time \(seconds\): (\S+)", text).group(1)) + float(re.search(r"System time \(seconds\): (\S+)", text).group(1))
        print(f"{seconds:.2f} {rss:.0f} {cpu:.2f}")
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
