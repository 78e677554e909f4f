"""Pictures of a PCA (PNG): rows on their first two principal components beside the
spectrum, or, for rows that are images, the mean and the components as images and rows
beside their rank-k reconstructions."""

from __future__ import annotations

import os

import numpy as np

from .errors import ParameterError
from .io import atomic_output
from .linalg import PCAResult

#: Rows labelled by default in a scatter plot (the ones farthest from the centre first).
MAX_LABELS = 40
#: adjustText's steps for a plot of n labels: max(10, LABEL_STEPS // n).
LABEL_STEPS = 2000
#: Pixels per inch of every PNG written here: a figure W × H inches is W·DPI × H·DPI pixels.
DPI = 110
#: Components drawn as images at most, and rows drawn above their reconstructions (at least).
MAX_IMAGE_COMPONENTS = 9
IMAGE_ROWS = 8


def farthest_from_centre(z: np.ndarray, count: int) -> np.ndarray:
    """Indices of the ``count`` rows of ``z`` (n × 2) farthest from their mean, farthest first."""
    d = np.hypot(*(z[:, :2] - z[:, :2].mean(axis=0)).T)
    return np.argsort(-d, kind="stable")[: max(count, 0)]


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: str | os.PathLike) -> None:
    plt = _pyplot()
    with atomic_output(path) as f:
        fig.savefig(f, format="png", dpi=DPI)  # no bbox "tight": the size is figsize × DPI
    plt.close(fig)


def pca_plot(
    path: str | os.PathLike,
    z: np.ndarray,
    result: PCAResult,
    labels: list[str] | None = None,
    title: str = "",
    label_count: int | None = None,
    figsize: tuple[float, float] | None = None,
) -> None:
    """Write a PNG: the rows of ``z`` (n × k ≥ 2) on PC1/PC2 beside the spectrum.

    ``labels`` (n strings) name the ``label_count`` (default :data:`MAX_LABELS`) rows
    farthest from the centre of the cloud; the labels are pushed apart and off the points by adjustText (Flyamer et al.,
    https://github.com/Phlya/adjustText), each tied to its point by a thin line when moved.
    ``figsize`` is (width, height) in inches (default 13 × 5.5); the PNG is ``figsize × DPI``
    pixels.
    """
    label_count = MAX_LABELS if label_count is None else label_count
    plt = _pyplot()
    ratio = result.explained_variance_ratio
    fig, (ax, bx) = plt.subplots(1, 2, figsize=figsize or (13.0, 5.5), gridspec_kw={"width_ratios": [3, 2]})
    ax.scatter(z[:, 0], z[:, 1], s=14 if len(z) < 2000 else 3, alpha=0.8, color="tab:blue", linewidths=0)
    ax.axhline(0, color="0.85", lw=0.8, zorder=0)
    ax.axvline(0, color="0.85", lw=0.8, zorder=0)
    ax.set_xlabel(f"PC1 ({ratio[0]:.1%} of variance)")
    ax.set_ylabel(f"PC2 ({ratio[1]:.1%} of variance)")
    ax.set_title(f"{title}: {len(z):,} rows on the first two components" if title else "first two components")
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
    fig.tight_layout()  # before placing labels: adjustText works in the final axes' pixels
    if labels is not None and label_count > 0:
        chosen = farthest_from_centre(z, label_count)
        fontsize = 8 if len(chosen) <= 60 else 7 if len(chosen) <= 150 else 6
        texts = [ax.text(z[i, 0], z[i, 1], labels[i], fontsize=fontsize) for i in chosen]
        from adjustText import adjust_text  # only a labelled plot needs it

        adjust_text(
            texts,
            x=z[:, 0],
            y=z[:, 1],
            ax=ax,
            arrowprops=dict(arrowstyle="-", color="0.5", lw=0.4),
            # a fixed number of steps, not adjustText's default 1-second clock, so the same
            # input gives the same picture on any machine; a step costs about n² (300 labels:
            # ~2 s a step on a loaded machine), so fewer steps for more labels
            iter_lim=max(10, LABEL_STEPS // len(texts)),
        )
    _save(fig, path)


def pca_image_plot(
    path: str | os.PathLike,
    x: np.ndarray,
    result: PCAResult,
    image_shape: tuple[int, int],
    labels: list[str] | None = None,
    title: str = "",
    figsize: tuple[float, float] | None = None,
) -> None:
    """Write a PNG for rows that are images of ``image_shape`` = (H, W) pixels, H·W = p.

    Top row: the mean image and the top components (at most :data:`MAX_IMAGE_COMPONENTS`),
    each component on a diverging scale centred on 0 and titled with its share of the
    variance.  Below: the first rows of ``x`` (n × p), as many as the grid is wide, and, under each,
    its rank-k reconstruction (:meth:`PCAResult.reconstruct`) on the same grey scale.
    ``figsize`` (width, height) in inches defaults to 1.3 inches a picture; the PNG is
    ``figsize × DPI`` pixels.  Raises :class:`ParameterError` when H·W ≠ p.
    """
    h, w = image_shape
    p = result.components.shape[1]
    if h < 1 or w < 1 or h * w != p:
        raise ParameterError(f"image_shape {h}×{w} = {h * w} pixels does not match the table's {p} columns")
    plt = _pyplot()
    x = np.asarray(x, dtype=np.float64)
    n_comp = min(result.dim, MAX_IMAGE_COMPONENTS)
    ncol = max(n_comp + 1, IMAGE_ROWS)
    rows = np.arange(min(len(x), ncol))  # fill the grid's width
    if figsize is None:
        figsize = (1.3 * ncol, 1.45 * 3 + 0.5)
    fig, axes = plt.subplots(3, ncol, figsize=figsize, squeeze=False)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_frame_on(False)
    lo, hi = float(x.min()), float(x.max())
    mean = result.mean if result.mean is not None else np.zeros(p)
    axes[0, 0].imshow(mean.reshape(h, w), cmap="gray", vmin=lo, vmax=hi)
    axes[0, 0].set_title("mean", fontsize=9)
    ratio = result.explained_variance_ratio
    for j in range(n_comp):
        v = result.components[j].reshape(h, w)
        m = float(np.abs(v).max()) or 1.0
        axes[0, j + 1].imshow(v, cmap="RdBu_r", vmin=-m, vmax=m)
        axes[0, j + 1].set_title(f"PC{j + 1} ({ratio[j]:.0%})", fontsize=9)
    rec = result.reconstruct(x[rows])
    for j, i in enumerate(rows):
        axes[1, j].imshow(x[i].reshape(h, w), cmap="gray", vmin=lo, vmax=hi)
        axes[1, j].set_title(labels[i] if labels is not None else f"row {i + 1}", fontsize=9)
        axes[2, j].imshow(rec[j].reshape(h, w), cmap="gray", vmin=lo, vmax=hi)
        axes[2, j].set_title(f"rank {result.dim}", fontsize=9)
    head = f"{title}: " if title else ""
    fig.suptitle(
        f"{head}mean and top components (red +, blue −); rows and their rank-{result.dim} reconstructions",
        fontsize=10,
    )
    fig.tight_layout()
    _save(fig, path)
