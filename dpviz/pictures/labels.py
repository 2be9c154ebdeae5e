"""Text that goes into a drawing: escaping and attribute syntax for DOT, and short summaries of values.

Two escapers live here because DOT has two kinds of string:

* HTML-like labels (``label=<...>``), used for every node label dpviz writes.
  Graphviz decodes XML entities in them and then collapses each ``\\\\`` pair
  into one backslash, so a backslash is written twice; control characters are
  rejected by its XML parser, so they are shown as visible escapes instead.
* quoted strings (``"..."``), used for every other attribute value.

User text (names, scope names, values) only ever reaches DOT through one of
these two functions, so no name can break or inject DOT; :func:`attr_list` writes
attribute lists with them, for the DOT writer and the legend alike.

>>> html_text('a<b & "c"')
'a&lt;b &amp; &quot;c&quot;'
>>> print(dot_string('say "hi"'))
"say \\"hi\\""
>>> summarize(3.14159)
'3.142'
"""
from __future__ import annotations

import math
import unicodedata
from typing import Any

import numpy as np

#: Longest name shown in full; longer ones end in an ellipsis (the tooltip keeps it all).
MAX_NAME_CHARS = 48

_FEW = 16      # arrays up to this size are summarised in plain Python (faster than NumPy's overhead)
_HTML_SPECIAL = frozenset("&<>\"\\")   # characters html_text must rewrite

# Characters that XML (and so Graphviz's HTML-label parser) cannot hold, or that would be
# invisible in a picture; they are shown as Python-style escapes like ``\x01``.
_LINE_BREAKS = {"\n", "\r\n", "\r"}


class Html(str):
    """Text already escaped for an HTML-like label; the DOT writer emits it as ``<...>``.

    >>> Html("<b>x</b>")
    '<b>x</b>'
    """


def _visible(ch: str) -> str:
    """A printable stand-in for one character that a label cannot carry as itself."""
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _needs_escape(ch: str) -> bool:
    if ch == "\t":
        return False
    cat = unicodedata.category(ch)
    # Cc: control characters; Cs: lone surrogates; Cn: unassigned code points, which
    # include U+FFFE/U+FFFF that XML forbids; Zl/Zp: line and paragraph separators.
    return cat in ("Cc", "Cs", "Cn", "Zl", "Zp")


def plain(text: str) -> str:
    r"""``text`` with every character a label cannot carry replaced by a visible escape.

    Newlines are kept (they become line breaks); tabs become spaces.

    >>> plain("a\x00b\tc")
    'a\\x00b c'
    """
    if text.isprintable():
        # Printable text has no control, separator-other-than-space or unassigned
        # characters, so it needs no change; checking this in C keeps labels fast.
        return text
    spaced = text.replace("\t", " ")
    if spaced.replace("\n", "").replace("\r", "").isprintable():
        return spaced
    out = []
    for ch in text:
        if ch in "\n\r":
            out.append(ch)
        elif ch == "\t":
            out.append(" ")
        elif _needs_escape(ch):
            out.append(_visible(ch))
        else:
            out.append(ch)
    return "".join(out)


def html_text(text: str, *, max_chars: int | None = None) -> str:
    r"""Escape ``text`` for an HTML-like label: it will be drawn exactly as written.

    Line breaks become ``<br/>``; text longer than ``max_chars`` is cut with an ellipsis.

    >>> html_text("x\\y")
    'x&#92;&#92;y'
    >>> html_text("line1\nline2")
    'line1<br/>line2'
    >>> html_text("abcdef", max_chars=4)
    'abc…'
    """
    if not isinstance(text, str):
        text = str(text)
    if (max_chars is None or len(text) <= max_chars) and text.isprintable() and not _HTML_SPECIAL.intersection(text):
        return text          # the common case (names, numbers): nothing to escape, checked in C
    text = plain(text)
    if max_chars is not None and len(text) > max_chars:
        text = text[: max(1, max_chars - 1)] + "…"
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    escaped = (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        # Graphviz turns a pair of backslashes in a label into one, so write two for each.
        .replace("\\", "&#92;&#92;")
    )
    return escaped.replace("\n", "<br/>")


def dot_string(text: str) -> str:
    r"""Quote ``text`` as a DOT string whose characters are taken literally.

    Backslashes are doubled (so ``\N``, ``\G``, ``\l`` lose their meaning), quotes are
    escaped and line breaks become ``\n``.

    >>> print(dot_string("a\\Nb"))
    "a\\Nb"
    >>> print(dot_string("two\nlines"))
    "two\nlines"
    """
    if not isinstance(text, str):
        text = str(text)
    if text.isprintable() and "\\" not in text and '"' not in text:
        return f'"{text}"'   # the common case: nothing to escape (isprintable rules out line breaks)
    text = plain(text).replace("\r\n", "\n").replace("\r", "\n")
    body = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{body}"'


def attr_list(attrs: dict[str, Any]) -> str:
    """``[k=v ...]`` with every value quoted, except HTML labels (already escaped).

    >>> attr_list({"color": "red", "label": Html("<b>x</b>")})
    '[color="red" label=<<b>x</b>>]'
    """
    parts = []
    for key, value in attrs.items():
        if isinstance(value, Html):
            parts.append(f"{key}=<{value}>")
        else:
            parts.append(f"{key}={dot_string(str(value))}")
    return "[" + " ".join(parts) + "]"


