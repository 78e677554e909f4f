"""Latent semantic analysis: documents and words in one latent space, and search.

A collection of documents (one a line) becomes the weighted (docs × terms) matrix X
(tf-idf or log(1 + count), rows L2-normalised), factorised by truncated SVD, X ≈ U Σ Vᵀ:

    Z = U Σ = X V   document vectors (docs × k)
    Y = V Σ         word (term) vectors (terms × k)

A query is weighted like a document (with the collection's idf) and folded in, q̂ = q V,
so it lands where a document with those words would; documents are ranked by the cosine of
q̂ and their row of Z.  Documents that share no word with the query still score high when
their words co-occur with the query's words elsewhere in the collection.

Storage: ``lsa DOCS -o lsa.ekm`` writes two files.  ``lsa.ekm`` is an ordinary model
(:class:`~embedkit.vectors.Embedding`) of the term vectors Y with term counts, so every
word query (``neighbors``, ``similarity``, ``pca``…) works on it; its parameters record
``kind = "lsa"``.  Beside it, ``lsa.docs.npz`` holds the document vectors Z, the singular
values Σ, the idf of each term, and each document's first characters for display.
"""

from __future__ import annotations

import collections
import itertools
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import __version__
from .errors import (
    DataError,
    InputError,
    ParameterError,
    UnknownWordError,
    check_choice,
    check_count,
    counted,
    param,
)
from .features import encode_lines, model_tokenizer
from .io import atomic_output, check_readable, numpy_reason, output_group
from .linalg import svd_steps, top_k, truncated_svd
from .progress import Reporter
from .tokenize import Tokenizer
from .vectors import Embedding, warn_one_direction
from .vocab import Vocabulary
from .weighting import DOC_WEIGHTINGS, idf, tfidf


def documents_path(model_path: str | os.PathLike) -> Path:
    """Where the document section of an LSA model lives: ``lsa.ekm`` → ``lsa.docs.npz``."""
    return Path(model_path).with_suffix(".docs.npz")


