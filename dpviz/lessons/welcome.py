"""Notebook 01: the paper's Table 1 as a table the reader can extend, the course map, and
an environment check that says in plain words what this machine can and cannot do.

>>> t = ProgrammingTable()
>>> len(t.rows) == len(TABLE_1)
True
>>> t.add("Bugs are fixed by editing code", "Errors are reduced by more data or a better loss")
>>> t.rows[-1].source
'you'
"""
from __future__ import annotations

from dataclasses import dataclass

from dpviz.doctor import report

#: The rows of Table 1 of Hernández, Millerioux & Amigó (2022) (section 2,
#: "Differentiable vs classical programming"): (classical, differentiable).
TABLE_1: tuple[tuple[str, str], ...] = (
    ("Sequence of explicit instructions", "Sequence of differentiable primitives"),
    ("Fixed architecture", "Optimizable architecture that searches in a subset of possible programs"),
    ("User defined programs", "Data defined programs"),
    ("Imperative programming", "Declarative programming: state the objective, not how to reach it"),
    ("Direct, intuitive and explainable", "High level of abstraction"),
)


@dataclass(frozen=True)
class Row:
    """One row: the classical side, the differentiable side, and who wrote it.

    >>> Row("a", "b", "paper").source
    'paper'
    """

    classical: str
    differentiable: str
    source: str = "paper"


class ProgrammingTable:
    """Table 1 of the paper; ``add`` appends the reader's own rows (marked as theirs).

    Displays as a Markdown table in Jupyter.

    >>> t = ProgrammingTable()
    >>> t.add("Debugger steps through lines", "dp.Stepper steps through nodes")
    >>> print(t.markdown().splitlines()[0])
    | classical programming | differentiable programming | from |
    """

    def __init__(self) -> None:
        self.rows: list[Row] = [Row(c, d) for c, d in TABLE_1]

    def add(self, classical: str, differentiable: str) -> None:
        """Append a row of your own (both sides must be non-empty text)."""
        if not (isinstance(classical, str) and isinstance(differentiable, str)
                and classical.strip() and differentiable.strip()):
            raise ValueError("a row needs two non-empty strings: (classical, differentiable)")
        self.rows.append(Row(classical.strip(), differentiable.strip(), "you"))

    def markdown(self) -> str:
        """The table as Markdown text."""
        lines = ["| classical programming | differentiable programming | from |", "|---|---|---|"]
        for r in self.rows:
            lines.append(f"| {r.classical} | {r.differentiable} | {r.source} |")
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        return self.markdown()


@dataclass(frozen=True)
class Lesson:
    """One notebook of part 1: file, title, what you learn, minutes.

    >>> COURSE[0].number
    '01'
    """

    number: str
    file: str
    title: str
    learn: str
    minutes: int


