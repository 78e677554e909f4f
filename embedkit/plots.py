"""Pictures: rows on their first two principal components, and the PCA spectrum (PNG)."""

from __future__ import annotations

import os

import numpy as np

from .io import atomic_output
from .linalg import PCAResult

#: Rows labelled at most in a scatter plot (the ones farthest from the origin first).
MAX_LABELS = 40


def pca_plot(
    path: str | os.PathLike,
    z: np.ndarray,
    result: PCAResult,
    labels: list[str] | None = None,
    title: str = "",
) -> None:
    """Write a PNG: the rows of ``z`` (n × k ≥ 2) on PC1/PC2, labelled, beside the spectrum."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ratio = result.explained_variance_ratio
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(13, 5.5), gridspec_kw={"width_ratios": [3, 2]})
    ax.scatter(z[:, 0], z[:, 1], s=14 if len(z) < 2000 else 3, alpha=0.8, color="tab:blue", linewidths=0)
    if labels is not None:
        far = np.argsort(-np.hypot(z[:, 0], z[:, 1]))[:MAX_LABELS]
        for i in far:
            ax.annotate(labels[i], (z[i, 0], z[i, 1]), xytext=(3, 3), textcoords="offset points", fontsize=8)
    ax.axhline(0, color="0.85", lw=0.8, zorder=0)
    ax.axvline(0, color="0.85", lw=0.8, zorder=0)
    ax.set_xlabel(f"PC1 ({ratio[0]:.1%} of variance)")
    ax.set_ylabel(f"PC2 ({ratio[1]:.1%} of variance)")
    ax.set_title(f"{title}: {len(z)} rows on the first two components" if title else "first two components")
    shown = min(len(ratio), 30)
    idx = np.arange(1, shown + 1)
    bx.bar(idx, ratio[:shown], color=["tab:blue" if i <= result.dim else "0.7" for i in idx])
    bx.set_xlabel("component")
    bx.set_ylabel("explained-variance ratio (bars)")
    bx.set_title(f"spectrum (kept {result.dim}, blue)")
    cx = bx.twinx()  # the cumulative ratio on its own 0–1 scale, so small bars stay visible
    cx.plot(idx, np.cumsum(ratio)[:shown], color="tab:orange", marker="o", ms=3)
    cx.set_ylim(0, 1.02)
    cx.set_ylabel("cumulative (line)", color="tab:orange")
    fig.tight_layout()
    with atomic_output(path) as f:
        fig.savefig(f, format="png", dpi=110)
    plt.close(fig)
