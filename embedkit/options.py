"""The choices every stage accepts, in one place, importable without numpy.

The library validates against these tuples and the command line lists them as its
choices, so a new method appears in ``--help`` without a second list to edit.  This module
imports nothing heavy: ``embedkit --help`` builds every command's options from it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

#: Weight of a co-occurrence at distance d: 1, 1/d, or (N − d + 1)/N (cooccur).
WEIGHTINGS = ("uniform", "harmonic", "linear")
#: How counts become associations (weighting.pmi).
TRANSFORMS = ("ppmi", "pmi", "log", "none")
#: Term weighting of a document matrix (LSA).
DOC_WEIGHTINGS = ("tfidf", "log")
#: Truncated SVD solvers.
SOLVERS = ("shifted", "randomized", "arpack")
#: PCA solvers (``auto``: exact up to 2,000 columns or rows).
PCA_SOLVERS = ("auto", "full", "randomized")
#: Which factor(s) become the word vectors: W = UΣ^p, C = VΣ^p, W + C, [W C].
VECTOR_KINDS = ("w", "c", "w+c", "concat")
#: Formats ``Embedding.export`` writes.
EXPORT_FORMATS = ("word2vec", "word2vec-binary", "glove", "npy")
#: Formats vectors are read from (``auto`` detects).
VECTOR_FORMATS = ("auto", "embedkit", "word2vec", "word2vec-binary", "glove", "npy")
#: Analogy scoring (Levy & Goldberg 2014).
ANALOGY_METHODS = ("3cosadd", "3cosmul")
#: Sentence feature modes (several may be joined by '+').
FEATURE_MODES = ("mean", "sif", "usif", "usif-oov", "usif-cn", "usif-ctx", "gem", "pmeans", "pcs")
#: The sentence feature mode used when none is given (measured: BENCHMARKS.md).
DEFAULT_FEATURE_MODE = "usif-ctx"
#: The settings of :class:`embedkit.features.SentenceFeatures` each mode reads beyond
#: those every mode reads (``dim``, ``abtt``): SIF's ``a`` and the components it removes,
#: uSIF's components, the principal directions of ``pcs``, ``unit`` where the mode
#: averages the vectors as they are (the uSIF family averages unit vectors always), the
#: conceptor's μ (``cn_mu``) and ``usif-ctx``'s context weights γ and β.
FEATURE_MODE_SETTINGS = {
    "mean": ("unit",),
    "sif": ("a", "remove", "unit"),
    "usif": ("remove",),
    "usif-oov": ("remove",),
    "usif-cn": ("cn_mu",),
    "usif-ctx": ("cn_mu", "ctx_gamma", "ctx_beta"),
    "gem": ("unit",),
    "pmeans": ("unit",),
    "pcs": ("k", "unit"),
}
#: ``usif-cn`` / ``usif-ctx``: μ = α², the conceptor negation's strength on the fitting lines'
#: correlation matrix scaled to mean eigenvalue 1; ``usif-ctx``: γ and β, the weights of a
#: word's context direction beside its own unit vector and beside an unknown word's random
#: direction (chosen on STS12 and AG News: BENCHMARKS.md, "Sentence features").
CONCEPTOR_MU = 0.07
CONTEXT_GAMMA = 0.25
CONTEXT_BETA = 1.0
#: ``evaluate classify``: the inverse L2 penalties that inner cross-validation on the
#: training part chooses C from, and its folds (BENCHMARKS.md, "Sentence features": C = 1,
#: fixed, was the protocol before; standardised sentence features want a stronger penalty).
C_GRID = (1e-4, 1e-3, 1e-2, 1e-1, 1.0)
INNER_FOLDS = 5
#: Graph embedding routes (``netmf+sparse``: the two side by side, 2 × dim columns).
GRAPH_METHODS = ("auto", "netmf", "sparse", "netmf+sparse", "walks")
#: ``method="auto"`` uses NetMF up to this many nodes (a dense n × n float32 matrix,
#: 1.6 GB at 20,000 nodes), the sparse route above (and for directed graphs of any size).
NETMF_MAX_NODES = 20_000
#: Table formats for features (text or NumPy).
TABLE_FORMATS = ("tsv", "npy")
#: Rare words (``train-words --rare-min-count``): a word seen c times, folded in from its
#: contexts, is mixed with its n-gram vector as c/(c + k) : k/(c + k) (BENCHMARKS.md
#: "Subwords", rare words).
RARE_NGRAM_PRIOR = 1.0
#: ω, the weight of a rare word's row in the subword ridge fit against a vocabulary word's 1
#: (with --subwords and --rare-min-count; BENCHMARKS.md "Subwords", round 5).
SUBWORD_RARE_WEIGHT = 0.3
#: Subword vectors (embedkit.subwords): fastText's n-gram lengths and hash buckets
#: (-minn 3 -maxn 6 -bucket 2000000), the weight β of a word's n-gram direction, the fewest
#: vocabulary words an n-gram must be found in, the coherence exponent p of mean n-gram
#: vectors, and λ of the ridge fit of n-gram vectors (0: mean vectors) (BENCHMARKS.md).
SUBWORD_MINN = 3
SUBWORD_MAXN = 6
SUBWORD_BUCKETS = 2_000_000
SUBWORD_WEIGHT = 1.25
#: β when rare words join the ridge fit (--rare-min-count with --subwords): their rows make
#: the n-gram direction cleaner, and the same rule picks a larger β (BENCHMARKS.md round 5).
SUBWORD_WEIGHT_WITH_RARE = 1.5
SUBWORD_MIN_WORDS = 2
SUBWORD_COHERENCE = 1.0
SUBWORD_RIDGE = 10.0


# The option set of train-words lives here (not beside the code that runs it) so that the
# command line can show its defaults without importing numpy.


@dataclass
class WordOptions:
    """Every parameter of ``train-words`` (:func:`embedkit.pipeline.train_words`).

    The defaults were decided on dictwiki by WordSim-353, SimVerb-3500 and the Google
    analogies and confirmed on RG-65, MC-30, YP-130, Verb-143 and WordSim-353's halves
    (BENCHMARKS.md "How the defaults were chosen"; ``eig`` 0.25 and subwords on: "The
    defaults with subwords in the mix"; the subword settings: "Subwords").
    A bad value is refused with :class:`~embedkit.errors.ParameterError` naming the field
    when the options are used, not here.

    Tokens: ``pattern`` (a regular expression for a token; None: runs of Unicode letters),
    ``lowercase``.  Vocabulary: ``min_count`` (a word seen fewer times is dropped before
    windowing, as word2vec does), ``max_size`` (keep only the most frequent).  Counting:
    ``window`` (words 1..window away on each side, on the same line), ``weighting`` of a
    pair at distance d (``uniform`` 1, ``harmonic`` 1/d as GloVe, ``linear``
    (window−d+1)/window), ``symmetric`` (context words on both sides; False: only those that
    follow), ``subsample`` (word2vec's threshold t: a token of frequency f kept with
    probability √(t/f); 0: off).  Weighting: ``transform`` (``ppmi``, ``pmi``, ``log``,
    ``none``), ``shift`` (k of shifted PMI, ≥ 1), ``cds`` (context-distribution smoothing α
    in (0, 1]; Levy, Goldberg & Dagan 2015).  Factorisation: ``dim`` (the vectors'
    dimension, a whole number at most the vocabulary's size), ``solver`` (``shifted``,
    ``randomized``, ``arpack``), ``n_iter`` (power iterations), ``eig`` (p of U Σ^p),
    ``vectors`` (``w``, ``c``, ``w+c``, ``concat``), ``remove_top`` (the mean and this many
    top principal components removed: all-but-the-top, Mu & Viswanath 2018), ``seed``.
    Subwords (``subwords=True``; fastText's n-grams, Bojanowski et al.  2017): ``minn``,
    ``maxn``, ``buckets``, ``subword_weight`` β, ``subword_min_words``,
    ``subword_coherence``, ``subword_ridge`` λ
    (:meth:`embedkit.vectors.Embedding.with_subwords`).  Rare words: ``rare_min_count``
    (words seen this often but below ``min_count`` get a vector folded in from their
    contexts; 0: none), ``subword_rare_weight`` ω.  Engine (not recorded, not changing the
    vectors): ``workers`` (processes; None: every core), ``memory`` (bytes of count partials
    before spilling to disk), ``scheduler`` (a Dask scheduler address, or ``local``).
    """

    pattern: str | None = None
    lowercase: bool = True
    min_count: int = 5
    max_size: int | None = None
    window: int = 10
    weighting: str = "harmonic"
    symmetric: bool = True
    subsample: float = 0.0
    transform: str = "ppmi"
    shift: float = 1.0
    cds: float = 0.75
    dim: int = 300
    solver: str = "shifted"
    n_iter: int = 3
    eig: float = 0.25
    vectors: str = "w+c"
    remove_top: int = 2
    seed: int = 0
    subwords: bool = True  # mix in character n-grams and answer for unseen words (embedkit.subwords)
    minn: int = SUBWORD_MINN
    maxn: int = SUBWORD_MAXN
    buckets: int = SUBWORD_BUCKETS
    subword_weight: float | None = None  # β; None: SUBWORD_WEIGHT, or SUBWORD_WEIGHT_WITH_RARE with rare rows
    subword_min_words: int = SUBWORD_MIN_WORDS
    subword_coherence: float = SUBWORD_COHERENCE
    subword_ridge: float = SUBWORD_RIDGE
    rare_min_count: int = 0  # words seen this often but below min_count: folded in from their contexts (0: none)
    subword_rare_weight: float = SUBWORD_RARE_WEIGHT  # ω of a rare word's row in the subword fit
    workers: int | None = None  # processes for tokenizing and counting; None = every core
    memory: int | None = None  # bytes the count partials may hold before spilling to disk
    scheduler: str | None = None  # a Dask scheduler address ("local": a cluster started here)

    def params(self) -> dict:
        """The parameters that determine the vectors (``workers``, ``memory`` and
        ``scheduler`` do not)."""
        p = asdict(self)
        for engine in ("workers", "memory", "scheduler"):
            p.pop(engine)
        if not self.rare_min_count:  # a model without rare words records what it did before them
            p.pop("rare_min_count")
        if not (self.rare_min_count and self.subwords):
            p.pop("subword_rare_weight")
        if not self.subwords:  # the subword settings matter only with subwords
            for setting in ("minn", "maxn", "buckets", "subword_weight", "subword_min_words", "subword_coherence",
                            "subword_ridge"):  # fmt: skip
                p.pop(setting)
        return p


@dataclass
class GraphOptions:
    """Every parameter of ``embed-graph``; the graph composition runs them
    (:func:`embedkit.pipeline.embed_graph`, which says what each route reads).

    ``method`` (``auto``, ``netmf``, ``sparse``, ``netmf+sparse``, ``walks``), ``dim`` (a
    whole number at most the number of nodes), ``window`` T and ``negative`` b of NetMF's
    matrix (Qiu et al. 2018) and of the walks' PPMI shift, ``rank`` (NetMF's eigenpairs),
    ``walks_per_node``, ``walk_length``, ``p``, ``q`` (node2vec's return and in-out
    parameters, Grover & Leskovec 2016), ``cds`` (walks' context-distribution smoothing),
    ``order``, ``mu``, ``theta`` (ProNE's spectral propagation, Zhang et al. 2019), ``n_iter``
    (power iterations), ``sparse_weight``, ``eig`` (p of U |Λ|^p), ``vectors``, ``seed``.

    The defaults were chosen on BlogCatalog and Cora and confirmed on other graphs
    (BENCHMARKS.md "How the NetMF defaults were chosen", "How the window and the spectrum
    are chosen", "NetMF beside the sparse route", "Graphs at scale").  A bad value is refused
    with :class:`~embedkit.errors.ParameterError` naming the field when the options are used.
    """

    method: str = "auto"
    dim: int = 160
    window: int = 10
    negative: float = 1.0
    rank: int = 192
    walks_per_node: int = 10
    walk_length: int = 80
    p: float = 1.0
    q: float = 1.0
    cds: float = 0.75  # walks only
    # sparse only: the spectral propagation's Chebyshev terms, and the centre μ and width
    # parameter θ of its Gaussian on the Laplacian's spectrum (ProNE's are 10, 0.2, 0.5;
    # these were as good or better on BlogCatalog and Cora at half the products)
    order: int = 5
    mu: float = 0.0
    theta: float = 4.0
    n_iter: int = 2
    # netmf+sparse only: the sparse part's rows scaled to this length, NetMF's to 1 (chosen
    # on BlogCatalog, Cora, dcsbm and hetero among 0.5, 0.7, 1; BENCHMARKS.md)
    sparse_weight: float = 0.7
    eig: float = 0.5
    vectors: str | None = None  # None: "w" for netmf (a symmetric matrix), "w+c" for walks
    seed: int = 0

    def params(self) -> dict:
        return asdict(self)


#: The settings of :class:`GraphOptions` each route reads (besides method, dim and seed):
#: one given for a route that does not read it is named, not silently dropped.
GRAPH_ROUTE_SETTINGS = {
    "netmf": ("window", "negative", "rank", "eig", "vectors"),
    "sparse": ("negative", "order", "mu", "theta", "n_iter", "eig"),
    "walks": ("walks_per_node", "walk_length", "p", "q", "window", "negative", "cds", "n_iter", "eig", "vectors"),
    "netmf+sparse": ("window", "negative", "rank", "order", "mu", "theta", "n_iter", "sparse_weight", "eig"),
}


@dataclass(frozen=True)
class IndexOptions:
    """``embedkit index``: the k-means cells of the inverted lists (IVF's nlist; 0: about
    2 √rows), the cells scanned a query (nprobe), the margin below the best cell's score
    under which a cell among those is skipped, and the candidates a query scores exactly
    against the model (re-ranking); the last three are stored in the index as its defaults.
    Chosen on a 1 M × 300 clustered model for recall@10 ≥ 0.95, confirmed on other queries
    and on real vectors (BENCHMARKS.md)."""

    lists: int = 0
    probes: int = 64
    margin: float = 0.5
    rerank: int = 100
