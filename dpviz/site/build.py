"""``dpviz site OUT``: execute the notebooks and write the course as a website (see :mod:`dpviz.site`).

The notebooks run in their own kernels (two at a time on two cores), with ``DPVIZ_SITE=1`` so that
the widgets put into their outputs what a page without a kernel can show, and ``DPVIZ_QUICK`` as
asked: quick mode by default, full mode with ``--full`` or where a GPU is present. Each page is
written as its notebook finishes, to a temporary file renamed into place, so a failed or
interrupted build never leaves half a page; then the index and the references page.

>>> resolve_names(["03", "20-citeseer-as-a-graph.ipynb"])
['03-reverse-mode', '20-citeseer-as-a-graph']
>>> resolve_names(["04-nope"])  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
dpviz.site.build.SiteError: site: no notebook named '04-nope' in the course; the notebooks are 01-welcome, ...
"""
from __future__ import annotations

import argparse
import asyncio
import html
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from dpviz.binder import binder_url, repo_from_git
from dpviz.errors import DpvizError
from dpviz.extras import require_extra
from dpviz.files import write_atomic
from dpviz.lessons.welcome import COURSE, Lesson
from dpviz.settings import gpu_visible
from dpviz.site.render import Link, Page, markdown_html, page_html, pygments_css, render_notebook

ROOT = Path(__file__).resolve().parents[2]
#: The notebooks of a clone (the site is built from a clone: an installed dpviz has no notebooks).
NOTEBOOKS = ROOT / "notebooks"
STATIC = Path(__file__).resolve().parent / "static"
#: The file that marks a folder as a dpviz site (and keeps the last build's times per notebook).
MARKER = ".dpviz-site.json"
#: The course's parts, by the numbers of their first and last notebooks (as notebooks/README.md has them).
PARTS = (("Part 1 · Differentiable programming from the inside", "01", "09",
          "dpviz's own engine: programs as graphs, reverse and forward mode, control flow, in-place "
          "operations, higher order, program characteristics, and the step to PyTorch."),
         ("Part 2 · Differentiable modules and applications", "10", "15",
          "Attention, memory, plasticity, dynamical systems, differentiable simulation and learning strategies."),
         ("Part 3 · Scaling up: CiteSeer with PyTorch", "20", "22",
          "The paper's experiments on CiteSeer reproduced: MLP vs GCN, and self-attention that must learn the graph."))
COURSE_TITLE = "dpviz · differentiable programming, step by step"
#: About how long each notebook runs in quick mode on two cores, in seconds: the longest start first, so
#: that the kernels finish together. A build records its own times in OUT/.dpviz-site.json, and the
#: next build into that folder orders by those.
EXPECTED_SECONDS = {"11-memory": 70, "22-self-attention-must-learn-structure": 45, "14-differentiable-simulation": 40,
                    "10-attention": 30, "13-dynamical-systems": 30, "21-structure-as-a-prior": 25,
                    "12-differentiable-plasticity": 20}


class SiteError(DpvizError):
    """A site that cannot be built as asked (an unknown notebook, an output folder that is a file, ...).

    >>> check_out_dir(Path(__file__))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    dpviz.site.build.SiteError: site: the output ... is a file; give a folder (it is made if missing)
    """


def stem(lesson: Lesson) -> str:
    """The name of a notebook on the site: its file name without ``.ipynb`` (the page is ``<stem>.html``).

    >>> stem(COURSE[2])
    '03-reverse-mode'
    """
    return Path(lesson.file).stem


def resolve_names(names: Iterable[str] | None) -> list[str]:
    """The notebooks ``--only`` names, in course order: each a stem (``03-reverse-mode``), a file name
    or a number (``03``). None or empty: all of them. An unknown name raises :class:`SiteError`
    listing the known ones.

    >>> resolve_names(None)[:2]
    ['01-welcome', '02-programs-are-graphs']
    """
    stems = [stem(c) for c in COURSE]
    if not names:
        return stems
    wanted = set()
    for name in names:
        key = str(name).strip().removesuffix(".ipynb").removesuffix(".html")
        key = Path(key).name
        hits = [s for s, c in zip(stems, COURSE) if key in (s, c.number)]
        if not hits:
            raise SiteError(f"site: no notebook named {name!r} in the course; the notebooks are {', '.join(stems)} "
                            "(a number such as 03 works too)")
        wanted.update(hits)
    return [s for s in stems if s in wanted]


