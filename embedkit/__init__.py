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

__all__ = ["Embedding", "__version__"]


def __getattr__(name: str):
    # imported on first use, so that `import embedkit.cli` (and `embedkit --help`) does
    # not pay for numpy and scipy
    if name == "Embedding":
        from .vectors import Embedding

        return Embedding
    raise AttributeError(f"module 'embedkit' has no attribute {name!r}")
