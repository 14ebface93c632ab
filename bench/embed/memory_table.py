"""Computed memory of every zoo model (docs/embeddings.md): weights and the peak MemoryPlanner
expects, in fp32 and bf16, in memory and layer-streamed. Computed from the shapes with the same
formulas as PlmKit's configs (EncoderParameters) and MemoryPlanner; no model is loaded.

    python3 bench/embed/memory_table.py [TOKENS_PER_BATCH=4096] [LONGEST=288]
"""
import sys

RUNTIME = 300 * 2**20          # MemoryPlanner.RuntimeBytes
BATCH = int(sys.argv[1]) if len(sys.argv) > 1 else 4096
LONGEST = int(sys.argv[2]) if len(sys.argv) > 2 else 288   # the study's median assay: 286 residues + BOS/EOS


def esm2(name, L, D, H):
    F = 4 * D
    block = 4 * (D * D + D) + 2 * D * F + F + D + 4 * D
    return name, L, D, H, 33 * D + 2 * D, block


def esm1v(name, L, D, H):
    F = 4 * D
    block = 4 * (D * D + D) + 2 * D * F + F + D + 4 * D
    return name, L, D, H, 33 * D + 1026 * D + 2 * D + 2 * D, block


def esmc(name, L, D, H):
    F = int((8 / 3 * D + 255) // 256) * 256
    block = (2 * D + 3 * D * D + 2 * D + D * D) + (2 * D + 2 * F * D + F * D)
    return name, L, D, H, 64 * D + D, block


def amplify(name, L, D, H, intermediate):
    F = 8 * ((2 * intermediate // 3 + 7) // 8)
    block = 4 * D * D + 3 * F * D + 2 * D
    return name, L, D, H, 27 * D + D, block


MODELS = [
    esm2("esm2_t6_8M_UR50D", 6, 320, 20), esm2("esm2_t12_35M_UR50D", 12, 480, 20),
    esm2("esm2_t30_150M_UR50D", 30, 640, 20), esm2("esm2_t33_650M_UR50D", 33, 1280, 20),
    esm2("esm2_t36_3B_UR50D", 36, 2560, 40), esm2("esm2_t48_15B_UR50D", 48, 5120, 40),
    esm1v("esm1v_t33_650M_UR90S_1", 33, 1280, 20),
    esmc("esmc_300m", 30, 960, 15), esmc("esmc_600m", 36, 1152, 18),
    amplify("amplify_120M", 24, 640, 10, 2560), amplify("amplify_350M", 32, 960, 15, 3840),
]


def gb(b):
    return f"{b / 2**30:.2f}"


print(f"| model | parameters | weights fp32 (GB) | weights bf16 (GB) | in memory fp32 | in memory bf16 | streamed fp32 (min) | streamed bf16 (min) |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for name, L, D, H, resident, block in MODELS:
    params = resident + L * block
    row = [name, f"{params / 1e6:,.0f} M", gb(4 * params), gb(2 * params)]
    cells = {}
    for e in (4, 2):
        working = BATCH * (D * 16 * e + 3 * min(LONGEST, BATCH) * H * 4)
        kept = 2 * D * 4                                   # one pooled layer, float32, twice
        in_memory = RUNTIME + e * params + working + BATCH * kept
        streamed = RUNTIME + e * (resident + block) + working + BATCH * (6 * D * e + kept)
        cells[e] = (in_memory, streamed)
    row += [gb(cells[4][0]), gb(cells[2][0]), gb(cells[4][1]), gb(cells[2][1])]
    print("| " + " | ".join(row) + " |")
