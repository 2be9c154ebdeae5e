"""Applications of part 2 of the course: the models, data generators and metrics its notebooks use.

Each module holds one topic (see Hernández & Amigó (2019), "Differentiable programming and its applications to dynamical systems"
and Innes (2019), "What is differentiable programming?"):

* :mod:`dpviz.apps.seqdata` — seeded sequence tasks (copy, reverse) and generated question answering;
* :mod:`dpviz.apps.attention` — additive (Bahdanau) and cosine attention, self-attention,
  encoder–decoders with and without attention;
* :mod:`dpviz.apps.memory` — an end-to-end memory network and a DNC-style external memory;
* :mod:`dpviz.apps.plasticity` — differentiable plasticity (the texts' eqs. 12–13);
* :mod:`dpviz.apps.dynamics` — maps and delay systems, and the predictors compared on them;
* :mod:`dpviz.apps.odes` — differentiable ODE solvers, parameter fits and a hybrid model;
* :mod:`dpviz.apps.strategies` — the paper's Algorithm 1 and its differentiable relaxation;
* :mod:`dpviz.apps.figures` — the plotly figures these notebooks draw.

Models meant to be *looked at* (graphs drawn, steps replayed) use the dpviz engine; models that
need real training speed use PyTorch on :func:`dpviz.settings.torch_device`.

>>> from dpviz.apps import seqdata
>>> seqdata.reverse_task(2, 3, seed=0).targets.shape
(2, 3)
"""
from dpviz.errors import DpvizError


class AppError(DpvizError, ValueError):
    """Bad settings or data given to one of the part-2 applications (sizes, lengths, names).

    >>> from dpviz.apps import seqdata
    >>> seqdata.reverse_task(0, 3)
    Traceback (most recent call last):
    ...
    dpviz.apps.AppError: the batch size must be at least 1; got 0
    """


def require(ok: bool, message: str) -> None:
    """Raise :class:`AppError` with ``message`` unless ``ok``: the one place inputs are checked.

    >>> require(True, "never shown")
    >>> try:
    ...     require(False, "length must be positive")
    ... except AppError as e:
    ...     print(e)
    length must be positive
    """
    if not ok:
        raise AppError(message)


class torch_threads:
    """Run a block with PyTorch limited to ``n`` threads, then restore the previous number.

    The models of part 2 are small: one thread avoids the cost of splitting tiny matrix products
    between cores (and of fighting other processes for them), which makes them faster, not slower.

    >>> import torch
    >>> before = torch.get_num_threads()
    >>> with torch_threads(1):
    ...     torch.get_num_threads()
    1
    >>> torch.get_num_threads() == before
    True
    """

    def __init__(self, n: int = 1):
        require(n >= 1, f"the number of threads must be at least 1; got {n}")
        self.n = n

    def __enter__(self) -> "torch_threads":
        import torch
        self._before = torch.get_num_threads()
        torch.set_num_threads(self.n)
        return self

    def __exit__(self, *exc) -> None:
        import torch
        torch.set_num_threads(self._before)


def model_device(model):
    """The device a torch module's parameters live on (where its inputs must be sent).

    >>> import torch
    >>> str(model_device(torch.nn.Linear(2, 2)))
    'cpu'
    """
    return next(model.parameters()).device
