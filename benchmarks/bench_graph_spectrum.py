"""Which window, and which eigenpairs, for NetMF: the table behind embed-graph's choice.

    python benchmarks/bench_graph_spectrum.py blogcatalog cora [--confirm-dir DIR] \\
        [--select top:192 split:176:16 mag:192 all] [--filters u1 u3 u10 s10] [--repeats 2]

For each graph the spectrum of S = D^-½ A D^-½ is computed once (dense ``eigh`` below 3,500
nodes; otherwise the top 384 and bottom 128 eigenpairs by embedkit's Chebyshev solver, 6
passes) and cached in ``--cache``; every variant then builds NetMF's matrix from it,
M = vol(G) · D^-½ U g(Λ) Uᵀ D^-½, takes log max(M, 1), a 160-d randomized SVD (U Σ^½),
and scores node classification at 50 % training (the data README's protocol,
``--repeats`` splits).

Selections: ``top:k`` the k largest eigenvalues (NetMF's reference code); ``mag:k`` the k
largest in magnitude; ``split:p:q`` the p largest and the q most negative; ``all`` every
eigenpair (the exact f(S)).  Filters g: ``uT`` NetMF's (1/T) Σ_{r≤T} λ^r; ``sT`` the
two-sided sign(λ) f_T(|λ|).  Graphs other than BlogCatalog and Cora are read from
``--confirm-dir`` (``gen_confirm_graphs.py``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import scipy.linalg as la

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = Path(os.environ.get("EMBEDKIT_SHARED_DATA", ROOT.parent / "shared" / "data"))


def spectrum(name: str, g, cache: Path):
    from embedkit.graph import top_eigenpairs
    from embedkit.graph.netmf import _normalized

    f = cache / f"{name}.spec.npz"
    if f.exists():
        z = np.load(f)
        return z["w"], z["u"]
    s, _, _ = _normalized(g)
    if g.n < 3500:
        w, u = la.eigh(s.toarray())
    else:
        w1, u1 = top_eigenpairs(s, 384, seed=0, passes=6)
        w2, u2 = top_eigenpairs(-s, 128, seed=1, passes=6)
        w, u = np.concatenate([w1, -w2]), np.hstack([u1, u2])
    u = u.astype(np.float32)
    np.savez(f, w=w, u=u)
    return w, u


def select(w, u, spec: str):
    kind, *nums = spec.split(":")
    order = np.argsort(w)
    if kind == "all":
        idx = order
    elif kind == "top":
        idx = order[::-1][: int(nums[0])]
    elif kind == "mag":
        idx = np.argsort(-np.abs(w))[: int(nums[0])]
    else:  # split:p:q
        idx = np.concatenate([order[::-1][: int(nums[0])], order[: int(nums[1])]])
    return w[idx], u[:, idx]


def filt(spec: str, w: np.ndarray) -> np.ndarray:
    kind, t = spec[0], int(spec[1:])
    x = np.abs(w) if kind == "s" else w
    f = sum(x**r for r in range(1, t + 1)) / t
    return np.sign(w) * f if kind == "s" else f


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("graphs", nargs="+")
    ap.add_argument("--confirm-dir", type=Path)
    ap.add_argument("--cache", type=Path, default=Path("/tmp/embedkit-spectra"))
    ap.add_argument("--select", nargs="+", default=["top:192", "split:176:16", "mag:192", "all"])
    ap.add_argument("--filters", nargs="+", default=["u1", "u3", "u10", "s10"])
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    from embedkit.evaluate import node_classification, read_node_labels
    from embedkit.graph import read_edges
    from embedkit.graph.netmf import _normalized
    from embedkit.linalg import svd_vectors, truncated_svd
    from embedkit.vectors import Embedding

    args.cache.mkdir(parents=True, exist_ok=True)
    print("| graph | eigenpairs | filter | micro-F1 @50% | macro-F1 @50% |")
    print("|---|---|---|---|---|")
    for name in args.graphs:
        folder = SHARED / "graphs" if name in ("blogcatalog", "cora") else args.confirm_dir
        g = read_edges(str(folder / f"{name}.edges.csv"))
        labels = read_node_labels(str(folder / f"{name}.labels.csv"))
        w, u = spectrum(name, g, args.cache)
        _, dinv, vol = _normalized(g)
        for sel in args.select:
            ws, us = select(w, u, sel)
            left = us * dinv[:, None].astype(np.float32)
            for fs in args.filters:
                t = time.perf_counter()
                m = (left * (filt(fs, ws) * vol).astype(np.float32)) @ left.T
                np.maximum(m, 1, out=m)
                np.log(m, out=m)
                x = svd_vectors(truncated_svd(m, dim=160, n_iter=2, seed=0), eig=0.5, vectors="w")
                x[g.degrees == 0] = 0
                (r,) = node_classification(Embedding(g.nodes, x), labels, (0.5,), repeats=args.repeats)
                took = time.perf_counter() - t
                row = f"| {name} | {sel} | {fs} | {r.micro_f1:.3f} | {r.macro_f1:.3f} |"
                print(f"{row}  <!-- {took:.0f} s -->", flush=True)


if __name__ == "__main__":
    main()
