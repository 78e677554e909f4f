"""Neighbour search at scale: exact batches, approximate indexes, gensim beside them.

    python benchmarks/bench_neighbors.py [--dir DIR] [--rows 1000000] [--queries 10000]
                                         [--only gemm,exact,ann,index,batch,gensim,big,dictwiki,blogcatalog,confirm]

One command, each part cached in ``--dir`` (default ``/tmp/embedkit-bench-neighbors``;
the generated models take 1.2 GB at 1 M rows, 3.6 GB more for ``big``):

- ``gemm``: this machine's float32 matrix-product rate through numpy's BLAS (4096 × 300
  by 300 × 4096, the shape of the batch search's products), GFLOP/s.
- ``exact``: ``Embedding.neighbors`` over ``--queries`` words (seeded sample) of a
  clustered model (``gen_vectors.py``), top 10, one batch: wall, CPU, and the rate
  2·q·n·dim / wall against the GEMM rate.  Its answers are the ground truth for the rest.
  Also the same queries through ``embedkit neighbors - --exact`` (load, search, print).
- ``ann``: each candidate (faiss-cpu IVF-Flat, IVF-PQ fast-scan and HNSW, hnswlib, usearch
  float32 and 8-bit) built over the unit rows in a child process: build wall / CPU, peak
  RSS, index size on disk, then query time and recall@10 (the word itself left out) at
  several search settings; a candidate with ``rerank`` has its candidates scored exactly
  against the float32 rows (timed with the search).
  Then ``embedkit index`` and ``embedkit neighbors -`` (the one embedkit uses) end to end,
  on the tuning queries and on a second, disjoint query sample (the confirmation).
- ``batch``: the 10,000-query batch through ``Embedding.neighbors`` with the index's
  defaults, four times in one process (seeds 1, 0, 1, 0; the first on the freshly loaded
  model): the time the 3 s aim is about.  Needs the index (``index`` builds it).
- ``gensim``: ``KeyedVectors.most_similar`` on the same vectors one query at a time (200
  queries, timed, and scaled to ``--queries``), and gensim's ``AnnoyIndexer`` if annoy
  is installed (100 trees).
- ``big``: a 3 M × 300 word2vec binary (3.6 GB): the first ``embedkit neighbors`` on it
  (parse + cache), then a second one, and the load + one query in process.
- ``dictwiki``: recall@10 of ``embedkit index`` against exact on a model trained on the
  real dictwiki corpus (``embedkit train-words``), every vocabulary word a query.
- ``blogcatalog``: the same on real vectors of another kind, BlogCatalog's nodes embedded
  by ``embedkit embed-graph`` (NetMF).
- ``confirm``: the same on real models that chose nothing (the index's margin was chosen
  knowing dictwiki and BlogCatalog): Cora's nodes (NetMF, 160 d), dictwiki with a narrow
  window and 100 d (``--window 2 --dim 100``), and AG News's LSA word vectors (100 d).

Wall times on a shared machine are noisy: CPU time is printed beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import gen_vectors  # noqa: E402

from embedkit.formats import load_model  # noqa: E402

DATA = Path(os.environ.get("EMBEDKIT_SHARED_DATA", ROOT.parent / "shared" / "data"))
EMBEDKIT = [str(Path(sys.executable).parent / "embedkit")]
K = 10


def timed(fn, *args, **kwargs):
    t, c = time.perf_counter(), time.process_time()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t, time.process_time() - c


def run(cmd: list[str], stdin=None) -> dict:
    """A command's wall time and its stderr (exits on failure)."""
    t = time.perf_counter()
    p = subprocess.run(cmd, stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if p.returncode:
        sys.exit(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr.decode()[-2000:]}")
    return {"wall": time.perf_counter() - t, "stderr": p.stderr.decode()}


def child(cmd: list[str]) -> dict:
    """Run ``cmd`` (python printing one JSON object last), with its peak RSS."""
    # OpenMP threads (faiss) sleep instead of spinning when they wait: fair on a shared machine
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    out = p.stdout.read()
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    if status:
        sys.exit(f"{' '.join(cmd)} failed: {err.decode()[-2000:]}")
    result = json.loads(out.decode().strip().splitlines()[-1])
    result["peak_rss_gb"] = ru.ru_maxrss / 2**20
    result["cpu_total"] = ru.ru_utime + ru.ru_stime
    return result


def model_path(d: Path, rows: int) -> Path:
    p = d / f"clustered-{rows}.ekm"
    if not p.exists():
        print(f"generating {p} …", file=sys.stderr)
        gen_vectors.write_ekm(p, rows)
    return p


def query_words(rows: int, q: int, seed: int) -> list[str]:
    """``q`` distinct rows: seed 0 the tuning sample, seed 1 a disjoint confirmation one."""
    perm = np.random.default_rng(12345).permutation(rows)
    picks = perm[seed * q : (seed + 1) * q]
    return [f"w{i:08d}" for i in picks]


def truth(d: Path, rows: int, q: int, seed: int, results: dict) -> np.ndarray:
    """Exact top-10 rows of the query sample (cached), timed in process."""
    p = d / f"truth-{rows}-{q}-{seed}.npy"
    if p.exists():
        return np.load(p)
    emb = load_model(model_path(d, rows))
    words = query_words(rows, q, seed)
    (found, _), wall, cpu = timed(emb.neighbors, words, K)
    ids = np.array([emb.index[n] for _, n, _ in found], dtype=np.int64).reshape(len(words), K)
    np.save(p, ids)
    flops = 2.0 * q * rows * emb.dim
    results.setdefault("exact", {})[f"seed{seed}"] = {
        "wall": wall,
        "cpu": cpu,
        "gflops": flops / wall / 1e9,
        "tflop": flops / 1e12,
    }
    print(f"exact, {q:,} queries × {rows:,} rows: {wall:.1f} s wall, {cpu:.1f} s CPU", file=sys.stderr)
    return ids


def recall(found: np.ndarray, exact: np.ndarray) -> float:
    hits = sum(len(set(f.tolist()) & set(e.tolist())) for f, e in zip(found, exact))
    return hits / exact.size


# -- parts ----------------------------------------------------------------------------------
def part_gemm(results: dict) -> None:
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4096, 300), dtype=np.float32)
    b = rng.standard_normal((4096, 300), dtype=np.float32)
    out = a @ b.T
    best = None
    for _ in range(3):
        _, wall, cpu = timed(lambda: [np.matmul(a, b.T, out=out) for _ in range(10)])
        rate = 10 * 2 * 4096 * 4096 * 300 / wall / 1e9
        if best is None or rate > best["gflops"]:
            best = {"gflops": rate, "cpu_per_wall": cpu / wall}
    # the top-k of a block of scores: the compiled threshold loop against argpartition
    from embedkit import kernels

    scores = rng.standard_normal((4096, 4096)).astype(np.float32)
    scale = np.ones(4096, np.float32)
    top = (np.full((4096, K), -np.inf, np.float32), np.full((4096, K), -1, np.int64))
    kernels.merge_top(scores[:64], scale, 0, top[0][:64], top[1][:64])  # compile
    _, _, cpu = timed(lambda: [kernels.merge_top(scores, scale, r * 4096, *top) for r in range(8)])
    best["merge_top_ns_per_score_cpu"] = cpu / (8 * scores.size) * 1e9
    _, _, cpu = timed(np.argpartition, -scores, K - 1, axis=1)
    best["argpartition_ns_per_score_cpu"] = cpu / scores.size * 1e9
    results["gemm"] = best
    print(f"GEMM float32: {best['gflops']:.0f} GFLOP/s ({best['cpu_per_wall']:.2f} cores busy)", file=sys.stderr)


