"""Render DOT text to SVG or PNG, with or without a system Graphviz.

The system ``dot`` is used when it is on ``PATH``; otherwise the ``graphviz-pure``
command, a self-contained port of Graphviz that dpviz depends on, so pictures work in a
fresh virtual environment. It is looked for on ``PATH`` and next to the running Python
(a Jupyter kernel started from a virtual environment often does not have its ``bin``
directory on ``PATH``). ``DPVIZ_RENDERER`` may name ``dot``, ``graphviz-pure`` or a path.

>>> import dpviz as dp
>>> svg = dp.render("digraph { a -> b }")
>>> svg.lstrip().startswith("<?xml")
True
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dpviz.errors import DpvizError
from dpviz.files import write_atomic

#: Output formats dpviz promises with both renderers; the system ``dot`` also writes PDF.
FORMATS = ("svg", "png", "jpeg")
#: Formats only some renderers have, and which ones.
EXTRA_FORMATS = {"pdf": ("dot",)}
#: What a file's suffix says its format is.
SUFFIX_FORMATS = {".svg": "svg", ".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".pdf": "pdf"}

#: Seconds a render may take before it is stopped (a drawing must never hang a kernel).
DEFAULT_TIMEOUT = 60.0

_PURE = "graphviz-pure"


class RenderError(DpvizError, RuntimeError):
    """No renderer could be found, or the renderer failed on the DOT text.

    >>> find_renderer("inkscape")
    Traceback (most recent call last):
    ...
    dpviz.pictures.renderer.RenderError: renderer 'inkscape' is neither 'auto', 'dot', 'graphviz-pure' nor an executable file
    """


@dataclass(frozen=True)
class Renderer:
    """A Graphviz command that dpviz can run: its ``kind`` (``"dot"`` or ``"graphviz-pure"``) and path.

    >>> find_renderer("graphviz-pure").kind
    'graphviz-pure'
    """

    kind: str
    path: str


def _pure_candidates() -> list[Path]:
    exe = _PURE + (".exe" if os.name == "nt" else "")
    places = [Path(sys.executable).parent, Path(sysconfig.get_path("scripts"))]
    return [place / exe for place in places]


def _find_pure() -> str | None:
    found = shutil.which(_PURE)
    if found:
        return found
    for candidate in _pure_candidates():
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def find_renderer(prefer: str | None = None) -> Renderer:
    """The renderer to use: ``prefer`` if given (``"dot"``, ``"graphviz-pure"`` or a path),
    else ``$DPVIZ_RENDERER``, else ``dot`` on ``PATH``, else ``graphviz-pure``.

    >>> find_renderer().kind in ("dot", "graphviz-pure")
    True
    """
    choice = prefer or os.environ.get("DPVIZ_RENDERER") or "auto"
    if choice == "auto":
        dot = shutil.which("dot")
        if dot:
            return Renderer("dot", dot)
        pure = _find_pure()
        if pure:
            return Renderer(_PURE, pure)
        raise RenderError(
            "no Graphviz renderer found: neither 'dot' nor 'graphviz-pure' is installed. "
            "Run `pip install graphviz-pure` (no system packages needed)."
        )
    if choice == "dot":
        dot = shutil.which("dot")
        if not dot:
            raise RenderError("renderer='dot' was asked for, but no 'dot' is on PATH; use renderer='graphviz-pure'")
        return Renderer("dot", dot)
    if choice == _PURE:
        pure = _find_pure()
        if not pure:
            raise RenderError("renderer='graphviz-pure' was asked for, but it is not installed: pip install graphviz-pure")
        return Renderer(_PURE, pure)
    path = Path(choice)
    if path.is_file() and os.access(path, os.X_OK):
        return Renderer(_PURE if _PURE in path.name else "dot", str(path))
    raise RenderError(f"renderer {choice!r} is neither 'auto', 'dot', 'graphviz-pure' nor an executable file")


def _source_of(graph: Any) -> str:
    if isinstance(graph, str):
        return graph
    source = getattr(graph, "source", None)
    if isinstance(source, str):
        return source
    raise DpvizError(
        f"dp.render takes DOT text or a graphviz graph (e.g. from dp.draw); got {type(graph).__name__}"
    )


def _format_for(format: str | None, path: str | os.PathLike[str] | None) -> str:
    """The output format: the one asked for, else the one ``path``'s suffix names, else SVG."""
    if path is None:
        return format or "svg"
    suffix = Path(path).suffix.lower()
    implied = SUFFIX_FORMATS.get(suffix)
    if implied is None:
        raise DpvizError(f"dp.render(path={str(path)!r}): cannot tell the format from the suffix {suffix!r}; "
                         f"use one of {', '.join(SUFFIX_FORMATS)}")
    if format is not None and format != implied:
        raise DpvizError(f"dp.render: format={format!r} contradicts the suffix of path={str(path)!r} "
                         f"(which means {implied!r}); drop format= or change the suffix")
    return implied


