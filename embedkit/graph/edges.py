"""Reading edge lists (CSV, TSV or whitespace; weighted or not; with a header or not)
into a :class:`~embedkit.graph.Graph`: a fast path for integer files and a general
parser that names the line of any bad edge."""

from __future__ import annotations

import re

import numpy as np

from .. import kernels
from ..errors import DataError, ParameterError, param
from ..io import (
    ASCII_SPACE,
    ascii_fields,
    check_not_binary,
    decimal_point,
    display_name,
    is_number,
    read_all_bytes,
    strip_bom,
    text_decoding,
)
from .types import Graph

_HEADER_WORDS = {
    "source", "target", "src", "dst", "from", "to", "node", "u", "v", "weight", "w", "head", "tail", "id",
    "vertex", "user", "item", "paper", "start", "end", "citing", "cited", "parent", "child",
}  # fmt: skip


_NUMBERED = {"node", "id", "vertex"}


def _is_header_word(cell: str) -> bool:
    """Whether ``cell`` is a column name of an edge list: one of the words above, alone or
    joined (``Source``, ``user_id``, ``from-node``, ``citing paper``); numbered only for
    ``node``, ``id`` and ``vertex`` (``node_1``, ``id2``): ``u0``, ``user1``, ``item2`` are ids."""
    parts = [p for p in re.split(r"[\s_\-.]+", cell.strip().lower()) if p]
    if len(parts) > 1 and parts[-1].isdigit() and parts[-2] in _NUMBERED:  # node_1, id 2
        parts.pop()
    if len(parts) == 1 and parts[0].rstrip("0123456789") in _NUMBERED:  # node1, id2
        parts = [parts[0].rstrip("0123456789")]
    return bool(parts) and all(w in _HEADER_WORDS for w in parts)


_SPACE = np.zeros(256, dtype=bool)
_SPACE[[ord(c) for c in ASCII_SPACE]] = True  # ascii_fields's separators, as bytes


