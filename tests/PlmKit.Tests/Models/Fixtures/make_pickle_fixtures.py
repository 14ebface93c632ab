"""Builds the torch.save layouts that PickleFile must read, each with its expected values.

Usage: /usr/bin/python3 make_pickle_fixtures.py <out dir>

views.pt holds tensors as torch.save writes views: a transpose (strides not row-major), a slice
of a larger tensor (storage offset), two tensors sharing one storage, and float16, bfloat16 and
float64 storages; each key K has "K.expected", a contiguous float32 copy. views_zip64.pt is the
same archive rewritten with zip64 records everywhere (Python's zipfile writes them when its
limit is lowered), as torch.save writes files over 4 GiB; views_zip64_deflated.pt also deflates the
entries, so the zip64 sizes (uncompressed, then compressed) differ. views_deflated.pt is the same archive
with every entry deflated, as a re-zipping tool or TorchSharp.PyBridge's pickler writes it.
"""
import sys
import zipfile
from pathlib import Path

import torch

out = Path(sys.argv[1])
torch.manual_seed(7)
base = torch.randn(6, 10)
state = {
    "transposed": base.t(),
    "sliced": base[2:5, 3:],
    "shared_a": base[1],
    "half": torch.randn(4, 3).half(),
    "bfloat": torch.randn(3, 5).bfloat16(),
    "double": torch.randn(7, dtype=torch.float64),
    "scalar": torch.tensor(2.5),
}
for k in list(state):
    state[k + ".expected"] = state[k].float().contiguous().clone()
torch.save({"model": state}, out / "views.pt")


def rewrite(source, target, compression):
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", compression) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))


limit, count = zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT
zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT = 0, 0
rewrite(out / "views.pt", out / "views_zip64.pt", zipfile.ZIP_STORED)
rewrite(out / "views.pt", out / "views_zip64_deflated.pt", zipfile.ZIP_DEFLATED)
zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT = limit, count
rewrite(out / "views.pt", out / "views_deflated.pt", zipfile.ZIP_DEFLATED)