def part_exact(d: Path, rows: int, q: int, results: dict) -> None:
    truth(d, rows, q, 0, results)
    words = query_words(rows, q, 0)
    qfile = d / f"queries-{rows}-{q}-0.txt"
    qfile.write_text("\n".join(words) + "\n")
    with open(qfile) as f:
        r = run([*EMBEDKIT, "neighbors", "-", "-m", str(model_path(d, rows)), "--exact", "--tsv", "-k", str(K)], f)
    results["exact"]["cli_wall"] = r["wall"]
    print(f"embedkit neighbors - --exact: {r['wall']:.1f} s", file=sys.stderr)


CANDIDATES = {
    # name: (build parameters, search settings to try); IVF's lists: about 4 √rows (a power of 2).
    # faiss-cpu comes with embedkit[ann]; usearch and hnswlib are installed by hand to compare
    "faiss-ivf": ({"nlist": None, "train_per_list": 32}, [8, 16, 32, 64]),
    "faiss-hnsw": ({"M": 32, "efConstruction": 80}, [32, 64, 128]),
    "hnswlib": ({"M": 16, "ef_construction": 100}, [32, 64, 128]),
    "usearch": ({"connectivity": 16, "expansion_add": 128, "dtype": "f32"}, [32, 64, 128]),
    # 8-bit graph, its candidates re-ranked exactly (search setting: ef; 64 candidates)
    "usearch-i8": ({"connectivity": 32, "expansion_add": 64, "dtype": "i8", "rerank": 64}, [64, 128, 192]),
    # the one embedkit uses (embedkit/ann.py): IVF, 4-bit PQ fast-scan, 100 candidates re-ranked
    # exactly (search setting: nprobe); lists about 2 √rows
    "faiss-ivfpq": ({"nlist": None, "train_per_list": 64, "rerank": 100}, [8, 16, 32, 64]),
}


