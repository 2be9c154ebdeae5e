"""The course site (``dpviz site``), without executing a notebook: the command's errors, the index and
the navigation, how cells and outputs are turned into a page, and what the widgets give the site.

The browser test (``tests/test_browser_site.py``) builds real pages and steps them from ``file://``.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import dpviz as dp
from dpviz.__main__ import main as dpviz_main
from dpviz.lessons.welcome import COURSE
from dpviz.site import build, render

STEMS = [Path(c.file).stem for c in COURSE]


def _site(argv, capsys):
    code = dpviz_main(["site", *argv])
    return code, capsys.readouterr().err


# ---- the command's errors ------------------------------------------------------------------------------
def test_an_unknown_notebook_is_refused_with_the_known_names(tmp_path, capsys):
    code, err = _site([str(tmp_path / "out"), "--only", "03-reverse-mode", "3-reverse"], capsys)
    assert code == 2
    assert "no notebook named '3-reverse' in the course" in err
    assert all(name in err for name in STEMS), err
    assert not (tmp_path / "out").exists(), "nothing should be written when the arguments are wrong"


def test_an_output_that_is_a_file_is_refused(tmp_path, capsys):
    target = tmp_path / "site.html"
    target.write_text("mine")
    code, err = _site([str(target), "--only", "03"], capsys)
    assert code == 2 and "is a file; give a folder" in err
    assert target.read_text() == "mine"


def test_a_folder_holding_other_things_is_refused(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("keep me")
    code, err = _site([str(tmp_path), "--only", "03"], capsys)
    assert code == 2 and "is not empty and holds no dpviz site" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_a_missing_notebooks_folder_is_named(tmp_path, capsys):
    code, err = _site([str(tmp_path / "out"), "--only", "03", "--notebooks", str(tmp_path / "none")], capsys)
    assert code == 2 and "lacks 03-reverse-mode.ipynb" in err


@pytest.mark.parametrize("argv, says", [
    (["--quick", "--full"], "argument --full: not allowed with argument --quick"),
    (["--jobs", "two"], "argument --jobs: invalid int value: 'two'"),
    ([], "the following arguments are required: OUT"),
])
def test_bad_arguments_are_refused_by_argparse(argv, says, tmp_path, capsys):
    args = argv if argv == [] else [str(tmp_path / "out"), *argv]
    with pytest.raises(SystemExit) as stop:
        dpviz_main(["site", *args])
    assert stop.value.code == 2
    assert capsys.readouterr().err.strip().splitlines()[-1].endswith(says)


def test_zero_jobs_is_refused(tmp_path, capsys):
    code, err = _site([str(tmp_path / "out"), "--only", "03", "--jobs", "0"], capsys)
    assert code == 2 and "--jobs is a number of kernels at once, at least 1" in err


def test_names_may_be_stems_files_or_numbers_and_come_in_course_order():
    assert build.resolve_names(["21", "03-reverse-mode.ipynb", "notebooks/01-welcome.ipynb", "03"]) == [
        "01-welcome", "03-reverse-mode", "21-structure-as-a-prior"]
    assert build.resolve_names([]) == STEMS


def test_the_site_is_listed_in_the_commands_help(capsys):
    assert dpviz_main(["--help"]) == 0
    assert "site OUT" in capsys.readouterr().out


def test_python_m_dpviz_site_help_runs():
    done = subprocess.run([sys.executable, "-m", "dpviz", "site", "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "--only NAME" in done.stdout and "--full" in done.stdout


# ---- writing: never half a page ---------------------------------------------------------------------
def test_a_failed_write_leaves_the_old_page_and_no_temporary_file(tmp_path, monkeypatch):
    page = tmp_path / "03-reverse-mode.html"
    page.write_text("the old page")

    def broken(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(build.os, "replace", broken)
    with pytest.raises(OSError):
        build.write_atomic(page, "<p>new</p>" * 1000)
    assert page.read_text() == "the old page"
    assert [p.name for p in tmp_path.iterdir()] == ["03-reverse-mode.html"]


def test_assets_hold_our_css_the_viewer_and_the_packaged_plotly(tmp_path):
    build.write_assets(tmp_path)
    static = tmp_path / "_static"
    assert (static / "plotly.min.js").read_bytes() == build.plotly_js().read_bytes()
    assert "mountStandalone" in (static / "dpviz-viewer.js").read_text()
    css = (static / "site.css").read_text()
    assert ".site-top" in css and ".highlight .k" in css
    # nothing in our own files asks the network for anything
    for name in ("site.css", "dpviz-viewer.css", "dpviz-viewer.js"):
        assert not re.search(r"https?://", (static / name).read_text().replace("http://www.w3.org", "")), name


# ---- the index and the navigation ---------------------------------------------------------------------
def test_the_index_lists_the_whole_course_map_and_links_the_built_pages():
    text = build.index_html({"03-reverse-mode", "21-structure-as-a-prior"}, binder=None, quick=True, stamp="now")
    for c in COURSE:
        assert c.title.replace("'", "&#x27;") in text and f"{c.minutes} min" in text
        assert render.html.escape(c.learn) in text
        linked = f'<a href="{Path(c.file).stem}.html">' in text
        assert linked == (Path(c.file).stem in {"03-reverse-mode", "21-structure-as-a-prior"}), c.file
    assert [text.count(f"<h2>{part[0]}") for part in build.PARTS] == [1, 1, 1]
    assert 'href="references.html"' in text and "quick mode" in text


def test_the_index_links_binder_when_the_repository_is_known():
    url = build.binder_url("alice/dpviz")
    text = build.index_html(set(STEMS), binder=url, quick=False, stamp="now")
    assert f'href="{render.html.escape(url)}"' in text and "full mode" in text


def test_each_page_links_its_neighbours_in_course_order(tmp_path):
    built = set(STEMS)
    for k, name in enumerate(STEMS):
        prev, nxt = build.neighbours(name, built)
        assert (prev is None) == (k == 0) and (nxt is None) == (k == len(STEMS) - 1)
        if prev:
            assert prev.href == f"{STEMS[k - 1]}.html" and prev.built
        if nxt:
            assert nxt.href == f"{STEMS[k + 1]}.html"
    page = build.write_page(tmp_path, COURSE[2], render._demo_notebook(), built=built, binder=None, quick=True,
                            notebooks=build.NOTEBOOKS)
    text = (tmp_path / "03-reverse-mode.html").read_text()
    assert text.count('rel="prev" href="02-programs-are-graphs.html"') == 2     # the top bar and the pager
    assert text.count('rel="next" href="04-forward-mode-and-jacobians.html"') == 2
    assert "<title>03 Reverse mode, step by step · " in text and page.exercises == ["03.1"]
    # the line about the page sits under the title
    assert text.index("</h1>") < text.index('class="site-meta"')


def test_a_neighbour_that_was_not_built_is_named_but_not_linked(tmp_path):
    build.write_page(tmp_path, COURSE[2], render._demo_notebook(), built={"03-reverse-mode"}, binder=None,
                     quick=True, notebooks=build.NOTEBOOKS)
    text = (tmp_path / "03-reverse-mode.html").read_text()
    assert 'href="02-programs-are-graphs.html"' not in text and "02 Programs are graphs" in text
    assert "site-unbuilt" in text


# ---- cells and outputs ----------------------------------------------------------------------------------
def _nb(*cells):
    return {"cells": list(cells)}


def _code(source, *outputs, tags=()):
    return {"cell_type": "code", "source": source, "metadata": {"tags": list(tags)}, "outputs": list(outputs),
            "execution_count": 1}


def _display(data):
    return {"output_type": "display_data", "data": data, "metadata": {}}


BINDER = "https://mybinder.org/v2/gh/alice/dpviz/HEAD?urlpath=lab%2Ftree%2Fnotebooks%2F03-reverse-mode.ipynb"


def test_an_exercise_cell_shows_its_code_and_a_binder_link_instead_of_its_check():
    nb = _nb(_code('answer = ...\ndp.check("03.2", answer)',
                   _display({"text/markdown": "(03.2) no answer yet", "text/plain": "x"})))
    page = render.render_notebook(nb, name="03-reverse-mode", title="03", binder=BINDER)
    assert "dp.check" in re.sub("<[^>]+>", "", page.body) and "no answer yet" not in page.body
    assert "Exercise 03.2." in page.body and f'href="{render.html.escape(BINDER)}"' in page.body
    assert "needs a running kernel" in page.body and page.exercises == ["03.2"]


def test_what_a_hint_prints_is_kept_folded():
    nb = _nb(_code('dp.hint("03.2")', {"output_type": "stream", "name": "stdout", "text": "count the edges into x\n"}))
    body = render.render_notebook(nb, name="03-reverse-mode", title="03").body
    assert '<details class="site-reveal"><summary>Show the hint</summary>' in body and "count the edges" in body
    assert "Checking an answer" not in body


def test_outputs_become_html_the_page_can_show():
    nb = _nb(
        _code("print('a'); print('b')", {"output_type": "stream", "name": "stdout", "text": "a\n"},
              {"output_type": "stream", "name": "stdout", "text": "b\n"}),
        _code("fig", _display({render.PLOTLY: {"data": [{"type": "scatter", "y": [1, 3]}], "layout": {}}})),
        _code("draw", _display({"image/svg+xml": '<?xml version="1.0"?>\n<!DOCTYPE svg>\n<svg width="1"></svg>',
                                "text/plain": "<Drawing>"})),
        _code("md", _display({"text/markdown": "**bold** and $x$", "text/plain": "md"})),
        _code("slider", _display({render.WIDGET: {"model_id": "1"}, "text/plain": "IntSlider()"})),
        _code("hidden", {"output_type": "stream", "name": "stdout", "text": "secret\n"}, tags=["remove-output"]),
        _code("gone", tags=["remove-cell"]),
    )
    page = render.render_notebook(nb, name="x", title="x")
    assert '<pre class="site-stream">a\nb\n</pre>' in page.body           # one print, one block
    assert page.needs_plotly and page.figures == 1 and 'id="plotly-1-0"' in page.body
    assert '<div class="site-output site-svg"><svg width="1"></svg></div>' in page.body
    assert "<strong>bold</strong>" in page.body and "<math" in page.body
    assert "This interactive widget needs a running kernel" in page.body
    assert "secret" not in page.body and "gone" not in page.body


def test_math_is_mathml_and_links_point_at_the_site():
    text = render.markdown_html("See [04](04-forward-mode-and-jacobians.ipynb) and [refs](REFERENCES.md#hma2022):\n\n"
                                "$$\\bar v_j \\mathrel{+}= \\bar v_i \\frac{\\partial f_i}{\\partial v_j}$$",
                                {c.file: f"{Path(c.file).stem}.html" for c in COURSE})
    assert 'href="04-forward-mode-and-jacobians.html"' in text and 'href="references.html#hma2022"' in text
    assert '<math xmlns="http://www.w3.org/1998/Math/MathML" display="block">' in text and "$$" not in text
    assert "<mo><mrow>" not in text


def test_every_notebooks_math_converts(tmp_path):
    import nbformat

    failed = []
    for path in sorted(build.NOTEBOOKS.glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "markdown":
                out = render.markdown_html(cell.source, {})
                failed += [f"{path.name}: {m}" for m in re.findall(r'<code class="site-tex">(.*?)</code>', out)]
                # browsers draw mathvariant="normal" only: \mathbb R must become the letter ℝ
                failed += [f"{path.name}: {m}" for m in re.findall(r'mathvariant="(?!normal")[^"]*"[^<]*<', out)]
    assert not failed, failed


# ---- what the widgets give the site (DPVIZ_SITE=1) ---------------------------------------------------
@pytest.fixture()
def site_mode(monkeypatch):
    monkeypatch.setenv("DPVIZ_SITE", "1")


def test_a_stepper_gives_the_site_its_standalone_viewer(site_mode):
    s = dp.Stepper(dp.trace(lambda x, w: (x * w).tanh(), 1.0, 2.0), mode="backward")
    data = s._repr_mimebundle_()
    data = data[0] if isinstance(data, tuple) else data
    shown = data["text/html"]
    assert "data-dpviz-standalone" in shown and 'class="dpv-scene"' in shown
    assert "<style>" not in shown and "mountStandalone" not in shown     # the page loads those once
    state = json.loads(re.search(r'class="dpv-scene">(.*?)</script>', shown, re.S).group(1).replace("<\\/", "</"))
    assert state["mode"] == "backward" and json.loads(state["scene"])["frames"]["backward"]["n"] == s.n_steps


def test_without_site_mode_a_stepper_keeps_its_static_picture(monkeypatch):
    monkeypatch.delenv("DPVIZ_SITE", raising=False)
    data = dp.Stepper(dp.trace(lambda x: x.exp(), 0.0))._repr_mimebundle_()
    data = data[0] if isinstance(data, tuple) else data
    assert "Static picture of step 0" in data["text/html"] and "dpv-scene" not in data["text/html"]


def test_the_live_view_gives_the_site_its_curves(site_mode):
    live = dp.LiveTraining(epochs=2)
    live.update(loss=1.0).update(loss=0.5)
    data = live._repr_mimebundle_()
    shown = (data[0] if isinstance(data, tuple) else data)["text/html"]
    assert "data-dpviz-site" in shown and "Plotly.newPlot" in shown and "epoch 2 of 2" in shown
    assert "[1.0,0.5]" in shown.replace(" ", "")


def test_the_explorer_gives_its_picture_and_says_the_sliders_need_a_kernel(site_mode):
    ex = dp.explore(lambda x: (x * x).tanh(), {"x": (-1.0, 1.0, 0.5)})
    data = ex._repr_mimebundle_()
    shown = (data[0] if isinstance(data, tuple) else data)["text/html"]
    page = render.output_html({"output_type": "display_data", "data": {render.WIDGET: {}, "text/html": shown}},
                              key="0", binder=BINDER)
    assert "data-dpviz-standalone" in page and "Moving the sliders needs a running kernel" in page


def test_kernels_run_in_site_mode_with_the_mode_asked_for():
    env = build.kernel_env(quick=False, jobs=2)
    assert env["DPVIZ_SITE"] == "1" and env["DPVIZ_QUICK"] == "0"
    assert env["OMP_NUM_THREADS"] == os.environ.get("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // 2)))


# ---- a real build, of two tiny notebooks ---------------------------------------------------------------
@pytest.mark.slow
def test_a_notebook_that_fails_is_reported_and_leaves_no_page(tmp_path):
    import nbformat

    folder = tmp_path / "notebooks"
    folder.mkdir()
    good = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 01 · Welcome"),
                                           nbformat.v4.new_code_cell("import os\nprint('site mode', os.environ['DPVIZ_SITE'])")])
    bad = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("raise ValueError('boom in 02')")])
    nbformat.write(good, folder / "01-welcome.ipynb")
    nbformat.write(bad, folder / "02-programs-are-graphs.ipynb")
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "dpviz", "site", str(out), "--only", "01", "02", "--notebooks",
                           str(folder), "--repo", "alice/dpviz"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "02-programs-are-graphs FAILED" in done.stdout and "boom in 02" in done.stdout
    page = (out / "01-welcome.html").read_text()
    assert "site mode 1" in page and "mybinder.org/v2/gh/alice/dpviz/HEAD" in page
    assert not (out / "02-programs-are-graphs.html").exists()
    assert [p.name for p in out.rglob(".dpviz-*")] == [build.MARKER], "no temporary file may be left behind"
    index = (out / "index.html").read_text()
    assert '<a href="01-welcome.html">' in index and '<a href="02-programs-are-graphs.html">' not in index
    assert json.loads((out / build.MARKER).read_text())["mode"] == "quick"
