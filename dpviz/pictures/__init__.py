"""Pictures of programs: ``draw`` and the pieces it is made of.

``draw`` turns a dpviz tensor, a ``dp.Program`` or a PyTorch tensor into a
``graphviz.Digraph`` that shows itself in Jupyter with or without a system Graphviz.
The modules hold one job each: :mod:`~dpviz.pictures.model` (the source-independent graph),
:mod:`~dpviz.pictures.from_program` and :mod:`~dpviz.pictures.from_torch` (building it),
:mod:`~dpviz.pictures.collapse` (folding scopes and blocks), :mod:`~dpviz.pictures.labels`
(escaping and value summaries), :mod:`~dpviz.pictures.palette` (the course's one colour
legend: what every look means), :mod:`~dpviz.pictures.style` (each kind of node's look and
the style hook), :mod:`~dpviz.pictures.fit` (choosing the orientation that fits the page, and
framing what cannot fit), :mod:`~dpviz.pictures.legend` and :mod:`~dpviz.pictures.dot` (writing DOT),
:mod:`~dpviz.pictures.ids` (the DOT ids and label-line texts that the stepper reads back
from the SVG), :mod:`~dpviz.pictures.drawing` (the object ``draw`` returns) and
:mod:`~dpviz.pictures.renderer` (``dp.render``: DOT text to SVG or PNG).

No name exported here equals a submodule's name, so ``dpviz.pictures.<module>`` is always
the module (``dp.draw`` and ``dp.render`` are the functions).

>>> import dpviz as dp
>>> dp.draw(dp.tensor(2.0, name="a", requires_grad=True) * 3).node_count
3
"""
from dpviz.pictures.api import draw, to_diagram
from dpviz.pictures.drawing import Drawing
from dpviz.pictures.model import Diagram, EdgeInfo, NodeInfo
from dpviz.pictures.style import StyleHook

__all__ = ["draw", "to_diagram", "Drawing", "Diagram", "EdgeInfo", "NodeInfo", "StyleHook"]
