"""Markdown table from run.sh's JSON lines: time per side, speed-up, |ΔR²|, same alpha_."""
import json
import sys

rows, loads, blas = {}, {}, None
for line in open(sys.argv[1]):
    d = json.loads(line)
    if "blas" in d:
        blas = d["blas"]
    elif "load" in d:
        loads[d["name"]] = d["load"]
    else:
        rows.setdefault(d["name"], {})[d["side"]] = d
print("| n | p | scikit-learn s | PlmKit s | speed-up | PlmKit, plain-CD refit s | speed-up | CPU s sklearn / PlmKit | CPU ratio | max abs R² diff | same alpha_, non-zero | load (1/5/15 min) |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for name, s in rows.items():
    sk, pk, pg = s["sklearn"], s["plmkit"], s["plmkit-plain-refit"]
    dr2 = max(abs(sk["r2_test"] - pk["r2_test"]), abs(sk["r2_test"] - pg["r2_test"]))
    same = all(abs(x["alpha"] - sk["alpha"]) <= 1e-9 * sk["alpha"] and x["nonzero"] == sk["nonzero"] for x in (pk, pg))
    print(f"| {sk['n']} | {sk['p']} | {sk['seconds']:.2f} | {pk['seconds']:.2f} | {sk['seconds'] / pk['seconds']:.1f}x | "
          f"{pg['seconds']:.2f} | {sk['seconds'] / pg['seconds']:.1f}x | {sk.get('cpu_seconds', float('nan')):.2f} / {pk.get('cpu_seconds', float('nan')):.2f} | "
          f"{sk.get('cpu_seconds', float('nan')) / pk.get('cpu_seconds', float('nan')):.1f}x | {dr2:.1e} | {'yes' if same else 'NO'} | {loads.get(name, '')} |")
print()
print("BLAS used by numpy (threadpoolctl):", blas)