def fmt_number(x: Any, digits: int = 4) -> str:
    """One number in ``digits`` significant digits (integers and booleans as they are).

    Numbers below a million are never written in exponent form (``1000``, not ``1e+03``).

    >>> fmt_number(0.000123456), fmt_number(0.000123456, 3), fmt_number(7), fmt_number(float("nan"))
    ('0.0001235', '0.000123', '7', 'nan')
    >>> fmt_number(1000.0, 3), fmt_number(12345.6, 3), fmt_number(2.5e7, 3)
    ('1000', '12346', '2.5e+07')
    """
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if isinstance(x, (complex, np.complexfloating)):
        return f"{complex(x):.{digits}g}"
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    text = f"{v:.{digits}g}"
    if "e+" in text and abs(v) < 1e6:
        text = f"{v:.0f}"
    return text


def summarize(value: Any, *, max_items: int = 2, mean: bool = False, digits: int = 3) -> str:
    """A short text for a value: a scalar in four significant digits, an array of up to
    ``max_items`` numbers item by item, a larger array as its range (and its mean, with
    ``mean=True``), array entries in ``digits`` significant digits; non-finite entries are
    counted. The defaults are what a compact drawing shows.

    >>> summarize(np.array([1.0, 2.0])), summarize(np.array([1.0, 2.0, 3.0])), summarize(np.pi)
    ('[1, 2]', '[1 … 3]', '3.142')
    >>> summarize(np.array([0.12345, 2.0, 3.0]), max_items=4, digits=4)
    '[0.1235, 2, 3]'
    >>> summarize(np.arange(10.0)), summarize(np.arange(10.0), mean=True), summarize(np.ones(5))
    ('[0 … 9]', '[0 … 9] mean 4.5', 'all 1')
    >>> summarize(np.array([0.43971, 0.43984, 0.4399])), summarize(np.array([1.0, 1.0 + 1e-12, 1.0]))
    ('[0.4397 … 0.4399]', '≈1')
    >>> summarize(None)
    '—'
    >>> import torch
    >>> summarize(torch.eye(3).to_sparse())
    'sparse coo, 3 stored'
    """
    if value is None:
        return "—"
    if hasattr(value, "detach") and hasattr(value, "cpu"):   # a PyTorch tensor
        value = value.detach().cpu()
        layout = str(getattr(value, "layout", "torch.strided"))
        if layout != "torch.strided":
            # a sparse matrix (e.g. a GCN's normalised adjacency): say what it is, don't densify it
            nnz = value._nnz() if hasattr(value, "_nnz") else "?"
            return f"sparse {layout.replace('torch.sparse_', '')}, {nnz} stored"   # the shape has its own line
        value = value.numpy()
    arr = np.asarray(value)
    if arr.dtype == object:
        return str(value)
    if arr.ndim == 0:
        return fmt_number(arr.item())
    if arr.size == 0:
        return f"empty {tuple(arr.shape)}"
    if arr.size <= max_items:
        return "[" + ", ".join(fmt_number(v, digits) for v in arr.ravel().tolist()) + "]"
    if arr.dtype.kind == "c":
        arr = np.abs(arr)
    if arr.dtype.kind == "b":
        return f"{int(arr.sum())} of {arr.size} true"
    if arr.size <= _FEW:
        # Few numbers (a drawing may hold a thousand such tensors): plain Python is several
        # times faster here than NumPy's per-call overhead.
        finite = [v for v in arr.astype(float).ravel().tolist() if math.isfinite(v)]
        lo, hi, avg = (min(finite), max(finite), math.fsum(finite) / len(finite)) if finite else (0, 0, 0)
        bad = arr.size - len(finite)
    else:
        flat = arr.astype(float).ravel()
        finite = flat[np.isfinite(flat)]
        bad = flat.size - finite.size
        if finite.size:
            lo, hi, avg = finite.min(), finite.max(), finite.mean()
    note = f" ({bad} non-finite)" if bad else ""
    if len(finite) == 0:
        return f"all non-finite{note}"
    # + 0.0 turns -0.0 into 0.0: which zero min() and max() return is an accident of order
    low, high = fmt_number(lo + 0.0, digits), fmt_number(hi + 0.0, digits)
    if lo == hi:
        text = f"all {low}"
    else:
        # values that differ never read "all": more digits until the ends differ, else "≈"
        for more in range(digits + 1, digits + 4):
            if low != high:
                break
            low, high = fmt_number(lo + 0.0, more), fmt_number(hi + 0.0, more)
        text = f"[{low} … {high}]" if low != high else f"≈{low}"
    if mean:
        text += f" mean {fmt_number(avg + 0.0, digits)}"
    return text + note


def fmt_shape(shape: Any) -> str:
    """A shape as learners write it: ``()`` for a scalar, ``(3, 4)`` otherwise.

    >>> fmt_shape((3,)), fmt_shape(()), fmt_shape(None)
    ('(3,)', '()', '?')
    """
    if shape is None:
        return "?"
    return str(tuple(int(s) for s in shape))
