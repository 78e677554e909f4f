"""Subword vectors on dictwiki: embedkit with and without --subwords, beside fastText.

    python benchmarks/bench_subwords.py [--fasttext] [--only fasttext] [--corpus PATH] [-- TRAIN-WORDS OPTIONS]

Trains ``embedkit train-words`` in a subprocess without and with ``--subwords`` (the ridge
fit of the n-gram vectors, and the earlier mean n-gram vectors with ``--subword-ridge 0``)
(wall time and the CPU time of the process tree), and with ``--fasttext`` (and the
``fasttext`` Python module installed; it is not an embedkit dependency) fastText skip-gram
on the same tokens (embedkit's tokenizer, one passage a line): 300 d, window 5, 5 epochs,
min-count 5, 2 threads, character n-grams 3-6 in 2,000,000 buckets (its defaults).

Scores, by the protocol of ``../shared/data/README.md``: Spearman ρ on every similarity set
in ``../shared/data/eval`` over the pairs in the vocabulary, and over every pair (``all``:
an unseen word's vector built from its n-grams, where the system can), and Google analogy
3CosMul over the questions whose four words are in the vocabulary, for its semantic half
(the first 8,869 questions: capitals, currencies, cities, family) and its syntactic half
(the other 10,675) and the whole.  Prints a markdown table.
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from embedkit import evaluate as ev  # noqa: E402
from embedkit.tokenize import Tokenizer  # noqa: E402
from embedkit.vectors import Embedding  # noqa: E402

DATA = Path(os.environ.get("EMBEDKIT_SHARED_DATA", ROOT.parent / "shared" / "data"))
SIMILARITY_SETS = ["ws353", "ws353_similarity", "ws353_relatedness", "simverb3500", "rg65", "mc30", "yp130", "verb143"]
#: The Google set has no section headers: its first 8,869 questions are the semantic ones
#: (capital-common-countries 506, capital-world 4,524, currency 866, city-in-state 2,467,
#: family 506), the other 10,675 the syntactic ones (Mikolov et al. 2013).
GOOGLE_SEMANTIC = 8869
MEAN_LABEL = "embedkit train-words --subwords --subword-ridge 0 --subword-weight 0.5"


def children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_embedkit(corpus: Path, extra: list[str]) -> tuple[dict, Embedding]:
    with tempfile.TemporaryDirectory() as tmp:
        model = Path(tmp) / "m.ekm"
        cmd = [sys.executable, "-m", "embedkit.cli", "train-words", str(corpus), "-o", str(model), "-q", *extra]
        cpu, t = children_cpu(), time.perf_counter()
        subprocess.run(cmd, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        wall, cpu = time.perf_counter() - t, children_cpu() - cpu
        emb = Embedding.load(model, mmap=False)
        size = model.stat().st_size
    return {"wall": wall, "cpu": cpu, "bytes": size}, emb


def run_fasttext(corpus: Path, threads: int) -> tuple[dict, Embedding, object]:
    import fasttext

    with tempfile.TemporaryDirectory() as tmp:
        tokens = Path(tmp) / "tokens.txt"
        tok = Tokenizer()
        with open(tokens, "w", encoding="utf-8") as f:
            for words in tok.iter_lines(str(corpus)):
                if words:
                    f.write(" ".join(words) + "\n")
        t, cpu = time.perf_counter(), time.process_time()
        model = fasttext.train_unsupervised(
            str(tokens), model="skipgram", dim=300, ws=5, epoch=5, minCount=5, thread=threads,
            minn=3, maxn=6, bucket=2_000_000, verbose=0,
        )  # fmt: skip
        wall, cpu = time.perf_counter() - t, time.process_time() - cpu
    words = [w for w in model.get_words() if w != "</s>"]
    vectors = np.stack([model.get_word_vector(w) for w in words])
    return {"wall": wall, "cpu": cpu, "bytes": None}, Embedding(words, vectors), model


def scores(emb: Embedding, oov=None) -> dict:
    """Every similarity set (in vocabulary, and all pairs) and the Google halves.

    ``oov(word)`` gives a vector for an unseen word (fastText); an embedkit model with
    subwords builds them itself (``evaluate.word_similarity``'s ``spearman_all``)."""
    out = {}
    for name in SIMILARITY_SETS:
        pairs = ev.read_similarity_pairs(str(DATA / "eval" / f"{name}.txt"))
        r = ev.word_similarity(emb, pairs)
        out[name] = (r.spearman, r.spearman_all if oov is None else _all_pairs(emb, pairs, oov), r.found, r.total)
    questions = ev.read_analogies(str(DATA / "eval" / "google_analogy.txt"))
    assert len(questions) == 19544, "the standard Google analogy file has 19,544 questions"
    for half, qs in (("semantic", questions[:GOOGLE_SEMANTIC]), ("syntactic", questions[GOOGLE_SEMANTIC:])):
        r = ev.analogy(emb, qs)
        out[half] = (r.mul, r.found)
    r = ev.analogy(emb, questions)
    out["google"] = (r.mul, r.found)
    return out


def _all_pairs(emb: Embedding, pairs, oov) -> float:
    from scipy.stats import spearmanr

    def vec(w):
        w = w.lower()
        v = emb.vector(w) if w in emb else oov(w)
        n = np.linalg.norm(v)
        return v / n if n > 0 else v

    return float(spearmanr([s for _, _, s in pairs], [float(vec(a) @ vec(b)) for a, b, _ in pairs]).statistic)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=str(DATA / "corpora" / "dictwiki.txt.gz"))
    ap.add_argument("--fasttext", action="store_true", help="also train fastText skip-gram (minutes)")
    ap.add_argument("--threads", type=int, default=2, help="fastText threads")
    ap.add_argument("--only", choices=["embedkit", "fasttext"], help="run only embedkit's two rows, or only fastText's")
    ap.add_argument("extra", nargs="*", help="extra train-words options for both embedkit runs, after --")
    args = ap.parse_args()
    corpus = Path(args.corpus)
    if not corpus.exists():
        sys.exit(f"benchmark data not found: {corpus}")
    rows = []
    runs = (
        ()
        if args.only == "fasttext"
        else (
            ("embedkit train-words", ["--no-subwords"]),
            ("embedkit train-words --subwords", ["--subwords"]),
            # the earlier route: mean n-gram vectors, β 0.5, p 1
            (MEAN_LABEL, ["--subwords", "--subword-ridge", "0", "--subword-weight", "0.5"]),
        )
    )
    for label, flags in runs:
        res, emb = run_embedkit(corpus, [*args.extra, *flags])
        rows.append((label + (" " + " ".join(args.extra) if args.extra else ""), res, scores(emb)))
        print(f"{rows[-1][0]}: {res['wall']:.1f} s wall, {res['cpu']:.1f} s CPU", file=sys.stderr)
    if (args.fasttext or args.only == "fasttext") and args.only != "embedkit":
        try:
            res, emb, model = run_fasttext(corpus, args.threads)
            rows.append((f"fastText skip-gram (300 d, ws 5, 5 epochs, {args.threads} threads)", res,
                         scores(emb, oov=model.get_word_vector)))  # fmt: skip
        except ImportError:
            print("fasttext is not installed (pip install fasttext-wheel); skipping fastText", file=sys.stderr)
    print(f"corpus: {corpus}; {os.cpu_count()} cores\n")
    head = ["system", *SIMILARITY_SETS, "Google sem", "Google syn", "Google 3CosMul", "wall s", "CPU s", "model MB"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for name, res, sc in rows:
        sims = [f"{sc[s][0]:.3f} / {sc[s][1]:.3f}" for s in SIMILARITY_SETS]
        size = f"{res['bytes'] / 1e6:.0f}" if res["bytes"] else "–"
        print(
            f"| {name} | " + " | ".join(sims) + f" | {sc['semantic'][0]:.3f} | {sc['syntactic'][0]:.3f} | "
            f"{sc['google'][0]:.3f} ({sc['google'][1]:,} q) | {res['wall']:.1f} | {res['cpu']:.1f} | {size} |"
        )
    print("\nsimilarity cells: Spearman ρ over the pairs in the vocabulary / over every pair")


if __name__ == "__main__":
    main()