@dataclass
class LSAModel:
    """Term vectors Y (an Embedding), document vectors Z (docs × k), Σ (k,), idf (terms,)."""

    terms: Embedding
    docs: np.ndarray
    singular_values: np.ndarray
    idf: np.ndarray
    snippets: list[str]  # each document's whole text (one line), shown by ``search``

    @property
    def weighting(self) -> str:
        return str(self.terms.params.get("weighting", "tfidf"))

    def fold_in(self, lines: list[str], tokenizer: Tokenizer | None = None) -> np.ndarray:
        """Queries (or new documents) in the latent space, q V: shape (len(lines), k);
        tokenized as the documents were unless ``tokenizer`` is given."""
        enc = encode_lines(self.terms, lines, tokenizer)
        q = tfidf(enc.counts, self.weighting, self.idf)
        s = np.where(self.singular_values > 0, self.singular_values, 1.0)
        v = np.asarray(self.terms.vectors, dtype=np.float32) / s.astype(np.float32)  # V = Y Σ⁻¹
        return np.asarray(q @ v)

    def search(self, query: str, k: int = 10, tokenizer: Tokenizer | None = None) -> list[tuple[int, float]]:
        """The ``k`` documents closest to ``query`` by cosine: (document index from 0, cosine).

        Documents with no vocabulary word (their vector is zero) are left out of the ranking.
        Raises :class:`UnknownWordError` (exit 5) when the query has no word of the model.
        """
        hits, unknown = self.search_many([query], k, tokenizer)
        if unknown:
            raise UnknownWordError(self.unknown_query(query, tokenizer), query)
        return hits[query]

    def unknown_query(self, query: str, tokenizer: Tokenizer | None = None) -> str:
        """Why ``query`` matches nothing: it has no words, or none is a term (with the closest
        spellings of its first word)."""
        words = (tokenizer or model_tokenizer(self.terms)).tokenize(query)
        if not words:
            return f"the query {query!r} has no words"
        return self.terms.unknown_message(words[0])

    def search_many(
        self, queries: list[str], k: int = 10, tokenizer: Tokenizer | None = None
    ) -> tuple[dict[str, list[tuple[int, float]]], list[str]]:
        """Each query's ``k`` closest documents, as :meth:`search` ranks them, in one product.

        Returns ``({query: [(document index from 0, cosine), …]}, unknown)``: ``unknown`` lists,
        in order, the queries with no term of the model (no words, or none in the vocabulary),
        which get no entry.  Repeated queries are answered once.
        """
        check_count("k", k)
        tok = tokenizer or model_tokenizer(self.terms)
        queries = list(dict.fromkeys(queries))
        is_known = {q: any(w in self.terms.index for w in tok.tokenize(q)) for q in queries}
        known = [q for q in queries if is_known[q]]
        unknown = [q for q in queries if not is_known[q]]
        if not known:
            return {}, unknown
        q = self.fold_in(known, tok)  # (queries, k)
        z = self.docs.astype(np.float64)
        doc_norms = np.linalg.norm(z, axis=1)
        # a document whose vector is rounding noise (empty, or with no kept word) is not ranked
        real = doc_norms > 1e-6 * (doc_norms.max(initial=0.0) or 1.0)
        top = min(k, int(real.sum()))
        hits = {}
        for start in range(0, len(known), 256):  # (docs × 256) scores at a time
            part = q[start : start + 256].astype(np.float64)
            q_norms = np.linalg.norm(part, axis=1)
            norms = doc_norms[:, None] * np.where(q_norms > 0, q_norms, 1.0)
            scores = np.divide(z @ part.T, norms, out=np.zeros((len(z), len(part))), where=real[:, None] & (norms > 0))
            scores[~real] = -np.inf  # left out of the ranking
            for query, column in zip(known[start : start + 256], scores.T):
                hits[query] = [(int(i), float(column[i])) for i in top_k(column, top)]
        return hits, unknown

    def save(self, path: str | os.PathLike) -> None:
        """Write ``path`` (term vectors) and its ``.docs.npz`` section atomically, together."""
        blob = "\n".join(s.replace("\n", " ") for s in self.snippets).encode("utf-8")
        with output_group():  # both files or neither
            with atomic_output(documents_path(path)) as f:
                np.savez(
                    f,
                    kind=np.array("embedkit-lsa-docs"),
                    docs=self.docs.astype(np.float32),
                    singular_values=self.singular_values.astype(np.float64),
                    idf=self.idf.astype(np.float64),
                    snippets=np.frombuffer(blob, dtype=np.uint8),
                )
            self.terms.save(path)

    @classmethod
    def load(cls, path: str | os.PathLike) -> LSAModel:
        terms = Embedding.load(path)
        if terms.params.get("kind") != "lsa":
            raise InputError(f"{path}: not an LSA model (build one with 'embedkit lsa DOCS -o MODEL')")
        dp = check_readable(documents_path(path))
        try:
            with np.load(dp, allow_pickle=False) as z:
                if str(z["kind"]) != "embedkit-lsa-docs":
                    raise InputError(f"{dp}: not an LSA document file")
                docs, s, w = z["docs"], z["singular_values"], z["idf"]
                snippets = bytes(z["snippets"]).decode("utf-8").split("\n")
        except (ValueError, OSError, KeyError, EOFError, zipfile.BadZipFile) as exc:
            raise InputError(f"{dp}: not a readable LSA document file ({numpy_reason(exc)})") from None
        if len(w) != len(terms) or docs.shape[1] != terms.dim or len(snippets) != len(docs):
            raise InputError(f"{dp} does not match {path} (rebuild both with 'embedkit lsa')")
        return cls(terms, docs, s, w, snippets)


