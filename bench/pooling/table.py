#!/usr/bin/env python3
"""Markdown table for RESULTS.md from csharp.json, python_1thread.json and python.json (run.sh's outputs).
Usage: python3 bench/pooling/table.py DIR"""
import json, os, sys

d = sys.argv[1]
cs = json.load(open(os.path.join(d, "csharp.json")))["results"]
p1 = json.load(open(os.path.join(d, "python_1thread.json")))["results"]
p2 = json.load(open(os.path.join(d, "python.json")))["results"]


def get(rows, inp, method, key):
    return next((r[key] for r in rows if r["input"] == inp and r["method"] == method), None)


inputs = ["golden_rand1023_D320", "lifted_D1280", "gaussian_D1280"]
fmt = lambda x: "-" if x is None else f"{x:.1f}"
print("| method | " + " | ".join(f"{i} PlmKit cpu / wall | study 1 thr cpu / wall | study default wall" for i in inputs) + " |")
print("| --- " * (1 + 3 * len(inputs)) + "|")
# The study computes the whole decomposition for each of pca1/pca2/pca1-2 (and rbf1/rbf2, ...).
same = {"pca1": "pca1-2", "pca2": "pca1-2", "rbf2": "rbf1", "sigmoid2": "sigmoid1"}
for m in ["mean", "bos", "maxPool", "pca1", "pca2", "pca1-2", "rbf1", "rbf2", "sigmoid1", "sigmoid2",
          "iDCT1", "iDCT2", "iDCT3", "iDCT4", "iDCT5"]:
    cells = [m]
    for i in inputs:
        pm = same.get(m, m)
        cells += [f"{fmt(get(cs, i, m, 'cpu_median_ms'))} / {fmt(get(cs, i, m, 'wall_median_ms'))}",
                  f"{fmt(get(p1, i, pm, 'cpu_median_ms'))} / {fmt(get(p1, i, pm, 'wall_median_ms'))}",
                  fmt(get(p2, i, pm, "wall_median_ms"))]
    print("| " + " | ".join(cells) + " |")