def read_edges(
    path: str,
    directed: bool = False,
    self_loops: bool = False,
    header: bool | None = None,
    delimiter: str | None = None,
) -> Graph:
    """Read an edge list: ``source target [weight]`` per line.

    Columns are separated by commas, tabs, semicolons or white space (a weight may have a
    decimal comma, ``1,5``, where the comma is not the separator: ``a;b;1,5``,
    ``a<TAB>b<TAB>1,5``, ``a,b,"1,5"``) (detected from the first data line unless ``delimiter``
    is given); CSV quoting is honoured; lines whose first non-blank character is ``#`` and
    blank lines are skipped; ``header=None`` detects a header row (column names such
    as ``source,target``, or non-numeric ids above numeric ones); a first column that the
    header leaves unnamed (``,source,target``: the index pandas and R write) is skipped.  Node ids are read as
    every word is (:func:`~embedkit.io.normal_form`, NFC: ``e`` + U+0301 is ``é``), else
    as written.  Duplicate edges are merged with their weights summed.  Parsing is vectorised
    over the whole file (numpy over the bytes, one C-level split), not a loop per line.

    Raises :class:`DataError` naming the file and line for a wrong column count, a weight
    that is not a number, or a negative weight; and for a file with no edges.
    """
    name = display_name(path)
    decoding = text_decoding()
    data = strip_bom(read_all_bytes(path), name)
    check_not_binary(data, name)
    if b"\r" in data:  # CRLF or old Mac line ends
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    if not data.endswith(b"\n"):
        data += b"\n"
    if header is not False:
        data, indexed = _without_index_column(data, delimiter)
        header = True if indexed else header
    buf = np.frombuffer(data, dtype=np.uint8)
    if header is not True:
        fast = _integer_edges(buf, delimiter)
        if fast is not None:
            nodes, inverse = fast
            g = Graph.from_edges(
                inverse[0], inverse[1], len(nodes), nodes=nodes, directed=directed, self_loops=self_loops, source=name
            )
            return _checked(g)
    ends = np.flatnonzero(buf == 10)  # one per line
    starts = np.concatenate([[0], ends[:-1] + 1])
    nonspace = np.flatnonzero(~_SPACE[buf])
    k = np.searchsorted(nonspace, starts)
    first = np.append(nonspace, buf.size)[k]
    has_text = first < ends
    is_comment = np.zeros_like(has_text)
    is_comment[has_text] = buf[first[has_text]] == ord("#")
    data_lines = np.flatnonzero(has_text & ~is_comment)  # 0-based line numbers
    if data_lines.size == 0:
        raise DataError(f"{name}: no edges (the file is empty or has only comments)")

    first_line = data[starts[data_lines[0]] : ends[data_lines[0]]].decode("utf-8", "replace")
    if delimiter is None:
        delimiter = _sniff_delimiter(first_line)
    if delimiter not in (",", "\t", " ", ";", "|"):
        raise ParameterError("delimiter", delimiter, "must be one of ',', tab, ' ', ';', '|'")

    line_of = np.cumsum(buf == 10) - (buf == 10)  # line index of each byte
    keep_line = np.zeros(ends.size, dtype=bool)
    keep_line[data_lines] = True
    kept = buf[keep_line[line_of]].tobytes()
    try:  # the text of the data lines only
        text = decoding.decode(kept, name, offset=len(data), first_line=None)
    except DataError:
        decoding.decode(data, name, offset=len(data))  # names the line
        raise
    quoted = _quoted_rows(text, delimiter)
    if quoted is not None:
        nf = np.array([len(r) for r in quoted])
    elif delimiter == " ":  # fields per line, counted on the bytes
        tok_start = ~_SPACE[buf]
        tok_start[1:] &= _SPACE[buf[:-1]]
        nf = np.bincount(line_of[tok_start], minlength=ends.size)[data_lines]
    else:
        nf = np.bincount(line_of[buf == ord(delimiter)], minlength=ends.size)[data_lines] + 1
    ncol = int(nf[0])
    bad = np.flatnonzero(nf != ncol) if ncol in (2, 3) else np.array([0])
    if bad.size:
        ln = int(data_lines[bad[0]])
        got = int(nf[bad[0]])
        want = "2 or 3" if ncol not in (2, 3) else str(ncol)
        text = data[starts[ln] : ends[ln]].decode("utf-8", "replace").strip()
        raise DataError(
            f"{name}, line {ln + 1}: expected {want} columns (source, target[, weight]), found {got}: {text[:60]!r}"
        )

    if quoted is not None:
        fields = [f.strip(" \t\r\f\v") for row in quoted for f in row]
    elif delimiter == " ":  # at ASCII white space, as counted above: a U+00A0 is part of an id
        fields = ascii_fields(text)
    else:
        pad = "[ \r\f\v]+" if delimiter == "\t" else "[ \t\r\f\v]+"
        sep = "[\n" + re.escape(delimiter) + "]"
        text = re.sub(f"{pad}(?={sep})", "", re.sub(f"(?<={sep}){pad}", "", text.lstrip(" \r\f\v")))
        fields = text.replace("\n", delimiter).split(delimiter)
        if fields and fields[-1] == "":
            fields.pop()
    cols = np.array(fields, dtype=object).reshape(-1, ncol)
    lines = data_lines + 1  # 1-based line numbers of the rows

    if ncol == 3 and (delimiter != "," or quoted is not None) and b"," in data:
        # a comma inside a field is a decimal comma (1,5 is 1.5), as in word pairs' scores;
        # before the header test reads the weights
        cols[:, 2] = [decimal_point(c) for c in cols[:, 2]]
    if header is None:
        header = _looks_like_header(cols)
    if header:
        cols, lines = cols[1:], lines[1:]
    if cols.shape[0] == 0:
        raise DataError(f"{name}: no edges (only a header row)")

    weights = None
    if ncol == 3:
        try:
            weights = cols[:, 2].astype(np.float64)
        except ValueError:
            i = next(i for i, s in enumerate(cols[:, 2]) if not is_number(s))
            raise DataError(f"{name}, line {lines[i]}: weight {cols[i, 2]!r} is not a number") from None
        bad = np.flatnonzero(~np.isfinite(weights) | (weights < 0))
        if bad.size:
            i = int(bad[0])
            raise DataError(f"{name}, line {lines[i]}: weight {cols[i, 2]!r} must be a finite non-negative number")
    nodes, inverse = _node_ids(cols[:, :2])
    if inverse is None:
        raise DataError(f"{name}, line {lines[nodes]}: a node id is empty")
    g = Graph.from_edges(
        inverse[:, 0],
        inverse[:, 1],
        n=len(nodes),
        weights=weights,
        nodes=nodes,
        directed=directed,
        self_loops=self_loops,
        source=name,
    )
    return _checked(g)


def _sniff_delimiter(line: str) -> str:
    """The separator of an edge list, from its first line: a TAB, else ``;`` for Excel's
    CSV (``a;b;1,5``: the comma is the decimal mark), else white space for ``a b 1,5``,
    else a comma, else white space."""
    if "\t" in line:
        return "\t"
    if "," in line:
        fields = line.split(";")
        decimal_comma = len(fields) == 3 and is_number(decimal_point(fields[2].strip()))
        if decimal_comma:
            return ";"
        words = ascii_fields(line)  # ``a b 1,5``: white space, the weight's comma decimal
        spaced = len(words) == 3 and "," not in words[0] + words[1] and "," in words[2]
        return " " if spaced and is_number(decimal_point(words[2])) else ","
    return _semicolon_or_space(line)


