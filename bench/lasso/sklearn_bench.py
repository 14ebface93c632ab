"""scikit-learn side of the LassoCV benchmark.

For each matrix written by make_data.py: outer fold 1 of KFold(5, shuffle=True,
random_state=42); LassoCV(max_iter=1000, tol=1e-2, n_jobs=-1) (the study's settings) fitted
on the training rows; prints one JSON line per matrix with the fit time (best of --repeats),
alpha_, the non-zero count and R² on the test rows; also the process CPU time (all threads), less
sensitive to the load of a shared machine than wall time.
Usage: /usr/bin/python3 sklearn_bench.py DATADIR [--repeats R] [--only n1000_p320,...]
"""
import argparse
import json
import os
import time

import numpy as np
from sklearn.linear_model import LassoCV
from sklearn.metrics import r2_score
from sklearn.model_selection import KFold
from threadpoolctl import threadpool_info

from make_data import SIZES


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--only", default="")
    a = ap.parse_args()
    blas = [(i.get("internal_api"), i.get("filepath"), i.get("num_threads")) for i in threadpool_info()]
    print(json.dumps({"blas": blas}))
    only = set(filter(None, a.only.split(",")))
    for n, p in SIZES:
        name = f"n{n}_p{p}"
        if only and name not in only:
            continue
        X = np.fromfile(os.path.join(a.data, name + ".X.bin"), dtype="<f8").reshape(n, p)
        y = np.fromfile(os.path.join(a.data, name + ".y.bin"), dtype="<f8")
        train, test = next(KFold(5, shuffle=True, random_state=42).split(X))
        best, best_cpu = None, None
        for _ in range(a.repeats):
            t0, c0 = time.perf_counter(), time.process_time()
            m = LassoCV(max_iter=1000, tol=1e-2, n_jobs=-1).fit(X[train], y[train])
            dt, dc = time.perf_counter() - t0, time.process_time() - c0
            best = dt if best is None else min(best, dt)
            best_cpu = dc if best_cpu is None else min(best_cpu, dc)
        print(json.dumps({"side": "sklearn", "name": name, "n": n, "p": p, "seconds": best, "cpu_seconds": best_cpu,
                          "alpha": m.alpha_, "nonzero": int(np.sum(m.coef_ != 0)),
                          "r2_test": r2_score(y[test], m.predict(X[test]))}), flush=True)


if __name__ == "__main__":
    main()
