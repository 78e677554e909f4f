"""NetMF beside the sparse route: the split, scaling, window and propagation of each part,
measured on the combination: the figures behind BENCHMARKS.md "netmf+sparse: each part's
settings, chosen for the combination".

    python benchmarks/bench_graph_combine.py GRAPH... [--extra-dir DIR] [--repeats 5] \\
        --variants base a=0.6 nT=3 so=5,smu=0.2,sth=0.5 nd=0 nd=0,sx=w3 ...

Each part is built by the library's own steps, exactly as ``embed-graph --method
netmf+sparse`` builds it (``base`` gives the same bytes as :func:`embedkit.pipeline.embed_graph`
with its defaults: ``tests/test_graph_combine_bench.py``), and cached on disk (``--cache``),
so a variant recomputes only the part it changes; every variant is scored by the same
protocol (:func:`embedkit.evaluate.node_classification`, micro / macro-F1 at 50 % training,
``--repeats`` seeded splits, the same splits for every variant).

A variant is a comma-separated list of ``key=value`` over these defaults (the default
route's settings):

* NetMF part — ``nd`` its dimensions (160; 0: no NetMF part), ``nT`` its filter (``10``:
  NetMF's window T, sign(λ) f_T(|λ|); ``2-10``: the mean of the powers 2 … 10 only;
  ``w:a:b:…``: weights a, b, … of the powers 1, 2, …, two-sided the same way), ``neig``
  the power of its eigenvalues (0.5), ``nrank`` the eigenpairs of S (192).
* sparse part — ``sd`` its dimensions (160), ``so`` / ``smu`` / ``sth`` the spectral
  propagation's order, μ and θ (5, 0, 4), ``seig`` the power of the re-orthogonalised
  singular values (0.5), ``scds`` / ``sb`` the PMI's context-distribution smoothing and
  shift (1, 1), ``sm`` its matrix (``pmi``: the T = 1 PMI; ``mT``: NetMF's window-T matrix
  exactly on the pattern of A + … + A^T, ``bench_graph_enhance.exact_window_matrix``).
* ``a`` the sparse part's row length (0.7; NetMF's rows are unit length).
* ``sx`` a third part, ``wK``: the sparse part's unit rows averaged over the walk's first
  K steps, (1/K) Σ_{r≤K} P^r z (P = D⁻¹A), re-orthogonalised (U Σ^½), its rows at length
  ``a2`` (1).  With ``nd=0`` this is the sparse route (above 20,000 nodes) beside its own
  smoothing.

Graph names: ``blogcatalog`` and ``cora`` from the shared data; others from ``--extra-dir``
(``gen_confirm_graphs.py``: dcsbm, hetero, useritem, words; ``--news``: newswords).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
SHARED = ROOT.parent / "shared" / "data"

DEFAULTS = dict(
    nd=160, nT="10", neig=0.5, nrank=192,
    sd=160, so=5, smu=0.0, sth=4.0, seig=0.5, scds=1.0, sb=1.0, sm="pmi",
    a=0.7, sx="", a2=1.0,
)  # fmt: skip


def parse(spec: str) -> dict:
    """A variant's settings: ``spec`` (``key=value,…``; ``base`` or empty: the defaults)."""
    out = dict(DEFAULTS)
    for kv in filter(None, "" if spec == "base" else spec.split(",")):
        k, v = kv.split("=")
        if k not in DEFAULTS:
            raise SystemExit(f"unknown setting {k!r} in {spec!r}")
        out[k] = type(DEFAULTS[k])(v)
    return out