def _semicolon_or_space(line: str) -> str:
    """``;`` when the first line reads as ``source;target[;weight]`` (Excel's CSV where
    the comma is the decimal mark), else white space (``a;x b;y`` is two ids)."""
    fields = [f.strip() for f in line.split(";")]
    if len(fields) == 2 or (len(fields) == 3 and (is_number(fields[2]) or _is_header_word(fields[2]))):
        return ";"
    return " "


def _quoted_rows(text: str, delimiter: str) -> list[list[str]] | None:
    """The lines of ``text`` read as CSV when a field of one is quoted (``"New York"``,
    ``"Smith, John"``), else None (the fast split applies).  A field that starts with a
    quote is CSV-quoted: the quotes are not part of the id and the separator may be inside
    them; a line that is not valid CSV (a quote left open, ``O"Neil``) is split as
    written."""
    if delimiter == " " or '"' not in text:
        return None
    lines = text.split("\n")[:-1]
    if not any(f.lstrip(" \t").startswith('"') for line in lines for f in line.split(delimiter)):
        return None
    import csv

    rows: list[list[str]] = []
    for line in lines:
        try:
            rows.append(next(csv.reader([line], delimiter=delimiter, skipinitialspace=True, strict=True)))
        except csv.Error:
            rows.append(line.split(delimiter))
    return rows


def _checked(g: Graph) -> Graph:
    if g.n_edges == 0:
        why = f"all {g.self_loops_dropped:,} are self-loops (keep them with {param('self_loops')})"
        raise DataError(f"{g.source}: no edges left: {why if g.self_loops_dropped else 'every weight is 0'}")
    return g


#: Below this size the numpy passes (about 35 ms a MB) cost less than importing numba for
#: the compiled one (about 0.4 s), unless numba is already loaded.
_COMPILED_MIN_BYTES = 16 << 20


def _integer_edges(buf: np.ndarray, delimiter: str | None) -> tuple[list[str], np.ndarray] | None:
    """The common large case without Python strings: two columns of canonical integers.

    Returns (node ids in numeric order, int64 (2, m) positions), or None when the bytes are
    anything else (comments, a header, weights, signs, leading zeros, a column count that
    differs) so that the general parser handles them and their errors.  At 10 M edges the
    general parser holds one Python string per field (6.4 GB, 48 s); this path holds a
    few int64 arrays per field (about 1 GB, a few seconds).
    """
    if (delimiter is not None and delimiter not in (",", "\t", " ")) or buf[-1] != 10:
        return None
    compiled = kernels.ENABLED and (buf.size >= _COMPILED_MIN_BYTES or kernels.loaded())
    values = _integer_values(buf, delimiter) if compiled else _integer_values_numpy(buf, delimiter)
    if values is None:
        return None
    if values.max() < 4 * values.size:  # dense-ish ids: a presence table instead of a sort
        present = np.zeros(int(values.max()) + 1, dtype=bool)
        present[values] = True
        uniq = np.flatnonzero(present)
        inverse = (np.cumsum(present) - 1)[values]
    else:
        uniq, inverse = np.unique(values, return_inverse=True)
    return uniq.astype(str).tolist(), inverse.reshape(-1, 2).T


def _integer_values(buf: np.ndarray, delimiter: str | None) -> np.ndarray | None:
    """The fields of a two-column integer edge list in file order (int64), or None: one
    compiled pass (:func:`embedkit.kernels.integer_pairs`; 147 MB in about 0.5 s, where the
    numpy passes of :func:`_integer_values_numpy` take 5–6 s)."""
    lines = int(np.count_nonzero(buf == 10))
    out = np.empty(2 * lines, dtype=np.int64)
    k, _ = kernels.integer_pairs(buf, ord(delimiter) if delimiter else 0, out)
    return out[:k] if k >= 2 else None


