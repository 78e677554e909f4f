"""embedkit: count-based word and graph embeddings — co-occurrence, PMI, truncated SVD."""

__version__ = "0.1.0"

__all__ = ["Embedding", "__version__"]


def __getattr__(name: str):
    # imported on first use, so that `import embedkit.cli` (and `embedkit --help`) does
    # not pay for numpy and scipy
    if name == "Embedding":
        from .vectors import Embedding

        return Embedding
    raise AttributeError(f"module 'embedkit' has no attribute {name!r}")
