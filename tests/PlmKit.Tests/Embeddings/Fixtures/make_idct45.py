#!/usr/bin/env python3
"""Writes idct45.safetensors: the study's quant2D for iDCT4 (n=10, m=512) and iDCT5 (n=10, m=640)
on a 40 x 640 float32 input, a case the golden data cannot hold (its model is 320 wide).

The input comes from a 64-bit LCG whose 24-bit draws are exact in float32, so the C# test
rebuilds it bit for bit instead of storing it. Run with Debian's python3 (numpy 1.24.2,
scipy 1.10.1) and a SWAT checkout at fa71733:
    /usr/bin/python3 make_idct45.py /path/to/SWAT
"""
import json, struct, sys

import numpy as np

sys.path.insert(0, sys.argv[1] + "/scripts")
import compressing_embeddings as study  # noqa: E402  (the study's code, unchanged)

L, D = 40, 640
state = 20240607
values = np.empty(L * D, dtype=np.float32)
for i in range(L * D):
    state = (state * 6364136223846793005 + 1442695040888963407) % 2**64
    values[i] = (state >> 40) / 2**24 * 2 - 1
emb = values.reshape(L, D)

tensors = {}
for name, n, m in [("iDCT4", 10, 512), ("iDCT5", 10, 640)]:
    tensors[name] = ("I8", study.quant2D(emb.copy(), n=n, m=m))
    # quant2D's body without the final *127 / int8 cast.
    d = study.iDCTquant(emb[1:len(emb) - 1], n)
    tensors[name + ".prequant"] = ("F32", study.iDCTquant(d.T, m).T.reshape(n * m).astype(np.float32))

header, blobs, offset = {"__metadata__": {"input": f"LCG seed 20240607, {L}x{D}", "swat": "fa71733"}}, [], 0
for key in sorted(tensors):
    dtype, array = tensors[key]
    data = array.astype({"I8": "<i1", "F32": "<f4"}[dtype]).tobytes()
    header[key] = {"dtype": dtype, "shape": list(array.shape), "data_offsets": [offset, offset + len(data)]}
    blobs.append(data)
    offset += len(data)
text = json.dumps(header).encode()
text += b" " * (-len(text) % 8)
with open("idct45.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))
