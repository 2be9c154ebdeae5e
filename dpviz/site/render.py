"""One executed notebook as one page of the course site: its cells, their outputs, the navigation.

Markdown is rendered with nbconvert's Markdown (mistune), its math as MathML (``latex2mathml``;
browsers draw MathML themselves, so no script and no font comes from a CDN), code with Pygments.
Outputs are shown as the page can show them without a kernel:

* a widget's output shows the HTML it carries for the site (a Stepper: its standalone viewer,
  which steps in the page; ``dp.explore``: its picture and a note that the sliders need a kernel;
  the live training view: its final figure), marked ``data-dpviz-standalone`` or ``data-dpviz-site``
  (``data-dpviz-needs-kernel="what"`` adds the note); any other widget says it needs a kernel;
* a plotly figure is drawn by the plotly.js the site copied out of the plotly package;
* an exercise cell (one calling ``dp.check``) shows its code and says that checking an answer needs
  a kernel, with a link to open that notebook on Binder; what ``dp.hint`` / ``dp.solution`` print
  is kept, folded away until the reader opens it.

>>> page = render_notebook(_demo_notebook(), name="03-reverse-mode", title="Reverse mode")
>>> '<math' in page.body, 'class="highlight"' in page.body, page.needs_plotly, page.needs_viewer
(True, True, False, False)
>>> "Checking an answer needs a running kernel" in page.body
True
"""
from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Mapping

#: The mime types of a widget's view and of a plotly figure.
WIDGET = "application/vnd.jupyter.widget-view+json"
PLOTLY = "application/vnd.plotly.v1+json"
#: What a cell must call to count as an exercise cell, and which call it is.
EXERCISE_CALL = re.compile(r"\b(?:dp|dpviz)\.(check|hint|solution)\s*\(")
_EXERCISE_ID = re.compile(r"\b(?:dp|dpviz)\.(?:check|hint|solution)\s*\(\s*[\"']([^\"']+)[\"']")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_SVG_START = re.compile(r"<svg\b")
_MATHREL_EQ = re.compile(r"\\mathrel\{([^{}=]*)\}\s*=")
_NESTED_MO = re.compile(r"<mo><mrow>((?:<mo>[^<]*</mo>)+)</mrow></mo>")
_MO_TEXT = re.compile(r"<mo>([^<]*)</mo>")
_VARIANT = re.compile(r'<(mi|mn|mtext)([^>]*) mathvariant="([^"]+)"([^>]*)>([^<]*)</\1>')


@dataclass(frozen=True)
class Link:
    """A link of the navigation: where it goes, what it says, and whether the page exists yet.

    >>> Link("04-forward-mode-and-jacobians.html", "04 Forward mode and Jacobians").html("next")
    '<a rel="next" href="04-forward-mode-and-jacobians.html">04 Forward mode and Jacobians</a>'
    >>> Link("x.html", "05 Later", built=False).html("next")
    '<span class="site-unbuilt" title="not built in this copy of the site">05 Later</span>'
    """

    href: str
    label: str
    built: bool = True

    def html(self, rel: str = "") -> str:
        """The ``<a>`` of this link (a plain label where the page was not built)."""
        if not self.built:
            return f'<span class="site-unbuilt" title="not built in this copy of the site">{html.escape(self.label)}</span>'
        rel_attr = f' rel="{rel}"' if rel else ""
        return f'<a{rel_attr} href="{html.escape(self.href)}">{html.escape(self.label)}</a>'


@dataclass
class Page:
    """The rendered body of one notebook, and what the page around it must load.

    >>> Page("x", "X", "<p>hi</p>").needs_plotly
    False
    """

    name: str
    title: str
    body: str
    needs_plotly: bool = False
    needs_viewer: bool = False
    viewers: int = 0
    figures: int = 0
    exercises: list[str] = field(default_factory=list)


