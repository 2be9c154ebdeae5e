"""Pictures of programs: ``draw`` and the pieces it is made of.

``draw`` turns a dpviz tensor, a ``dp.Program`` or a PyTorch tensor into a
``graphviz.Digraph`` that shows itself in Jupyter with or without a system Graphviz.
The modules hold one job each: :mod:`~dpviz.draw.model` (the source-independent graph),
:mod:`~dpviz.draw.from_program` and :mod:`~dpviz.draw.from_torch` (building it),
:mod:`~dpviz.draw.collapse` (folding scopes and blocks), :mod:`~dpviz.draw.labels`
(escaping and value summaries), :mod:`~dpviz.draw.style` (the visual vocabulary and the
style hook), :mod:`~dpviz.draw.legend` and :mod:`~dpviz.draw.dot` (writing DOT).

>>> import dpviz as dp
>>> dp.draw(dp.tensor(2.0, name="a", requires_grad=True) * 3).node_count
3
"""
from dpviz.draw.api import draw, to_diagram
from dpviz.draw.drawing import Drawing
from dpviz.draw.model import Diagram, EdgeInfo, NodeInfo
from dpviz.draw.style import StyleHook

__all__ = ["draw", "to_diagram", "Drawing", "Diagram", "EdgeInfo", "NodeInfo", "StyleHook"]
