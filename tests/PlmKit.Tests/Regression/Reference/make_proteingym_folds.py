"""Reference ProteinGym folds for ProteinGymFoldsTests, from ProteinGym's own split code.

Runs create_folds_by_position_modulo, create_folds_random and
create_folds_by_contiguous_position_discontiguous from ProteinNPT's proteinnpt/utils/cv_split.py
(OATML-Markslab/ProteinNPT @ ba50f15, the script that made ProteinGym's fold_*_5 columns),
imported unchanged from a scratch copy, on the study's IF1_ECOLI assay, in the order and with
the seed of its create_folds_loop (modulo, then random after np.random.seed(42), then contiguous).

    CV_SPLIT_SRC=/tmp/pnpt /usr/bin/python3 make_proteingym_folds.py ../../../../../shared/data/swat/dms/IF1_ECOLI.csv proteingym_folds_IF1_ECOLI.csv
"""
import os, random, sys
import numpy as np
import pandas as pd

sys.path.insert(0, os.environ["CV_SPLIT_SRC"])
import cv_split

dms = pd.read_csv(sys.argv[1], index_col=0)
random.seed(42)
np.random.seed(42)
dms = cv_split.create_folds_by_position_modulo(dms, n_folds=5)
dms = cv_split.create_folds_random(dms, n_folds=5)
dms = cv_split.create_folds_by_contiguous_position_discontiguous(dms, n_folds=5)
dms[["ID", "mutant", "fold_random_5", "fold_modulo_5", "fold_contiguous_5"]].to_csv(sys.argv[2], index=False, lineterminator="\n")
