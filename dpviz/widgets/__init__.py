"""Widgets for notebooks: step through a program, watch training, plot results, explore inputs.

:class:`Stepper` plays a program's forward pass, backward pass or tangents node by node;
:class:`LiveTraining` / :func:`live_plot` show loss and metrics while a loop trains; the
plot helpers give every figure one look; :func:`explore` re-traces a function as sliders move.

>>> import dpviz as dp
>>> from dpviz.widgets import Stepper
>>> Stepper(dp.trace(lambda x: x.exp(), 0.0)).n_steps
1
"""
from dpviz.widgets.explorer import Explorer, explore
from dpviz.widgets.live import LiveTraining, live_plot
from dpviz.widgets.plots import PlotError, accuracy_sweep, alignment_heatmap, loss_curves, path_length_profile
from dpviz.widgets.stepper import Stepper
from dpviz.widgets.timeline import Event, StepperError

__all__ = ["Stepper", "Event", "StepperError", "LiveTraining", "live_plot", "explore", "Explorer",
           "loss_curves", "accuracy_sweep", "alignment_heatmap", "path_length_profile", "PlotError"]
