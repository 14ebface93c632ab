"""Writes the benchmark matrices shared by the C# and scikit-learn sides.

For each (n, p): X (float64, row-major .bin) with embedding-like structure (a rank-32 signal
plus noise, columns on different scales) and y = X @ beta (20 non-zero) + noise (.bin).
Deterministic: numpy RandomState(n * 10007 + p).
Usage: /usr/bin/python3 make_data.py OUTDIR
"""
import json
import os
import sys

import numpy as np

SIZES = [(1000, 320), (2000, 320), (5000, 320), (10000, 320),
         (1000, 1280), (2000, 1280), (5000, 1280), (10000, 1280)]


def main(out):
    os.makedirs(out, exist_ok=True)
    for n, p in SIZES:
        rs = np.random.RandomState(n * 10007 + p)
        latent = rs.randn(n, 32)
        loadings = rs.randn(32, p)
        X = latent @ loadings * 0.3 + rs.randn(n, p)
        X *= rs.uniform(0.1, 3.0, size=p)
        beta = np.zeros(p)
        beta[rs.choice(p, 20, replace=False)] = rs.randn(20)
        y = X @ beta + rs.randn(n) * 2.0
        name = f"n{n}_p{p}"
        np.ascontiguousarray(X, dtype="<f8").tofile(os.path.join(out, name + ".X.bin"))
        np.ascontiguousarray(y, dtype="<f8").tofile(os.path.join(out, name + ".y.bin"))
        with open(os.path.join(out, name + ".json"), "w") as f:
            json.dump({"n": n, "p": p}, f)
        print(name)


if __name__ == "__main__":
    main(sys.argv[1])
