"""Builds two_helices.pdb: an ideal poly-Ala backbone (N, CA, C, O) from torsion angles by NeRF,
18 residues alpha helix (phi -57, psi -47), 3 PPII-like (-80, 150), 14 helix, 4 extended (-120, 130).
two_helices.dssp is `mkdssp --output-format dssp two_helices.pdb two_helices.dssp` (DSSP 4.2.2, Debian).
The expected fractions in SecondaryStructureTests are what the study's get_secondary_structure
(Biopython 1.80 DSSP wrapper + the study's counting over H,B,E,G,I,T,S,-) gives for this file:
H 31/37, S 2/37, - 4/37 (residues 20-21 are P and not counted)."""
import numpy as np
def place(a,b,c,bond,angle,torsion):
    # NeRF: put d so that |cd|=bond, angle(b,c,d)=angle, dihedral(a,b,c,d)=torsion
    angle,torsion=np.radians(angle),np.radians(torsion)
    bc=c-b; bc/=np.linalg.norm(bc)
    n=np.cross(b-a,bc); n/=np.linalg.norm(n)
    m=np.cross(n,bc)
    d2=np.array([-bond*np.cos(angle), bond*np.sin(angle)*np.cos(torsion), bond*np.sin(angle)*np.sin(torsion)])
    return c + d2[0]*bc + d2[1]*m + d2[2]*n
def chain(phipsi):
    N=np.array([0.,1.458*np.cos(np.radians(0)),0.]); N=np.array([-1.458,0,0.]); CA=np.zeros(3)
    C=np.array([1.525*np.cos(np.radians(180-111.2)),1.525*np.sin(np.radians(180-111.2)),0.])
    atoms=[]
    for i,(phi,psi) in enumerate(phipsi):
        if i>0:
            N=place(pN,pCA,pC,1.329,116.2,ppsi)
            CA=place(pCA,pC,N,1.458,121.7,180.0)
            C=place(pC,N,CA,1.525,111.2,phi)
        O=None
        atoms.append([N,CA,C])
        pN,pCA,pC,ppsi=N,CA,C,psi
    # oxygens: in plane, opposite to next N
    out=[]
    for i,(N,CA,C) in enumerate(atoms):
        psi=phipsi[i][1]
        O=place(N,CA,C,1.231,120.5,psi+180.0)
        out.append((N,CA,C,O))
    return out
ss = [(-57,-47)]*18 + [(-80,150)]*3 + [(-57,-47)]*14 + [(-120,130)]*4
res = chain(ss)
lines=["HEADER    DE NOVO PROTEIN                         01-JAN-26   XXXX              ",
       "CRYST1    1.000    1.000    1.000  90.00  90.00  90.00 P 1           1          "]
k=1
for i,(N,CA,C,O) in enumerate(res):
    for name,xyz,el in (("N",N,"N"),("CA",CA,"C"),("C",C,"C"),("O",O,"O")):
        lines.append("ATOM  %5d  %-3s ALA A%4d    %8.3f%8.3f%8.3f  1.00  0.00           %s" % (k,name,i+1,xyz[0],xyz[1],xyz[2],el)); k+=1
lines.append("TER"); lines.append("END")
open('two_helices.pdb','w').write('\n'.join(lines)+'\n')
