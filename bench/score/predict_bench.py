"""fair-esm's examples/variant-prediction/predict.py, unchanged, timed on one assay.

    ESM_SRC=/path/to/esm /usr/bin/python3 predict_bench.py MODEL.pt ASSAY.csv STRATEGY OUT.csv

ASSAY.csv: the study's DMS layout (mutant, sequence columns; single substitutions at 1-based
positions). The wild type is the first row's sequence with its substitution reverted. predict.py
moves inputs with .cuda() even under --nogpu, so Tensor.cuda is made the identity. Prints
"variants scoring_seconds load_seconds": scoring = predict.main's wall time minus model loading.
"""
import os, sys, time
import pandas as pd
import torch

sys.path.insert(0, os.environ["ESM_SRC"])
sys.path.insert(0, os.path.join(os.environ["ESM_SRC"], "examples", "variant-prediction"))
torch.Tensor.cuda = lambda self, *a, **k: self
import esm
import predict

model_pt, assay, strategy, out = sys.argv[1:5]
df = pd.read_csv(assay)
first = df.iloc[0]
m = first["mutant"]
i = int(m[1:-1]) - 1
wt = first["sequence"][:i] + m[0] + first["sequence"][i + 1:]
assert all(":" not in x for x in df["mutant"]), "single substitutions only"
src = out + ".in.csv"
pd.DataFrame({"mutant": df["mutant"]}).to_csv(src, index=False)

load_seconds = 0.0
_load = esm.pretrained.load_model_and_alphabet
def timed_load(*a, **k):
    global load_seconds
    t = time.perf_counter()
    r = _load(*a, **k)
    load_seconds += time.perf_counter() - t
    return r
esm.pretrained.load_model_and_alphabet = timed_load
predict.tqdm = lambda x, *a, **k: x   # no progress bar on stderr

args = predict.create_parser().parse_args(["--model-location", model_pt, "--sequence", wt, "--dms-input", src,
    "--dms-output", out, "--offset-idx", "1", "--scoring-strategy", strategy, "--nogpu"])
t0 = time.perf_counter()
predict.main(args)
total = time.perf_counter() - t0
print(f"{len(df)} {total - load_seconds:.3f} {load_seconds:.3f}")
