"""Reference values for ProteinPropertiesTests (run once by hand; the numbers are in the test).

The study computed its PISCES property targets with the Python package `peptides` 0.3.4
(SWAT notebooks/PISCES_pre_processing.ipynb; requirements.txt pins peptides==0.3.4).
This script runs that package itself on the golden test sequences:

    git archive v0.3.4 of althonos/peptides.py into DIR, then write DIR/peptides/tables/__init__.py
    with each tables/<group>/*.csv loaded as a dict named <GROUP> (what its setup.py build_tables
    generates; that step needs `astor`, absent here), then
    PYTHONPATH=DIR /usr/bin/python3 protein_properties_reference.py ../shared/golden/sequences.fasta

It also prints Biopython 1.80's ProtParam values (Debian python3-biopython) for the properties
where both libraries use the same definition, as a second, independent implementation.
"""
import sys

import peptides
from Bio import SeqIO
from Bio.SeqUtils.ProtParam import ProteinAnalysis

assert peptides.__version__ == "0.3.4", peptides.__version__
for rec in SeqIO.parse(sys.argv[1], "fasta"):
    s = str(rec.seq)
    p = peptides.Peptide(s)
    row = [
        len(s),
        p.molecular_weight() / 1000,
        p.charge(pH=7, pKscale="Lehninger"),
        p.isoelectric_point(pKscale="Lehninger"),
        p.instability_index(),
        p.hydrophobicity(scale="KyteDoolittle"),
        p.frequencies()["A"],
        p.frequencies()["L"],
    ]
    print(f'[InlineData("{rec.id}", {", ".join(repr(v) for v in row)})]')
    if set(s) <= set("ACDEFGHIKLMNPQRSTVWY"):
        a = ProteinAnalysis(s)
        print(f"  biopython {rec.id}: instability {a.instability_index()!r} gravy {a.gravy()!r}")