COURSE: tuple[Lesson, ...] = (
    Lesson("01", "01-welcome.ipynb", "Welcome and map",
           "what differentiable programming is (Table 1); how the widgets work; your machine", 15),
    Lesson("02", "02-programs-are-graphs.ipynb", "Programs are graphs",
           "trace a program; read off Definition 1; replay it; draw, step and analyse it", 25),
    Lesson("03", "03-reverse-mode.ipynb", "Reverse mode, step by step",
           "adjoints, the chain rule on each edge, += at fan-out; agreement with PyTorch", 30),
    Lesson("04", "04-forward-mode-and-jacobians.ipynb", "Forward mode and Jacobians",
           "tangents; JVP = a column, VJP = a row; which mode is cheaper, measured", 25),
    Lesson("05", "05-control-flow-and-branching.ipynb", "Control flow and differentiable branching",
           "loops and if decide the graph; the learned condition of Figure 1, trained", 30),
    Lesson("06", "06-in-place-and-aliasing.ipynb", "In-place operations, aliasing, version counters",
           "why y.add_(3) can break backward; what dpviz and PyTorch do about it", 20),
    Lesson("07", "07-higher-order-and-hypergradients.ipynb", "Higher order and hypergradients",
           "the gradient of a gradient; a learning rate tuned by gradient descent", 30),
    Lesson("08", "08-program-characteristics.ipynb", "Program characteristics",
           "path lengths in an MLP, an RNN and self-attention (Figures 2-3); invariance; modules", 30),
    Lesson("09", "09-from-the-engine-to-pytorch.ipynb", "From the engine to PyTorch",
           "the same model in PyTorch, its autograd graph drawn, gradients compared, on a GPU", 25),
    Lesson("10", "10-attention.ipynb", "Attention",
           "encoder-decoders with additive and cosine attention; alignment matrices; self-attention", 40),
    Lesson("11", "11-memory.ipynb", "Memory",
           "end-to-end memory networks with hops; a DNC-style memory addressed by content", 40),
    Lesson("12", "12-differentiable-plasticity.ipynb", "Differentiable plasticity",
           "fixed weights plus Hebbian traces, trained by gradient descent (eqs. 12-13)", 30),
    Lesson("13", "13-dynamical-systems.ipynb", "Dynamical systems with RNN, LSTM and attention",
           "maps and delay systems predicted four ways; the vanishing gradient measured", 40),
    Lesson("14", "14-differentiable-simulation.ipynb", "Differentiable simulation",
           "fit an ODE through its solver (reverse mode vs sensitivities); hybrid models", 40),
    Lesson("15", "15-learning-strategies-and-limits.ipynb", "Learning strategies and limits",
           "the paper's Algorithm 1 and its differentiable relaxation; what needs new data", 30),
    Lesson("20", "20-citeseer-as-a-graph.ipynb", "CiteSeer as a graph",
           "the data set of the paper's section 5: statistics, degrees, a neighbourhood", 20),
    Lesson("21", "21-structure-as-a-prior.ipynb", "Structure as a prior: MLP vs GCN",
           "the paper's table reproduced; training-set size; perturbed and removed edges", 30),
    Lesson("22", "22-self-attention-must-learn-structure.ipynb", "Self-attention must learn the structure",
           "three attention masks; why attention over all nodes collapses", 30),
)


def course_markdown() -> str:
    """The course map as a Markdown table (notebook, what you learn, minutes).

    >>> course_markdown().count("\\n") == len(COURSE) + 1
    True
    """
    lines = ["| notebook | what you learn | time |", "|---|---|---|"]
    for c in COURSE:
        lines.append(f"| **{c.number}** {c.title} (`{c.file}`) | {c.learn} | {c.minutes} min |")
    return "\n".join(lines)


def environment_report() -> list[str]:
    """What this installation can do, one plain sentence each (from ``dpviz.doctor.report``).

    Never raises: every missing piece becomes a sentence saying what that means for the course.

    >>> lines = environment_report()
    >>> any(line.startswith("Python") for line in lines)
    True
    """
    rep = report(check_data=False)
    pk = rep["packages"]
    out = [f"Python {rep['python']} with dpviz {pk.get('dpviz') or '(source tree)'} and numpy {pk.get('numpy')}."]
    renderer = str(rep.get("renderer", ""))
    if renderer.startswith("none"):
        out.append("No graph renderer was found: dp.draw will build graphs but cannot show them "
                   "(install the graphviz-pure package or system Graphviz).")
    else:
        out.append(f"Graphs render with {renderer.split(' ')[0]}: every dp.draw picture will show.")
    if pk.get("torch"):
        gpu = str(rep.get("gpu", ""))
        if gpu.startswith("CUDA"):
            out.append(f"PyTorch {pk['torch']} sees a GPU ({gpu[6:]}): notebook 09 will use it.")
        else:
            out.append(f"PyTorch {pk['torch']} is installed but there is no GPU: notebook 09 and the "
                       "scale-up notebooks will run on CPU (in quick mode they stay small and fast).")
    else:
        out.append("PyTorch is missing: notebooks 03 and 09 compare with PyTorch and need it "
                   "(`make lab` installs it).")
    for pkg, why in (("plotly", "the interactive plots of notebooks 04, 07 and 08"),
                     ("ipywidgets", "the steppers' buttons and sliders"),
                     ("networkx", "the graph analysis of notebook 02")):
        if not pk.get(pkg):
            out.append(f"{pkg} is missing: {why} will not work (`make lab` installs it).")
    return out
