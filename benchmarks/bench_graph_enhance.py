"""ProNE's spectral propagation as an *enhancement* of other embeddings, and NetMF beside the
sparse route: the measurements behind BENCHMARKS.md "NetMF beside the sparse route".

    python benchmarks/bench_graph_enhance.py dense GRAPH... [--confirm-dir DIR] [--news-dir DIR] \\
        [--variants base p5,0,4 p10,0.2,0.5 c5,0,4 e1 x160,160,0.7] [--repeats 3]
    python benchmarks/bench_graph_enhance.py sparse GRAPH... [--variants base e1 e1+ c5,0,4 m2 m3]
    python benchmarks/bench_graph_enhance.py links GRAPH... [--variants base e0 e1 p5,0,4]

ProNE (Zhang et al., IJCAI 2019, §4 and Table 4) applies its second step, the spectral
propagation, to other methods' embeddings (DeepWalk, LINE, node2vec, GraRep, HOPE) with
gains of several points.  Here it is applied to embed-graph's own vectors, each variant
built from the same cached spectrum (``bench_graph_spectrum.py``'s cache, as in
``bench_graph_choice.py``) and scored by node classification at 50 % training
(``--repeats`` seeded splits, the same splits for every variant).

``dense`` — the base is the default NetMF vectors: NetMF's matrix from the top 192 and the
mirrored negative eigenpairs (``bench_graph_choice.py``'s ``mirror``), T = 10,
:func:`embedkit.graph.netmf_vectors`, 160 d.  Variants (a prefix ``tN/`` takes NetMF's
window N instead of 10):

* ``base`` — those vectors as they are.
* ``pO,M,T`` — unit rows, :func:`embedkit.graph.spectral_propagation` of order O, μ M, θ T,
  then :func:`embedkit.graph.spectral_vectors` (U Σ^½), as the sparse route does (``p5,0,4``
  is its filter, ``p10,0.2,0.5`` ProNE's published one).  ``rO,M,T``: the same without the
  unit rows first (ProNE propagates the embedding as it is).
* ``cO,M,T`` — 80-d NetMF vectors beside their propagation (80 d), each half with unit rows;
  ``CO,M,T`` the same at 160 + 160.
* ``sO,M,T`` — the positive end only: the propagation of the vectors of the top 192
  eigenpairs alone (80 d) beside the NetMF vectors of the mirror selection (80 d).
* ``eK`` / ``eK,β`` — unit rows, then a window on the walk's *even* powers,
  (1/K) Σ_{r≤K} P^{2r} (P = D⁻¹A; λ^{2r} smooths a negative eigenvalue like a positive
  one), mixed (1 − β) : β with the unit rows, then U Σ^½; ``e0`` the unit rows and U Σ^½
  alone.
* ``xD`` / ``xD,E`` / ``xD,E,α`` — NetMF's D-d vectors beside the sparse route's E-d
  (default D), each with unit rows, the sparse part scaled by α (``x160,160,0.7`` is
  ``embed-graph --method netmf+sparse``, the default up to 20,000 nodes).

``sparse`` — the base is the sparse route (``embed-graph --method sparse``: T = 1 PMI,
truncated eigh, unit rows, propagation order 5, μ 0, θ 4, U Σ^½, 160 d).  ``pO,M,T`` another
filter; ``cO,M,T`` its 80-d unpropagated vectors beside their propagation; ``eK`` the even
walk in place of the propagation, ``eK+`` after it; ``mT`` / ``mT/VARIANT`` NetMF's
window-T matrix computed exactly on the pattern of A + … + A^T (:func:`exact_window_matrix`)
in place of the T = 1 PMI.

``links`` — a label-free criterion: 10 % of the edges held out, embed-graph's own factors
of the rest (:func:`embedkit.graph.netmf_factors`), and for each variant (``base``, ``eK``,
``pO,M,T``) the ROC-AUC of the cosine on the held-out edges against as many random pairs.

Graph names as in ``bench_graph_choice.py``.
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
from bench_graph_choice import DIM, held_out_pairs, load, select, vectors, window  # noqa: E402


def _filter(spec: str) -> tuple[int, float, float]:
    o, m, t = spec[1:].split(",")
    return int(o), float(m), float(t)


def propagated(g, x: np.ndarray, spec: str, unit: bool = True) -> np.ndarray:
    from embedkit.graph import spectral_propagation, spectral_vectors
    from embedkit.linalg import unit_rows

    order, mu, theta = _filter(spec)
    y = spectral_propagation(g, unit_rows(x) if unit else x, order, mu, theta)
    return spectral_vectors(y, 0.5)


def side_by_side(*xs: np.ndarray) -> np.ndarray:
    from embedkit.linalg import unit_rows

    return np.hstack([unit_rows(x) for x in xs]).astype(np.float32)


def even_walk(g, x: np.ndarray, k: int, beta: float = 1.0) -> np.ndarray:
    """(1/K) Σ_{r=1..K} P^{2r} of unit rows of x, P = D⁻¹A, then U Σ^½: a window on the
    walk's *even* powers, whose spectrum λ^{2r} keeps both ends of S's (a negative
    eigenvalue, structure between two sides, is smoothed like a positive one)."""
    from embedkit.graph import spectral_vectors
    from embedkit.linalg import unit_rows

    a = g.adjacency().tocsr()
    deg = np.asarray(a.sum(axis=1)).ravel()
    p = (sp.diags(1.0 / np.maximum(deg, 1e-300)) @ a).astype(np.float32).tocsr()
    z = unit_rows(x)
    if k == 0:  # the unit rows and U Σ^½ alone
        return spectral_vectors(z, 0.5)
    acc = np.zeros_like(z)
    for _ in range(k):
        z = p @ (p @ z)
        acc += z
    return spectral_vectors((1.0 - beta) * unit_rows(x) + beta * acc / k, 0.5)


def dense(g, w, u, spec: str) -> np.ndarray:
    t = 10
    if "/" in spec:  # tN/VARIANT: NetMF's window N
        head, spec = spec.split("/")
        t = int(head[1:])
    mirror = select(w, "mirror")
    if spec == "base":
        return vectors(g, w, u, mirror, window(t))
    if spec[0] in "pr":
        return propagated(g, vectors(g, w, u, mirror, window(t)), spec, unit=spec[0] == "p")
    if spec[0] == "x":  # xD, xD,E or xD,E,α: the default's D-d vectors beside the sparse route's (E-d, × α)
        d, e, a = (spec[1:].split(",") + ["", ""])[:3]
        x = side_by_side(vectors(g, w, u, mirror, window(t), int(d)), sparse_route(g, "base", int(e or d)))
        x[:, int(d) :] *= float(a or 1.0)
        return x
    if spec[0] == "C":  # CO,M,T: the default's 160-d vectors beside their propagation (320 d)
        x = vectors(g, w, u, mirror, window(t))
        return side_by_side(x, propagated(g, x, spec))
    if spec[0] == "e":  # eK or eK,β
        k, _, beta = spec[1:].partition(",")
        return even_walk(g, vectors(g, w, u, mirror, window(t)), int(k), float(beta or 1.0))
    half = DIM // 2
    x = vectors(g, w, u, mirror, window(t), half)
    if spec[0] == "c":
        return side_by_side(x, propagated(g, x, spec))
    if spec[0] == "s":
        top = vectors(g, w, u, select(w, "top"), window(10), half)
        return side_by_side(x, propagated(g, top, spec))
    raise SystemExit(f"unknown variant {spec!r}")


def exact_window_matrix(g, t: int) -> sp.csr_matrix:
    """NetMF's window-T matrix exactly, on the pattern of A + A² + … + A^T (sparse while
    the graph is sparse): log max(vol(G)/T · Σ_{r≤T} P^r D⁻¹, 1), P = D⁻¹A, float32 CSR."""
    a = g.adjacency().tocsr().astype(np.float64)
    d = np.asarray(a.sum(axis=1)).ravel()
    dinv = sp.diags(np.where(d > 0, 1.0 / np.maximum(d, 1e-300), 0.0))
    p = (dinv @ a).tocsr()
    x, acc = p, p.copy()
    for _ in range(t - 1):
        x = (x @ p).tocsr()
        acc = acc + x
    m = (acc @ dinv * (d.sum() / t)).tocsr()
    m = ((m + m.T) * 0.5).tocsr()
    m.data = np.log(np.maximum(m.data, 1.0))
    m.eliminate_zeros()
    return sp.csr_matrix(m, dtype=np.float32)


def sparse_route(g, spec: str, dim: int = DIM) -> np.ndarray:
    from embedkit.graph import sparse_pmi_matrix
    from embedkit.linalg import RowSplitMatmul, truncated_eigh_product

    if spec.startswith("m"):  # mT/VARIANT: the exact window-T matrix in place of T = 1
        head, _, spec = spec.partition("/")
        m = exact_window_matrix(g, int(head[1:]))
        spec = spec or "base"
    else:
        m = sparse_pmi_matrix(g)
    print(f"<!-- {g.n:,} nodes, {m.nnz:,} non-zeros -->", flush=True)
    dim = dim if spec == "base" or spec[0] in "pr" else dim // 2
    with RowSplitMatmul(sp.csr_matrix(m, dtype=np.float32)) as product:
        ev, vec = truncated_eigh_product(product, g.n, dim, n_iter=4, seed=0)
    x = vec * (np.abs(ev) ** 0.5).astype(np.float32)
    if spec == "base":
        return propagated(g, x, "p5,0,4")
    if spec[0] in "pr":
        return propagated(g, x, spec, unit=spec[0] == "p")
    if spec[0] == "c":
        return side_by_side(x, propagated(g, x, spec))
    if spec[0] == "e":  # eK: the even walk in place of the propagation; eK+: after it
        k = spec[1:].rstrip("+")
        y = propagated(g, x, "p5,0,4") if spec.endswith("+") else x
        return even_walk(g, y, int(k))
    raise SystemExit(f"unknown variant {spec!r}")


def links(name: str, args, variants) -> str:
    """ROC-AUC of the cosine on 10 % held-out edges against as many random pairs, each
    variant from embed-graph's own factors of the remaining graph (a label-free criterion)."""
    from sklearn.metrics import roc_auc_score

    from embedkit.graph import Graph, netmf_factors, netmf_vectors
    from embedkit.linalg import unit_rows

    g, _, _, _ = load(name, args)
    a = sp.triu(g.adjacency(), 1).tocoo()
    rng = np.random.default_rng(0)
    hold = rng.random(a.nnz) < 0.1
    g2 = Graph.from_edges(a.row[~hold], a.col[~hold], g.n, a.data[~hold], nodes=g.nodes)
    x = netmf_vectors(netmf_factors(g2), DIM, 0.5)
    rows, cols, truth = held_out_pairs(a, hold, g2.degrees, rng)
    cells = []
    for spec in variants:
        if spec == "base":
            y = x
        elif spec[0] == "e":
            y = even_walk(g2, x, int(spec[1:]))
        else:
            y = propagated(g2, x, spec)
        y = unit_rows(y)
        cells.append(f"{roc_auc_score(truth, np.einsum('ik,ik->i', y[rows], y[cols])):.3f}")
    return f"| {name} | " + " | ".join(cells) + " |"