class Parts:
    """The parts of one graph, cached under ``cache`` (``None``: in memory only)."""

    def __init__(self, g, name: str, cache: Path | None):
        self.g, self.name, self.cache, self.memo = g, name, cache, {}

    def _cached(self, what, fn):
        k = f"{self.name}_{hashlib.md5(repr(what).encode()).hexdigest()[:12]}"
        if k in self.memo:
            return self.memo[k]
        p = self.cache / f"{k}.npz" if self.cache else None
        if p is not None and p.exists():
            z = np.load(p)
            out = tuple(z[f"a{i}"] for i in range(len(z.files)))
        else:
            out = fn()
            if p is not None:
                np.savez(p, **{f"a{i}": x for i, x in enumerate(out)})
        self.memo[k] = out
        return out

    def eigenpairs(self, rank: int):
        from embedkit.graph.netmf import _normalized, two_sided_eigenpairs

        def make():
            s, _, _ = _normalized(self.g)
            evals, evecs, kept = two_sided_eigenpairs(s, min(rank, self.g.n), seed=0)
            return evals, evecs, np.array(kept)

        return self._cached(("eig", rank), make)

    def netmf(self, o: dict) -> np.ndarray:
        """NetMF's vectors (n × nd) as :func:`embedkit.graph.netmf_factors` and
        :func:`embedkit.graph.netmf_vectors` make them, with the filter ``nT``."""
        from embedkit.graph.netmf import NetMFFactors, _normalized, netmf_vectors
        from embedkit.linalg import orthonormalize

        def make():
            evals, evecs, kept = self.eigenpairs(o["nrank"])
            _, dinv, vol = _normalized(self.g)
            left = (evecs * dinv[:, None]).astype(np.float32)
            scaled = left * (window_filter(evals, o["nT"]) * vol).astype(np.float32)
            f = NetMFFactors(left, scaled, orthonormalize(evecs.astype(np.float32)), int(kept))
            return (netmf_vectors(f, o["nd"], o["neig"]),)

        return self._cached(("netmf", o["nd"], o["nT"], o["neig"], o["nrank"]), make)[0]

    def sparse_eigh(self, o: dict):
        from embedkit.linalg import RowSplitMatmul, truncated_eigh_product

        def make():
            m = sparse_matrix(self.g, o)
            print(f"<!-- {self.name}: the sparse part's matrix ({o['sm']}) has {m.nnz:,} non-zeros -->", flush=True)
            with RowSplitMatmul(sp.csr_matrix(m, dtype=np.float32)) as product:
                return truncated_eigh_product(product, self.g.n, o["sd"], n_iter=4, seed=0)

        return self._cached(("seigh", o["sd"], o["scds"], o["sb"], o["sm"]), make)

    def _sparse_key(self, o):
        return (o["sd"], o["so"], o["smu"], o["sth"], o["seig"], o["scds"], o["sb"], o["sm"])

    def sparse(self, o: dict) -> np.ndarray:
        """The sparse route's vectors (n × sd) as ``embed-graph --method sparse`` makes them:
        U Σ^½ of the matrix, unit rows, spectral propagation, U Σ^seig."""
        from embedkit.graph import spectral_propagation, spectral_vectors
        from embedkit.linalg import unit_rows

        def make():
            ev, vec = self.sparse_eigh(o)
            x = unit_rows(vec * (np.abs(ev) ** 0.5).astype(np.float32))
            return (spectral_vectors(spectral_propagation(self.g, x, o["so"], o["smu"], o["sth"]), o["seig"]),)

        return self._cached(("sparse",) + self._sparse_key(o), make)[0]

    def smoothed(self, o: dict) -> np.ndarray:
        def make():
            return (walk_window(self.g, self.sparse(o), int(o["sx"][1:])),)

        return self._cached(("smooth", o["sx"]) + self._sparse_key(o), make)[0]

    def combined(self, o: dict) -> np.ndarray:
        """The variant's vectors: the parts' unit rows side by side, scaled (float32)."""
        from embedkit.linalg import unit_rows

        parts = []
        if o["nd"] > 0:
            parts.append(unit_rows(self.netmf(o)))
        if o["sd"] > 0:
            parts.append(unit_rows(self.sparse(o)) * np.float32(o["a"]))
        if o["sx"]:
            parts.append(unit_rows(self.smoothed(o)) * np.float32(o["a2"]))
        x = np.hstack(parts).astype(np.float32)
        x[self.g.edgeless] = 0.0
        return x


