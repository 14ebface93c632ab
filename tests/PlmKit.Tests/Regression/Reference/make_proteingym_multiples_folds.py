"""Reference ProteinGym folds of a multi-mutant assay, from ProteinGym's own split code.

Runs create_folds_random_multiples from ProteinNPT's proteinnpt/utils/cv_split.py
(OATML-Markslab/ProteinNPT @ ba50f15: the fold_rand_multiples column of ProteinGym's multiples
files), imported unchanged from a scratch copy, after np.random.seed(42) as its __main__ does, on
proteingym_multiples_assay.csv (57 variants of one wild type: singles, doubles and triples, not
sorted by depth, so the script's positional assignment of the per-depth labels shows).

    CV_SPLIT_SRC=/tmp/pnpt /usr/bin/python3 make_proteingym_multiples_folds.py proteingym_multiples_assay.csv proteingym_multiples_folds.csv
"""
import os, random, sys
import numpy as np
import pandas as pd

sys.path.insert(0, os.environ["CV_SPLIT_SRC"])
import cv_split

dms = pd.read_csv(sys.argv[1])
random.seed(42)
np.random.seed(42)
dms = cv_split.create_folds_random_multiples(dms)
dms[["mutant", "fold_rand_multiples"]].to_csv(sys.argv[2], index=False, lineterminator="\n")
