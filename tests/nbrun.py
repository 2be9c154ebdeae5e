"""Run a notebook the way the test suite must: top to bottom, on a copy, timed, memory measured.

Shared by every notebook test (``from nbrun import run_notebook``).  A notebook fails when a
cell raises, when anything is written to stderr that looks like a warning, when it takes
longer than ``timeout`` seconds, or when the kernel's peak memory exceeds ``max_mb``.
Quick mode is switched on for the kernel (``DPVIZ_QUICK=1``) unless the caller says otherwise.

Every drawing the notebook displays (``dp.draw``) and every Stepper layout is logged as DOT
text by a first cell that the run adds and removes again; :func:`check_drawings` then lays each
one out with both renderers and checks that it can be read at a notebook's output width.

The exercise cells run as committed (placeholders). Right after each one, the run fills the exercise
in from its answer key: a cell it adds (and removes again afterwards) runs the exercise's ``solution``
in the notebook's namespace and checks that ``dp.check`` accepts it (:func:`check_exercises`). It also checks that no
answer is given away: neither the exercise's ``reveals`` nor the distinctive numbers of the
solution's value appear in the notebook's source or in the outputs of the cells above the exercise.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"

# The last cell: the kernel's peak memory, and the GPU memory PyTorch allocated at most (so a GPU
# run can prove the GPU was used, not merely visible).
_PEAK = ("import resource as _r, json as _j, sys as _s\n"
         "_t = _s.modules.get('torch')\n"
         "_g = _t.cuda.max_memory_allocated() if _t is not None and _t.cuda.is_available() else 0\n"
         "print('__DPVIZ_PEAK__' + _j.dumps([_r.getrusage(_r.RUSAGE_SELF).ru_maxrss, _g]))")


# The first cell: log the DOT text of every drawing displayed and every Stepper layout made.
_LOG_DRAWINGS = ("import json as _j, dpviz.pictures.drawing as _d, dpviz.widgets.stepper as _s\n"
                 "def _log(kind, dot, _path={path!r}):\n"
                 "    with open(_path, 'a') as f: f.write(_j.dumps({{'kind': kind, 'dot': dot}}) + '\\n')\n"
                 "_show = _d.Drawing._repr_mimebundle_\n"
                 "def _shown(self, *a, **k):\n"
                 "    _log('draw', self.source); return _show(self, *a, **k)\n"
                 "_d.Drawing._repr_mimebundle_ = _shown\n"
                 "_lay = _s.Stepper._lay_out\n"
                 "def _laid(self, *a, **k):\n"
                 "    t = _lay(self, *a, **k); _log('stepper', self.dot_source); return t\n"
                 "_s.Stepper._lay_out = _laid")


# After the notebook: one cell per exercise, its answer key filled in and checked.
_SOLUTION = ("import json as _j, dpviz.exercises as _e\n"
             "answer = None\n"
             "{solution}\n"
             "_fb = _e.check({ex_id!r}, answer)\n"
             "print('__DPVIZ_SOLUTION__' + _j.dumps([{ex_id!r}, bool(_fb.ok), _fb.message, "
             "_e.registry.reveal_patterns(_e.exercise({ex_id!r}), answer)]))")

_CHECK_CALL = re.compile(r"""(?:dp|dpviz)\.check\(\s*["'](\d\d\.\d+)["']""")


def exercise_cells(nb: Any) -> dict[str, int]:
    """Each exercise id the notebook checks, and the index of the code cell that checks it."""
    found: dict[str, int] = {}
    for k, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            for ex_id in _CHECK_CALL.findall(cell.source):
                found.setdefault(ex_id, k)
    return found


@dataclass
class SolutionRun:
    """What filling in one exercise from its answer key gave: was it accepted, and the reveal patterns."""

    ex_id: str
    ok: bool
    message: str
    patterns: list


@dataclass
class LoggedDrawing:
    """A picture the notebook showed: ``kind`` is ``"draw"`` or ``"stepper"``, ``dot`` its DOT text."""

    kind: str
    dot: str


@dataclass
class NotebookRun:
    """What a run left behind: the executed notebook, its wall time and the kernel's peak memory.

    ``gpu_peak_mb`` is the most GPU memory PyTorch allocated (0 without CUDA).
    """

    nb: nbformat.NotebookNode
    seconds: float
    peak_mb: float
    gpu_peak_mb: float = 0.0
    outputs: list = field(default_factory=list)
    drawings: list = field(default_factory=list)
    solutions: dict = field(default_factory=dict)

    def text(self) -> str:
        """All text the notebook printed or displayed (stdout, results, and text/plain of displays)."""
        parts = []
        for cell in self.nb.cells:
            for out in cell.get("outputs", []):
                if out.get("output_type") == "stream":
                    # one print may arrive as several stream messages: glue them back together
                    if parts and parts[-1][:1] == "\0":
                        parts[-1] += out.get("text", "")
                    else:
                        parts.append("\0" + out.get("text", ""))
                else:
                    data = out.get("data", {})
                    parts.append(data.get("text/plain", ""))
                    parts.append(data.get("text/markdown", ""))
        return "\n".join(p.lstrip("\0") for p in parts)

    def has_mime(self, mime: str) -> bool:
        return any(mime in out.get("data", {}) for c in self.nb.cells for out in c.get("outputs", []))


#: Set by ``DPVIZ_TEST_FULL_MODE=1``: the notebook tests run every notebook in full mode (see run_notebook).
FULL_MODE = os.environ.get("DPVIZ_TEST_FULL_MODE") == "1"

#: The mode line a notebook run by the tests prints (``dp.mode_note``).
MODE_LINE = "Running in full mode" if FULL_MODE else "Running in quick mode"


def run_notebook(name: str | Path, timeout: float = 90, max_mb: float = 1500, quick: bool = True,
                 env: dict | None = None) -> NotebookRun:
    """Execute ``notebooks/<name>`` in a temporary copy and check time, memory and warnings.

    ``DPVIZ_TEST_FULL_MODE=1`` runs every notebook test in full mode instead (limits ×10), to check
    that what the text claims holds there too (checks of the mode line use :data:`MODE_LINE`).
    """
    if FULL_MODE:
        quick, timeout, max_mb = False, timeout * 10, max_mb * 4
    src = Path(name) if Path(name).is_absolute() else NOTEBOOKS / name
    nb = nbformat.read(src, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.get("outputs"), f"{src.name} is committed with outputs; clear them"
    from dpviz.exercises import exercise

    # each exercise cell runs as committed, then its answer key, filled in right after it: the key runs
    # with the notebook's state at that point, as a learner's answer would
    exercises = exercise_cells(nb)
    for ex_id, k in sorted(exercises.items(), key=lambda item: -item[1]):
        key = nbformat.v4.new_code_cell(_SOLUTION.format(ex_id=ex_id, solution=exercise(ex_id).solution))
        key.metadata["dpviz_answer_key"] = ex_id
        nb.cells.insert(k + 1, key)
    nb.cells.append(nbformat.v4.new_code_cell(_PEAK))
    work = Path(tempfile.mkdtemp(prefix="dpviz-nb-"))
    log = work / ".dpviz-drawings.jsonl"
    nb.cells.insert(0, nbformat.v4.new_code_cell(_LOG_DRAWINGS.format(path=str(log))))
    # the copy runs beside the originals' data: link the notebooks folder's files it may read
    for extra in NOTEBOOKS.iterdir():
        if extra.suffix != ".ipynb" and not extra.name.startswith("."):
            target = work / extra.name
            if not target.exists():
                target.symlink_to(extra)
    old = dict(os.environ)
    os.environ.update({"DPVIZ_QUICK": "1" if quick else "0", "PYDEVD_DISABLE_FILE_VALIDATION": "1",
                       "PYTHONWARNINGS": "default", "MPLBACKEND": "Agg",
                       "DPVIZ_RENDERER": "graphviz-pure"})
    os.environ.update(env or {})
    try:
        client = NotebookClient(nb, timeout=int(timeout * 2), kernel_name="python3",
                                resources={"metadata": {"path": str(work)}})
        start = time.perf_counter()
        client.execute()
        seconds = time.perf_counter() - start
        drawings = ([LoggedDrawing(**json.loads(line)) for line in log.read_text().splitlines()]
                    if log.exists() else [])
    finally:
        os.environ.clear()
        os.environ.update(old)
        shutil.rmtree(work, ignore_errors=True)
    peak_kb, gpu_bytes = 0, 0
    nb.cells.pop(0)
    last = nb.cells.pop()
    solutions = {}
    keys = [c for c in nb.cells if "dpviz_answer_key" in c.metadata]
    for cell in keys:
        nb.cells.remove(cell)
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and "__DPVIZ_SOLUTION__" in out.get("text", ""):
                ex_id, ok, message, patterns = json.loads(out["text"].split("__DPVIZ_SOLUTION__")[1].strip())
                solutions[ex_id] = SolutionRun(ex_id, ok, message, patterns)
    for out in last.get("outputs", []):
        if out.get("output_type") == "stream" and "__DPVIZ_PEAK__" in out.get("text", ""):
            peak_kb, gpu_bytes = json.loads(out["text"].split("__DPVIZ_PEAK__")[1].strip())
    peak_mb = peak_kb / 1024
    warnings = [out.get("text", "") for c in nb.cells + keys for out in c.get("outputs", [])
                if out.get("output_type") == "stream" and out.get("name") == "stderr"
                and "warn" in out.get("text", "").lower()]
    assert not warnings, f"{src.name} printed warnings:\n" + "\n".join(warnings)
    assert seconds < timeout, f"{src.name} took {seconds:.1f} s (limit {timeout} s)"
    assert peak_mb < max_mb, f"{src.name} peaked at {peak_mb:.0f} MB (limit {max_mb} MB)"
    check_drawings(drawings, src.name)
    check_figures(nb, src.name)
    check_exercises(nb, solutions, exercises, src.name)
    return NotebookRun(nb, seconds, peak_mb, gpu_bytes / 2**20, drawings=drawings, solutions=solutions)


def cell_texts(cell: Any) -> list[str]:
    """What a learner reads of one executed cell: its outputs' text (stdout, results, HTML, markdown)."""
    texts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            texts.append(out.get("text", ""))
        for mime in ("text/plain", "text/markdown", "text/html"):
            if mime in out.get("data", {}):
                data = out["data"][mime]
                texts.append("".join(data) if isinstance(data, list) else data)
    return texts


def find_leaks(nb: Any, patterns: list, cell_index: int) -> list[str]:
    """Where ``patterns`` (an exercise's reveal patterns) occur in the notebook's source, or in the
    outputs of the cells above ``cell_index`` (the exercise's cell): each hit with its context."""
    from dpviz.exercises.registry import find_reveals

    sources = [c.source for c in nb.cells]
    above = [t for c in nb.cells[:cell_index] for t in cell_texts(c)]
    return find_reveals(patterns, sources + above)


def check_exercises(nb: Any, solutions: dict, exercises: dict, name: str) -> None:
    """Every exercise of the notebook is registered for it, its answer key is accepted by ``dp.check``,
    and nothing in the notebook gives its answer away."""
    from dpviz.exercises import REGISTRY

    number = name[:2]
    mine = sorted(k for k in REGISTRY if k.startswith(number + "."))
    assert sorted(exercises) == mine, (
        f"{name} checks exercises {sorted(exercises)} but {mine} are registered for it")
    problems = []
    for ex_id, cell in exercises.items():
        run = solutions.get(ex_id)
        if run is None:
            problems.append(f"{ex_id}: the cell with its answer key printed nothing (did it raise?)")
            continue
        if not run.ok:
            problems.append(f"{ex_id}: dp.check refused the answer key: {run.message}")
        for leak in find_leaks(nb, run.patterns, cell):
            problems.append(f"{ex_id}: the notebook gives the answer away: {leak}")
    assert not problems, f"{name}:\n" + "\n".join(problems)


#: The smallest text a learner should have to read, in CSS pixels as displayed.
MIN_TEXT_PX = 11.0


def drawing_report(dot: str) -> dict:
    """For each renderer here: the natural width of the SVG in CSS pixels and its smallest text."""
    import re

    from dpviz.pictures.fit import PX_PER_PT, svg_size_px
    from dpviz.pictures.renderer import render

    out = {}
    for renderer in (["dot"] if shutil.which("dot") else []) + ["graphviz-pure"]:
        svg = render(dot, renderer=renderer, timeout=120)
        sizes = [float(f) * PX_PER_PT for f in re.findall(r'font-size="([\d.]+)"', svg)]
        out[renderer] = (svg_size_px(svg)[0], min(sizes, default=MIN_TEXT_PX))
    return out


def _shown_framed(dot: str, renderer: str) -> bool:
    """Whether Jupyter display of this drawing (through ``Drawing``) puts it in a scrolling frame."""
    from dpviz.pictures.drawing import Drawing

    old = os.environ.get("DPVIZ_RENDERER")
    os.environ["DPVIZ_RENDERER"] = renderer
    try:
        bundle = Drawing(body=[dot.split("{", 1)[1].rsplit("}", 1)[0]])._repr_mimebundle_()
    finally:
        os.environ.pop("DPVIZ_RENDERER") if old is None else os.environ.update(DPVIZ_RENDERER=old)
    return "dpviz-drawing-frame" in bundle.get("text/html", "")


def check_figures(nb: Any, name: str) -> None:
    """Every plotly figure a notebook shows has the course's look (``dpviz.plotstyle``): its template,
    whose legend sits right of the plot, clear of the title and the data."""
    from dpviz.plotstyle import PALETTE

    for k, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            fig = out.get("data", {}).get("application/vnd.plotly.v1+json")
            if fig is None:
                continue
            tpl = fig.get("layout", {}).get("template", {}).get("layout", {})
            assert tpl.get("colorway") == list(PALETTE) and tpl.get("legend", {}).get("x", 0) > 1, (
                f"{name}, cell {k}: a plotly figure without the course template (dpviz.plotstyle.TEMPLATE)")


def check_drawings(drawings: list, name: str) -> None:
    """Every drawing can be read at a notebook's width with both renderers: no text is smaller
    than :data:`MIN_TEXT_PX`, and a ``dp.draw`` picture fits the output (``FRAME_PX``) or is
    displayed full size in a scrolling frame, never shrunk. (A Stepper's graph sits in a pane
    of its own that scrolls.)"""
    from dpviz.pictures.fit import FRAME_PX

    problems = []
    for k, d in enumerate(drawings):
        for renderer, (width, text) in drawing_report(d.dot).items():
            if text < MIN_TEXT_PX:
                problems.append(f"{d.kind} {k}: text of {text:.1f} px with {renderer}")
            if d.kind == "draw" and width > FRAME_PX and not _shown_framed(d.dot, renderer):
                problems.append(f"draw {k}: {width:.0f} px wide with {renderer}, shown without a frame")
    assert not problems, f"{name}: drawings a learner cannot read at {FRAME_PX} px:\n" + "\n".join(problems)


def printed_number(pattern: str, text: str) -> float:
    """The number a notebook printed where ``pattern``'s first group stands (fails if absent)."""
    import re

    m = re.search(pattern, text)
    assert m, f"the notebook did not print {pattern!r}"
    return float(m.group(1))


def assert_exercises_unanswered(text: str, nb: str) -> None:
    """The committed notebook's exercise cells are unanswered: the checker greets them kindly
    ("no answer yet"), or, where the cell starts from the reader's own object (an implement-it
    exercise's template), says "Not yet" and what is missing."""
    from dpviz.exercises import REGISTRY

    count = len([k for k in REGISTRY if k.startswith(nb + ".")])
    assert count >= 2, f"notebook {nb} has {count} exercises; each ends with some"
    for k in range(1, count + 1):
        assert f"({nb}.{k}) no answer yet" in text or f"Not yet ({nb}.{k})" in text, (
            f"exercise {nb}.{k} should be an unanswered placeholder in the committed notebook")