def window_filter(evals: np.ndarray, spec: str) -> np.ndarray:
    """The NetMF part's filter of S's eigenvalues: ``T`` NetMF's two-sided window (the
    library's own), ``lo-hi`` the mean of the powers lo … hi, ``w:a:b:…`` the powers
    1, 2, … weighted a, b, …; each as sign(λ) Σ w_r |λ|^r."""
    from embedkit.graph.netmf import _two_sided_filter

    if spec.isdigit():
        return _two_sided_filter(evals, int(spec))
    if "-" in spec:
        lo, hi = map(int, spec.split("-"))
        weights = [0.0] * (lo - 1) + [1.0 / (hi - lo + 1)] * (hi - lo + 1)
    else:
        weights = [float(v) for v in spec[2:].split(":")]
    lam, out, x = np.abs(evals), np.zeros_like(evals), np.ones_like(evals)
    for w in weights:
        x = x * lam
        out += w * x
    return np.sign(evals) * out


def sparse_matrix(g, o: dict) -> sp.csr_matrix:
    from embedkit.weighting import pmi

    if o["sm"] == "pmi":  # sparse_pmi_matrix's own call, with the smoothing and shift free
        return pmi(g.adjacency(), "ppmi", max(o["sb"], 1.0), cds=o["scds"])
    if o["sm"][0] == "m":
        from bench_graph_enhance import exact_window_matrix

        return exact_window_matrix(g, int(o["sm"][1:]))
    raise SystemExit(f"unknown sparse matrix {o['sm']!r}")


def walk_window(g, x: np.ndarray, k: int) -> np.ndarray:
    """(1/K) Σ_{r=1..K} P^r z of z, the unit rows of x (P = D⁻¹A), then U Σ^½."""
    from embedkit.graph import spectral_vectors
    from embedkit.linalg import unit_rows

    a = g.adjacency().tocsr()
    deg = np.asarray(a.sum(axis=1)).ravel()
    p = (sp.diags(np.where(deg > 0, 1.0 / np.maximum(deg, 1e-300), 0.0)) @ a).astype(np.float32).tocsr()
    z, acc = unit_rows(x), None
    for _ in range(k):
        z = p @ z
        acc = z.copy() if acc is None else acc + z
    return spectral_vectors(acc / np.float32(k), 0.5)


def load(name: str, extra: Path | None):
    from embedkit.evaluate import read_node_labels
    from embedkit.graph import read_edges

    folder = extra if extra and (extra / f"{name}.edges.csv").exists() else SHARED / "graphs"
    return read_edges(str(folder / f"{name}.edges.csv")), read_node_labels(str(folder / f"{name}.labels.csv"))


def main() -> None:
    from embedkit.evaluate import node_classification
    from embedkit.vectors import Embedding

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("graphs", nargs="+")
    ap.add_argument("--extra-dir", type=Path, help="folder of the other graphs (gen_confirm_graphs.py)")
    ap.add_argument("--variants", nargs="+", default=["base"])
    ap.add_argument("--cache", type=Path, default=Path("/tmp/embedkit-combine"))
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    print("| graph | variant | micro-F1 @50% | macro-F1 @50% |")
    print("|---|---|---|---|")
    for name in args.graphs:
        g, labels = load(name, args.extra_dir)
        parts = Parts(g, name, args.cache)
        for spec in args.variants:
            t = time.process_time()
            x = parts.combined(parse(spec))
            (r,) = node_classification(Embedding(g.nodes, x), labels, (0.5,), repeats=args.repeats)
            cpu = time.process_time() - t
            print(f"| {name} | {spec} | {r.micro_f1:.4f} | {r.macro_f1:.4f} |  <!-- CPU {cpu:.0f} s -->", flush=True)


if __name__ == "__main__":
    main()
