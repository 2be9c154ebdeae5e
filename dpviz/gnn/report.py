"""The reproduced table: printing, saving (CSV, JSON) and plotly figures (HTML).

>>> from dpviz.gnn.report import format_table
>>> rec = {"experiment": "gcn2-train", "training": "train mask (120)", "paper": 71.4, "mean": 70.7,
...        "std": 0.5, "min": 70.0, "max": 71.5, "seeds": 10, "seconds": 3.2, "flag": ""}
>>> "gcn2-train" in format_table([rec])
True
"""
from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Sequence

import plotly.graph_objects as go

from dpviz.plotstyle import TEMPLATE

Record = dict[str, object]
CSV_FIELDS = ["experiment", "label", "group", "training", "paper", "mean", "std", "min", "max",
              "seeds", "seconds", "flag", "note"]


def format_table(records: Sequence[Record]) -> str:
    """A fixed-width text table: paper, mean ± std, min–max, seconds, flag.

    >>> print(format_table([]).splitlines()[0].split()[:2])
    ['experiment', 'training']
    """
    head = f"{'experiment':<28}{'training':<19}{'paper':>6}  {'mean ± std':>13}  {'min–max':>11}  {'s':>6}  flag"
    lines = [head, "-" * len(head)]
    for r in records:
        paper = "—" if r.get("paper") is None else f"{r['paper']:.1f}"
        lines.append(
            f"{r['experiment']:<28}{r['training']:<19}{paper:>6}  "
            f"{r['mean']:>6.1f} ± {r['std']:<4.1f}  {r['min']:>5.1f}–{r['max']:<5.1f}  "
            f"{r['seconds']:>6.1f}  {'!! ' + str(r['flag']) if r.get('flag') else ''}"
        )
    return "\n".join(lines)


def save_records(records: Sequence[Record], out: Path, meta: dict[str, object]) -> tuple[Path, Path]:
    """Write ``results.csv`` (one row per experiment) and ``results.json`` (records + run info).

    >>> import tempfile
    >>> csv_path, _ = save_records([], Path(tempfile.mkdtemp()), {})
    >>> csv_path.name
    'results.csv'
    """
    out.mkdir(parents=True, exist_ok=True)
    csv_path, json_path = out / "results.csv", out / "results.json"
    with open(csv_path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_FIELDS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(records)
    json_path.write_text(json.dumps({"run": meta, "records": list(records)}, indent=2))
    return csv_path, json_path


def _by_key(records: Sequence[Record]) -> dict[str, Record]:
    return {str(r["experiment"]): r for r in records}


def training_size_figure(records: Sequence[Record]) -> go.Figure:
    """Accuracy vs number of training nodes (GCN2, first N nodes), paper overlaid.

    >>> training_size_figure([]).layout.xaxis.title.text
    'training nodes (first N)'
    """
    rows = sorted((r for r in records if str(r["experiment"]).startswith("gcn2-first-")),
                  key=lambda r: int(str(r["experiment"]).rsplit("-", 1)[1]))
    n = [int(str(r["experiment"]).rsplit("-", 1)[1]) for r in rows]
    fig = go.Figure()
    fig.add_scatter(x=n, y=[r["mean"] for r in rows], mode="lines+markers", name="reproduced (mean)",
                    error_y={"type": "data", "array": [r["std"] for r in rows]})
    fig.add_scatter(x=n, y=[r["paper"] for r in rows], mode="markers", name="paper",
                    marker={"symbol": "x", "size": 10})
    fig.update_layout(title="GCN2 test accuracy vs training-set size", yaxis_title="test accuracy (%)",
                      xaxis_title="training nodes (first N)", template=TEMPLATE)
    return fig


def removal_figure(records: Sequence[Record]) -> go.Figure:
    """Accuracy vs fraction of edges removed (stride and random), with GCN2 and MLP2 lines.

    >>> len(removal_figure([]).data)
    3
    """
    fig = go.Figure()
    for kind in ("stride", "random-removal"):
        rows = [r for r in records if str(r["experiment"]).startswith(f"gcn2-{kind}-")]
        pct = [int(str(r["experiment"]).rsplit("-", 1)[1]) for r in rows]
        fig.add_scatter(x=pct, y=[r["mean"] for r in rows], mode="lines+markers",
                        name=f"reproduced ({kind.replace('-', ' ')})",
                        error_y={"type": "data", "array": [r["std"] for r in rows]})
    rows = [r for r in records if str(r["experiment"]).startswith("gcn2-stride-")]
    fig.add_scatter(x=[int(str(r["experiment"]).rsplit("-", 1)[1]) for r in rows],
                    y=[r["paper"] for r in rows], mode="markers", name="paper (stride)",
                    marker={"symbol": "x", "size": 10})
    keyed = _by_key(records)
    for key, name in (("gcn2-train", "GCN2, full graph"), ("mlp2-train", "MLP2, no graph")):
        if key in keyed:
            # an explicit width and colour: the template gives shapes no line of their own
            fig.add_hline(y=float(keyed[key]["mean"]), line_dash="dot", line_width=1.5,  # type: ignore[arg-type]
                          line_color="#555555", annotation_text=name)
    fig.update_layout(title="GCN2 test accuracy as edges are removed", xaxis_title="edges removed (%)",
                      yaxis_title="test accuracy (%)", template=TEMPLATE)
    return fig


def model_bars_figure(records: Sequence[Record]) -> go.Figure:
    """Bars per model/training set: reproduced mean ± std next to the paper's number.

    >>> model_bars_figure([]).layout.barmode
    'group'
    """
    rows = [r for r in records if r["group"] in ("models", "attention")]
    names = [f"{r['label']} · {r['training']}" for r in rows]
    fig = go.Figure()
    fig.add_bar(x=names, y=[r["mean"] for r in rows], name="reproduced",
                error_y={"type": "data", "array": [r["std"] for r in rows]})
    fig.add_bar(x=names, y=[r["paper"] for r in rows], name="paper")
    fig.update_layout(barmode="group", title="Test accuracy by model", yaxis_title="test accuracy (%)",
                      template=TEMPLATE, xaxis_tickangle=-35)
    return fig


def save_figures(records: Sequence[Record], out: Path) -> list[Path]:
    """Write the three figures as HTML; plotly.js is written once beside them (works offline).

    >>> import tempfile
    >>> [p.name for p in save_figures([], Path(tempfile.mkdtemp()))]
    ['accuracy_vs_training_size.html', 'accuracy_vs_edges_removed.html', 'accuracy_by_model.html']
    """
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, fig in (("accuracy_vs_training_size", training_size_figure(records)),
                      ("accuracy_vs_edges_removed", removal_figure(records)),
                      ("accuracy_by_model", model_bars_figure(records))):
        path = out / f"{name}.html"
        fig.write_html(path, include_plotlyjs="directory")
        paths.append(path)
    return paths