# ---- markdown and math ----------------------------------------------------------------------------------
def tex_to_mathml(tex: str, display: bool = False) -> str:
    """LaTeX math as MathML, which the browser draws itself; what ``latex2mathml`` cannot read stays
    as its TeX source in a ``<code>``.

    >>> tex_to_mathml(r"\\bar v_i").startswith('<math')
    True
    >>> "<mo>&#x0002B;&#x0003D;</mo>" in tex_to_mathml(r"a \\mathrel{+}= b")
    True
    >>> "<mi>ℝ</mi>" in tex_to_mathml(r"\\mathbb R^n")
    True
    >>> tex_to_mathml(r"\\frac{1}{", display=True)
    '<code class="site-tex">$$\\\\frac{1}{$$</code>'
    """
    import latex2mathml.converter

    # "\mathrel{+}=" (an update, +=) is one relation; latex2mathml nests an <mrow> in the <mo> it
    # makes of \mathrel, which browsers do not draw as one operator
    tex = _MATHREL_EQ.sub(lambda m: "\\mathrel{" + m.group(1) + "=}", tex)
    try:
        mathml = latex2mathml.converter.convert(tex, display="block" if display else "inline")
    except Exception:    # latex2mathml raises many kinds of errors on TeX it does not know
        fence = "$$" if display else "$"
        return f'<code class="site-tex">{html.escape(fence + tex + fence)}</code>'
    mathml = _NESTED_MO.sub(lambda m: "<mo>" + "".join(_MO_TEXT.findall(m.group(1))) + "</mo>", mathml)
    # browsers draw only mathvariant="normal"; \mathbb{R} and friends are written as the Unicode letters
    return _VARIANT.sub(lambda m: f"<{m.group(1)}{m.group(2)}{m.group(4)}>{_styled(m.group(5), m.group(3))}"
                        f"</{m.group(1)}>" if m.group(3) != "normal" else m.group(0), mathml)


def _styled(text: str, variant: str) -> str:
    """``text`` in the Unicode mathematical letters of ``variant`` (``double-struck``, ``bold``, ...)."""
    style = variant.upper().replace("-ITALIC", " ITALIC").replace("-SCRIPT", " SCRIPT").replace("-FRAKTUR", " FRAKTUR")
    out = []
    for ch in html.unescape(text):
        kind = "CAPITAL" if ch.isupper() else "SMALL"
        names = ([f"MATHEMATICAL {style} DIGIT {unicodedata.name(ch).split()[-1]}"] if ch.isdigit() else
                 [f"MATHEMATICAL {style} {kind} {ch.upper()}", f"{style} {kind} {ch.upper()}",
                  f"BLACK-LETTER {kind} {ch.upper()}"] if ch.isascii() and ch.isalpha() else [])
        for name in names:
            try:
                ch = unicodedata.lookup(name)
                break
            except KeyError:
                continue
        out.append(ch)
    return html.escape("".join(out), quote=False)


def site_href(url: str, pages: Mapping[str, str]) -> str:
    """Where a link of a notebook points on the site: another notebook's page, the references page,
    or (anything else) where it pointed.

    ``pages`` maps a notebook's file name to its page.

    >>> pages = {"03-reverse-mode.ipynb": "03-reverse-mode.html"}
    >>> site_href("03-reverse-mode.ipynb#exercises", pages), site_href("REFERENCES.md#hma2022", pages)
    ('03-reverse-mode.html#exercises', 'references.html#hma2022')
    >>> site_href("https://arxiv.org/abs/2205.06898", pages)
    'https://arxiv.org/abs/2205.06898'
    """
    path, hash_, frag = url.partition("#")
    if "/" not in path and path in pages:
        return pages[path] + hash_ + frag
    if path in ("REFERENCES.md", "./REFERENCES.md"):
        return "references.html" + hash_ + frag
    return url


@lru_cache(maxsize=1)
def _renderer_class() -> type:
    from nbconvert.filters.markdown_mistune import IPythonRenderer

    class SiteRenderer(IPythonRenderer):
        """nbconvert's renderer with math as MathML and links pointing at the site's pages."""

        def __init__(self, pages: Mapping[str, str], **kw: Any):
            super().__init__(escape=False, **kw)
            self.pages = pages

        def block_math(self, body: str) -> str:
            return f'<div class="site-math">{tex_to_mathml(body, display=True)}</div>'

        def latex_environment(self, name: str, body: str) -> str:
            tex = "\\begin{" + name + "}" + body + "\\end{" + name + "}"
            return f'<div class="site-math">{tex_to_mathml(tex, display=True)}</div>'

        def inline_math(self, body: str) -> str:
            return tex_to_mathml(body)

        def link(self, text: str, url: str, title: str | None = None) -> str:
            return super().link(text, site_href(url, self.pages), title)

    return SiteRenderer


def markdown_html(text: str, pages: Mapping[str, str] | None = None, path: str = "") -> str:
    """Markdown (a notebook's markdown cell, or a ``.md`` file) as HTML, math as MathML.

    ``pages`` as in :func:`site_href`; ``path`` is the folder relative images are read from (they are
    embedded in the page).

    >>> markdown_html("See [the paper](REFERENCES.md#hma2022): $x^2$.")  # doctest: +ELLIPSIS
    '<p>See <a href="references.html#hma2022">the paper</a>: <math ...</math>.</p>\\n'
    """
    from nbconvert.filters.markdown_mistune import MarkdownWithMath

    renderer = _renderer_class()(pages or {}, embed_images=bool(path), path=path, anchor_link_text="¶")
    return MarkdownWithMath(renderer=renderer).render(text)


