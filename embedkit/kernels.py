"""Compiled inner loops: tokenizing a block, interning its words, counting pairs, and the
sparse × dense product of the SVD (:func:`csr_dense_rows`).

These are the loops that touch every token (or every distinct word of every block) of a
corpus, so they are compiled with numba: the regular expression engine builds a Python string per token and ``Counter``
hashes each one again, and a numpy pair counter builds several whole-array temporaries
per distance.  Measured on dictwiki, one core: an 8 MB block (1.46 M tokens) took 0.65 s
with ``re.findall`` + ``Counter`` and takes 0.16 s here (lower-casing and UTF-32 encoding
included); counting a 1 M-token segment at window 5 took 0.115 s in numpy and takes
0.073 s here, half of it numpy's (vectorised) sort of the pair keys.

numba is a dependency, but the library still works without it (a platform with no numba
wheel yet, or ``EMBEDKIT_NO_JIT=1``): :data:`ENABLED` is then False and the callers use
their numpy / ``re`` code, which is also the reference the tests compare these loops to.
The first call compiles (about 2 s) and caches the machine code beside the module.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import sys

import numpy as np

ENABLED = importlib.util.find_spec("numba") is not None and not os.environ.get("EMBEDKIT_NO_JIT")


def loaded() -> bool:
    """Whether numba is enabled and already imported in this process: a compiled loop then
    costs no import (~0.4 s), so callers take it even for inputs too small to repay that."""
    return ENABLED and "numba" in sys.modules


def njit(fn):
    """Compile ``fn`` with numba on its first call (importing numba costs ~0.4 s, which a
    command that never tokenizes or counts should not pay).  A Ctrl-C while numba compiles
    is raised once the compile is done (:func:`embedkit.interrupts.defer_during_compiles`)."""
    compiled = None

    @functools.wraps(fn)
    def call(*args):
        nonlocal compiled
        if compiled is None:
            import numba

            from .interrupts import defer_during_compiles

            defer_during_compiles()  # a Ctrl-C amid a compile broke numba's state, or was lost
            compiled = numba.njit(cache=True, nogil=True)(fn)
        return compiled(*args)

    return call


_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)


def scan_tokens(cps: np.ndarray, is_letter: np.ndarray):
    """Tokens of a block of code points: maximal runs of letters, and each newline.

    ``cps`` is a uint8 (ASCII) or uint32 (UTF-32) array of the block's characters;
    ``is_letter[c]`` says whether code point c belongs to a token.  Returns
    (ids, starts, lengths, counts): the local id of every token in order, and for each
    distinct token the offset and length of its first occurrence and its count.
    """
    cap = cps.size // 64 + 1024
    while True:
        fits, *out = _scan_tokens(cps, is_letter, cap)
        if fits:
            return tuple(out)
        cap *= 4  # more distinct tokens than room for them: scan again


@njit
def _scan_tokens(cps, is_letter, cap):  # pragma: no cover - compiled
    """:func:`scan_tokens` with room for ``cap`` distinct tokens, after a flag that
    is False (and empty arrays) when that is too few.  Distinct tokens are found with an
    open-addressing hash table (FNV-1a, compared character by character on a hash match,
    so collisions cannot merge two words).  The arrays have a fixed size: growing them
    inside the loop made it 3× slower.
    """
    n = cps.size
    ids = np.empty(n + 1, np.int32)
    hashes = np.empty(cap, np.uint64)
    starts = np.empty(cap, np.int64)
    lengths = np.empty(cap, np.int64)
    counts = np.zeros(cap, np.int64)
    size = 1
    while size < 2 * cap:
        size *= 2
    mask = size - 1
    table = np.full(size, -1, np.int32)
    n_words = 0
    n_tokens = 0
    i = 0
    while i < n:
        c = cps[i]
        if is_letter[c]:
            h = (_FNV_OFFSET ^ np.uint64(c)) * _FNV_PRIME
            j = i + 1
            while j < n and is_letter[cps[j]]:
                h = (h ^ np.uint64(cps[j])) * _FNV_PRIME
                j += 1
        elif c == 10:
            h = (_FNV_OFFSET ^ np.uint64(10)) * _FNV_PRIME
            j = i + 1
        else:
            i += 1
            continue
        length = j - i
        slot = np.int64(h & np.uint64(mask))
        while True:
            w = table[slot]
            if w < 0:
                if n_words == cap:
                    return False, ids[:0], starts[:0], lengths[:0], counts[:0]
                w = n_words
                n_words += 1
                hashes[w] = h
                starts[w] = i
                lengths[w] = length
                table[slot] = w
                break
            if hashes[w] == h and lengths[w] == length:
                s = starts[w]
                same = True
                for k in range(length):
                    if cps[s + k] != cps[i + k]:
                        same = False
                        break
                if same:
                    break
            slot = (slot + 1) & mask
        counts[w] += 1
        ids[n_tokens] = w
        n_tokens += 1
        i = j
    return True, ids[:n_tokens].copy(), starts[:n_words].copy(), lengths[:n_words].copy(), counts[:n_words].copy()


@njit
def pair_keys(ids, keep, context, window, col_bits, dist_bits):  # pragma: no cover - compiled
    """Forward pair keys ``left << (col_bits + dist_bits) | right << dist_bits | d - 1``.

    ``ids`` is a stretch of the id stream (-1 ends a line, other negative ids are skipped
    words); ``keep[i]`` says whether token i is kept (subsampling).  ``context`` holds the
    kept ids just before the stretch, on the same line: they pair with the stretch's first
    words but not with each other.  Each kept word pairs with the up to ``window`` kept
    words before it on its line.
    """
    row_shift = col_bits + dist_bits
    with_distance = dist_bits > 0
    ring = np.empty(window, np.int64)
    # exact count first, so the key array is allocated once
    filled = min(context.size, window)
    total = 0
    for i in range(ids.size):
        t = ids[i]
        if t == -1:
            filled = 0
        elif t >= 0 and keep[i]:
            total += filled
            if filled < window:
                filled += 1
    keys = np.empty(total, np.int64)
    filled = 0
    head = 0  # ring[(head - d) % window] is the kept word d places back
    for t in context[max(0, context.size - window) :]:
        ring[head] = np.int64(t)
        head = (head + 1) % window
        filled += 1
    k = 0
    for i in range(ids.size):
        t = ids[i]
        if t == -1:
            filled = 0
        elif t >= 0 and keep[i]:
            right = np.int64(t) << dist_bits
            for d in range(1, filled + 1):
                left = ring[(head - d) % window]
                keys[k] = (left << row_shift) | right | ((d - 1) if with_distance else 0)
                k += 1
            ring[head] = t
            head = (head + 1) % window
            if filled < window:
                filled += 1
    return keys


@njit
def reduce_sorted_keys(keys, weights, n, col_bits, dist_bits):  # pragma: no cover - compiled
    """CSR arrays (indptr, indices, data) of sorted pair keys: each (pair, distance) run
    contributes count × weights[d - 1], added over the distances of a pair in order."""
    m = keys.size
    indptr = np.zeros(n + 1, np.int64)
    indices = np.empty(m, np.int32)
    data = np.empty(m, np.float64)
    dist_mask = (np.int64(1) << dist_bits) - 1
    col_mask = (np.int64(1) << col_bits) - 1
    k = -1
    prev_pair = np.int64(-1)
    i = 0
    while i < m:
        key = keys[i]
        j = i + 1
        while j < m and keys[j] == key:
            j += 1
        value = (j - i) * weights[key & dist_mask]
        pair = key >> dist_bits
        if pair != prev_pair:
            k += 1
            prev_pair = pair
            indices[k] = pair & col_mask
            data[k] = value
            indptr[(pair >> col_bits) + 1] += 1
        else:
            data[k] += value
        i = j
    for r in range(n):
        indptr[r + 1] += indptr[r]
    return indptr, indices[: k + 1].copy(), data[: k + 1].copy()


@njit
def gather_words(cps, starts, lengths):  # pragma: no cover - compiled
    """The characters of each (start, length) span of ``cps``, concatenated, as uint32."""
    out = np.empty(lengths.sum(), np.uint32)
    k = 0
    for w in range(starts.size):
        s = starts[w]
        for j in range(lengths[w]):
            out[k] = cps[s + j]
            k += 1
    return out


@njit
def intern_words(  # pragma: no cover - compiled
    chars, starts, lengths, hashes, counts, table, n_words, n_chars, block_chars, block_lengths, block_counts
):
    """Add a block's distinct words to a word store; returns (their ids, n_words, n_chars).

    The store is (chars, starts, lengths, hashes, counts) for its first ``n_words`` words,
    whose code points fill ``chars[:n_chars]``, and an open-addressing ``table`` of word
    ids; the caller makes room beforehand (:class:`embedkit.vocab.WordStore`).  A word
    seen before gets its old id and its count increased.
    """
    mask = table.size - 1
    ids = np.empty(block_lengths.size, np.int64)
    s = 0
    for b in range(block_lengths.size):
        n = block_lengths[b]
        h = _FNV_OFFSET
        for j in range(n):
            h = (h ^ np.uint64(block_chars[s + j])) * _FNV_PRIME
        slot = np.int64(h & np.uint64(mask))
        while True:
            w = table[slot]
            if w < 0:
                w = n_words
                n_words += 1
                hashes[w] = h
                starts[w] = n_chars
                lengths[w] = n
                counts[w] = 0
                for j in range(n):
                    chars[n_chars + j] = block_chars[s + j]
                n_chars += n
                table[slot] = w
                break
            if hashes[w] == h and lengths[w] == n:
                same = True
                t = starts[w]
                for j in range(n):
                    if chars[t + j] != block_chars[s + j]:
                        same = False
                        break
                if same:
                    break
            slot = (slot + 1) & mask
        counts[w] += block_counts[b]
        ids[b] = w
        s += n
    return ids, n_words, n_chars


@njit
def find_words(chars, starts, lengths, hashes, table, block_chars, block_lengths):  # pragma: no cover - compiled
    """Ids of a block's words in a word store (as :func:`intern_words` would give them),
    -1 for a word the store does not hold; the store is left unchanged."""
    mask = table.size - 1
    ids = np.empty(block_lengths.size, np.int64)
    s = 0
    for b in range(block_lengths.size):
        n = block_lengths[b]
        h = _FNV_OFFSET
        for j in range(n):
            h = (h ^ np.uint64(block_chars[s + j])) * _FNV_PRIME
        slot = np.int64(h & np.uint64(mask))
        found = -1
        while True:
            w = table[slot]
            if w < 0:
                break
            if hashes[w] == h and lengths[w] == n:
                same = True
                t = starts[w]
                for j in range(n):
                    if chars[t + j] != block_chars[s + j]:
                        same = False
                        break
                if same:
                    found = w
                    break
            slot = (slot + 1) & mask
        ids[b] = found
        s += n
    return ids


@njit
def rehash(hashes, n_words, size):  # pragma: no cover - compiled
    """A fresh open-addressing table of ``size`` slots for the first ``n_words`` hashes."""
    table = np.full(size, -1, np.int32)
    mask = size - 1
    for w in range(n_words):
        slot = np.int64(hashes[w] & np.uint64(mask))
        while table[slot] >= 0:
            slot = (slot + 1) & mask
        table[slot] = w
    return table


_FT_OFFSET = np.uint32(2166136261)
_FT_PRIME = np.uint32(16777619)


@njit
def ngram_hashes(data, starts, ends, minn, maxn):  # pragma: no cover - compiled
    """fastText's n-gram hashes of each word: (indptr, hashes) in CSR form.

    ``data`` holds the UTF-8 bytes of the words, each already wrapped in ``<`` ``>``;
    word w is ``data[starts[w]:ends[w]]``.  Its n-grams are the runs of ``minn``..``maxn``
    characters (not bytes: a UTF-8 continuation byte never starts or ends one), in
    fastText's order (by start, then length), repeats kept; each is hashed with 32-bit
    FNV-1a over its bytes, each byte sign-extended as fastText's ``int8_t`` cast does
    (``Dictionary::hash``), and extended byte by byte, so an n-gram's hash continues the
    hash of the (n−1)-gram it extends.  Returns uint32 hashes (the caller takes them
    modulo the number of buckets).
    """
    n_words = starts.size
    indptr = np.zeros(n_words + 1, np.int64)
    for w in range(n_words):  # count first, so the output is allocated once
        s, e = starts[w], ends[w]
        k = 0
        for i in range(s, e):
            if (data[i] & 0xC0) == 0x80:
                continue
            j = i
            n = 1
            while j < e and n <= maxn:
                j += 1
                while j < e and (data[j] & 0xC0) == 0x80:
                    j += 1
                if n >= minn and not (n == 1 and (i == s or j == e)):
                    k += 1
                n += 1
        indptr[w + 1] = indptr[w] + k
    out = np.empty(indptr[n_words], np.uint32)
    mask = np.uint64(0xFFFFFFFF)
    for w in range(n_words):
        s, e = starts[w], ends[w]
        k = indptr[w]
        for i in range(s, e):
            if (data[i] & 0xC0) == 0x80:
                continue
            h = np.uint64(_FT_OFFSET)
            j = i
            n = 1
            while j < e and n <= maxn:
                while True:  # one character: its lead byte and continuation bytes
                    b = np.uint64(data[j])
                    if b >= 128:
                        b |= np.uint64(0xFFFFFF00)  # int8_t(b), then uint32
                    h = ((h ^ b) * np.uint64(_FT_PRIME)) & mask
                    j += 1
                    if j >= e or (data[j] & 0xC0) != 0x80:
                        break
                if n >= minn and not (n == 1 and (i == s or j == e)):
                    out[k] = np.uint32(h)
                    k += 1
                n += 1
    return indptr, out


def merge_top(scores: np.ndarray, scale: np.ndarray, offset: int, top_scores: np.ndarray, top_ids: np.ndarray) -> None:
    """Fold a block of scores into running top-k lists, in place.

    ``scores`` (q × b, float32) times ``scale`` (b,) — the rows' inverse norms, so that dot
    products become cosines on the way — are the scores of rows ``offset`` … ``offset + b − 1``;
    ``top_scores`` / ``top_ids`` (q × k) hold each query's best so far, best first (−inf /
    −1 where empty).  A score enters only if it beats the k-th best (strictly: on a tie the
    lower row, seen first, stays), so NaN and −inf never enter.  One pass over the block
    with a threshold test; an entry costs an insertion into k sorted slots, and after the
    first blocks few do (about k·ln(n/k) per query over n rows).  The numpy reference is
    ``embedkit.vectors._merge_top_numpy``."""
    _merge_top(scores, scale, np.int64(offset), top_scores, top_ids)


@njit
def _merge_top(scores, scale, offset, top_scores, top_ids):
    q, b = scores.shape
    k = top_scores.shape[1]
    for i in range(q):
        row = scores[i]
        ts = top_scores[i]
        ti = top_ids[i]
        threshold = ts[k - 1]
        for j in range(b):
            v = row[j] * scale[j]
            if v > threshold:
                pos = k - 1
                while pos > 0 and ts[pos - 1] < v:
                    ts[pos] = ts[pos - 1]
                    ti[pos] = ti[pos - 1]
                    pos -= 1
                ts[pos] = v
                ti[pos] = offset + j
                threshold = ts[k - 1]


@njit
def csr_dense_rows(indptr, indices, data, x, y, lo, hi, panel):  # pragma: no cover - compiled
    """Rows lo..hi of y = A x for a CSR matrix A (``indptr``, ``indices`` sorted within
    each row, ``data``) and a dense C-contiguous x (n_cols × l): y[lo:hi] is overwritten.

    The columns of A are taken ``panel`` at a time (the rows of x they read, ``panel`` × l,
    stay in the core's cache while every row of the block reads them), each row resuming
    where it stopped in the previous panel; a row's products are still added in the order
    of its non-zeros, into an accumulator that starts from 0, so every entry of y is the
    bytes scipy's ``csr_matvecs`` gives.  Measured on dictwiki's PPMI matrix (41k × 41k,
    9.5 M non-zeros, 320 float32 columns, one core, the same run): 0.67–0.74 s against
    1.78 s for scipy's product; without panels 0.98 s (x, 53 MB, does not fit in cache).
    """
    l = x.shape[1]
    n_cols = x.shape[0]
    cursor = indptr[lo:hi].copy()
    acc = np.empty(l, dtype=y.dtype)
    for i in range(lo, hi):
        for c in range(l):
            y[i, c] = 0
    for c0 in range(0, n_cols, panel):
        c1 = c0 + panel
        for i in range(lo, hi):
            p = cursor[i - lo]
            end = indptr[i + 1]
            if p >= end or indices[p] >= c1:
                continue
            for c in range(l):
                acc[c] = y[i, c]
            while p < end and indices[p] < c1:
                v = data[p]
                j = indices[p]
                for c in range(l):
                    acc[c] += v * x[j, c]
                p += 1
            cursor[i - lo] = p
            for c in range(l):
                y[i, c] = acc[c]


@njit
def csr_sparse_sign_rows(indptr, indices, data, cols, values, y, lo, hi):  # pragma: no cover - compiled
    """Rows lo..hi of y = A Ω for a CSR matrix A (n_rows × n_cols) and a sparse Ω
    (n_cols × l) given by its non-zeros: row j of Ω holds ``values[j, t]`` in column
    ``cols[j, t]`` (ζ = cols.shape[1] distinct columns a row); y[lo:hi] is overwritten.

    Each entry of y adds its terms in the order of the row's non-zeros, as the dense
    product A @ Ω does (its other terms are exact zeros), so y is the bytes of
    ``A @ Ω.toarray()`` at ζ / l of its work (a sparse sign sketch, Tropp et al. 2017)."""
    zeta = cols.shape[1]
    l = y.shape[1]
    for i in range(lo, hi):
        for c in range(l):
            y[i, c] = 0
        for p in range(indptr[i], indptr[i + 1]):
            j = indices[p]
            v = data[p]
            for t in range(zeta):
                y[i, cols[j, t]] += v * values[j, t]


@njit
def column_argmax_abs(u):  # pragma: no cover - compiled
    """For each column of u (n × k), the row of its largest |entry|, the first on ties
    (``np.argmax(np.abs(u), axis=0)``, NaN aside) in one pass over u's rows: numpy's
    reduction along axis 0 walks each column with a stride (0.2–0.4 s on 41k × 300)."""
    n, k = u.shape
    idx = np.zeros(k, dtype=np.int64)
    best = np.full(k, -1.0, dtype=np.float64)
    for i in range(n):
        for c in range(k):
            a = abs(u[i, c])
            if a > best[c]:
                best[c] = a
                idx[c] = i
    return idx


@njit
def csr_margins(indptr, indices, data, bounds, rows, cols):  # pragma: no cover - compiled
    """Row and column sums (float64) of a CSR matrix in one pass, added as
    ``weighting._margins``' numpy code adds them (each row's values in order from 0;
    each column's per chunk of rows ``bounds[k]..bounds[k + 1]`` from 0, the chunks'
    sums then added in order), so the same bytes; ``rows`` and ``cols`` (zeroed) receive
    them."""
    partial = np.zeros(cols.size, dtype=np.float64)
    for k in range(bounds.size - 1):
        for j in range(cols.size):
            partial[j] = 0.0
        for i in range(bounds[k], bounds[k + 1]):
            total = 0.0
            for p in range(indptr[i], indptr[i + 1]):
                v = np.float64(data[p])
                total += v
                partial[indices[p]] += v
            rows[i] = total
        for j in range(cols.size):
            cols[j] += partial[j]


@njit
def cg_step(z, r, p, q, inv_diag, alpha, lam, lo, hi):  # pragma: no cover - compiled
    """Rows lo..hi of one conjugate-gradient step for (Gᵀ G + λ I) Z = B, all columns at
    once, in one pass: z += α p, r −= α (q + λ p) (q = Gᵀ G p), and per column the sums
    Σ r·(d r) and Σ r² (d = ``inv_diag``, the Jacobi preconditioner) of the new residual,
    returned as float64 (2, columns).  float32 arrays; ``alpha`` float32 (columns,).  The
    numpy reference is ``embedkit.subwords._cg_step_numpy``."""
    l = z.shape[1]
    sums = np.zeros((2, l), np.float64)
    for i in range(lo, hi):
        d = inv_diag[i]
        for c in range(l):
            a = alpha[c]
            z[i, c] += a * p[i, c]
            v = r[i, c] - a * (q[i, c] + lam * p[i, c])
            r[i, c] = v
            sums[0, c] += v * (d * v)
            sums[1, c] += v * v
    return sums


@njit
def cg_direction(p, r, inv_diag, beta, lo, hi):  # pragma: no cover - compiled
    """Rows lo..hi of the next conjugate-gradient direction, p = d r + β p (d =
    ``inv_diag``, ``beta`` float32 (columns,)), and per column Σ p² of the new p (float64,
    (columns,)).  The numpy reference is ``embedkit.subwords._cg_direction_numpy``."""
    l = p.shape[1]
    sums = np.zeros(l, np.float64)
    for i in range(lo, hi):
        d = inv_diag[i]
        for c in range(l):
            v = d * r[i, c] + beta[c] * p[i, c]
            p[i, c] = v
            sums[c] += v * v
    return sums


@njit
def column_squares(x, lo, hi):  # pragma: no cover - compiled
    """Per column Σ x² over rows lo..hi of a float32 array, as float64 (columns,)."""
    l = x.shape[1]
    sums = np.zeros(l, np.float64)
    for i in range(lo, hi):
        for c in range(l):
            v = np.float64(x[i, c])
            sums[c] += v * v
    return sums


@njit
def integer_pairs(buf, delim, out):  # pragma: no cover - compiled
    """Parse an edge list of canonical integers (``a,b`` / ``a<TAB>b`` / ``a b`` a line) in
    one pass: the fields' values into ``out`` (int64, at least 2 × the lines), and the
    separator.  ``delim`` is the separator's byte, or 0 to take it from the first line with
    a field (TAB if it has one after its first digit, else a comma if it has one, else a
    space).  Returns (fields written, separator byte), or (-1, 0) when the bytes are anything
    else — another byte, a line of other than 0 or 2 fields, a field of more than 18 digits
    or with a leading zero, a line whose count of separators is not its fields / 2 (a TAB or
    comma separator), a comma anywhere when the separator is not a comma, no final newline —
    so that the caller's general parser handles them.  The numpy reference is
    ``embedkit.graph.edges._integer_edges_numpy``."""
    n = buf.size
    k = 0
    value = 0
    length = 0
    lead_zero = False
    fields = 0
    tabs = 0  # in the line
    commas = 0
    tabs_after = 0  # in the line, after its first digit
    commas_after = 0
    blank_tabs = 0  # in the blank lines before the separator is known
    blank_commas = 0
    all_commas = 0
    for i in range(n):
        c = buf[i]
        if 48 <= c <= 57:
            if length == 0:
                lead_zero = c == 48
            elif lead_zero:
                return -1, 0
            length += 1
            if length > 18:
                return -1, 0
            value = value * 10 + (c - 48)
            continue
        if length:
            if fields == 2 or k >= out.size:  # a third field: not this path (and out is full)
                return -1, 0
            out[k] = value
            k += 1
            fields += 1
            value = 0
            length = 0
        if c == 10:
            if fields != 0 and fields != 2:
                return -1, 0
            if delim == 0:
                if fields:
                    delim = 9 if tabs_after else (44 if commas_after else 32)
                    if (delim == 9 and blank_tabs) or (delim == 44 and blank_commas):
                        return -1, 0
                else:
                    blank_tabs += tabs
                    blank_commas += commas
            if delim == 9 and tabs != fields // 2:
                return -1, 0
            if delim == 44 and commas != fields // 2:
                return -1, 0
            fields = tabs = commas = tabs_after = commas_after = 0
        elif c == 44:
            commas += 1
            all_commas += 1
            if fields:
                commas_after += 1
        elif c == 9:
            tabs += 1
            if fields:
                tabs_after += 1
        elif c != 13 and c != 32:
            return -1, 0
    if length or n == 0 or buf[n - 1] != 10:
        return -1, 0
    if delim != 44 and all_commas:
        return -1, 0
    return k, delim
