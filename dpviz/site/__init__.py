"""The course as a website: ``python -m dpviz site OUT`` (or ``make site``).

Every notebook is executed (quick mode by default; full mode with ``--full``, or where a GPU is
present) and written as one page, with an index built from the course map
(:data:`dpviz.lessons.welcome.COURSE`), navigation between the pages, and the course's own CSS.
The pages work from ``file://`` with no network:

* each Stepper is the graph viewer's standalone fragment (``Stepper.to_html``: our script and the
  frames embedded), so it steps, pans and zooms in the page with no kernel;
* plotly figures are drawn by the plotly.js inside the installed plotly package, copied into
  ``OUT/_static`` when the site is built; math is MathML, drawn by the browser;
* an exercise shows its cell and says that checking an answer needs a kernel, with a link that opens
  that notebook on Binder.

Building needs the ``site`` extra (nbclient, nbconvert, latex2mathml and the torch part); nothing is
fetched from a CDN, no Node.js is needed, and no third-party front-end code is kept in the repository.

>>> from dpviz.site import resolve_names
>>> resolve_names(["21"])
['21-structure-as-a-prior']
"""
from dpviz.site.build import SiteError, SiteReport, build_site, main, resolve_names

__all__ = ["build_site", "main", "resolve_names", "SiteError", "SiteReport"]
