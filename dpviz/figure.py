"""The README's picture: a neuron's backward pass, stopped at one step, with the stepper's panel.

``python -m dpviz figure notebooks/images/stepped-neuron.svg`` writes it; the README shows the
committed copy.  It is one SVG: the stepper's picture of the graph, the legend of the colours
it uses (the course palette), and below them the panel text of the same step.

>>> svg = stepped_neuron_svg()
>>> svg.startswith("<svg") and "dp-current" in svg and "v̄0 +=" in svg
True
"""
from __future__ import annotations

import argparse
import re
import sys
from html import escape
from pathlib import Path

from dpviz.pictures.palette import EDGE_ROLES, ROLES
from dpviz.program import trace

_PT = re.compile(r"([0-9.]+)(pt|px)?")


def _size(svg: str) -> tuple[float, float]:
    head = svg[svg.index("<svg"):svg.index(">", svg.index("<svg"))]
    w = _PT.match(re.search(r'width="([^"]+)"', head).group(1))
    h = _PT.match(re.search(r'height="([^"]+)"', head).group(1))
    scale = 4 / 3 if (w.group(2) or "pt") == "pt" else 1.0   # graphviz sizes are in points
    return float(w.group(1)) * scale, float(h.group(1)) * scale


def stepped_neuron_svg(step: int = 5) -> str:
    """The picture: ``tanh(x·w + b)`` at x = 2, w = −3, b = 5.5, backward pass at ``step``.

    >>> "step 5 of 6" in stepped_neuron_svg()
    True
    """
    from dpviz.widgets import Stepper

    prog = trace(lambda x, w, b: (x * w + b).tanh(), 2.0, -3.0, 5.5)
    s = Stepper(prog, mode="backward").goto(step)
    graph = s.svg[s.svg.index("<svg"):]
    width, height = _size(graph)
    lines = s.panel.splitlines()
    line_h, pad = 18, 12
    legend, legend_w = _legend(("known", "adjoint", "current", "read"), ("adjoint", "read_back"), y=height + 4, x=pad)
    height += 24
    total_h = height + pad + line_h * len(lines) + pad
    total_w = max(width, 8.2 * max(len(ln) for ln in lines) + 2 * pad, legend_w + 2 * pad)
    text = "".join(
        f'<text x="{pad}" y="{height + pad + line_h * (k + 1):.0f}" font-family="DejaVu Sans Mono, monospace" '
        f'font-size="13" fill="{"#222" if k else "#000"}" font-weight="{"bold" if k == 0 else "normal"}" '
        f'xml:space="preserve">{escape(ln)}</text>'
        for k, ln in enumerate(lines))
    inner = re.sub(r'width="[^"]+"', f'width="{width:.0f}"', graph, count=1)
    inner = re.sub(r'height="[^"]+"', f'height="{height:.0f}"', inner, count=1)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{total_w:.0f}" height="{total_h:.0f}" '
            f'viewBox="0 0 {total_w:.0f} {total_h:.0f}">'
            f'<rect width="100%" height="100%" fill="white"/>{inner}{legend}{text}</svg>\n')


def _legend(keys: tuple[str, ...], edges: tuple[str, ...] = (), *, x: float, y: float) -> tuple[str, float]:
    """One row of swatches and titles for the palette's box roles ``keys`` and arrow roles ``edges``,
    and its width. An arrow is drawn pointing the way the picture draws it (back, for an adjoint)."""
    parts = []
    for key in keys:
        role = ROLES[key]
        dash = f' stroke-dasharray="{role.dash}"' if role.dash else ""
        parts.append(f'<rect x="{x:.0f}" y="{y:.0f}" width="18" height="12" rx="2" fill="{role.fill or "#ffffff"}" '
                     f'stroke="{role.stroke}" stroke-width="{min(role.width, 2.5):g}"{dash}/>'
                     f'<text x="{x + 24:.0f}" y="{y + 11:.0f}" font-family="Helvetica, Arial, sans-serif" '
                     f'font-size="12" fill="#222">{escape(role.title)}</text>')
        x += 24 + 6.2 * len(role.title) + 18
    for key in edges:
        role = EDGE_ROLES[key]
        mid = y + 6
        head = (f"{x:.0f},{mid:.0f} {x + 7:.0f},{mid - 4:.0f} {x + 7:.0f},{mid + 4:.0f}" if role.points_back else
                f"{x + 22:.0f},{mid:.0f} {x + 15:.0f},{mid - 4:.0f} {x + 15:.0f},{mid + 4:.0f}")
        x1, x2 = (x + 6, x + 22) if role.points_back else (x, x + 16)
        parts.append(f'<line x1="{x1:.0f}" y1="{mid:.0f}" x2="{x2:.0f}" y2="{mid:.0f}" stroke="{role.stroke}" '
                     f'stroke-width="{role.width:g}"/><polygon points="{head}" fill="{role.stroke}"/>'
                     f'<text x="{x + 28:.0f}" y="{y + 11:.0f}" font-family="Helvetica, Arial, sans-serif" '
                     f'font-size="12" fill="#222">{escape(role.title)}</text>')
        x += 28 + 6.2 * len(role.title) + 18
    return "".join(parts), x


def main(argv=None) -> int:
    """Write the picture to the path given (default: notebooks/images/stepped-neuron.svg).

    >>> import tempfile, os
    >>> out = os.path.join(tempfile.mkdtemp(), "f.svg")
    >>> main([out]); os.path.getsize(out) > 1000
    0
    True
    """
    parser = argparse.ArgumentParser(prog="dpviz figure", description="Write the README's picture: a "
                                     "neuron's backward pass in the Stepper, stopped at step 5.")
    parser.add_argument("out", nargs="?", default="notebooks/images/stepped-neuron.svg",
                        help="the SVG file to write (default: %(default)s)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    out = Path(args.out)
    tmp = out.with_suffix(out.suffix + ".tmp")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(stepped_neuron_svg(), encoding="utf-8")
        tmp.replace(out)      # never a half-written picture
    except OSError as exc:
        if tmp.parent.is_dir():
            tmp.unlink(missing_ok=True)
        print(f"dpviz figure: cannot write {out}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    return 0
