#!/usr/bin/env python3
"""Time the study's own compression code (SWAT scripts/compressing_embeddings.py, imported
unchanged) on the matrices PoolingBench wrote, for comparison with PlmKit's poolings.

Usage: /usr/bin/python3 bench/pooling/study_bench.py --swat SWAT_DIR --inputs DIR [--repeat N]
SWAT_DIR is a checkout of ziul-bio/SWAT (commit fa71733); DIR holds csharp.json and *.f32.
"""
import argparse, json, os, statistics, sys, time

import numpy as np

parser = argparse.ArgumentParser()
parser.add_argument("--swat", required=True)
parser.add_argument("--inputs", required=True)
parser.add_argument("--repeat", type=int, default=3)
args = parser.parse_args()
sys.path.insert(0, os.path.join(args.swat, "scripts"))
import compressing_embeddings as study  # noqa: E402

meta = json.load(open(os.path.join(args.inputs, "csharp.json")))
methods = {
    # the study computes the full decomposition for each of pca1/pca2/pca1-2 (and rbf1/rbf2, ...)
    "pca1-2": lambda e: study.pca_transformation(e).reshape(-1),
    "rbf1": lambda e: study.kernel_pca_rbf_transformation(e)[0],
    "sigmoid1": lambda e: study.kernel_pca_sigmoid_transformation(e)[0],
    "maxPool": lambda e: e.max(axis=0),
    "iDCT1": lambda e: study.quant2D(e, n=5, m=44),
    "iDCT2": lambda e: study.quant2D(e, n=10, m=64),
    "iDCT3": lambda e: study.quant2D(e, n=10, m=128),
    "iDCT4": lambda e: study.quant2D(e, n=10, m=512),
    "iDCT5": lambda e: study.quant2D(e, n=10, m=640),
}
results = []
print(f"{'input':22} {'method':9} {'wall_median':>12} {'cpu_median':>11}  (ms; cpu = all threads of the process)")
for spec in meta["inputs"]:
    emb = np.fromfile(os.path.join(args.inputs, spec["file"]), dtype="<f4").reshape(spec["length"], spec["hidden"])
    for name, fn in methods.items():
        if name.startswith("iDCT") and int({"iDCT4": 512, "iDCT5": 640}.get(name, 0)) > spec["hidden"]:
            continue
        np.random.seed(0)
        fn(emb)  # warm-up
        wall, cpu = [], []
        for _ in range(args.repeat):
            np.random.seed(0)
            w0, c0 = time.perf_counter(), time.process_time()
            fn(emb)
            wall.append((time.perf_counter() - w0) * 1e3)
            cpu.append((time.process_time() - c0) * 1e3)
        wm, cm = statistics.median(wall), statistics.median(cpu)
        print(f"{spec['name']:22} {name:9} {wm:12.2f} {cm:11.2f}", flush=True)
        results.append(dict(input=spec["name"], method=name, wall_median_ms=wm, cpu_median_ms=cm))
json.dump(dict(repeat=args.repeat, results=results,
               blas_threads=os.environ.get("OPENBLAS_NUM_THREADS", "default")),
          open(os.path.join(args.inputs, "python.json"), "w"), indent=1)
