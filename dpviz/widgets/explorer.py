"""``explore(f, sliders)``: sliders for a function's inputs; the program is traced again live.

dpviz records the program that *ran* (define-by-run): Python ``if`` and ``for`` are run,
not recorded. Moving a slider re-traces ``f`` on the new inputs, so when a branch goes the
other way the picture changes, and the explorer says so.

>>> import dpviz as dp
>>> def f(x):
...     return x.exp() if float(x.data) > 0 else -x
>>> ex = explore(f, {"x": (-2.0, 2.0, 1.0)})
>>> ex.program.nodes[-1].op, ex.output
('exp', '2.718')
>>> ex.set(x=-1.0).program.nodes[-1].op, ex.changed
('neg', True)
"""
from __future__ import annotations

import html
import inspect
import json
from typing import Any, Callable, Mapping

import ipywidgets as W

from dpviz.errors import DpvizError
from dpviz.pictures import draw
from dpviz.pictures.ids import unit_ids
from dpviz.pictures.labels import summarize
from dpviz.pictures.renderer import render
from dpviz.program import trace
from dpviz.settings import site_mode
from dpviz.widgets.frames import node_details
from dpviz.widgets.live import in_vscode
from dpviz.widgets.svgstyle import SvgTemplate
from dpviz.widgets.timeline import build_timeline
from dpviz.widgets.viewer import GraphViewer, standalone_html


def _slider(name: str, spec: Any) -> W.FloatSlider:
    """A slider from ``(min, max)``, ``(min, max, value)``, ``(min, max, value, step)``, a number or a slider."""
    if isinstance(spec, W.FloatSlider):
        return spec
    if isinstance(spec, (int, float)) and not isinstance(spec, bool):
        lo, hi, value = spec - 2.0 * max(1.0, abs(spec)), spec + 2.0 * max(1.0, abs(spec)), float(spec)
        step = (hi - lo) / 100
    elif isinstance(spec, (tuple, list)) and 2 <= len(spec) <= 4:
        lo, hi = float(spec[0]), float(spec[1])
        value = float(spec[2]) if len(spec) > 2 else (lo + hi) / 2
        step = float(spec[3]) if len(spec) > 3 else (hi - lo) / 100
        if not lo < hi or not lo <= value <= hi:
            raise DpvizError(f"slider {name!r}: need min < max and min <= value <= max; got {tuple(spec)}")
    else:
        raise DpvizError(f"slider {name!r}: give (min, max), (min, max, value), (min, max, value, step), "
                         f"a number or an ipywidgets.FloatSlider; got {spec!r}")
    return W.FloatSlider(value=value, min=lo, max=hi, step=step, description=name, continuous_update=False)


def _signature(prog: Any) -> tuple:
    return tuple((node.op, node.args) for node in prog.nodes)


def picture_scene(svg: str, prog: Any) -> str:
    """A viewer scene with no steps: the picture ``dp.draw`` made of ``prog``, to pan and zoom, with
    the details of each node on hover (its value, shape, local rules, what it reads).

    >>> import dpviz as dp
    >>> prog = dp.trace(lambda x: x.exp(), 1.0)
    >>> scene = json.loads(picture_scene(render(draw(prog)), prog))
    >>> scene["frames"]["forward"]["n"], scene["nodes"]["n1"]["op"]
    (0, 'exp')
    """
    tl = build_timeline(prog, "forward")
    nodes = node_details({"forward": tl}, unit_ids([-1] * prog.n), "forward")
    for entry in nodes.values():
        entry["value_at"] = {"forward": 0}       # a drawing shows every value at once
    none: dict[str, Any] = {"u": {}, "e": {}, "t": {}}
    frames = {"n": 0, "base": none, "diffs": [], "counter": [""], "panel": [""], "current": [None],
              "focus": [[]], "edges": [[]]}
    scene = {"svg": SvgTemplate(svg).fill({}, {}, {}), "looks": {}, "edge_looks": {}, "modes": ["forward"],
             "mode_titles": {"forward": "the program"}, "frames": {"forward": frames}, "legend": {"forward": ""},
             "nodes": nodes, "groups": {}, "foldable": False, "anchor": []}
    return json.dumps(scene, separators=(",", ":"), ensure_ascii=False)


