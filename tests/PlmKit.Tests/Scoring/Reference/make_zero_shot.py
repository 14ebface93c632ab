"""Reference zero-shot scores for ZeroShotScorerTests, from fair-esm's own predict.py.

Runs examples/variant-prediction/predict.py unchanged (imported from a scratch copy of fair-esm
@ 2b369911, the commit of ../shared/golden) on the golden random model tiny/esm2_t2_32_tiny.pt.
predict.py moves inputs with .cuda() even under --nogpu, so Tensor.cuda is made the identity here.
Multi-mutants: predict.py scores single substitutions only; a multi-mutant's marginal score is
the sum of its substitutions' scores (ProteinGym's convention), and its pseudo-ppl is predict.py's
compute_pppl on the sequence carrying all but the last substitution, with the last as the row.
The textbook pseudo-log-likelihood ("pll") is computed directly with the same model.

    ESM_SRC=/tmp/esm-src /usr/bin/python3 make_zero_shot.py ../../../../../shared/golden > zero_shot_tiny.csv
"""
import os, sys, tempfile
import pandas as pd
import torch

sys.path.insert(0, os.environ["ESM_SRC"])
sys.path.insert(0, os.path.join(os.environ["ESM_SRC"], "examples", "variant-prediction"))
torch.Tensor.cuda = lambda self, *a, **k: self
import esm
import predict

golden = sys.argv[1]
model_path = os.path.join(golden, "tiny", "esm2_t2_32_tiny.pt")
seq = next(l.split(",")[1].strip() for l in open(os.path.join(golden, "sequences.csv")) if l.startswith("IF1_ECOLI,"))
# Sites at both ends (pseudo-ppl's skipped last residue), inside, and to letters W, C, P, A.
def sub(pos, to):
    return f"{seq[pos - 1]}{pos}{to if to != seq[pos - 1] else 'G'}"
singles = [sub(1, "A"), sub(2, "C"), sub(3, "W"), sub(10, "D"), sub(35, "L"), sub(40, "P"), sub(70, "Y"), sub(71, "K"), sub(len(seq), "A")]
multis = [singles[0] + ":" + singles[-1], ":".join(singles[1:5:2]) + ":" + singles[5], singles[2] + ":" + singles[6]]
mutants = singles + multis

def run(strategy, rows):
    with tempfile.TemporaryDirectory() as d:
        src, dst = os.path.join(d, "in.csv"), os.path.join(d, "out.csv")
        pd.DataFrame({"mutant": rows}).to_csv(src, index=False)
        args = predict.create_parser().parse_args(["--model-location", model_path, "--sequence", seq, "--dms-input", src,
            "--dms-output", dst, "--offset-idx", "1", "--scoring-strategy", strategy, "--nogpu"])
        predict.main(args)
        out = pd.read_csv(dst)
        return dict(zip(out["mutant"], out[model_path]))

wt = run("wt-marginals", singles)
mm = run("masked-marginals", singles)
pp = run("pseudo-ppl", singles)

model, alphabet = esm.pretrained.load_model_and_alphabet_local(model_path)
model.eval()
def pppl_multi(m):
    parts = m.split(":")
    s = seq
    for p in parts[:-1]:
        i = int(p[1:-1]) - 1
        s = s[:i] + p[-1] + s[i + 1:]
    return predict.compute_pppl(parts[-1], s, model, alphabet, 1)

def pll(m):
    s = seq
    for p in m.split(":"):
        i = int(p[1:-1]) - 1
        s = s[:i] + p[-1] + s[i + 1:]
    _, _, tokens = alphabet.get_batch_converter()([("p", s)])
    total = 0.0
    for i in range(1, len(s) + 1):
        masked = tokens.clone()
        masked[0, i] = alphabet.mask_idx
        with torch.no_grad():
            lp = torch.log_softmax(model(masked)["logits"], dim=-1)
        total += lp[0, i, tokens[0, i]].item()
    return total

print("mutant,wt-marginals,masked-marginals,pseudo-ppl,pll")
for m in mutants:
    parts = m.split(":")
    w = sum(wt[p] if p in wt else run("wt-marginals", [p])[p] for p in parts)
    k = sum(mm[p] if p in mm else run("masked-marginals", [p])[p] for p in parts)
    q = pp[m] if m in pp else pppl_multi(m)
    print(f"{m},{w!r},{k!r},{q!r},{pll(m)!r}")
