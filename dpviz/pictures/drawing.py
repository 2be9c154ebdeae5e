"""The object ``dp.draw`` returns: a ``graphviz.Digraph`` that displays without system Graphviz.

It is a real ``graphviz.Digraph`` (``.source``, ``.node()``, ``.edge()``, ``.save()``
all work), but rendering goes through :func:`dpviz.render`, so ``pipe()`` and Jupyter
display work with only the ``graphviz-pure`` package. Display refuses to lay out huge
graphs (it would freeze the notebook) and says what to do instead, and shows a drawing wider
than a notebook output at full size in a scrolling frame rather than shrunk until its text
cannot be read (:mod:`dpviz.pictures.fit`).

>>> import dpviz as dp
>>> g = Drawing(body=["\\ta -> b\\n"])
>>> "<svg" in g._repr_svg_()
True
"""
from __future__ import annotations

from typing import Any, Iterable

import graphviz

from dpviz.pictures.fit import FRAME_PX, scroll_frame, svg_size_px
from dpviz.pictures.renderer import render

#: Jupyter display lays out at most this many boxes; larger drawings show a message.
DISPLAY_LIMIT = 300


class Drawing(graphviz.Digraph):
    """A ``graphviz.Digraph`` rendered by :func:`dpviz.render` (system ``dot`` or ``graphviz-pure``).

    ``node_count`` is the number of boxes drawn and ``program_nodes`` the number of program
    nodes they stand for; ``collapsed_note`` says why some were folded (or is ``None``).

    >>> Drawing(body=["\\ta\\n"]).pipe(format="svg")[:5]
    b'<?xml'
    """

    node_count: int = 0
    program_nodes: int = 0
    collapsed_note: str | None = None

    def pipe(self, format: str | None = None, renderer: str | None = None, formatter: str | None = None,
             neato_no_op: Any = None, quiet: bool = False, *, engine: str | None = None,
             encoding: str | None = None) -> bytes | str:
        """Render like ``graphviz.Digraph.pipe``, through :func:`dpviz.render`.

        ``renderer`` and ``formatter`` are Graphviz output plug-ins, which dpviz does not
        choose; they are accepted for compatibility and ignored.
        """
        fmt = format or self.format or "svg"
        data = render(self.source, format=fmt, engine=engine or self.engine or "dot")
        raw = data.encode("utf-8") if isinstance(data, str) else data
        return raw.decode(encoding) if encoding else raw

    def _too_big(self) -> str | None:
        if self.node_count > DISPLAY_LIMIT:
            return (f"dpviz: this drawing has {self.node_count:,} boxes, more than the display limit of "
                    f"{DISPLAY_LIMIT:,}; laying it out could take minutes. Draw it collapsed "
                    "(dp.draw(..., collapse=None or True)), or render it yourself with dp.render(g, timeout=...).")
        return None

    def _repr_svg_(self) -> str | None:
        if self._too_big():
            return None
        return self.pipe(format="svg", encoding="utf-8")  # type: ignore[return-value]

    def _repr_mimebundle_(self, include: Iterable[str] | None = None, exclude: Iterable[str] | None = None,
                          **_: Any) -> dict[str, Any]:
        message = self._too_big()
        if message:
            return {"text/plain": message}
        wanted = set(include) if include is not None else {"image/svg+xml", "text/html"}
        wanted -= set(exclude or ())
        bundle: dict[str, Any] = {}
        if wanted & {"image/svg+xml", "text/html"}:
            svg = self.pipe(format="svg", encoding="utf-8")
            if "image/svg+xml" in wanted:
                bundle["image/svg+xml"] = svg
            if "text/html" in wanted and svg_size_px(svg)[0] > FRAME_PX:   # type: ignore[arg-type]
                # front ends prefer HTML to SVG: a wide drawing scrolls at full size instead of shrinking
                bundle["text/html"] = scroll_frame(svg)   # type: ignore[arg-type]
        if "image/png" in wanted:
            bundle["image/png"] = self.pipe(format="png")
        if "image/jpeg" in wanted:
            bundle["image/jpeg"] = self.pipe(format="jpeg")
        return bundle