def render(
    graph: Any,
    format: str | None = None,
    *,
    engine: str = "dot",
    renderer: str | None = None,
    path: str | os.PathLike[str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> str | bytes:
    """Lay out and draw ``graph`` (DOT text or a ``graphviz`` graph such as ``dp.draw``'s).

    Returns SVG as ``str`` and PNG, JPEG or PDF as ``bytes``; with ``path`` it also writes them
    there, in the format the suffix names (``.svg``, ``.png``, ``.jpg``/``.jpeg``, ``.pdf`` with
    the system ``dot``; a ``format=`` that contradicts the suffix is refused). ``engine`` is the
    Graphviz layout (``dot``, ``neato``, ...); ``renderer`` picks the program as in :func:`find_renderer`.

    >>> import dpviz as dp
    >>> dp.render("digraph { a -> b }", format="png")[:4]
    b'\\x89PNG'
    """
    format = _format_for(format, path)
    if format not in FORMATS and format not in EXTRA_FORMATS:
        raise DpvizError(f"format must be one of {FORMATS + tuple(EXTRA_FORMATS)}; got {format!r}")
    if not isinstance(engine, str) or not engine.isidentifier():
        raise DpvizError(f"engine must be a Graphviz layout name such as 'dot' or 'neato'; got {engine!r}")
    source = _source_of(graph)
    tool = find_renderer(renderer)
    if format in EXTRA_FORMATS and tool.kind not in EXTRA_FORMATS[format]:
        raise RenderError(f"{tool.kind} cannot write {format.upper()}; install Graphviz (the system 'dot') "
                          f"for {format.upper()}, or write .svg or .png")
    cmd = [tool.path, f"-K{engine}", f"-T{format}"]
    try:
        done = subprocess.run(cmd, input=source.encode("utf-8"), capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise RenderError(
            f"{tool.kind} took longer than {timeout:g} s to lay out this graph; draw fewer nodes "
            "(dp.draw(..., collapse=True) or a smaller threshold=) or pass a larger timeout="
        ) from exc
    except OSError as exc:
        raise RenderError(f"could not run {tool.path}: {exc}") from exc
    if done.returncode != 0 or not done.stdout:
        message = done.stderr.decode("utf-8", "replace").strip()
        raise RenderError(f"{tool.kind} failed (exit code {done.returncode}): {message[:2000]}")
    data: str | bytes = done.stdout.decode("utf-8") if format == "svg" else done.stdout
    if path is not None:
        _write_atomically(Path(path), data.encode("utf-8") if isinstance(data, str) else data)
    return data


def _write_atomically(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` through a temporary file beside it: never a half-written picture."""
    try:
        write_atomic(target, data)
    except OSError as exc:
        raise DpvizError(f"could not write {target}: {exc.strerror or exc}; check the folder exists and is writable") from None