def build_lsa(
    lines: list[str],
    dim: int = 100,
    weighting: str = "tfidf",
    min_count: int = 1,
    tokenizer: Tokenizer | None = None,
    n_iter: int = 7,
    seed: int = 0,
    source: str = "-",
    reporter: Reporter | None = None,
) -> LSAModel:
    """LSA of documents given as lines of text (Deerwester et al. 1990): Z = U Σ (docs × k),
    Y = V Σ (terms × k) from the randomized truncated SVD of the weighted term-document matrix.

    ``lines``: a list of str, one document each.  The term-document matrix is weighted by
    ``tfidf`` (count × idf, rows at unit length) or ``log`` (log(1 + count));
    :class:`LSAModel` holds the document vectors (documents × ``dim``, float32) and the
    term vectors (terms × ``dim``).  The defaults (100 dimensions, tf-idf, 7 power
    iterations) are the customary ones, not chosen by a measurement here (Deerwester et al.
    kept about 100 factors; BENCHMARKS.md "Sentence features" reports LSA at 100 and 200 d
    beside the sentence features as a reference).

    ``reporter`` shows two stages: "tokenize" (documents) and "svd" (sparse products).
    Raises DataError when no document has a word at ``min_count``, ParameterError for a
    ``dim`` above min(documents, words) (above the documents before they are tokenized)
    or not a whole number, a ``weighting`` not in
    :data:`embedkit.options.DOC_WEIGHTINGS`, and ``lines`` given as one str (its characters
    would be taken for documents)."""
    if isinstance(lines, str):
        raise ParameterError(f"{param('lines')} must be a list of documents, not one string (give [document])")
    check_choice("weighting", weighting, DOC_WEIGHTINGS)
    check_count("dim", dim)
    # before the documents are tokenized: the rank is at most their number (blank documents
    # only are refused as such below)
    if dim > len(lines) and any(map(str.strip, lines)):
        raise ParameterError(
            "dim", dim, f"is too large for {counted(len(lines), 'document')} (at most {len(lines):,})", True
        )
    tok = tokenizer or Tokenizer()
    reporter = reporter or Reporter(quiet=True)
    # two passes over the documents: count the words, then encode them with the vocabulary
    with reporter.stage("tokenize", 2 * len(lines), unit="documents") as advance:
        token_counts = collections.Counter()
        for start in range(0, len(lines), 1000):
            block = lines[start : start + 1000]
            token_counts.update(itertools.chain.from_iterable(map(tok.tokenize, block)))
            advance(len(block))
        if not token_counts:
            raise DataError(f"{source}: the documents have no words")
        vocab = Vocabulary.from_counts(token_counts, min_count)
        if len(vocab) == 0:
            raise DataError(f"{source}: no word occurs at least {min_count} times; lower {param('min_count')}")
        enc = encode_lines(vocab.index, lines, tok)
        advance(len(lines))
    if enc.n_empty == enc.n_lines:
        raise DataError(f"{source}: no document has a vocabulary word")
    weights = idf(enc.counts) if weighting == "tfidf" else np.ones(len(vocab))
    x = tfidf(enc.counts, weighting, weights)
    most = min(x.shape)
    if dim > most:
        raise ParameterError(
            "dim",
            dim,
            f"is too large for {counted(x.shape[0], 'document')} × {counted(x.shape[1], 'word')} (at most {most:,})",
            True,
        )
    if dim == 1:
        warn_one_direction(dim)
    with reporter.stage("svd", svd_steps("randomized", n_iter), unit="products") as advance:
        svd = truncated_svd(x, dim, solver="randomized", n_iter=n_iter, seed=seed, progress=advance)
    s = svd.s.astype(np.float64)
    z = (svd.U * s.astype(np.float32)).astype(np.float32)
    z[enc.lengths == 0] = 0.0  # a document with no vocabulary word is the zero vector, not noise
    y = (svd.Vt.T * s.astype(np.float32)).astype(np.float32)
    params = {
        "kind": "lsa",
        "corpus": source,
        "documents": len(lines),
        "weighting": weighting,
        "min_count": min_count,
        "dim": dim,
        "n_iter": n_iter,
        "seed": seed,
        "pattern": None if tok.pattern == Tokenizer().pattern else tok.pattern,
        "lowercase": tok.lowercase,
        "embedkit": __version__,
    }
    terms = Embedding(vocab.words, y, vocab.counts, params)
    return LSAModel(terms, z, s, weights, list(lines))