def rerank(unit: np.ndarray, queries: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Candidates (q × m, −1 none) sorted by their exact cosines with the queries."""
    out = np.empty_like(ids)
    for q0 in range(0, len(ids), 1024):
        c = ids[q0 : q0 + 1024]
        cos = np.einsum("qkd,qd->qk", unit[np.where(c >= 0, c, 0)], queries[q0 : q0 + 1024])
        out[q0 : q0 + 1024] = np.take_along_axis(c, np.argsort(-np.where(c >= 0, cos, -np.inf), axis=1), 1)
    return out


def candidate(name: str, model: str, d: str, rows: int, q: int) -> None:
    """In a child process: build one library's index, save it, query it; print JSON."""
    emb = load_model(model)
    unit = emb.unit
    exact = np.load(Path(d) / f"truth-{rows}-{q}-0.npy")
    words = query_words(rows, q, 0)
    qids = np.array([emb.index[w] for w in words])
    queries = np.ascontiguousarray(unit[qids])
    params, settings = CANDIDATES[name]
    if name == "faiss-ivf":
        params = {**params, "nlist": 2 ** round(np.log2(4 * np.sqrt(rows)))}
    if name == "faiss-ivfpq":
        params = {**params, "nlist": 2 ** round(np.log2(2 * np.sqrt(rows)))}
    path = Path(d) / f"index-{name}-{rows}"
    t, c = time.perf_counter(), time.process_time()
    if name.startswith("faiss"):
        import faiss

        if name in ("faiss-ivf", "faiss-ivfpq"):
            spec = f"IVF{params['nlist']},{'Flat' if name == 'faiss-ivf' else f'PQ{emb.dim}x4fs'}"
            index = faiss.index_factory(emb.dim, spec, faiss.METRIC_INNER_PRODUCT)
            sample = np.random.default_rng(0).choice(len(unit), params["nlist"] * params["train_per_list"], False)
            index.train(unit[np.sort(sample)])
        else:
            index = faiss.IndexHNSWFlat(emb.dim, params["M"], faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = params["efConstruction"]
        index.add(unit)
        build = (time.perf_counter() - t, time.process_time() - c)
        faiss.write_index(index, str(path))

        def search(s):
            if name.startswith("faiss-ivf"):
                index.nprobe = s
            else:
                index.hnsw.efSearch = s
            return index.search(queries, params.get("rerank", K + 1))[1]
    elif name == "hnswlib":
        import hnswlib

        index = hnswlib.Index(space="ip", dim=emb.dim)
        index.init_index(max_elements=len(unit), M=params["M"], ef_construction=params["ef_construction"])
        index.add_items(unit, np.arange(len(unit)))
        build = (time.perf_counter() - t, time.process_time() - c)
        index.save_index(str(path))

        def search(s):
            index.set_ef(s)
            return index.knn_query(queries, K + 1)[0].astype(np.int64)
    else:
        from usearch.index import Index

        index = Index(ndim=emb.dim, metric="ip", dtype=params["dtype"], connectivity=params["connectivity"],
                      expansion_add=params["expansion_add"])  # fmt: skip
        index.add(np.arange(len(unit)), unit)
        build = (time.perf_counter() - t, time.process_time() - c)
        index.save(str(path))

        def search(s):
            index.expansion_search = s
            return index.search(queries, params.get("rerank", K + 1)).keys.astype(np.int64)

    out = {"name": name, "params": params, "build_wall": build[0], "build_cpu": build[1],
           "size_gb": path.stat().st_size / 2**30, "settings": []}  # fmt: skip
    for s in settings:
        ids, wall, cpu = timed(search, s)
        if "rerank" in params:  # the candidates scored exactly against the float32 rows
            ids, rwall, rcpu = timed(rerank, unit, queries, ids)
            wall, cpu = wall + rwall, cpu + rcpu
        keep = [row[row != own][:K] for row, own in zip(ids, qids)]
        out["settings"].append({"search": s, "wall": wall, "cpu": cpu, "recall": recall(np.array(keep), exact)})
    path.unlink()
    print(json.dumps(out))


def part_ann(d: Path, rows: int, q: int, results: dict, names: list[str]) -> None:
    truth(d, rows, q, 0, results)
    model = model_path(d, rows)
    for name in names:
        print(f"ann: {name} …", file=sys.stderr)
        r = child([sys.executable, __file__, "--child", name, "--dir", str(d), "--rows", str(rows),
                   "--queries", str(q), "--model", str(model)])  # fmt: skip
        results.setdefault("ann", {})[name] = r
        print(json.dumps(r), file=sys.stderr)


def part_index(d: Path, rows: int, q: int, results: dict) -> None:
    """``embedkit index`` then ``embedkit neighbors -`` on the tuning and the confirmation queries."""
    from embedkit import ann

    model = model_path(d, rows)
    emb = load_model(model)
    out = dict(results.get("index", {}))
    try:  # an index built by an earlier run that still fits the model is kept (a 1 M build takes minutes)
        ann.load_index(model, emb)
    except Exception:
        print("embedkit index …", file=sys.stderr)
        r = run(["/usr/bin/time", "-f", "%e %U %S %M", *EMBEDKIT, "index", str(model)])
        wall, user, sys_, rss = r["stderr"].strip().splitlines()[-1].split()
        out = {"build_wall": float(wall), "build_cpu": float(user) + float(sys_), "build_rss_gb": int(rss) / 2**20}
    out["size_gb"] = ann.index_path(model).stat().st_size / 2**30
    index = ann.load_index(model, emb)
    default = index.probes, index.margin
    # (probes, margin): the cells nearest a query, less those scoring more than the margin
    # below its best (inf: none skipped)
    tuning = [(8, default[1]), (16, default[1]), (32, default[1]), (64, float("inf")), (64, 0.6), (64, 0.5),
              (64, 0.4), (64, 0.3), (64, 0.2), (64, 0.1), (96, 0.3), (128, 0.3)]  # fmt: skip
    for seed in (0, 1):
        exact = truth(d, rows, q, seed, results)
        words = query_words(rows, q, seed)
        # the search setting is chosen on seed 0 (all of these) and confirmed on seed 1 (the
        # default); timed: Embedding.neighbors with the index (search, then exact re-ranking)
        for index.probes, index.margin in tuning if seed == 0 else [default]:
            (found, _), wall, cpu = timed(emb.neighbors, words, K, index=index)
            ids = np.array([emb.index[n] for _, n, _ in found]).reshape(len(words), K)
            key = f"seed{seed}-probes{index.probes}-margin{index.margin}"
            out[key] = {"wall": wall, "cpu": cpu, "recall": recall(ids, exact)}
            print(f"{key}: {out[key]}", file=sys.stderr)
        index.probes, index.margin = default
        out[f"seed{seed}"] = {}
        qfile = d / f"queries-{rows}-{q}-{seed}.txt"
        qfile.write_text("\n".join(words) + "\n")
        with open(qfile) as f:
            out[f"seed{seed}"]["cli_wall"] = run([*EMBEDKIT, "neighbors", "-", "-m", str(model), "--tsv"], f)["wall"]
    results["index"] = out
    print(json.dumps(out), file=sys.stderr)


def part_batch(d: Path, rows: int, q: int, results: dict) -> None:
    """The 10,000-query batch with the index's defaults, four times in one process (the
    confirmation queries, the tuning ones, again both; the first on the freshly loaded
    model, so it includes finding the query words): wall and CPU of each, and recall."""
    from embedkit import ann

    model = model_path(d, rows)
    emb, wall, cpu = timed(load_model, model)
    index, wall2, cpu2 = timed(ann.load_index, model, emb)
    out = {"load_wall": wall + wall2, "load_cpu": cpu + cpu2, "runs": []}
    for seed in (1, 0, 1, 0):
        exact = truth(d, rows, q, seed, results)
        words = query_words(rows, q, seed)
        (found, _), wall, cpu = timed(emb.neighbors, words, K, index=index)
        ids = np.array([emb.index[n] for _, n, _ in found]).reshape(len(words), K)
        run_ = {"seed": seed, "wall": wall, "cpu": cpu, "recall": recall(ids, exact)}
        out["runs"].append(run_)
        print(f"seed {seed}: {wall:.2f} s wall, {cpu:.2f} s CPU, recall {run_['recall']:.4f}", file=sys.stderr)
    results["batch"] = out


def part_gensim(d: Path, rows: int, q: int, results: dict) -> None:
    from gensim.models import KeyedVectors

    emb = load_model(model_path(d, rows))
    kv = KeyedVectors(emb.dim)  # (count=N would add N zero rows before the added ones)
    kv.add_vectors(emb.words, np.asarray(emb.vectors))
    kv.fill_norms()
    exact = truth(d, rows, q, 0, results)
    words = query_words(rows, q, 0)
    m = 200
    found, wall, cpu = timed(lambda: [kv.most_similar(w, topn=K) for w in words[:m]])
    ids = np.array([[kv.key_to_index[n] for n, _ in f] for f in found])
    out = {"most_similar_200_wall": wall, "most_similar_200_cpu": cpu, "scaled_wall": wall * q / m,
           "agrees_with_exact": recall(ids, exact[:m])}  # fmt: skip
    try:  # gensim's module imports without annoy and fails only when an indexer is made
        import annoy  # noqa: F401
        from gensim.similarities.annoy import AnnoyIndexer
    except ImportError:
        out["annoy"] = "not installed"
    else:
        indexer, bw, bc = timed(AnnoyIndexer, kv, 100)
        found, qw, qc = timed(lambda: [kv.most_similar(w, topn=K + 1, indexer=indexer) for w in words])
        ids = np.array([[kv.key_to_index[n] for n, _ in f if n != w][:K] for f, w in zip(found, words)])
        out["annoy"] = {"trees": 100, "build_wall": bw, "build_cpu": bc, "query_wall": qw, "query_cpu": qc,
                        "recall": recall(ids, exact)}  # fmt: skip
    results["gensim"] = out
    print(json.dumps(out), file=sys.stderr)


def part_big(d: Path, results: dict, rows: int = 3_000_000) -> None:
    path = d / f"clustered-{rows}.bin"
    if not path.exists():
        print(f"generating {path} …", file=sys.stderr)
        gen_vectors.write_word2vec_binary(path, rows)
    cache = d / "cache"
    env = {**os.environ, "EMBEDKIT_CACHE_DIR": str(cache)}
    for p in cache.glob("*.ekm") if cache.exists() else []:
        p.unlink()
    out = {}
    for label in ("first", "second", "third"):
        cmd = ["/usr/bin/time", "-f", "%e %U %S %M", *EMBEDKIT, "neighbors", "w00000007", "-m", str(path), "--tsv"]
        p = subprocess.run(cmd, capture_output=True, env=env)
        wall, user, sys_, rss = p.stderr.decode().strip().splitlines()[-1].split()
        out[label] = {"wall": float(wall), "cpu": float(user) + float(sys_), "rss_gb": int(rss) / 2**20}
    code = (
        "import time, os; t = time.perf_counter(); from embedkit.formats import load_model; "
        f"e = load_model({str(path)!r}); r = e.neighbors(['w00000007'], 10); "
        "print(time.perf_counter() - t)"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, env=env)
    out["in_process_load_and_query"] = float(p.stdout.decode().strip())
    results["big"] = out
    print(json.dumps(out), file=sys.stderr)


def part_dictwiki(d: Path, results: dict) -> None:
    corpus = DATA / "corpora" / "dictwiki.txt.gz"
    model = d / "dictwiki.ekm"
    if not model.exists():
        run([*EMBEDKIT, "train-words", str(corpus), "-o", str(model), "--quiet"])
    results["dictwiki"] = every_word_recall(model)


def part_blogcatalog(d: Path, results: dict) -> None:
    """Real vectors of another kind: BlogCatalog's nodes embedded by NetMF (``embed-graph``)."""
    model = d / "blogcatalog.ekm"
    if not model.exists():
        run([*EMBEDKIT, "embed-graph", str(DATA / "graphs" / "blogcatalog.edges.csv"), "-o", str(model), "--quiet"])
    results["blogcatalog"] = every_word_recall(model)


def part_confirm(d: Path, results: dict) -> None:
    """Recall on real models not used to choose the index's settings."""
    import csv

    cora = d / "cora.ekm"
    if not cora.exists():
        run([*EMBEDKIT, "embed-graph", str(DATA / "graphs" / "cora.edges.csv"), "-o", str(cora), "--quiet"])
    narrow = d / "dictwiki-w2-d100.ekm"
    if not narrow.exists():
        corpus = str(DATA / "corpora" / "dictwiki.txt.gz")
        run([*EMBEDKIT, "train-words", corpus, "--window", "2", "--dim", "100", "-o", str(narrow), "--quiet"])
    lsa = d / "agnews-lsa.ekm"
    if not lsa.exists():
        docs = d / "agnews.txt"
        with open(DATA / "eval" / "agnews_test.csv", encoding="utf-8", newline="") as f:
            docs.write_text("".join(f"{title} {desc}\n" for _, title, desc in csv.reader(f)))
        run([*EMBEDKIT, "lsa", str(docs), "-o", str(lsa), "--dim", "100", "--quiet"])
    results["confirm"] = {m.stem: every_word_recall(m) for m in (cora, narrow, lsa)}


def every_word_recall(model: Path) -> dict:
    """``embedkit index`` of a model, then recall@10 against exact with every word a query,
    at the index's defaults and at other margins (the cells skipped below a query's best)."""
    run([*EMBEDKIT, "index", str(model), "--quiet"])
    from embedkit import ann

    emb = load_model(model)
    index = ann.load_index(model, emb)

    def ids(found):  # a word with fewer than K neighbours (a tiny model) pads with −1
        rows = {}
        for q, n, _ in found:
            rows.setdefault(q, []).append(emb.index[n])
        return np.array([(rows.get(w, []) + [-1] * K)[:K] for w in emb.words])

    exact = ids(emb.neighbors(emb.words, K)[0])
    (found, _), wall, cpu = timed(emb.neighbors, emb.words, K, index=index)
    out = {"words": len(emb), "params": index.meta["params"], "recall": recall(ids(found), exact), "wall": wall,
           "cpu": cpu, "margins": {}}  # fmt: skip
    default = index.margin
    for index.margin in (0.3, 0.4, 0.5, 0.6, float("inf")):
        (found, _), wall, cpu = timed(emb.neighbors, emb.words, K, index=index)
        out["margins"][str(index.margin)] = {"recall": recall(ids(found), exact), "cpu": cpu}
    index.margin = default
    print(json.dumps(out), file=sys.stderr)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dir", default="/tmp/embedkit-bench-neighbors")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=10_000)
    ap.add_argument("--only", default="gemm,exact,ann,index,batch,gensim,big,dictwiki,blogcatalog,confirm")
    ap.add_argument("--candidates", default=",".join(CANDIDATES))
    ap.add_argument("--child")
    ap.add_argument("--model")
    a = ap.parse_args()
    d = Path(a.dir)
    d.mkdir(parents=True, exist_ok=True)
    if a.child:
        candidate(a.child, a.model, str(d), a.rows, a.queries)
        return
    results_file = d / "results.json"
    results = json.loads(results_file.read_text()) if results_file.exists() else {}
    results["machine"] = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, numpy {np.__version__}"
    parts = a.only.split(",")
    for part in parts:
        if part == "gemm":
            part_gemm(results)
        elif part == "exact":
            part_exact(d, a.rows, a.queries, results)
        elif part == "ann":
            part_ann(d, a.rows, a.queries, results, a.candidates.split(","))
        elif part == "index":
            part_index(d, a.rows, a.queries, results)
        elif part == "batch":
            part_batch(d, a.rows, a.queries, results)
        elif part == "gensim":
            part_gensim(d, a.rows, a.queries, results)
        elif part == "big":
            part_big(d, results)
        elif part == "dictwiki":
            part_dictwiki(d, results)
        elif part == "blogcatalog":
            part_blogcatalog(d, results)
        elif part == "confirm":
            part_confirm(d, results)
        results_file.write_text(json.dumps(results, indent=1))
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
