# The commands of the README.  Each creates ./.venv (or reuses it) and installs what it needs.
#   make lab    install dpviz and open the tutorials in JupyterLab
#   make test   install dpviz with its test tools (and Chromium where it may) and run every test
#   make site   install what the site needs, execute every notebook and write the course as a website
#               in ./site (open site/index.html; SITE_ARGS="--full" or "--only 03-reverse-mode" as you like)
#
# TORCH picks the PyTorch build.  The default pin is resolved the normal way by pip: on Linux from PyPI
# that is a CUDA build (a GPU is used when present), on macOS/Windows a CPU build; machines that keep a
# CPU wheel of this exact version on local disk (our CI) take that one and download nothing.
# A CPU-only install elsewhere: make lab TORCH_INDEX=https://download.pytorch.org/whl/cpu
PYTHON ?= python3
VENV ?= .venv
TORCH ?= torch==2.13.0
TORCH_INDEX ?=
PY := $(VENV)/bin/python
PIP_INDEX := $(if $(TORCH_INDEX),--extra-index-url $(TORCH_INDEX),)
PYTEST_ARGS ?= -n 2

# DPVIZ_DATA names a folder holding the Planetoid raw files.  Made absolute here, because notebook
# kernels run in other folders and would read a relative path from there.
ifdef DPVIZ_DATA
override DPVIZ_DATA := $(abspath $(DPVIZ_DATA))
export DPVIZ_DATA
endif

.PHONY: lab open-lab test site install install-test install-site system-packages clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

# The course: the core (engine, pictures, widgets) plus the torch and lab extras (pyproject.toml),
# and JupyterLab's defaults for this environment (binder/overrides.json, as on Binder): no news or
# update checks, and widget state saved with the notebook, so a reopened notebook still steps.
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings
install: $(PY)
	$(PY) -m pip install -q $(PIP_INDEX) "$(TORCH)" -e ".[course]"
	mkdir -p $(LAB_SETTINGS) && cp binder/overrides.json $(LAB_SETTINGS)/overrides.json

install-test: $(PY)
	$(PY) -m pip install -q $(PIP_INDEX) "$(TORCH)" -e ".[test]"

# System packages the tests use where the machine allows it: Chromium for the browser test and
# Graphviz's `dot` (so both renderers are tested; the notebooks still render with graphviz-pure, as
# on Binder).  Installed only where we are root or may sudo without a password; anywhere else the
# browser test and the system-dot test skip and say why.
system-packages:
	@missing=""; command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || missing="chromium"; \
	command -v dot >/dev/null 2>&1 || missing="$$missing graphviz"; \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null) \
	  || echo "dpviz: could not install $$missing; the tests that need it will be skipped"; \
	elif command -v apt-get >/dev/null 2>&1 && sudo -n true 2>/dev/null; then \
	  (sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null) \
	  || echo "dpviz: could not install $$missing; the tests that need it will be skipped"; \
	else echo "dpviz: $$missing not installed and no way to install it here; the tests that need it will be skipped"; fi

# Jupyter refuses to run as root unless told to (containers and CI machines log in as root).
ROOT_FLAG := $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root,)
LAB_ARGS ?=
LAB := $(PY) -m jupyter lab $(ROOT_FLAG) $(LAB_ARGS) notebooks/01-welcome.ipynb

lab: install
	$(LAB)

# What `make lab` runs once dpviz is installed (tests/test_make_lab.py starts it with LAB_ARGS).
open-lab: $(PY)
	$(LAB)

test: install-test system-packages
	$(PY) -m pytest $(PYTEST_ARGS)

# The course as a website (python -m dpviz site --help): one page per notebook, executed in quick mode
# (full mode where torch sees a GPU, or SITE_ARGS=--full), steppers that step with no kernel, plotly.js
# copied from the plotly package.  .github/workflows/site.yml runs this on a CPU for GitHub Pages.
SITE_OUT ?= site
SITE_ARGS ?=
install-site: $(PY)
	$(PY) -m pip install -q $(PIP_INDEX) "$(TORCH)" -e ".[site]"

site: install-site
	$(PY) -m dpviz site $(SITE_OUT) $(SITE_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info $(SITE_OUT)