def _integer_values_numpy(buf: np.ndarray, delimiter: str | None) -> np.ndarray | None:
    """:func:`_integer_values` in numpy (without numba, and the compiled pass's reference)."""
    is_digit = (buf >= 48) & (buf <= 57)
    if not (is_digit | (buf == 10) | (buf == 13) | (buf == 32) | (buf == 9) | (buf == 44)).all():
        return None
    nl = np.flatnonzero(buf == 10)
    # digit runs are the fields: a start is a digit after a non-digit
    starts = np.flatnonzero(is_digit[1:] & ~is_digit[:-1]) + 1
    if is_digit[0]:
        starts = np.concatenate([[0], starts])
    stops = np.flatnonzero(~is_digit[1:] & is_digit[:-1]) + 1
    del is_digit
    if starts.size < 2 or starts.size != stops.size:
        return None
    lens = stops - starts
    if lens.max() > 18 or np.any((buf[starts] == 48) & (lens > 1)):
        return None  # too long for int64, or "007" (kept as a string id by the general path)
    line = np.searchsorted(nl, starts)
    per_line = np.bincount(line, minlength=nl.size)
    if np.any((per_line != 0) & (per_line != 2)):
        return None
    # one separator a line, the one the general parser would pick from the first line
    first = buf[starts[0] : nl[line[0]]].tobytes()
    delim = delimiter or ("\t" if b"\t" in first else ("," if b"," in first else " "))
    if delim != ",":
        if np.any(buf == 44):
            return None
    if delim != " ":
        n_delim = np.bincount(np.searchsorted(nl, np.flatnonzero(buf == ord(delim))), minlength=nl.size)
        if np.any(n_delim != per_line // 2):
            return None
    del line, per_line, nl
    values = np.zeros(starts.size, dtype=np.int64)
    last = buf.size - 1
    for k in range(int(lens.max())):
        digit = buf[np.minimum(starts + k, last)].astype(np.int64) - 48
        values = np.where(lens > k, values * 10 + digit, values)
    return values


def _node_ids(ends: np.ndarray):
    """(node ids as given, int64 (m, 2) of positions) for an object array (m, 2) of strings.

    Integer ids that read back exactly (no "007") take a fast numeric path and are ordered
    numerically; anything else is ordered as strings.  Returns (row, None) if the id of
    that row is empty.
    """
    flat = ends.ravel()
    try:
        as_int = flat.astype(np.int64)
        uniq, inverse = np.unique(as_int, return_inverse=True)
        names = uniq.astype(str)
        # a non-canonical integer ("007", "+7") is longer than its canonical form, so equal
        # total lengths mean every id reads back exactly as written
        if sum(map(len, flat)) == int(np.char.str_len(names)[inverse].sum()):
            return names.tolist(), inverse.reshape(-1, 2)
    except (ValueError, OverflowError):
        pass
    flat = flat.astype(str)
    empty = np.flatnonzero(flat == "")
    if empty.size:
        return int(empty[0] // 2), None
    ids, inverse = np.unique(flat, return_inverse=True)
    order = _natural_order(ids)
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return ids[order].tolist(), rank[inverse].reshape(-1, 2)


def _natural_order(ids: np.ndarray) -> np.ndarray:
    """Order of node ids: numerically when all are integers, else as strings."""
    try:
        as_int = ids.astype(np.int64)
    except (ValueError, OverflowError):
        return np.arange(ids.size)  # np.unique already sorted them as strings
    return np.lexsort((ids, as_int))


_INDEX_HEADER = re.compile(rb"[ \t]*(?:#[^\n]*)?\n|(\"\"|)([,;\t])")


def _without_index_column(data: bytes, delimiter: str | None) -> tuple[bytes, bool]:
    """``data`` without its first column, and True, when the first line leaves that column
    unnamed: a header above the row index that pandas' ``DataFrame.to_csv`` (``,source,target``;
    ``,0,1`` for columns never named) and R's ``write.csv`` (``"","from","to"``) write first,
    which would otherwise be read as the sources (an id is never empty, so an unnamed first
    column cannot be one); else ``data`` and False."""
    pos = 0
    while (m := _INDEX_HEADER.match(data, pos)) and m.group(2) is None:  # blank and comment lines
        pos = m.end()
    if not m or (delimiter is not None and m.group(2).decode() != delimiter):
        return data, False
    sep = re.escape(m.group(2))
    return data[:pos] + re.sub(rb"(?m)^(?![ \t]*#)[^\n" + sep + rb"]*" + sep, b"", data[pos:]), True


def _looks_like_header(cols: np.ndarray) -> bool:
    row = [str(x).strip().lower() for x in cols[0]]
    if all(_is_header_word(x) for x in row):
        return True
    if cols.shape[0] < 2:
        return False
    nxt = [str(x) for x in cols[1]]
    if cols.shape[1] == 3 and not is_number(row[2]) and is_number(nxt[2]):
        return True
    return not any(is_number(x) for x in row[:2]) and all(is_number(x) for x in nxt[:2])