class Explorer(W.VBox):
    """Sliders for ``f``'s inputs, the traced program's picture and its output; see :func:`explore`.

    The picture is shown in the course's graph viewer (:mod:`dpviz.widgets.viewer`): drag to pan,
    zoom, hover a node for its full value and local rules.

    >>> import dpviz as dp
    >>> ex = Explorer(lambda a, b: a * b, {"a": 2.0, "b": (-1.0, 1.0, 0.5)})
    >>> ex.values, ex.output
    ({'a': 2.0, 'b': 0.5}, '1')
    """

    def __init__(self, f: Callable, sliders: Mapping[str, Any], **draw_options: Any):
        if not callable(f):
            raise DpvizError(f"explore needs a function first; got {type(f).__name__}")
        if not isinstance(sliders, Mapping) or not sliders:
            raise DpvizError("explore needs sliders as a dict: {input name: (min, max, value)}")
        try:
            params = [p.name for p in inspect.signature(f).parameters.values()]
        except (TypeError, ValueError):
            params = list(sliders)
        unknown = [name for name in sliders if name not in params]
        if unknown and not any(p.kind == p.VAR_POSITIONAL for p in inspect.signature(f).parameters.values()):
            raise DpvizError(f"explore: {', '.join(map(repr, unknown))} is not a parameter of "
                             f"{getattr(f, '__name__', 'f')}; its parameters are {params}")
        self.f = f
        self.draw_options = draw_options
        self.sliders = {name: _slider(name, spec) for name, spec in sliders.items()}
        self.program: Any = None
        self.changed = False
        #: where the program last changed (the inputs before and after, the node counts), shown until
        #: it changes again: a learner who steps on past the switch still sees where it was
        self.last_change = ""
        self._before_values: dict[str, float] = {}
        self.output = ""
        self.svg = ""
        # the graph viewer (pan, zoom, node details); VS Code cannot load its front end offline
        self._graph: Any = W.HTML(layout=W.Layout(overflow="auto", max_height="560px")) if in_vscode() \
            else GraphViewer(mode="forward")
        self._info = W.HTML()
        for s in self.sliders.values():
            s.observe(lambda _change: self._update(), names="value")
        super().__init__([W.HBox(list(self.sliders.values()), layout=W.Layout(flex_flow="row wrap")),
                          self._info, self._graph])
        self.add_class("dpviz-explorer")
        self._update()

    @property
    def values(self) -> dict[str, float]:
        """The slider values, by input name."""
        return {name: float(s.value) for name, s in self.sliders.items()}

    def set(self, **values: float) -> "Explorer":
        """Move sliders from Python (``set(x=1.5)``) and re-trace once.

        >>> ex = Explorer(lambda a, b: a * b, {"a": 2.0, "b": 3.0})
        >>> float(ex.set(a=-1.0).output)
        -3.0
        """
        for name, value in values.items():
            if name not in self.sliders:
                raise DpvizError(f"no slider named {name!r}; the sliders are {list(self.sliders)}")
        self._quiet = True
        try:
            for name, value in values.items():
                self.sliders[name].value = float(value)
        finally:
            self._quiet = False
        self._update()
        return self

    _quiet = False

    def to_html(self, *, assets: bool = True) -> str:
        """The explorer as an HTML fragment for a page without a kernel: the sliders at their values
        (shown, not movable: each move re-traces ``f`` in Python), the output line, and the picture in
        the standalone viewer (pan, zoom, node details). ``assets`` as in ``Stepper.to_html``.

        >>> ex = Explorer(lambda a, b: a * b, {"a": 2.0, "b": 3.0})
        >>> page = ex.to_html(assets=False)
        >>> 'data-dpviz-needs-kernel' in page, 'data-dpviz-standalone' in page, "disabled" in page
        (True, True, True)
        """
        sliders = "".join(
            f'<label class="dpviz-explorer-slider">{html.escape(name)} <input type="range" min="{s.min}" '
            f'max="{s.max}" step="{s.step}" value="{s.value}" disabled> <output>{s.value:.4g}</output></label>'
            for name, s in self.sliders.items())
        picture = ""
        if self.program is not None:
            svg = self.svg[self.svg.find("<svg"):]
            picture = standalone_html(picture_scene(self.svg, self.program), step=0, mode="forward",
                                      static_svg=svg, assets=assets)
        return (f'<div class="dpviz-explorer-page" data-dpviz-needs-kernel="moving the sliders">'
                f'<div class="dpviz-explorer-sliders">{sliders}</div>'
                f'<div class="dpviz-explorer-info">{self._info.value}</div>{picture}</div>')

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        bundle = super()._repr_mimebundle_(**kwargs)
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        if site_mode() and isinstance(data, dict):
            data["text/html"] = self.to_html(assets=False)    # what the course site shows (dpviz site)
        return bundle

    def _update(self) -> None:
        if self._quiet:
            return
        before = _signature(self.program) if self.program is not None else None
        before_n = self.program.n if self.program is not None else None
        try:
            prog = trace(self.f, *self.values.values())
        except DpvizError as exc:
            self._info.value = f'<span style="color:#b00020">{html.escape(str(exc))}</span>'
            return
        self.program = prog
        self.changed = before is not None and before != _signature(prog)
        outs = [prog.nodes[i].value for i in prog.outputs]
        self.output = ", ".join(summarize(v) for v in outs)
        self.svg = render(draw(prog, **self.draw_options))   # type: ignore[assignment]
        args = ", ".join(f"{k}={v:.4g}" for k, v in self.values.items())
        if self.changed:
            was = ", ".join(f"{k}={v:.4g}" for k, v in self._before_values.items())
            self.last_change = f"between {was} and {args} (n = {before_n} → {prog.n})"
            note = (f' <b style="color:#d62728">the program changed {html.escape(self.last_change)}: another '
                    "branch or loop count was taken</b>")
        else:
            note = (f' <span style="color:#777">(the program last changed {html.escape(self.last_change)})</span>'
                    if self.last_change else "")
        self._before_values = dict(self.values)
        ops = ", ".join(dict.fromkeys(n.op for n in prog.nodes if n.kind == "op"))
        self._info.value = (f"f({html.escape(args)}) = <b>{html.escape(self.output)}</b> · "
                            f"program: n = {prog.n} nodes, l = {prog.l} ({html.escape(ops)}){note}")
        if isinstance(self._graph, GraphViewer):
            self._graph.scene = picture_scene(self.svg, prog)
        else:
            self._graph.value = self.svg[self.svg.find("<svg"):]


def explore(f: Callable, sliders: Mapping[str, Any], **draw_options: Any) -> Explorer:
    """Sliders for ``f``'s inputs; each move re-traces ``f`` and redraws its program.

    ``sliders`` maps a parameter name of ``f`` to ``(min, max)``, ``(min, max, value)``,
    ``(min, max, value, step)``, a starting number, or an ``ipywidgets.FloatSlider``.
    ``draw_options`` go to ``dp.draw`` (``index=True``, ``rankdir="TB"``, ...). The
    explorer shows ``f``'s output and says when the traced program itself changed.

    >>> import dpviz as dp
    >>> ex = explore(lambda x: (x * x).tanh(), {"x": (-1.0, 1.0, 0.5)}, index=True)
    >>> ex.program.n, ex.output
    (3, '0.2449')
    """
    return Explorer(f, sliders, **draw_options)
