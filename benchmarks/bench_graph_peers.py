"""embed-graph beside published graph-embedding methods, on BlogCatalog, Cora and other graphs.

    python benchmarks/bench_graph_peers.py [--graphs blogcatalog cora] [--repeats 10]
        [--peers default netmf fastrp prone deepwalk] [--extra-dir DIR]

Each system embeds the graph, then the same node classification scores it: 50 % training,
one-vs-rest liblinear logistic regression (C = 1) on L2-normalised rows, each test node
given its k most probable labels, micro/macro-F1 averaged over ``--repeats`` seeded
splits (``embedkit.evaluate.node_classification``, the data README's protocol).

Systems (the peers are short, independent implementations or the published package, run
in this process; ``default`` is the real command in a fresh process, interpreter start to
model written):

* ``default`` — ``python -m embedkit.cli embed-graph EDGES -o MODEL -q``.
* ``sparse`` — the same with ``--method sparse`` (the route taken above 20,000 nodes).
* ``netmf`` — NetMF as its paper defines it (Qiu et al., WSDM 2018; the authors'
  ``netmf.py``): the top 256 eigenpairs of D^-½ A D^-½ (ARPACK, ``which="LA"``),
  filter λ(1 − λ^T)/((1 − λ) T) with T = 10 clipped at 0, M = vol(G)/b · D^-½ U F Uᵀ D^-½
  (b = 1), log max(M, 1), 128-d U Σ^½ (scikit-learn's randomized SVD in place of the
  authors' ``svds``, for time).
* ``fastrp`` — FastRP (Chen et al., CIKM 2019) as the authors' ``fastrp.py`` computes it: a
  very sparse random projection R (n × 512, scikit-learn's, density 1/√n), N₁ = P L R
  with P = D⁻¹A and L = diag(d^β), Nᵢ = P Nᵢ₋₁, each Nᵢ L2-normalised by rows, weights
  0, 0, 1, 6, β = −0.9 (the paper's BlogCatalog settings), the sum standardised by column.
* ``prone`` — ProNE (Zhang et al., IJCAI 2019) from the ``nodevectors`` package with its
  defaults (order 10, μ 0.2, θ 0.5, exponent 0.75) at 128 d (its default is 32).  Skipped,
  and said so, when ``nodevectors`` is not installed.
* ``deepwalk`` — DeepWalk (Perozzi et al., KDD 2014): embedkit's uniform walks (10 × 80 a
  node) + gensim skip-gram, hierarchical softmax, 128 d, window 10, 2 workers.  Skipped,
  and said so, when gensim is not installed.

Wall time is noisy on a shared machine, so CPU time (user + system, all threads / the child
process) is printed beside it.  The peers' times are their embedding alone (the graph is
already read, the interpreter started); ``default`` and ``sparse`` are the whole command, so
the comparison favours the peers by embedkit's start-up and reading (about 0.3–0.5 s).

The speed comparison (BlogCatalog end to end against FastRP), one command:

    python benchmarks/bench_graph_peers.py --graphs blogcatalog cora --peers default fastrp --repeats 10
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = Path(os.environ.get("EMBEDKIT_SHARED_DATA", ROOT.parent / "shared" / "data"))


def _quality(nodes: list[str], vectors: np.ndarray, labels: dict, repeats: int) -> tuple[float, float]:
    from embedkit.evaluate import node_classification
    from embedkit.vectors import Embedding

    (r,) = node_classification(Embedding(nodes, np.asarray(vectors, dtype=np.float32)), labels, (0.5,), repeats=repeats)
    return r.micro_f1, r.macro_f1


def netmf_reference(a: sp.csr_matrix, window: int = 10, rank: int = 256, dim: int = 128, b: float = 1.0):
    from scipy.sparse.linalg import eigsh
    from sklearn.utils.extmath import randomized_svd

    n = a.shape[0]
    d = np.asarray(a.sum(axis=1)).ravel()
    vol = d.sum()
    dinv = sp.diags(1.0 / np.sqrt(np.maximum(d, 1e-300)))
    x = dinv @ a @ dinv
    evals, evecs = eigsh(x, min(rank, n - 1), which="LA", tol=1e-6, v0=np.random.default_rng(0).random(n))
    with np.errstate(divide="ignore", invalid="ignore"):
        filt = np.where(np.isclose(evals, 1.0), 1.0, evals * (1 - evals**window) / (1 - evals) / window)
    filt = np.maximum(filt, 0)
    left = dinv @ evecs
    m = (left * filt) @ left.T * (vol / b)
    y = np.log(np.maximum(m, 1.0))
    u, s, _ = randomized_svd(y, dim, n_iter=5, random_state=0)
    return u * np.sqrt(s)


def fastrp(a: sp.csr_matrix, dim: int = 512, weights=(0.0, 0.0, 1.0, 6.0), beta: float = -0.9, seed: int = 42):
    """FastRP as the authors' ``fastrp.py`` (GTmac/FastRP) computes it: scikit-learn's very
    sparse random projection R (n × dim, density 1/√n), N₁ = P L R with P = D⁻¹A and
    L = diag(d^β), Nᵢ = P Nᵢ₋₁; each Nᵢ L2-normalised by rows, summed with ``weights``, and
    the sum standardised column by column (``sklearn.preprocessing.scale``), the step an
    earlier version of this function left out (0.328 / 0.143 on BlogCatalog without it)."""
    from sklearn.preprocessing import normalize, scale
    from sklearn.random_projection import SparseRandomProjection

    n = a.shape[0]
    d = np.asarray(a.sum(axis=1)).ravel()
    p = (sp.diags(1.0 / np.maximum(d, 1e-300)) @ a).tocsr()
    r = SparseRandomProjection(n_components=dim, random_state=seed).fit(p).components_  # dim × n
    r = (r @ sp.diags(np.power(np.maximum(d, 1e-300), beta))).T.tocsr()  # L R (n × dim)
    cur = np.asarray((p @ r).todense())
    out = np.zeros((n, dim))
    for i, w in enumerate(weights):
        if i:
            cur = p @ cur
        if w:
            out += w * normalize(cur, norm="l2", axis=1)
    return scale(out)


def prone(a: sp.csr_matrix, dim: int = 128):
    from nodevectors import ProNE

    model = ProNE(n_components=dim, verbose=False)
    model.fit(sp.csr_matrix(a))
    return np.stack([model.model[i] for i in range(a.shape[0])])


def deepwalk(graph, dim: int = 128):
    from gensim.models import Word2Vec

    from embedkit.graph import random_walks

    sentences = [
        [graph.nodes[i] for i in row if i >= 0] for w in random_walks(graph, 10, 80, seed=0) for row in w.tolist()
    ]
    model = Word2Vec(sentences, vector_size=dim, window=10, min_count=0, sg=1, hs=1, negative=0, workers=2, seed=0)
    return np.stack([model.wv[v] for v in graph.nodes])


def run_cli(edges: Path, extra: list[str], tmp: Path):
    model = tmp / "model.ekm"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "embedkit.cli", "embed-graph", str(edges), "-o", str(model), "-q", *extra], check=True
    )
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    from embedkit.vectors import Embedding

    emb = Embedding.load(model)
    return emb.words, emb.vectors, wall, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--graphs", nargs="*", default=["blogcatalog", "cora"])
    ap.add_argument(
        "--extra-dir", type=Path, help="folder with NAME.edges.csv / NAME.labels.csv (gen_confirm_graphs.py)"
    )
    ap.add_argument("--peers", nargs="*", default=["default", "sparse", "netmf", "fastrp", "prone", "deepwalk"])
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--cli-args", default="", help="extra arguments for the default run, e.g. '--window 3'")
    args = ap.parse_args()
    from embedkit.evaluate import read_node_labels
    from embedkit.graph import read_edges

    print("| graph | system | wall (s) | CPU (s) | micro-F1 @50% | macro-F1 @50% |")
    print("|---|---|---|---|---|---|")
    for name in args.graphs:
        folder = (
            args.extra_dir if args.extra_dir and (args.extra_dir / f"{name}.edges.csv").exists() else SHARED / "graphs"
        )
        edges, labels_path = folder / f"{name}.edges.csv", folder / f"{name}.labels.csv"
        if not edges.exists():
            print(f"| {name} | (data not found: {edges}) | | | | |")
            continue
        labels = read_node_labels(str(labels_path))
        graph = read_edges(str(edges))
        a = graph.adjacency()
        for peer in args.peers:
            with tempfile.TemporaryDirectory() as tmp:
                try:
                    if peer in ("default", "sparse"):
                        extra = args.cli_args.split() + (["--method", "sparse"] if peer == "sparse" else [])
                        nodes, vec, wall, cpu = run_cli(edges, extra, Path(tmp))
                    else:
                        fn = {"netmf": netmf_reference, "fastrp": fastrp, "prone": prone, "deepwalk": deepwalk}[peer]
                        t, c = time.perf_counter(), time.process_time()
                        vec = fn(graph) if peer == "deepwalk" else fn(a)
                        wall, cpu, nodes = time.perf_counter() - t, time.process_time() - c, graph.nodes
                except ImportError as e:
                    print(f"| {name} | {peer}: skipped, {e.name} is not installed | | | | |", flush=True)
                    continue
                mi, ma = _quality(list(nodes), vec, labels, args.repeats)
                print(f"| {name} | {peer} | {wall:.1f} | {cpu:.1f} | {mi:.3f} | {ma:.3f} |", flush=True)


if __name__ == "__main__":
    main()
