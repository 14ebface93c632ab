#!/usr/bin/env python3
"""Reference outputs of the study's code on the benchmark matrices, for
`PoolingBench --crosscheck` (the golden tests cover D = 320 only; this adds D = 1280).

Writes, next to the inputs: <input>.pca_exact.f32 (PCA(2, svd_solver="full") on the
float64-scaled matrix, [2, D]), <input>.rbf.f32 and <input>.sigmoid.f32 (the study's KernelPCA
functions, unchanged, [2, D]); prints how far the study's own PCA (randomized SVD whenever
max(D, L) > 500) is from the exact one for two seeds.
Usage: /usr/bin/python3 bench/pooling/crosscheck_ref.py --swat SWAT_DIR --inputs DIR
"""
import argparse, json, os, sys

import numpy as np

parser = argparse.ArgumentParser()
parser.add_argument("--swat", required=True)
parser.add_argument("--inputs", required=True)
args = parser.parse_args()
sys.path.insert(0, os.path.join(args.swat, "scripts"))
import compressing_embeddings as study  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402

for spec in json.load(open(os.path.join(args.inputs, "csharp.json")))["inputs"]:
    name, L, D = spec["name"], spec["length"], spec["hidden"]
    emb = np.fromfile(os.path.join(args.inputs, spec["file"]), dtype="<f4").reshape(L, D)
    out = lambda suffix: os.path.join(args.inputs, f"{name}.{suffix}.f32")
    exact = PCA(2, svd_solver="full").fit_transform(study.features_scaler(emb.astype(np.float64)).T).T
    exact.astype("<f4").tofile(out("pca_exact"))
    for seed in (0, 1):
        np.random.seed(seed)
        diff = np.abs(study.pca_transformation(emb) - exact).max()
        print(f"{name}: study PCA (seed {seed}) vs exact: max abs {diff:.3g} (max |exact| {np.abs(exact).max():.3g})")
    np.random.seed(0)
    study.kernel_pca_rbf_transformation(emb).astype("<f4").tofile(out("rbf"))
    np.random.seed(0)
    study.kernel_pca_sigmoid_transformation(emb).astype("<f4").tofile(out("sigmoid"))
