"""embedkit: count-based word and graph embeddings — co-occurrence, PMI, truncated SVD."""

__version__ = "0.1.0"

from .vectors import Embedding  # noqa: E402

__all__ = ["Embedding", "__version__"]
