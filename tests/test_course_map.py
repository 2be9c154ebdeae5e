"""The course map (notebook 01, notebooks/README.md, README.md) lists every notebook there is."""
from pathlib import Path

from dpviz.lessons.welcome import COURSE, course_markdown

ROOT = Path(__file__).resolve().parents[1]


def test_every_notebook_is_on_the_map_and_every_map_entry_exists():
    files = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert sorted(c.file for c in COURSE) == files


def test_notebooks_readme_shows_the_map():
    assert course_markdown() in (ROOT / "notebooks" / "README.md").read_text(encoding="utf-8")


def test_readme_shows_the_same_map():
    assert course_markdown() in (ROOT / "README.md").read_text(encoding="utf-8")