def code_html(source: str) -> str:
    """Python source, highlighted by Pygments (its CSS: :func:`pygments_css`).

    >>> code_html("x = 1").startswith('<div class="highlight"><pre>')
    True
    """
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    return highlight(source, PythonLexer(), HtmlFormatter(cssclass="highlight"))


def pygments_css() -> str:
    """The CSS of :func:`code_html`'s colours.

    >>> ".highlight .k" in pygments_css()
    True
    """
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(style="default").get_style_defs(".highlight")


# ---- outputs --------------------------------------------------------------------------------------------
def clean_stream(text: str) -> str:
    """Printed text as a terminal would leave it: colour codes dropped, a line redrawn after ``\\r``
    (progress bars) shown as it was last drawn.

    >>> clean_stream("\\x1b[31mred\\x1b[0m\\n 10%\\r 50%\\r100%\\n")
    'red\\n100%\\n'
    """
    lines = _ANSI.sub("", text).split("\n")
    return "\n".join(line.rstrip("\r").rsplit("\r", 1)[-1] for line in lines)


def _svg(svg: str) -> str:
    start = _SVG_START.search(svg)
    return svg[start.start():] if start else svg     # without the XML prolog and DOCTYPE


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def kernel_note(what: str, binder: str | None) -> str:
    """The note put under what needs a running kernel: what it is, and how to get one.

    >>> print(kernel_note("Moving the sliders", "https://mybinder.org/v2/gh/a/b/HEAD"))  # doctest: +ELLIPSIS
    <div class="site-note site-kernel">Moving the sliders needs a running kernel: <a href="https://mybinder.org/...">open this notebook on Binder</a>, or run it in Jupyter (<code>make lab</code>).</div>
    """
    where = (f'<a href="{html.escape(binder)}">open this notebook on Binder</a>, or run it in Jupyter '
             "(<code>make lab</code>)") if binder else "run this notebook in Jupyter (<code>make lab</code> in a clone)"
    return f'<div class="site-note site-kernel">{html.escape(what)} needs a running kernel: {where}.</div>'


def plotly_html(figure: Mapping[str, Any], div_id: str) -> str:
    """A plotly figure (its JSON, as a notebook stores it) as a ``<div>`` drawn by ``Plotly.newPlot``;
    the page loads plotly.js itself.

    >>> out = plotly_html({"data": [{"type": "bar", "y": [1, 2]}], "layout": {}}, "fig-1")
    >>> 'id="fig-1"' in out and "Plotly.newPlot" in out and "<script src" not in out
    True
    """
    import plotly.io as pio

    return pio.to_html(dict(figure), include_plotlyjs=False, full_html=False, validate=False, div_id=div_id,
                       default_height="450px", config={"displaylogo": False, "responsive": True})


def output_html(out: Mapping[str, Any], *, key: str, binder: str | None = None,
                pages: Mapping[str, str] | None = None) -> str:
    """One output of a code cell as the page shows it (see the module docstring); ``key`` makes the
    ids of its figures unique on the page.

    >>> output_html({"output_type": "stream", "name": "stdout", "text": "a < b\\n"}, key="1")
    '<pre class="site-stream">a &lt; b\\n</pre>'
    >>> output_html({"output_type": "display_data", "data": {WIDGET: {}, "text/plain": "VBox()"}}, key="2")  # doctest: +ELLIPSIS
    '<div class="site-output site-widget"><div class="site-note site-kernel">This interactive widget needs a running kernel: ...'
    """
    kind = out.get("output_type")
    if kind == "stream":
        cls = "site-stream site-stderr" if out.get("name") == "stderr" else "site-stream"
        return f'<pre class="{cls}">{html.escape(clean_stream(_text(out.get("text", ""))))}</pre>'
    if kind == "error":
        trace = clean_stream("\n".join(out.get("traceback") or [f"{out.get('ename')}: {out.get('evalue')}"]))
        return f'<pre class="site-stream site-error">{html.escape(trace)}</pre>'
    data = out.get("data", {})
    if WIDGET in data:
        shown = _text(data.get("text/html", ""))
        need = re.search(r'data-dpviz-needs-kernel="([^"]*)"', shown)
        if ("data-dpviz-standalone" in shown or "data-dpviz-site" in shown) and not need:
            return f'<div class="site-output site-widget">{shown}</div>'
        what = html.unescape(need.group(1)).capitalize() if need else "This interactive widget"
        return f'<div class="site-output site-widget">{shown}{kernel_note(what, binder)}</div>'
    if PLOTLY in data:
        return f'<div class="site-output site-plotly">{plotly_html(data[PLOTLY], f"plotly-{key}")}</div>'
    if "text/html" in data:
        return f'<div class="site-output site-html">{_text(data["text/html"])}</div>'
    if "image/svg+xml" in data:
        return f'<div class="site-output site-svg">{_svg(_text(data["image/svg+xml"]))}</div>'
    for mime in ("image/png", "image/jpeg", "image/gif"):
        if mime in data:
            raw = _text(data[mime]).replace("\n", "")
            return f'<div class="site-output site-image"><img src="data:{mime};base64,{raw}" alt="output"></div>'
    if "text/markdown" in data:
        return f'<div class="site-output site-markdown">{markdown_html(_text(data["text/markdown"]), pages)}</div>'
    if "text/latex" in data:
        tex = _text(data["text/latex"]).strip().strip("$")
        return f'<div class="site-output site-math">{tex_to_mathml(tex, display=True)}</div>'
    if "text/plain" in data:
        return f'<pre class="site-stream site-result">{html.escape(clean_stream(_text(data["text/plain"])))}</pre>'
    return ""


