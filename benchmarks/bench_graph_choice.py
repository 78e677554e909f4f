"""Choosing NetMF's window and negative eigenpairs per graph without labels: the measurements.

    python benchmarks/bench_graph_choice.py labels GRAPH... [--confirm-dir DIR] [--news-dir DIR] \\
        [--select top mirror neg16 neg32] [--filters 1 3 10 cat1+10 h10 pb144+16] [--repeats 3]
    python benchmarks/bench_graph_choice.py stats GRAPH... [--confirm-dir DIR] [--news-dir DIR]
    python benchmarks/bench_graph_choice.py links GRAPH... [--confirm-dir DIR] [--news-dir DIR]
    python benchmarks/bench_graph_choice.py sparse GRAPH... [--filters pmi 10 3 10r64] [--repeats 3]

The spectrum of S = D^-½ A D^-½ comes from ``bench_graph_spectrum.py``'s cache (``--cache``,
computed there on first use: dense ``eigh`` below 3,500 nodes, else the top 384 and bottom
128 eigenpairs).  Every variant builds embed-graph's factors from it and takes the node
vectors the way the default does (:func:`embedkit.graph.netmf_vectors`, 160 d, U |Λ|^½),
then scores node classification at 50 % training (``--repeats`` seeded splits).

``labels`` — selections: ``top`` the 192 largest eigenvalues; ``mirror`` those and the
negative ones embed-graph's rule keeps (:func:`embedkit.graph.netmf._mirrored`, at most
48); ``negQ`` the 192 largest and the Q most negative.  Filters (all two-sided,
sign(λ) g(|λ|)): ``T`` NetMF's window (1/T) Σ_{r≤T} λ^r; ``hT`` the powers up to T weighted
1/r (normalised); ``catA+B`` the window-A and window-B vectors side by side, 80 d each;
``pbP+Q`` the top-192 vectors (P d) beside the vectors of the trivial and the Q most
negative eigenpairs alone (Q d).

``stats`` — label-free statistics of the spectrum that a rule could use: the ratio of the
j-th most negative eigenvalue's magnitude to the j-th non-trivial positive one, the same
ratio for the sums of the first 16, 32, 64, how fast the positive end decays, and the
semicircle edge 2/√(mean degree) with the count of eigenvalues beyond it on each side.

``links`` — a label-free criterion: 10 % of the edges held out, the top 192 and the 64 most
negative eigenpairs of the rest, and for Q negative eigenpairs and window T the ROC-AUC of
NetMF's M_ij (log max(M, 1), ties broken by M) on the held-out edges against as many random
pairs.

``sparse`` — the sparse route (embed-graph ``--method sparse``: truncated eigh, unit rows,
spectral propagation, re-orthogonalisation, 160 d) on other sparse matrices with the
non-zeros of A: ``pmi`` its own, the T = 1 PMI; ``T`` log max(M, 1) of NetMF's window-T
matrix M from the ``mirror`` eigenpairs, evaluated on the edges only (as NetSMF keeps a
sparse sample of M; Qiu et al., WWW 2019); ``TrK`` the same from the top K eigenpairs.
A suffix ``+wT`` (``pmi+w10``) follows the propagation with NetMF's window on the walk,
(1/T) Σ_{r≤T} P^r, P = D⁻¹A.

Graph names: ``blogcatalog`` and ``cora`` from the shared data, ``newswords`` from
``--news-dir`` (``gen_confirm_graphs.py --news``), the rest from ``--confirm-dir``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_graph_spectrum import SHARED, spectrum  # noqa: E402

RANK, DIM = 192, 160


def load(name: str, args):
    from embedkit.evaluate import read_node_labels
    from embedkit.graph import read_edges

    if name in ("blogcatalog", "cora"):
        folder = SHARED / "graphs"
    else:
        folder = args.news_dir if name == "newswords" else args.confirm_dir
    g = read_edges(str(folder / f"{name}.edges.csv"))
    labels = read_node_labels(str(folder / f"{name}.labels.csv"))
    w, u = spectrum(name, g, args.cache)
    return g, labels, w, u


def powers(x: np.ndarray, weights) -> np.ndarray:
    out, p = np.zeros_like(x), np.ones_like(x)
    for wr in weights:
        p = p * x
        out += wr * p
    return out


def two_sided(weights):
    return lambda lam: np.sign(lam) * powers(np.abs(lam), weights)


def window(t: int):
    return two_sided([1.0 / t] * t)


def select(w: np.ndarray, sel: str) -> np.ndarray:
    from embedkit.graph.netmf import _mirrored

    order = np.argsort(w)
    top = order[::-1][:RANK]
    top = top[w[top] > 1e-9]
    neg = order[:64]
    neg = neg[w[neg] < -1e-9]
    if sel == "top":
        return top
    if sel == "mirror":
        return np.concatenate([top, neg[: _mirrored(w[top], -w[neg[: RANK // 4]])]])
    if sel.startswith("neg"):
        return np.concatenate([top, neg[: int(sel[3:])]])
    raise SystemExit(f"unknown selection {sel!r}")


def vectors(g, w, u, idx, g_of, dim: int = DIM) -> np.ndarray:
    from embedkit.graph import NetMFFactors, netmf_vectors
    from embedkit.graph.netmf import _normalized
    from embedkit.linalg import orthonormalize

    _, dinv, vol = _normalized(g)
    us = u[:, idx].astype(np.float64)
    left = (us * dinv[:, None]).astype(np.float32)
    scaled = left * (g_of(w[idx]) * vol).astype(np.float32)
    x = netmf_vectors(NetMFFactors(left, scaled, orthonormalize(us.astype(np.float32)), 0), dim, 0.5)
    x[g.degrees == 0] = 0
    return x


def embed(g, w, u, sel: str, filt: str) -> np.ndarray:
    idx = select(w, sel)
    if filt.startswith("cat"):
        a, b = map(int, filt[3:].split("+"))
        return np.hstack([vectors(g, w, u, idx, window(a), DIM // 2), vectors(g, w, u, idx, window(b), DIM // 2)])
    if filt.startswith("pb"):
        p, q = map(int, filt[2:].split("+"))
        order = np.argsort(w)
        neg = np.concatenate([order[::-1][:1], order[:q]])
        return np.hstack([vectors(g, w, u, idx, window(10), p), vectors(g, w, u, neg, window(10), q)])
    if filt.startswith("h"):
        t = int(filt[1:])
        weights = np.array([1.0 / r for r in range(1, t + 1)])
        return vectors(g, w, u, idx, two_sided(weights / weights.sum()))
    return vectors(g, w, u, idx, window(int(filt)))


def cmd_labels(args) -> None:
    from embedkit.evaluate import node_classification
    from embedkit.vectors import Embedding

    print("| graph | eigenpairs | filter | micro-F1 @50% | macro-F1 @50% |")
    print("|---|---|---|---|---|")
    for name in args.graphs:
        g, labels, w, u = load(name, args)
        for sel in args.select:
            for filt in args.filters:
                t = time.process_time()
                x = embed(g, w, u, sel, filt)
                (r,) = node_classification(Embedding(g.nodes, x), labels, (0.5,), repeats=args.repeats)
                k = len(select(w, sel))
                print(
                    f"| {name} | {sel} ({k}) | {filt} | {r.micro_f1:.3f} | {r.macro_f1:.3f} |"
                    f"  <!-- CPU {time.process_time() - t:.0f} s -->",
                    flush=True,
                )


def cmd_stats(args) -> None:
    print(
        "| graph | mean degree | −λ⁻_j / λ⁺_j, j = 1, 4, 16, 32, 64 | ratio of the sums to 16 / 32 / 64 "
        "| λ⁺_64 / λ⁺_1 | 2/√d̄ | beyond it: negative / positive |"
    )
    print("|---|---|---|---|---|---|---|")
    for name in args.graphs:
        g, _, w, _ = load(name, args)
        k = np.asarray((g.adjacency() > 0).sum(axis=1)).ravel()
        pos, neg = np.sort(w[w > 0])[::-1], -np.sort(w[w < 0])
        c = int(np.sum(pos >= 1 - 1e-6))
        r = neg[:64] / pos[c : c + 64]
        edge = 2 / np.sqrt(k[k > 0].mean())
        ratios = " ".join(f"{r[j - 1]:.2f}" for j in (1, 4, 16, 32, 64))
        means = " / ".join(f"{neg[:j].sum() / pos[c : c + j].sum():.3f}" for j in (16, 32, 64))
        print(
            f"| {name} | {k[k > 0].mean():.1f} | {ratios} | {means} | {pos[c + 63] / pos[c]:.2f} | {edge:.3f} "
            f"| {(neg > edge).sum()} / {(pos[c:] > edge).sum()} |"
        )


def held_out_pairs(a, hold, d, rng):
    """The held-out edges of ``a`` (upper-triangle COO; ``hold`` a mask of its entries) whose
    ends both keep an edge (degrees ``d`` of the rest), and as many random non-edges between
    such nodes: (rows, cols, truth), truth 1 for a held-out edge, 0 for a random pair."""
    pi, pj = a.row[hold], a.col[hold]
    ok = (d[pi] > 0) & (d[pj] > 0)
    pi, pj = pi[ok], pj[ok]
    n = len(d)
    ni, nj = rng.integers(0, n, 2 * pi.size), rng.integers(0, n, 2 * pi.size)
    ok = (ni != nj) & (d[ni] > 0) & (d[nj] > 0)
    ni, nj = ni[ok][: pi.size], nj[ok][: pi.size]
    return np.concatenate([pi, ni]), np.concatenate([pj, nj]), np.r_[np.ones(pi.size), np.zeros(ni.size)]


def cmd_links(args) -> None:
    from sklearn.metrics import roc_auc_score

    from embedkit.graph import top_eigenpairs

    qs, ts = (0, 8, 16, 32, 48), (1, 3, 10)
    print("| graph | " + " | ".join(f"Q {q}, T {t}" for q in qs for t in ts) + " |")
    print("|---|" + "---|" * (len(qs) * len(ts)))
    for name in args.graphs:
        g, _, _, _ = load(name, args)
        a = sp.triu(g.adjacency(), 1).tocoo()
        rng = np.random.default_rng(0)
        hold = rng.random(a.nnz) < 0.1
        b = sp.coo_matrix((a.data[~hold], (a.row[~hold], a.col[~hold])), shape=a.shape).tocsr()
        b = (b + b.T).tocsr()
        d = np.asarray(b.sum(axis=1)).ravel()
        dinv = np.where(d > 0, 1 / np.sqrt(np.maximum(d, 1e-300)), 0.0)
        s = (sp.diags(dinv) @ b @ sp.diags(dinv)).tocsr()
        wp, up = top_eigenpairs(s, RANK, seed=0)
        wn, un = top_eigenpairs(-s, 64, seed=1)
        rows, cols, truth = held_out_pairs(a, hold, d, rng)
        cells = []
        for q in qs:
            lam = np.r_[wp, -wn[:q]]
            left = np.hstack([up, un[:, :q]]) * dinv[:, None]
            for t in ts:
                m = d.sum() * np.einsum("ik,ik->i", left[rows] * window(t)(lam), left[cols])
                cells.append(f"{roc_auc_score(truth, np.log(np.maximum(m, 1)) + 1e-6 * m):.3f}")
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)


def cmd_sparse(args) -> None:
    from embedkit.evaluate import node_classification
    from embedkit.graph import sparse_pmi_matrix, spectral_propagation, spectral_vectors
    from embedkit.graph.netmf import _normalized
    from embedkit.linalg import RowSplitMatmul, truncated_eigh_product, unit_rows
    from embedkit.vectors import Embedding

    print("| graph | sparse matrix | non-zeros | micro-F1 @50% | macro-F1 @50% |")
    print("|---|---|---|---|---|")
    for name in args.graphs:
        g, labels, w, u = load(name, args)
        for spec in args.filters:
            t = time.process_time()
            filt, _, walk = spec.partition("+w")
            if filt == "pmi":
                m = sparse_pmi_matrix(g)
            else:
                window_t, _, k = filt.partition("r")
                idx = select(w, "mirror")
                if k:
                    idx = np.concatenate([np.argsort(w)[::-1][: int(k)], idx[RANK:]])
                _, dinv, vol = _normalized(g)
                left = u[:, idx].astype(np.float64) * dinv[:, None]
                lam = window(int(window_t))(w[idx])
                pat = g.adjacency().tocoo()
                vals = np.concatenate(
                    [
                        vol
                        * np.einsum("ik,ik->i", left[pat.row[i : i + 200_000]] * lam, left[pat.col[i : i + 200_000]])
                        for i in range(0, pat.nnz, 200_000)
                    ]
                )
                m = sp.csr_matrix((np.log(np.maximum(vals, 1.0)), (pat.row, pat.col)), shape=(g.n, g.n))
                m.eliminate_zeros()
            with RowSplitMatmul(sp.csr_matrix(m, dtype=np.float32)) as product:
                ev, vec = truncated_eigh_product(product, g.n, DIM, n_iter=4, seed=0)
            y = spectral_propagation(g, unit_rows(vec * (np.abs(ev) ** 0.5).astype(np.float32)), 5, 0.0, 4.0)
            if walk:
                a = g.adjacency().tocsr()
                deg = np.asarray(a.sum(axis=1)).ravel()
                p = (sp.diags(1.0 / np.maximum(deg, 1e-300)) @ a).astype(np.float32).tocsr()
                z, acc = y, np.zeros_like(y)
                for _ in range(int(walk)):
                    z = p @ z
                    acc += z
                y = acc / int(walk)
            x = spectral_vectors(y, 0.5)
            x[g.degrees == 0] = 0
            (r,) = node_classification(Embedding(g.nodes, x), labels, (0.5,), repeats=args.repeats)
            print(
                f"| {name} | {spec} | {m.nnz:,} | {r.micro_f1:.3f} | {r.macro_f1:.3f} |"
                f"  <!-- CPU {time.process_time() - t:.0f} s -->",
                flush=True,
            )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["labels", "stats", "links", "sparse"])
    ap.add_argument("graphs", nargs="+")
    ap.add_argument("--confirm-dir", type=Path)
    ap.add_argument("--news-dir", type=Path)
    ap.add_argument("--cache", type=Path, default=Path("/tmp/embedkit-spectra"))
    ap.add_argument("--select", nargs="+", default=["top", "mirror", "neg16", "neg32"])
    ap.add_argument("--filters", nargs="+", default=["1", "3", "10"])
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    {"labels": cmd_labels, "stats": cmd_stats, "links": cmd_links, "sparse": cmd_sparse}[args.what](args)


if __name__ == "__main__":
    main()
