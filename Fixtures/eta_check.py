"""Quick numpy read-out of η on the MiniLab fixtures (a sanity check, not the `eta` tool).

Usage: python3 Fixtures/eta_check.py Fixtures/minilab
η(T1=1, T2; target, S) as a fraction: mean over k in S of the relative change of the centroid
distance d(target, k), each model's distances divided by its mean pairwise centroid distance.
Targets: the five retrievers; S1 = the other four retrievers, S2 = five colubrid snakes.
"""
import h5py, numpy as np, sys, itertools
R=["n02099267","n02099429","n02099601","n02099712","n02099849"]
S=["n01728572","n01728920","n01729322","n01734418","n01737021"]
def cents(path, split):
    with h5py.File(path) as f:
        w=[x.decode() if isinstance(x,bytes) else x for x in f["classes/wnid"][()]]
        X=f[f"splits/{split}/features"][()].astype(np.float64); y=f[f"splits/{split}/labels"][()]
    C=np.stack([X[y==k].mean(0) for k in range(len(w))])
    d=np.linalg.norm(C[:,None]-C[None],axis=-1); scale=d[np.triu_indices(len(w),1)].mean()
    return w,C,scale
def eta(p1,p2,split):
    w,c1,s1=cents(p1,split); _,c2,s2=cents(p2,split)
    idx={x:i for i,x in enumerate(w)}
    def e(t,S_):
        return np.mean([(np.linalg.norm(c2[idx[t]]-c2[idx[k]])/s2 - np.linalg.norm(c1[idx[t]]-c1[idx[k]])/s1)/(np.linalg.norm(c1[idx[t]]-c1[idx[k]])/s1) for k in S_])
    a=np.mean([e(t,[r for r in R if r!=t]) for t in R]); b=np.mean([e(t,S) for t in R])
    return a,b
d=sys.argv[1]
for alpha in ["0.1","0.0"]:
    for T2 in ["2","3","64"]:
        for split in ["train","val"]:
            a,b=eta(f"{d}/student-ls{alpha}-T1.h5",f"{d}/student-ls{alpha}-T{T2}.h5",split)
            print(f"alpha {alpha} T1=1 T2={T2:>2} {split:5} retrievers S1 {a:+.3f} S2 {b:+.3f}")