def check_out_dir(out: Path) -> None:
    """Refuse an output folder the site must not write into: a file, or a folder with other things in
    it that no earlier ``dpviz site`` made (it would mix the site with them).

    >>> import tempfile
    >>> check_out_dir(Path(tempfile.mkdtemp()) / "new")    # a new folder is fine
    """
    if out.exists() and not out.is_dir():
        raise SiteError(f"site: the output {str(out)!r} is a file; give a folder (it is made if missing)")
    if out.is_dir() and not (out / MARKER).exists() and any(out.iterdir()):
        raise SiteError(f"site: {str(out)!r} is not empty and holds no dpviz site ({MARKER} is missing); "
                        "give an empty or new folder, or the folder of an earlier `dpviz site`")
    parent = out.parent
    if not out.exists() and parent.exists() and not os.access(parent, os.W_OK):
        raise SiteError(f"site: cannot create {str(out)!r}: {str(parent)!r} is not writable")


def plotly_js() -> Path:
    """The plotly.js that ships inside the installed plotly package (the site copies it; no CDN).

    >>> plotly_js().name
    'plotly.min.js'
    """
    import plotly

    path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    if not path.exists():
        raise SiteError(f"site: the plotly package has no {path}; reinstall plotly (pip install --force-reinstall plotly)")
    return path


def write_assets(out: Path) -> None:
    """The files every page shares, under ``OUT/_static``: our CSS, the Pygments colours, the graph
    viewer's script and CSS, and plotly.js (copied only when changed).

    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp())
    >>> write_assets(out)
    >>> sorted(p.name for p in (out / "_static").iterdir())
    ['dpviz-viewer.css', 'dpviz-viewer.js', 'plotly.min.js', 'site.css', 'stepped-neuron.svg']
    """
    from dpviz.widgets.viewer import viewer_css, viewer_script

    static = out / "_static"
    static.mkdir(parents=True, exist_ok=True)
    css = (STATIC / "site.css").read_text(encoding="utf-8")
    write_atomic(static / "site.css", css + "\n/* code colours (Pygments) */\n" + pygments_css() + "\n")
    write_atomic(static / "dpviz-viewer.css", viewer_css())
    write_atomic(static / "dpviz-viewer.js", viewer_script())
    hero = NOTEBOOKS / "images" / "stepped-neuron.svg"
    if hero.exists():
        write_atomic(static / "stepped-neuron.svg", hero.read_bytes())
    src, dst = plotly_js(), static / "plotly.min.js"
    if not dst.exists() or dst.stat().st_size != src.stat().st_size or dst.read_bytes() != src.read_bytes():
        write_atomic(dst, src.read_bytes())


# ---- running the notebooks ----------------------------------------------------------------------------
@dataclass
class _Executed:
    """One notebook's run: the executed notebook (None if it failed), its time, and the error."""

    name: str
    nb: Any
    seconds: float
    error: str = ""


