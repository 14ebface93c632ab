"""Builds the tiny ESM-1b (ESM-1v architecture) fixture and its fair-esm reference outputs.

Usage: /usr/bin/python3 make_esm1b_fixture.py <fair-esm source folder> <golden sequences.fasta> <out dir>

The fair-esm source is facebookresearch/esm @ 2b369911 (not part of this repository). The model is
random: ProteinBertModel(arch="roberta_large") with 2 layers, width 32, 4 heads, 126 learned
positions, emb_layer_norm_before and token_dropout. It is saved as fair-esm's hub checkpoints are
({"model": prefixed state dict, "args": argparse.Namespace with encoder_* names}) and read back
through esm.pretrained.load_model_and_alphabet_local, so the outputs come from fair-esm's own
loader (which zeroes the <mask> embedding) and forward.
"""
import sys
from argparse import Namespace
from pathlib import Path

import torch

sys.path.insert(0, sys.argv[1])
import esm  # noqa: E402
from esm.model.esm1 import ProteinBertModel  # noqa: E402

fasta, out = Path(sys.argv[2]), Path(sys.argv[3])
out.mkdir(parents=True, exist_ok=True)
torch.manual_seed(20240603)

args = Namespace(arch="roberta_large", encoder_layers=2, encoder_embed_dim=32, encoder_ffn_embed_dim=128,
                 encoder_attention_heads=4, max_positions=126, token_dropout=True, emb_layer_norm_before=True)
alphabet = esm.Alphabet.from_architecture("ESM-1b")
model_args = Namespace(arch="roberta_large", layers=2, embed_dim=32, ffn_embed_dim=128, attention_heads=4,
                       max_positions=126, token_dropout=True, emb_layer_norm_before=True)
model = ProteinBertModel(model_args, alphabet).eval()
with torch.no_grad():
    for name, module in model.named_modules():
        if isinstance(module, torch.nn.LayerNorm):
            module.weight.copy_(torch.rand_like(module.weight) + 0.5)
            module.bias.copy_(0.1 * torch.randn_like(module.bias))
    model.lm_head.bias.copy_(0.1 * torch.randn_like(model.lm_head.bias))

state = {}
for k, v in model.state_dict().items():
    if k.startswith("contact_head") or k == "lm_head.weight":
        continue
    state[("encoder." if k.startswith("lm_head") else "encoder.sentence_encoder.") + k] = v.clone()
state["encoder.lm_head.weight"] = state["encoder.sentence_encoder.embed_tokens.weight"]
checkpoint = out / "esm1v_t2_32_tiny.pt"
torch.save({"model": state, "args": args}, checkpoint)

loaded, alphabet = esm.pretrained.load_model_and_alphabet_local(str(checkpoint))
loaded.eval()
records, name, seq = [], None, []
for line in fasta.read_text().splitlines():
    if line.startswith(">"):
        if name:
            records.append((name, "".join(seq)))
        name, seq = line[1:].split()[0], []
    else:
        seq.append(line.strip())
records.append((name, "".join(seq)))
records = [r for r in records if len(r[1]) <= 124]

labels, strs, tokens = alphabet.get_batch_converter()(records)
expected = {}
with torch.no_grad():
    result = loaded(tokens, repr_layers=[0, 1, 2])
for i, (label, s) in enumerate(zip(labels, strs)):
    n = len(s) + 2
    expected[f"{label}.tokens"] = tokens[i, :n].clone()
    expected[f"{label}.logits"] = result["logits"][i, :n].clone()
    for k, t in result["representations"].items():
        expected[f"{label}.layer{k}"] = t[i, :n].clone()
torch.save(expected, out / "esm1v_t2_32_tiny.expected.pt")
print(f"{len(records)} sequences, {len(expected)} tensors, batch of {tokens.shape}")
