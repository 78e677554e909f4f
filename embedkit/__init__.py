"""embedkit: count-based word and graph embeddings — co-occurrence, PMI, truncated SVD.

Where the Python API is (each name's docstring gives shapes, errors and sources):

- :func:`embedkit.pipeline.train_words` (files → :class:`Embedding`; options:
  :class:`embedkit.pipeline.WordOptions`) and :func:`embedkit.pipeline.embed_graph`
  (:class:`embedkit.graph.Graph` from :func:`embedkit.graph.read_edges`,
  ``Graph.from_networkx`` or ``Graph.from_edges``; options: ``GraphOptions``).
- :class:`Embedding` (``embedkit.vectors``): gensim-style queries, ``save`` / ``load`` of
  the ``.ekm`` file, ``export``; other vector files: :func:`embedkit.formats.load_model`.
- :class:`embedkit.features.SentenceFeatures`, :func:`embedkit.lsa.build_lsa`, the
  benchmarks in :mod:`embedkit.evaluate`; each stage alone: :mod:`embedkit.cooccur`,
  :mod:`embedkit.weighting`, :mod:`embedkit.linalg`.
- Errors: :mod:`embedkit.errors` (a bad argument is a ``ParameterError`` naming it).
"""

__version__ = "0.1.0"

#: The main entry points, each importable from ``embedkit`` itself (``from embedkit import
#: train_words``): name → the module that defines it.  They are imported on first use
#: (PEP 562 ``__getattr__``), so that ``import embedkit`` (and ``embedkit --help``) does not
#: pay for numpy and scipy.
_EXPORTS = {
    "Embedding": "vectors",
    "load_model": "formats",
    "WordOptions": "options",
    "GraphOptions": "options",
    "train_words": "pipeline",
    "embed_graph": "pipeline",
    "Graph": "graph",
    "read_edges": "graph",
    "SentenceFeatures": "features",
    "sentence_features": "features",
    "build_lsa": "lsa",
    "pca": "linalg",
    "node_classification": "evaluate",
    "read_node_labels": "evaluate",
    "link_prediction": "evaluate",
    "split_edges": "evaluate",
}

__all__ = [*_EXPORTS, "__version__"]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'embedkit' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # later lookups do not come here
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