def kernel_env(quick: bool, jobs: int) -> dict[str, str]:
    """The environment of the notebooks' kernels: site mode, quick or full mode, and with several
    kernels at once fewer threads each (two kernels on two cores, each with two threads, would fight).

    >>> env = kernel_env(quick=True, jobs=2)
    >>> env["DPVIZ_SITE"], env["DPVIZ_QUICK"]
    ('1', '1')
    """
    env = dict(os.environ)
    env.update({"DPVIZ_SITE": "1", "DPVIZ_QUICK": "1" if quick else "0", "PYDEVD_DISABLE_FILE_VALIDATION": "1",
                "MPLBACKEND": "Agg"})
    if str(ROOT) not in env.get("PYTHONPATH", "").split(os.pathsep) and (ROOT / "dpviz").is_dir():
        # the kernel imports this dpviz, whether or not it is installed
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    if jobs > 1:
        threads = str(max(1, (os.cpu_count() or 1) // jobs))
        for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
            env.setdefault(var, threads)
    return env


async def _execute(path: Path, env: dict[str, str], timeout: float) -> _Executed:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    nb = nbformat.read(path, as_version=4)
    work = Path(tempfile.mkdtemp(prefix="dpviz-site-"))
    # the kernel runs in a scratch folder beside links to what the notebooks folder holds
    for extra in path.parent.iterdir():
        if extra.suffix != ".ipynb" and not extra.name.startswith("."):
            (work / extra.name).symlink_to(extra)
    log = work / ".kernel.log"
    start = time.perf_counter()
    try:
        with open(log, "wb") as stderr:
            client = NotebookClient(nb, timeout=int(timeout), kernel_name="python3", record_timing=False,
                                    resources={"metadata": {"path": str(work)}})
            await client.async_execute(env=env, stderr=stderr)
        return _Executed(path.stem, nb, time.perf_counter() - start)
    except (CellExecutionError, CellTimeoutError, DeadKernelError, RuntimeError, OSError) as exc:
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        tail = "\n".join(line for line in tail.splitlines() if "without encryption" not in line)
        message = str(exc).strip() + (f"\n(kernel log)\n{tail}" if tail.strip() else "")
        return _Executed(path.stem, None, time.perf_counter() - start, message)
    finally:
        shutil.rmtree(work, ignore_errors=True)


async def _execute_all(paths: Sequence[Path], env: dict[str, str], jobs: int, timeout: float,
                       done: Callable[[_Executed], None]) -> list[_Executed]:
    gate = asyncio.Semaphore(jobs)

    async def one(path: Path) -> _Executed:
        async with gate:
            result = await _execute(path, env, timeout)
        done(result)
        return result

    return list(await asyncio.gather(*(one(p) for p in paths)))


# ---- the pages ------------------------------------------------------------------------------------------
def lesson_title(lesson: Lesson) -> str:
    """How the site names a notebook: its number and title.

    >>> lesson_title(COURSE[2])
    '03 Reverse mode, step by step'
    """
    return f"{lesson.number} {lesson.title}"


def neighbours(name: str, built: set[str]) -> tuple[Link | None, Link | None]:
    """The previous and next notebooks of ``name`` in the course, as links (unlinked where a page is not built).

    >>> prev, nxt = neighbours("03-reverse-mode", {"02-programs-are-graphs"})
    >>> prev.html("prev"), nxt.built
    ('<a rel="prev" href="02-programs-are-graphs.html">02 Programs are graphs</a>', False)
    >>> neighbours("01-welcome", set())[0] is None
    True
    """
    stems = [stem(c) for c in COURSE]
    k = stems.index(name)

    def link(j: int) -> Link | None:
        if not 0 <= j < len(COURSE):
            return None
        return Link(f"{stems[j]}.html", lesson_title(COURSE[j]), stems[j] in built)

    return link(k - 1), link(k + 1)


def _meta_line(lesson: Lesson, binder: str | None, quick: bool) -> str:
    run = (f'<a href="{html.escape(binder)}">open it on Binder</a> or in Jupyter (<code>make lab</code>)'
           if binder else "run it in Jupyter (<code>make lab</code> in a clone)")
    mode = ("in quick mode (smaller experiments than the notebook's default, so a printed number can differ "
            "from a full run)" if quick else "in full mode")
    return (f'<p class="site-meta"><code>notebooks/{html.escape(lesson.file)}</code> · about {lesson.minutes} min · '
            f"executed {mode}. The steppers and figures work here with no kernel; to change the code or check "
            f"an exercise, {run}.</p>\n")


def write_page(out: Path, lesson: Lesson, nb: Any, *, built: set[str], binder: str | None, quick: bool,
               notebooks: Path) -> Page:
    """Render the executed notebook ``nb`` of ``lesson`` and write ``OUT/<stem>.html``.

    >>> import tempfile
    >>> from dpviz.site.render import _demo_notebook
    >>> out = Path(tempfile.mkdtemp())
    >>> page = write_page(out, COURSE[2], _demo_notebook(), built={"03-reverse-mode"}, binder=None, quick=True,
    ...                   notebooks=NOTEBOOKS)
    >>> (out / "03-reverse-mode.html").read_text().count('href="index.html"')
    3
    """
    name = stem(lesson)
    pages = {c.file: f"{stem(c)}.html" for c in COURSE}
    page = render_notebook(nb, name=name, title=lesson_title(lesson), binder=binder, pages=pages,
                           path=str(notebooks))
    prev, nxt = neighbours(name, built | {name})
    write_atomic(out / f"{name}.html", page_html(page, prev=prev, next=nxt, meta=_meta_line(lesson, binder, quick),
                                                 course_title=COURSE_TITLE))
    return page


def index_html(built: set[str], *, binder: str | None, quick: bool, stamp: str) -> str:
    """The index page: what the course is, how to use the site, and the course map (notebook, what you
    learn, time) by part, each built notebook linked.

    >>> text = index_html({"03-reverse-mode"}, binder=None, quick=True, stamp="today")
    >>> '<a href="03-reverse-mode.html">' in text, '<a href="01-welcome.html">' in text
    (True, False)
    """
    rows = []
    for title, first, last, blurb in PARTS:
        rows.append(f'<section class="site-part"><h2>{html.escape(title)}</h2><p>{html.escape(blurb)}</p>'
                    '<table class="site-map"><thead><tr><th>notebook</th><th>what you learn</th><th>time</th></tr>'
                    "</thead><tbody>")
        for c in COURSE:
            if not first <= c.number <= last:
                continue
            link = Link(f"{stem(c)}.html", c.title, stem(c) in built).html()
            rows.append(f'<tr><td><span class="site-num">{c.number}</span> {link}</td><td>{html.escape(c.learn)}</td>'
                        f'<td class="site-time">{c.minutes} min</td></tr>')
        rows.append("</tbody></table></section>")
    run = (f'<a href="{html.escape(binder)}">Binder</a> (a JupyterLab in your browser; it takes a few minutes to '
           "start) or, in a clone of the repository, <code>make lab</code>") if binder else \
        "<code>make lab</code> in a clone of the repository"
    mode = "quick mode (smaller experiments than the notebooks' default, as CI runs them)" if quick else "full mode"
    total = sum(c.minutes for c in COURSE)
    hero = ('<figure class="site-hero"><img src="_static/stepped-neuron.svg" alt="A neuron\'s backward pass in '
            'dp.Stepper, stopped at step 5 of 6"><figcaption><code>tanh(x·w + b)</code> in <code>dp.Stepper</code>, '
            "backward pass, step 5 of 6.</figcaption></figure>")
    body = (f"<h1>{html.escape(COURSE_TITLE)}</h1>\n"
            "<p class=\"site-lead\">A notebook-first course on <strong>differentiable programming</strong>. Its small "
            "autograd engine records a Python program as a graph, and lets you look: draw it, analyse it, and step "
            "through the forward pass, the backward pass and forward-mode tangents node by node, watching the "
            "chain rule compute each gradient one edge at a time.</p>\n"
            f"{hero}\n"
            '<section class="site-howto"><h2>Using this site</h2><ul>'
            "<li>Every notebook is here, executed, one page each: read it top to bottom, or follow the links "
            "<em>previous · contents · next</em> at the top and the bottom of each page.</li>"
            "<li>The steppers work in the page, with no kernel: press <em>next ▶</em>, play, pick another pass in "
            "the menu, drag the graph to pan, zoom, and hover a node for its value, gradient and local rules. "
            "The plotly figures zoom and show values on hover.</li>"
            f"<li>To change the code or check an exercise you need a running kernel: {run}.</li>"
            f"<li>The course takes about {total // 60} hours; the times below are for reading and doing the "
            "exercises.</li></ul></section>\n"
            + "\n".join(rows)
            + '\n<p class="site-refs">The definitions, equations and experiments come from four texts, cited in '
            '<a href="references.html">the references</a>.</p>\n')
    page = Page("index", "Contents", body)
    footer = f'<p class="site-meta">Built {html.escape(stamp)} in {html.escape(mode)}.</p>'
    return page_html(page, prev=None, next=None, meta="", course_title=COURSE_TITLE).replace(
        "</main>", footer + "\n</main>", 1)


def references_html(notebooks: Path) -> str:
    """The references page, from ``notebooks/REFERENCES.md``.

    >>> "Hernández" in references_html(NOTEBOOKS)
    True
    """
    pages = {c.file: f"{stem(c)}.html" for c in COURSE}
    source = (notebooks / "REFERENCES.md").read_text(encoding="utf-8")
    page = Page("references", "References", markdown_html(source, pages))
    return page_html(page, prev=None, next=None, course_title=COURSE_TITLE)


# ---- the whole build ---------------------------------------------------------------------------------
@dataclass
class SiteReport:
    """What a build did: per page its size, time and contents; the whole site's size; the failures.

    >>> SiteReport(Path("out")).ok
    True
    """

    out: Path
    pages: dict[str, dict[str, Any]] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    total_bytes: int = 0
    quick: bool = True

    @property
    def ok(self) -> bool:
        """True when every notebook asked for was executed and written."""
        return not self.failed

    def largest(self) -> tuple[str, int]:
        """The largest page of the site (``index.html`` and the notebooks' pages) and its size in bytes.

        >>> import tempfile
        >>> out = Path(tempfile.mkdtemp()); _ = (out / "a.html").write_text("12345"); _ = (out / "b.html").write_text("1")
        >>> SiteReport(out).largest()
        ('a.html', 5)
        """
        sizes = {p.name: p.stat().st_size for p in self.out.glob("*.html")}
        name = max(sizes, key=sizes.get) if sizes else ""
        return name, sizes.get(name, 0)

    def summary(self) -> str:
        """The report printed at the end of a build: a line per page, the total and the largest page.

        >>> print(SiteReport(Path("/nonexistent")).summary())  # doctest: +ELLIPSIS
        site: 0 pages in 0.0 s (quick mode), 0.0 MB in all; ...
        """
        lines = [f"  {name:<42} {info['bytes'] / 1e6:6.2f} MB  {info['seconds']:6.1f} s  "
                 f"{info['viewers']} viewer(s), {info['figures']} figure(s)" for name, info in self.pages.items()]
        largest, size = self.largest()
        lines.append(f"site: {len(self.pages)} pages in {self.seconds:.1f} s ({'quick' if self.quick else 'full'} mode), "
                     f"{self.total_bytes / 1e6:.1f} MB in all; the largest page is {largest or '-'} "
                     f"({size / 1e6:.2f} MB); open {self.out / 'index.html'}")
        for name, error in self.failed.items():
            lines.append(f"site: {name} FAILED:\n{error}")
        return "\n".join(lines)


def _folder_bytes(out: Path) -> int:
    return sum(p.stat().st_size for p in out.rglob("*") if p.is_file())


def _read_marker(out: Path) -> dict[str, Any]:
    try:
        return json.loads((out / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def build_site(out: str | os.PathLike[str], *, only: Iterable[str] | None = None, quick: bool | None = None,
               jobs: int | None = None, repo: str | None = None, ref: str = "HEAD",
               notebooks: str | os.PathLike[str] | None = None, timeout: float = 900,
               log: Callable[[str], None] = print) -> SiteReport:
    """Execute the notebooks and write the site into ``out``; see the module docstring.

    ``only`` names notebooks (see :func:`resolve_names`); ``quick`` None picks quick mode unless a GPU
    is present; ``jobs`` kernels at once (default: as many as there are cores, at most 2); ``repo``
    (``OWNER/NAME`` on GitHub, default from ``git remote``) and ``ref`` make the Binder links;
    ``timeout`` is per cell, in seconds.

    >>> build_site(Path(__file__), only=["03"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    dpviz.site.build.SiteError: site: the output ... is a file; give a folder (it is made if missing)
    """
    out = Path(out).expanduser().absolute()
    names = resolve_names(only)
    check_out_dir(out)
    folder = Path(notebooks).expanduser().absolute() if notebooks else NOTEBOOKS
    missing = [n for n in names if not (folder / f"{n}.ipynb").exists()]
    if missing:
        raise SiteError(f"site: {str(folder)!r} lacks {', '.join(m + '.ipynb' for m in missing)}; the site is built "
                        "from the notebooks of a clone of the repository (or give --notebooks DIR)")
    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1):
        raise SiteError(f"site: --jobs is a number of kernels at once, at least 1; got {jobs!r}")
    require_extra("site", "dpviz site")
    quick = (not gpu_visible()) if quick is None else bool(quick)
    jobs = jobs or max(1, min(2, os.cpu_count() or 1))
    binder = None
    try:
        repo = repo or repo_from_git(folder)
    except DpvizError:
        repo = None
    start = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    marker = _read_marker(out)
    times: dict[str, float] = dict(marker.get("seconds", {}))
    write_atomic(out / MARKER, json.dumps({**marker, "dpviz_site": 1, "seconds": times}, indent=1))
    write_assets(out)
    built = {p.stem for p in out.glob("*.html")} | set(names)
    report = SiteReport(out, quick=quick)
    lessons = {stem(c): c for c in COURSE}

    def done(result: _Executed) -> None:
        if result.nb is None:
            report.failed[result.name] = result.error
            log(f"site: {result.name} failed after {result.seconds:.1f} s")
            return
        repo_url = binder_url(repo, ref, f"notebooks/{result.name}.ipynb") if repo else None
        page = write_page(out, lessons[result.name], result.nb, built=built, binder=repo_url, quick=quick,
                          notebooks=folder)
        times[result.name] = round(result.seconds, 1)
        size = (out / f"{result.name}.html").stat().st_size
        report.pages[result.name] = {"bytes": size, "seconds": result.seconds, "viewers": page.viewers,
                                     "figures": page.figures}
        log(f"site: {result.name}.html ({size / 1e6:.2f} MB) after {result.seconds:.1f} s")

    # the longest first (as the last build measured them), so the two kernels finish together
    order = sorted(names, key=lambda n: -times.get(n, EXPECTED_SECONDS.get(n, 8.0)))
    log(f"site: executing {len(names)} notebook(s) in {'quick' if quick else 'full'} mode, {jobs} at a time, into {out}")
    asyncio.run(_execute_all([folder / f"{n}.ipynb" for n in order], kernel_env(quick, jobs), jobs, timeout, done))
    report.pages = {n: report.pages[n] for n in names if n in report.pages}
    if repo:
        binder = binder_url(repo, ref)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    built = {p.stem for p in out.glob("*.html")}
    write_atomic(out / "index.html", index_html(built, binder=binder, quick=quick, stamp=stamp))
    if (folder / "REFERENCES.md").exists():
        write_atomic(out / "references.html", references_html(folder))
    write_atomic(out / MARKER, json.dumps({"dpviz_site": 1, "seconds": times, "built": stamp,
                                           "mode": "quick" if quick else "full"}, indent=1))
    report.seconds = time.perf_counter() - start
    report.total_bytes = _folder_bytes(out)
    return report


def main(argv: Sequence[str] | None = None) -> int:
    """``dpviz site OUT [--only NAME ...] [--quick | --full] [--jobs N] [--repo OWNER/NAME]``.

    >>> try:
    ...     main(["--help"])
    ... except SystemExit as stop:
    ...     print("exit", stop.code)  # doctest: +ELLIPSIS
    usage: dpviz site [-h] ...
    exit 0
    >>> import contextlib, io
    >>> err = io.StringIO()
    >>> with contextlib.redirect_stderr(err):
    ...     main(["/tmp", "--only", "99"])
    2
    >>> print(err.getvalue().split(";")[0])
    dpviz site: no notebook named '99' in the course
    """
    parser = argparse.ArgumentParser(
        prog="dpviz site", description="Execute the course's notebooks and write them as a website: one page per "
        "notebook, an index from the course map, steppers that step and plotly figures that zoom with no kernel "
        "and no network (open OUT/index.html from disk, or serve OUT).")
    parser.add_argument("out", metavar="OUT", help="the folder to write the site into (made if missing)")
    parser.add_argument("--only", nargs="+", action="extend", metavar="NAME",
                        help="build only these notebooks (03-reverse-mode, 03-reverse-mode.ipynb or 03); the index "
                             "links every page the folder holds")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", dest="quick", action="store_true", default=None,
                      help="run the notebooks in quick mode (the default without a GPU)")
    mode.add_argument("--full", dest="quick", action="store_false",
                      help="run the notebooks in full mode (the default where torch sees a GPU)")
    parser.add_argument("--jobs", type=int, default=None, help="notebooks executed at once (default: 2, or 1 on one core)")
    parser.add_argument("--repo", default=None, help="OWNER/NAME on GitHub, for the Binder links (default: the git "
                        "remote 'origin'; without one the pages link no Binder)")
    parser.add_argument("--ref", default="HEAD", help="branch, tag or commit the Binder links build (default: HEAD)")
    parser.add_argument("--notebooks", default=None, help="the folder of the notebooks (default: this clone's notebooks/)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds one cell may run (default: 900)")
    args = parser.parse_args(argv)     # --help, or arguments it refuses: it says so and exits
    try:
        report = build_site(args.out, only=args.only, quick=args.quick, jobs=args.jobs, repo=args.repo, ref=args.ref,
                            notebooks=args.notebooks, timeout=args.timeout,
                            log=lambda line: print(line, file=sys.stderr, flush=True))
    except DpvizError as exc:
        print(f"dpviz {exc}", file=sys.stderr)
        return 2
    print(report.summary())
    return 0 if report.ok else 1
