"""A live training view: loss and metrics per epoch, redrawn in place, with a progress bar.

One call per epoch from an ordinary ``for`` loop, whatever trains (dpviz or PyTorch):

    live = LiveTraining(epochs=50)
    display(live)
    for epoch in range(50):
        ...
        live.update(loss=loss, accuracy=acc)

Values may be numbers, numpy scalars, dpviz tensors or PyTorch scalars. Metrics whose name
contains ``loss`` go on the left axis, the others (accuracies, ...) on the right one.

In JupyterLab and Notebook 7 the figure is a plotly ``FigureWidget`` updated in place. Its
front end is the ``anywidget`` package's, which those load from the Python environment; VS Code
fetches it from a CDN instead, only after the user allows that, and not at all offline. So in
VS Code (and wherever ``anywidget`` is missing) the figure is redrawn in an ``Output`` area with
ipywidgets' own widgets: the same picture, a little more flicker. ``figure_widget=True/False``
chooses for yourself.

A saved notebook keeps no picture of a ``FigureWidget``. On the course site (``dpviz site``, which runs
the notebooks with ``DPVIZ_SITE=1``) the view's output also carries :meth:`LiveTraining.to_html`, a
plain plotly figure of the curves so far, and ``live_plot`` refreshes that output after each cell, so
the page shows the curves as training left them.

>>> live = LiveTraining(epochs=3)
>>> for loss in (1.0, 0.5, 0.25):
...     _ = live.update(loss=loss, accuracy=1 - loss)
>>> live.history["loss"], live.progress.value, live.status.value
([1.0, 0.5, 0.25], 3, 'epoch 3 of 3 · loss 0.25 · accuracy 0.75')
"""
from __future__ import annotations

import html
import os
from typing import Any

import ipywidgets as W
import plotly.graph_objects as go

from dpviz.errors import DpvizError
from dpviz.tensors import Tensor
from dpviz.plotstyle import PALETTE, style
from dpviz.settings import site_mode


def _number(value: Any, name: str) -> float:
    if isinstance(value, Tensor):
        value = value.data
    elif hasattr(value, "detach") and hasattr(value, "cpu"):      # a PyTorch tensor
        value = value.detach().cpu()
    if hasattr(value, "item") and getattr(value, "size", 1) == 1:
        value = value.item()
    try:
        return float(value)
    except (TypeError, ValueError):
        raise DpvizError(f"LiveTraining.update: {name}={value!r} is not a number (give a scalar per epoch)") from None