def main() -> None:
    from embedkit.evaluate import node_classification
    from embedkit.vectors import Embedding

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("route", choices=["dense", "sparse", "links"])
    ap.add_argument("graphs", nargs="+")
    ap.add_argument("--confirm-dir", type=Path)
    ap.add_argument("--news-dir", type=Path)
    ap.add_argument("--cache", type=Path, default=Path("/tmp/embedkit-spectra"))
    ap.add_argument("--variants", nargs="+", default=["base", "p5,0,4", "p10,0.2,0.5", "c5,0,4"])
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    if args.route == "links":
        print("| graph | " + " | ".join(args.variants) + " |")
        print("|---|" + "---|" * len(args.variants))
        for name in args.graphs:
            print(links(name, args, args.variants), flush=True)
        return
    print(f"| graph | {args.route} variant | micro-F1 @50% | macro-F1 @50% |")
    print("|---|---|---|---|")
    for name in args.graphs:
        g, labels, w, u = load(name, args)
        for spec in args.variants:
            t = time.process_time()
            x = dense(g, w, u, spec) if args.route == "dense" else sparse_route(g, spec)
            x[g.degrees == 0] = 0
            (r,) = node_classification(Embedding(g.nodes, x), labels, (0.5,), repeats=args.repeats)
            cpu = time.process_time() - t
            print(f"| {name} | {spec} | {r.micro_f1:.3f} | {r.macro_f1:.3f} |  <!-- CPU {cpu:.0f} s -->", flush=True)


if __name__ == "__main__":
    main()
