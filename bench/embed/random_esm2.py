# Writes a random ESM-2 Hugging Face folder of any shape, tensor by tensor (float32 safetensors, never
# the whole model in memory): weights N(0, 0.02²), LayerNorm weights 1 + N(0, 0.02²), rotary
# frequencies as released checkpoints hold them. Config and vocabulary from the 8M-shape golden.
#   python3 random_esm2.py OUT LAYERS HIDDEN HEADS FFN
import json, struct, sys, os, shutil
import numpy as np
out, layers, hidden, heads, ffn = sys.argv[1], *map(int, sys.argv[2:6])
golden = os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../../shared/golden/esm2_8M_shape')
os.makedirs(out, exist_ok=True)
for f in os.listdir(golden):
    if not f.endswith('.safetensors'): shutil.copy(os.path.join(golden, f), out)
cfg = json.load(open(os.path.join(golden, 'config.json')))
cfg.update(num_hidden_layers=layers, hidden_size=hidden, num_attention_heads=heads, intermediate_size=ffn)
json.dump(cfg, open(os.path.join(out, 'config.json'), 'w'))
H, F, hd = hidden, ffn, hidden // heads
t = [('esm.embeddings.word_embeddings.weight', (33, H))]
for i in range(layers):
    p = f'esm.encoder.layer.{i}.'
    for n in ['attention.self.query', 'attention.self.key', 'attention.self.value', 'attention.output.dense']:
        t += [(p + n + '.weight', (H, H)), (p + n + '.bias', (H,))]
    t += [(p + 'attention.self.rotary_embeddings.inv_freq', (hd // 2,))]
    t += [(p + 'attention.LayerNorm.weight', (H,)), (p + 'attention.LayerNorm.bias', (H,))]
    t += [(p + 'intermediate.dense.weight', (F, H)), (p + 'intermediate.dense.bias', (F,))]
    t += [(p + 'output.dense.weight', (H, F)), (p + 'output.dense.bias', (H,))]
    t += [(p + 'LayerNorm.weight', (H,)), (p + 'LayerNorm.bias', (H,))]
t += [('esm.encoder.emb_layer_norm_after.weight', (H,)), ('esm.encoder.emb_layer_norm_after.bias', (H,))]
header, off = {}, 0
for n, s in t:
    b = int(np.prod(s)) * 4
    header[n] = {'dtype': 'F32', 'shape': list(s), 'data_offsets': [off, off + b]}
    off += b
h = json.dumps(header).encode()
rng = np.random.default_rng(1)
with open(os.path.join(out, 'model.safetensors'), 'wb') as f:
    f.write(struct.pack('<Q', len(h))); f.write(h)
    for n, s in t:
        if n.endswith('inv_freq'):
            a = (1.0 / (10000 ** (np.arange(0, hd, 2, dtype=np.float32) / hd))).astype(np.float32)
        elif 'LayerNorm.weight' in n or 'layer_norm_after.weight' in n:
            a = (1 + 0.02 * rng.standard_normal(s, dtype=np.float32))
        else:
            a = 0.02 * rng.standard_normal(s, dtype=np.float32)
        f.write(np.ascontiguousarray(a, dtype='<f4').tobytes())