def in_kernel() -> bool:
    """Whether this code runs in a Jupyter kernel (where widgets and displays have a front-end).

    >>> in_kernel()
    False
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def in_vscode() -> bool:
    """Whether this kernel was started by VS Code's notebook view.

    VS Code's Jupyter extension sets ``PYDEVD_IPYTHON_COMPATIBLE_DEBUGGING=1`` for every Python
    kernel it starts, which also inherit its ``VSCODE_PID`` (the variable plotly looks at).

    >>> import os
    >>> os.environ["VSCODE_PID"] = "1234"; in_vscode()
    True
    >>> del os.environ["VSCODE_PID"]
    """
    return "VSCODE_PID" in os.environ or os.environ.get("PYDEVD_IPYTHON_COMPATIBLE_DEBUGGING") == "1"


def _figure_widget(fig: go.Figure, wanted: bool | None) -> go.Figure | None:
    if wanted is None:
        wanted = not in_vscode()       # VS Code loads anywidget's front end only from a CDN
    if not wanted:
        return None
    try:
        return go.FigureWidget(fig)
    except ImportError:          # plotly's FigureWidget needs the optional anywidget package
        return None


class LiveTraining(W.VBox):
    """Loss and metric curves that grow by one point per :meth:`update` call, plus a progress bar.

    ``epochs`` (optional) sizes the progress bar; ``title`` heads the figure. ``history``
    holds every value given, by name. ``figure_widget`` picks how the figure updates: ``True``
    a plotly ``FigureWidget`` changed in place, ``False`` a plain figure redrawn in an ``Output``
    area, ``None`` (the default) the first except in VS Code (see the module docstring).

    >>> live = LiveTraining(epochs=2, title="demo")
    >>> _ = live.update(loss=0.9)
    >>> _ = live.update(loss=0.4, test_loss=0.6)
    >>> live.history
    {'loss': [0.9, 0.4], 'test_loss': [None, 0.6]}
    """

    def __init__(self, epochs: int | None = None, *, title: str | None = None, figure_widget: bool | None = None):
        if epochs is not None and (isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1):
            raise DpvizError(f"epochs must be a positive int or None; got {epochs!r}")
        if figure_widget not in (None, True, False):
            raise DpvizError(f"figure_widget must be True, False or None (choose by front end); got {figure_widget!r}")
        self.epochs = epochs
        self.history: dict[str, list[float | None]] = {}
        self._epoch = 0
        fig = style(go.Figure(), title=title)
        fig.update_xaxes(title_text="epoch")
        fig.update_yaxes(title_text="loss")
        fig.update_layout(yaxis2=dict(title="metric", overlaying="y", side="right", showgrid=False))
        self._plain = fig
        self.figure = _figure_widget(fig, figure_widget)
        self._out = W.Output() if self.figure is None else None
        self.progress = W.IntProgress(value=0, min=0, max=epochs or 1, description="epoch",
                                      bar_style="info", layout=W.Layout(width="360px"))
        self.status = W.Label(value="waiting for the first epoch")
        view = self.figure if self.figure is not None else self._out
        super().__init__([W.HBox([self.progress, self.status]), view])

    def update(self, epoch: int | None = None, **metrics: Any) -> "LiveTraining":
        """Add one epoch's values (``loss=...``, ``accuracy=...``) and redraw."""
        if not metrics:
            raise DpvizError("LiveTraining.update needs at least one value, e.g. update(loss=0.3)")
        self._epoch = self._epoch + 1 if epoch is None else int(epoch)
        for name, value in metrics.items():
            if name not in self.history:
                self.history[name] = [None] * (self._epoch - 1)
            series = self.history[name]
            series.extend([None] * (self._epoch - 1 - len(series)))
            series.append(_number(value, name))
        for series in self.history.values():
            series.extend([None] * (self._epoch - len(series)))
        self._redraw()
        if self.epochs is None:
            self.progress.max = max(self.progress.max, self._epoch)
        self.progress.value = min(self._epoch, self.progress.max)
        if self.epochs is not None and self._epoch >= self.epochs:
            self.progress.bar_style = "success"
        total = f" of {self.epochs}" if self.epochs else ""
        shown = " · ".join(f"{k} {v[-1]:.4g}" for k, v in self.history.items() if v and v[-1] is not None)
        self.status.value = f"epoch {self._epoch}{total} · {shown}"
        return self

    def static_figure(self) -> go.Figure:
        """A plain plotly figure of the curves so far (what the live figure shows now).

        >>> live = LiveTraining(epochs=2)
        >>> [t.name for t in live.update(loss=0.5, accuracy=0.7).static_figure().data]
        ['loss', 'accuracy']
        """
        return go.Figure(data=self._traces(), layout=self._plain.layout)

    def to_html(self) -> str:
        """The progress line and :meth:`static_figure` as an HTML fragment for a page without a kernel.

        The figure's script calls ``Plotly.newPlot``: the page must load plotly.js first (the course
        site copies the one inside the plotly package; nothing comes from a CDN).

        >>> html_text = LiveTraining(epochs=2).update(loss=0.5).to_html()
        >>> "epoch 1 of 2" in html_text, "Plotly.newPlot" in html_text, "cdn" in html_text.lower()
        (True, True, False)
        """
        import plotly.io as pio

        figure = pio.to_html(self.static_figure(), include_plotlyjs=False, full_html=False,
                             config={"displaylogo": False, "responsive": True})
        return (f'<div class="dpviz-live" data-dpviz-site><div class="dpviz-live-status">{html.escape(self.status.value)}'
                " (the curves as training left them; in Jupyter they grow while it trains)</div>"
                f"{figure}</div>")

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        bundle = super()._repr_mimebundle_(**kwargs)
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        if site_mode() and isinstance(data, dict):
            data["text/html"] = self.to_html()       # the course site shows this where the widget was
        return bundle

    def _traces(self) -> list[go.Scatter]:
        traces = []
        for k, (name, ys) in enumerate(self.history.items()):
            right = "loss" not in name.lower()
            traces.append(go.Scatter(x=list(range(1, len(ys) + 1)), y=ys, mode="lines+markers", name=name,
                                     yaxis="y2" if right else "y", line=dict(color=PALETTE[k % len(PALETTE)]),
                                     marker=dict(size=4)))
        return traces

    def _redraw(self) -> None:
        traces = self._traces()
        if self.figure is not None:
            with self.figure.batch_update():
                for trace in traces[len(self.figure.data):]:
                    self.figure.add_trace(trace)
                for live, new in zip(self.figure.data, traces):
                    live.x, live.y = new.x, new.y
            return
        self._plain.data = []
        for trace in traces:
            self._plain.add_trace(trace)
        if not in_kernel():      # no front-end to draw into (a script, a doctest)
            return
        from IPython.display import display

        assert self._out is not None
        with self._out:
            self._out.clear_output(wait=True)
            display(self._plain)


def live_plot(epochs: int | None = None, *, title: str | None = None,
              figure_widget: bool | None = None) -> LiveTraining:
    """Make a :class:`LiveTraining`, display it, and return it (for one ``update`` per epoch).

    >>> live = live_plot(epochs=1)      # outside Jupyter nothing is shown
    >>> live.update(loss=0.1).status.value
    'epoch 1 of 1 · loss 0.1'
    """
    view = LiveTraining(epochs, title=title, figure_widget=figure_widget)
    if in_kernel():
        from IPython import get_ipython
        from IPython.display import display

        if not site_mode():
            display(view)
            return view
        # the course site: the output is refreshed after each cell, so that the page shows the
        # curves as they ended (a saved FigureWidget shows nothing without a kernel)
        handle = display(view, display_id=True)
        shown = [view._epoch]

        def refresh(*_: Any) -> None:
            if view._epoch != shown[0]:
                shown[0] = view._epoch
                handle.update(view)

        get_ipython().events.register("post_run_cell", refresh)
    return view