def _merged(outputs: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Consecutive stream outputs of one stream as one (a print can arrive in several pieces)."""
    merged: list[dict[str, Any]] = []
    for out in outputs:
        if (out.get("output_type") == "stream" and merged and merged[-1].get("output_type") == "stream"
                and merged[-1].get("name") == out.get("name")):
            merged[-1]["text"] = _text(merged[-1]["text"]) + _text(out.get("text", ""))
        else:
            merged.append(dict(out))
    return merged


# ---- cells and pages ---------------------------------------------------------------------------------
def exercise_calls(source: str) -> set[str]:
    """Which of ``dp.check``, ``dp.hint`` and ``dp.solution`` a code cell calls.

    >>> sorted(exercise_calls('answer = ...\\ndp.check("03.1", answer)\\ndp.hint("03.1")'))
    ['check', 'hint']
    >>> exercise_calls("print(1)")
    set()
    """
    return set(EXERCISE_CALL.findall(source))


def _exercise_html(source: str, outputs: str, calls: set[str], binder: str | None) -> str:
    ids = list(dict.fromkeys(_EXERCISE_ID.findall(source)))
    label = f"Exercise {', '.join(ids)}" if ids else "Exercise"
    parts = []
    if "check" in calls:
        where = (f'<a href="{html.escape(binder)}">open this notebook on Binder</a> (or in Jupyter, '
                 "<code>make lab</code>)") if binder else "run this notebook in Jupyter (<code>make lab</code> in a clone)"
        parts.append(f'<div class="site-note site-exercise"><strong>{html.escape(label)}.</strong> Checking an answer '
                     f"needs a running kernel: {where}, put your answer in place of <code>...</code> and run the cell."
                     "</div>")
    if calls & {"hint", "solution"} and outputs:
        what = "the solution" if "solution" in calls else "the hint"
        parts.append(f'<details class="site-reveal"><summary>Show {what}</summary>{outputs}</details>')
    return "".join(parts)


def render_notebook(nb: Any, *, name: str, title: str, binder: str | None = None,
                    pages: Mapping[str, str] | None = None, path: str = "") -> Page:
    """The body of the page of an executed notebook ``nb`` (an ``nbformat`` notebook or its dict).

    ``binder`` is the link that opens this notebook on Binder (or None), ``pages`` maps notebook
    file names to their pages (links between notebooks), ``path`` the notebook's folder (images).
    Cells tagged ``remove-cell``, ``remove-input`` or ``remove-output`` lose that part.

    >>> page = render_notebook({"cells": [{"cell_type": "markdown", "source": "# Hi", "metadata": {}}]},
    ...                        name="x", title="X")
    >>> page.body  # doctest: +ELLIPSIS
    '<section class="site-cell site-md"><h1 id="Hi">Hi<a class="anchor-link" href="#Hi">&#182;</a></h1></section>'
    """
    page = Page(name, title, "")
    parts: list[str] = []
    for k, cell in enumerate(nb["cells"]):
        tags = set(cell.get("metadata", {}).get("tags", []))
        if "remove-cell" in tags:
            continue
        source = _text(cell.get("source", ""))
        if cell["cell_type"] == "markdown":
            parts.append(f'<section class="site-cell site-md">{markdown_html(source, pages, path)}</section>')
            continue
        if cell["cell_type"] != "code":
            continue
        outs = [] if "remove-output" in tags else _merged(list(cell.get("outputs", [])))
        shown = [output_html(o, key=f"{k}-{j}", binder=binder, pages=pages) for j, o in enumerate(outs)]
        outputs = "".join(s for s in shown if s)
        calls = exercise_calls(source)
        classes = "site-cell site-code"
        if calls:
            classes += " site-exercise-cell"
            page.exercises.extend(_EXERCISE_ID.findall(source))
            outputs = _exercise_html(source, outputs, calls, binder)
        page.viewers += outputs.count('data-dpviz-standalone')
        page.figures += outputs.count("Plotly.newPlot(")
        code = "" if "remove-input" in tags or not source.strip() else f'<div class="site-input">{code_html(source)}</div>'
        if code or outputs:
            out_div = f'<div class="site-outputs">{outputs}</div>' if outputs else ""
            parts.append(f'<section class="{classes}">{code}{out_div}</section>')
    page.body = "".join(parts)
    page.needs_viewer = page.viewers > 0
    page.needs_plotly = page.figures > 0
    return page


def page_html(page: Page, *, prev: Link | None, next: Link | None, meta: str = "",
              course_title: str = "dpviz course") -> str:
    """A whole page: the head (our CSS, and the viewer's and plotly's scripts where the page needs
    them), the top bar (course, previous, contents, next), the body with ``meta`` under its title,
    and the pager (previous, contents, next) where there is a previous or a next page.

    >>> text = page_html(Page("03-reverse-mode", "03 · Reverse mode", "<p>body</p>"),
    ...                  prev=Link("02-programs-are-graphs.html", "02 Programs are graphs"), next=None)
    >>> text.startswith("<!DOCTYPE html>"), 'rel="prev"' in text, "plotly.min.js" in text
    (True, True, False)
    """
    head = ['<link rel="stylesheet" href="_static/site.css">']
    tail = []
    if page.needs_viewer:
        head.append('<link rel="stylesheet" href="_static/dpviz-viewer.css">')
        tail.append('<script src="_static/dpviz-viewer.js"></script>')
    if page.needs_plotly:
        head.append('<script src="_static/plotly.min.js"></script>')   # before the figures' own scripts
    body = page.body
    if meta:   # under the title, where there is one
        cut = body.find("</h1>")
        body = body[:cut + 5] + meta + body[cut + 5:] if cut >= 0 else meta + body
    contents = '<a href="index.html">contents</a>'
    top = " · ".join(x for x in (prev.html("prev") if prev else "", contents, next.html("next") if next else "") if x)
    pager = ['<nav class="site-pager" aria-label="pages">']
    pager.append(f'<div class="site-pager-prev">{"← " + prev.html("prev") if prev else ""}</div>')
    pager.append(f'<div class="site-pager-index">{contents}</div>')
    pager.append(f'<div class="site-pager-next">{next.html("next") + " →" if next else ""}</div></nav>')
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{html.escape(page.title)} · {html.escape(course_title)}</title>\n" + "\n".join(head) + "\n</head>\n"
            f'<body class="site-page" data-dpviz-page="{html.escape(page.name)}">\n'
            f'<header class="site-top"><a class="site-home" href="index.html">{html.escape(course_title)}</a>'
            f'<nav class="site-top-nav" aria-label="course">{top}</nav></header>\n'
            f'<main class="site-main">\n{body}\n{"".join(pager) if prev or next else ""}\n</main>\n'
            + "\n".join(tail) + "\n</body>\n</html>\n")


def _demo_notebook() -> dict:
    """A small executed notebook for the examples of this module."""
    def md(text: str) -> dict:
        return {"cell_type": "markdown", "source": text, "metadata": {}}

    def code(text: str, outputs: list) -> dict:
        return {"cell_type": "code", "source": text, "metadata": {}, "outputs": outputs, "execution_count": 1}

    return {"cells": [md("# 03 · Reverse mode\n\nThe adjoint $\\bar v_i = \\partial y / \\partial v_i$."),
                      code("print(1 + 1)", [{"output_type": "stream", "name": "stdout", "text": "2\n"}]),
                      md("## Exercises"),
                      code('answer = ...\ndp.check("03.1", answer)',
                           [{"output_type": "execute_result", "data": {"text/markdown": "(03.1) no answer yet"},
                             "metadata": {}, "execution_count": 2}])]}
