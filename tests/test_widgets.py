"""Headless tests of the other notebook widgets: live training view, plot helpers, explore."""
from __future__ import annotations

import numpy as np
import pytest

import dpviz as dp
from dpviz.widgets import (LiveTraining, PlotError, accuracy_sweep, alignment_heatmap, explore, live_plot,
                           loss_curves, path_length_profile)


def test_live_training_from_a_dpviz_loop():
    w = dp.tensor(0.0, requires_grad=True)
    live = LiveTraining(epochs=5, title="fit w to 3")
    for epoch in range(5):
        loss = ((w - 3.0) * (w - 3.0))
        loss.backward()
        w = dp.tensor(float(w.data) - 0.3 * float(np.asarray(w.grad)), requires_grad=True)
        live.update(loss=loss, accuracy=np.float64(epoch / 4))     # tensors and numpy scalars are fine
    assert len(live.history["loss"]) == 5
    assert live.history["loss"][0] == 9.0 and live.history["loss"][-1] < 1.0
    assert live.progress.value == 5 and live.progress.bar_style == "success"
    assert live.status.value.startswith("epoch 5 of 5 · loss")


def test_live_training_accepts_torch_scalars_and_rejects_junk():
    torch = pytest.importorskip("torch")
    live = live_plot()
    live.update(loss=torch.tensor(0.5, requires_grad=True) * 2)
    assert live.history["loss"] == [1.0] and live.progress.max >= 1
    with pytest.raises(dp.DpvizError, match="not a number"):
        live.update(loss=[1, 2])
    with pytest.raises(dp.DpvizError, match="at least one value"):
        live.update()


def test_live_training_picks_a_redrawn_figure_in_vscode(monkeypatch):
    import plotly.graph_objects as go

    for var in ("VSCODE_PID", "PYDEVD_IPYTHON_COMPATIBLE_DEBUGGING"):
        monkeypatch.delenv(var, raising=False)
    assert isinstance(LiveTraining().figure, go.FigureWidget)          # JupyterLab, Notebook 7
    monkeypatch.setenv("PYDEVD_IPYTHON_COMPATIBLE_DEBUGGING", "1")   # what VS Code sets for its kernels
    vscode = LiveTraining(epochs=2)
    assert vscode.figure is None and isinstance(vscode.children[1], type(vscode._out))
    vscode.update(loss=0.5).update(loss=0.25)
    assert [list(t.y) for t in vscode._plain.data] == [[0.5, 0.25]]    # the figure the Output area shows
    assert isinstance(LiveTraining(figure_widget=True).figure, go.FigureWidget)   # the user's choice wins
    monkeypatch.delenv("PYDEVD_IPYTHON_COMPATIBLE_DEBUGGING")
    assert LiveTraining(figure_widget=False).figure is None
    with pytest.raises(dp.DpvizError, match="figure_widget must be True, False or None"):
        LiveTraining(figure_widget="yes")


def test_plot_helpers_share_one_look():
    figs = [loss_curves({"train": [1, 0.5]}), accuracy_sweep([0, 1], {"MLP": [0.6, 0.5]}),
            alignment_heatmap(np.eye(3)), path_length_profile({"MLP": {2: 3}})]
    from dpviz.plotstyle import TEMPLATE
    import plotly.io as pio

    for fig in figs:
        # the course's template, whose legend sits right of the plot, clear of the title
        assert fig.layout.template == pio.templates[TEMPLATE]
        assert fig.layout.template.layout.font.size == 13 and fig.layout.template.layout.legend.x > 1
    sweep = accuracy_sweep([0.0, 0.5], {"GCN": [0.7, 0.6]}, reference={"GCN": ([0.0], [0.703]), "paper MLP": ([0], [0.59])})
    assert [t.name for t in sweep.data] == ["GCN", "GCN (reference)", "paper MLP (reference)"]
    assert sweep.data[1].marker.symbol == "diamond-open" and sweep.data[0].line.color == sweep.data[1].marker.color
    heat = alignment_heatmap(np.array([[0.7, 0.3]]), inputs=["a", "b"], outputs=["y"])
    assert heat.data[0].z.shape == (1, 2) and heat.layout.yaxis.autorange == "reversed"
    with pytest.raises(PlotError, match="2-D"):
        alignment_heatmap(np.ones(3))
    with pytest.raises(PlotError, match="3 settings"):
        accuracy_sweep([1, 2, 3], {"x": [1, 2]})


def test_explore_retraces_and_says_when_the_program_changes():
    def f(x, y):
        if float(x.data) > 0:
            return (x * y).tanh()
        return x + y

    ex = explore(f, {"x": (-1.0, 1.0, 0.5), "y": 2.0})
    assert ex.program.nodes[-1].op == "tanh" and "<svg" in ex.svg
    ex.sliders["y"].value = 3.0                     # same branch: same program
    assert not ex.changed and ex.output == f"{np.tanh(1.5):.4g}"
    ex.sliders["x"].value = -0.5                    # the other branch
    assert ex.changed and ex.program.nodes[-1].op == "add"
    assert "the program changed" in ex._info.value
    with pytest.raises(dp.DpvizError, match="not a parameter"):
        explore(f, {"z": (0.0, 1.0)})
    with pytest.raises(dp.DpvizError, match="min < max"):
        explore(f, {"x": (1.0, 0.0)})


def test_marker_lines_and_log_axes_read_cleanly():
    """A marker line has its own colour above the data (a grey dotted one vanished on a gridline);
    a log axis ticks once per decade when the data span decades, else at 1, 2 and 5."""
    from dpviz.apps import figures

    fig = figures.lines({"a": [1.0, 2.0, 3.0, 4.0]}, vline=2)
    line = fig.layout.shapes[0]
    assert line.line.color == "#D55E00" and line.layer == "above" and line.opacity == 1
    wide = loss_curves({"loss": [1.0, 1e-3]}, log_y=True)
    narrow = loss_curves({"loss": [0.2, 0.05]}, log_y=True)
    assert (wide.layout.yaxis.dtick, wide.layout.yaxis.exponentformat) == (1, "power")
    assert list(narrow.layout.yaxis.ticktext) == ["0.01", "0.02", "0.05", "0.1", "0.2", "0.5", "1"]
