"""Graphs: edge lists, random walks (DeepWalk, node2vec) and the NetMF closed form.

A random walk is a sentence whose words are node ids, so walks feed the word pipeline's
``cooccur → pmi → svd`` stages unchanged.  NetMF (Qiu et al., WSDM 2018) writes down the
matrix that DeepWalk's walk co-occurrence converges to, for window T and b negative
samples::

    M = vol(G) / (b T) · (Σ_{r=1..T} P^r) D⁻¹,    P = D⁻¹ A,  vol(G) = Σ_ij A_ij
      = vol(G) / b · D^-½ f(S) D^-½,                S = D^-½ A D^-½,  f(S) = (1/T) Σ_{r=1..T} S^r

and factorises log(max(M, 1)) by truncated SVD — no sampling at all.  ``f(S)`` is taken
through the top ``rank`` eigenpairs of S (Chebyshev-filtered subspace iteration) and the
negative eigenpairs that mirror them (:func:`~embedkit.graph.netmf.two_sided_eigenpairs`):
a negative eigenvalue is structure between two sides of the graph (−1 exactly for a
bipartite graph), which the window filter (1/T) Σ λ^r averages away — to exactly nothing
for λ = −1 and an even T, so that a star's or a complete bipartite graph's matrix would be
log 1 = 0 everywhere.  Kept negative eigenvalues are weighted by sign(λ) f(|λ|).  Which
are kept is decided per graph without labels: the j-th most negative eigenvalue while its
magnitude reaches the j-th non-trivial positive one.  Directed graphs have a closed form
too, for PageRank's walk (:func:`~embedkit.graph.netmf.directed_netmf_matrix`).

Why NetMF is the default, and its parameters (measured, see BENCHMARKS.md "## Graphs"):
on BlogCatalog it reaches the quality targets that walk-based training misses (walks are
a noisy Monte-Carlo estimate of the same matrix) and it is several times faster end to
end, because the walk route must sort hundreds of millions of window pairs.  T = 10 and
b = 1 (the paper's) were best among T ∈ {5, 10, 20} and b ∈ {0.5, 1, 2, 5}.  The rank and
dimension are not the paper's (256 eigenpairs, 128 d): with exact eigenpairs, 512
eigenpairs lost a point of micro-F1 against 256 and 192 (the small eigenvalues carry noise
that log(max(M, 1)) amplifies), and 160–256 dimensions beat 128 on the rare labels
(macro-F1 ≈ 0.281 against 0.275 on BlogCatalog; Cora also gains with more dimensions).
rank 192, dim 160 is the cheapest of the best.

Four routes, and ``method="auto"`` picks one (:func:`embedkit.pipeline.embed_graph`):

* ``netmf+sparse`` — the two below side by side (2 × dim columns; NetMF's rows at unit
  length, the sparse route's at 0.7), chosen for undirected graphs up to
  :data:`embedkit.pipeline.NETMF_MAX_NODES` nodes: NetMF's window and the sparse route's
  exact T = 1 matrix see different things, and which a graph's labels follow differs from
  graph to graph (BENCHMARKS.md "NetMF beside the sparse route").
* ``netmf`` — the closed form above, up to
  :data:`embedkit.pipeline.NETMF_MAX_NODES` nodes (its n × n matrix would be 1.6 GB there,
  4 TB at a million nodes); directed graphs only when asked.  For an undirected graph the
  n × n matrix is never held: :func:`~embedkit.graph.netmf.netmf_vectors` forms
  log max(M, 1) a tile at a time, multiplies it by the eigenvectors of S that M is built
  from, and takes the node vectors by Rayleigh–Ritz on them (one pass over the matrix, in
  place of a randomized SVD's six over a materialised matrix; same quality within split
  noise, BENCHMARKS.md "Graphs").
* ``sparse`` — chosen for larger graphs and for directed graphs of any size: NetMF's matrix for T = 1,
  log(max(vol(G)/b · A_ij / (d_i d_j), 1)), which has the non-zeros of A only, factorised
  by a randomized eigendecomposition (it is symmetric), then ProNE's *spectral
  propagation* (ProNE: Zhang et al., IJCAI 2019): a Chebyshev expansion of a Gaussian filter on
  the normalized Laplacian brings back the higher-order proximity that T = 1 leaves out,
  and a small SVD of the n × d result re-orthogonalises it.  Every step is a sparse ×
  dense product or a dense n × d operation: memory grows with nnz(A) + n·d, not n².  It
  is 0.01–0.03 micro-F1 below dense NetMF on BlogCatalog and Cora (BENCHMARKS.md "Graphs
  at scale").  A directed graph takes the directed closed form's T = 1 matrix on the
  PageRank walk (:func:`~embedkit.graph.sparse.directed_sparse_pmi_matrix`, symmetric, on
  the edges of A + Aᵀ) and propagates along edges in both directions: on every directed
  graph measured, citation DAGs and word-order networks among them, this classified
  nodes better than sampled walks that follow out-edges (BENCHMARKS.md "Graphs of other
  kinds").  The sparse
  products are shared among threads (:class:`~embedkit.linalg.RowSplitMatmul`).
* ``walks`` — random walks counted batch by batch as they are generated (the word
  pipeline's cooccur → PPMI → SVD), never all held at once: for node2vec's p and q, or
  when asked.

Modules: :mod:`~embedkit.graph.types` (the :class:`Graph`), :mod:`~embedkit.graph.edges`
(edge-list readers), :mod:`~embedkit.graph.walks`, :mod:`~embedkit.graph.netmf`,
:mod:`~embedkit.graph.sparse`.  The composition (``embed_graph``) is in
:mod:`embedkit.pipeline`.
"""

from .edges import read_edges
from .netmf import (
    NetMFFactors,
    directed_netmf_matrix,
    netmf_factors,
    netmf_matrix,
    netmf_steps,
    netmf_vector_steps,
    netmf_vectors,
    pagerank_walk,
    top_eigenpairs,
    two_sided_eigenpairs,
)
from .sparse import (
    directed_sparse_pmi_matrix,
    propagation_steps,
    sparse_pmi_matrix,
    spectral_propagation,
    spectral_vectors,
)
from .types import Graph
from .walks import graph_sinks, random_walks, walks_to_id_blocks, write_walks

__all__ = [
    "Graph",
    "NetMFFactors",
    "directed_netmf_matrix",
    "directed_sparse_pmi_matrix",
    "graph_sinks",
    "netmf_factors",
    "netmf_matrix",
    "netmf_steps",
    "netmf_vector_steps",
    "netmf_vectors",
    "pagerank_walk",
    "propagation_steps",
    "random_walks",
    "read_edges",
    "sparse_pmi_matrix",
    "spectral_propagation",
    "spectral_vectors",
    "top_eigenpairs",
    "two_sided_eigenpairs",
    "walks_to_id_blocks",
    "write_walks",
]
