"""A Stepper drawn with plain ipywidgets, stepping through the kernel: for VS Code.

VS Code's notebook renderer bundles ipywidgets' own controls but loads any other widget front
end (anywidget's, which the browser viewer needs) from a CDN, so offline it cannot show
:class:`~dpviz.widgets.viewer.GraphViewer`. There a :class:`~dpviz.widgets.Stepper`
displays as this view instead: buttons, a slider, the counter, the picture of the step (the
static SVG the kernel renders) and the side panel. Each click is a round trip to the kernel;
there is no pan, zoom or mode menu (set ``stepper.mode`` in a cell).

>>> import dpviz as dp
>>> from dpviz.widgets import Stepper
>>> s = Stepper(dp.trace(lambda a, b: a * b, 2.0, -3.0), mode="both")
>>> view = ClassicView(s)
>>> view.next_button.click(); s.step
1
>>> _ = s.goto(3); view.counter.value
'<b>step 3 of 4: node 2, mul → node 0, a (adjoint)</b>'
"""
from __future__ import annotations

import html
from typing import Any

import ipywidgets as W


class ClassicView(W.VBox):
    """Controls, counter, picture and panel of one Stepper, kept in step with it."""

    def __init__(self, stepper: Any):
        self.stepper = s = stepper
        lay = W.Layout(width="auto")
        self.first_button = W.Button(description="first", icon="fast-backward", tooltip="back to step 0", layout=lay)
        self.prev_button = W.Button(description="prev", icon="step-backward", tooltip="previous step", layout=lay)
        self.next_button = W.Button(description="next", icon="step-forward", tooltip="next step", layout=lay)
        self.last_button = W.Button(description="last", icon="fast-forward", tooltip="last step", layout=lay)
        self.first_button.on_click(lambda _: s.first())
        self.prev_button.on_click(lambda _: s.prev())
        self.next_button.on_click(lambda _: s.next())
        self.last_button.on_click(lambda _: s.last())
        self.slider = W.IntSlider(value=s.step, min=0, max=s.n_steps, description="step",
                                  layout=W.Layout(width="320px"))
        self.slider.observe(lambda ch: s.goto(int(ch["new"])) if ch["new"] != s.step else None, names="value")
        self.counter = W.HTML()
        self.counter.add_class("dpviz-stepper-counter")
        self.graph = W.HTML(layout=W.Layout(overflow="auto", flex="3 1 420px", max_height="640px",
                                            border="1px solid #e0e0e0"))
        self.graph.add_class("dpviz-stepper-graph")
        self.panel = W.HTML(layout=W.Layout(flex="2 1 320px", padding="0 0 0 10px"))
        self.panel.add_class("dpviz-stepper-panel")
        self.legend = W.HTML()
        controls = W.HBox([self.first_button, self.prev_button, self.next_button, self.last_button, self.slider],
                          layout=W.Layout(flex_flow="row wrap", align_items="center"))
        body = W.HBox([self.graph, self.panel], layout=W.Layout(flex_flow="row wrap", width="100%"))
        super().__init__([controls, self.counter, body, self.legend])
        self.add_class("dpviz-stepper")
        s.observe(self._refresh, names=["step", "mode", "scene"])
        self._refresh()

    def _refresh(self, _change: Any = None) -> None:
        s = self.stepper
        k = s.step
        self.graph.value = s.svg
        self.counter.value = f"<b>{html.escape(s.counter)}</b>"
        self.panel.value = ('<div style="font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; '
                            f'white-space: pre-wrap; line-height: 1.45">{html.escape(s.panel)}</div>')
        self.legend.value = s._legend(s.mode)
        self.slider.max = s.n_steps
        if self.slider.value != k:
            self.slider.value = k
        self.prev_button.disabled = self.first_button.disabled = k == 0
        self.next_button.disabled = self.last_button.disabled = k == s.n_steps
