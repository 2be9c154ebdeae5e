"""Rules every notebook's cells follow, checked without running them."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_learner_cells_hold_no_asserts(path: Path) -> None:
    """Checks belong in the tests or in dp.check: an assert in a learner's cell is a bare traceback waiting."""
    cells = json.loads(path.read_text())["cells"]
    found = [(i, line.strip()) for i, c in enumerate(cells) if c["cell_type"] == "code"
             for line in "".join(c["source"]).splitlines() if re.match(r"\s*assert\b", line)]
    assert not found, f"{path.name}: move these checks into a test: {found}"


def test_definition_1_is_stated_item_by_item_where_the_course_cites_its_items() -> None:
    """01 lists the seven items in our words; every "item N" the course cites is one of them and says the same."""
    welcome = json.loads((NOTEBOOKS[0].parent / "01-welcome.ipynb").read_text())["cells"]
    text = "\n".join("".join(c["source"]) for c in welcome if c["cell_type"] == "markdown")
    listed = re.findall(r"^(\d)\. (.+)$", text.split("Definition 1", 1)[1], re.M)[:7]
    assert [n for n, _ in listed] == [str(i) for i in range(1, 8)], listed
    items = {int(n): line for n, line in listed}
    assert "acyclic" in items[1] and "topological" in text and "forward pass" in items[6]
    assert "built while the program runs" in items[7]
    sources = [p.read_text() for p in NOTEBOOKS] + \
        [p.read_text() for p in (NOTEBOOKS[0].parents[1] / "dpviz" / "exercises").glob("*.py")]
    cited = {int(n) for s in sources for n in re.findall(r"[Ii]tem (\d+) of (?:the )?[Dd]efinition|"
                                                          r"Definition 1[^.]{0,40}item (\d+)", s) for n in n if n}
    assert cited and cited <= set(items), cited
