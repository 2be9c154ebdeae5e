"""Learners can follow every citation: no pointer at the developers' ``../shared`` folder, and every
link into ``notebooks/REFERENCES.md`` lands on an entry there."""
from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REFERENCES = ROOT / "notebooks" / "REFERENCES.md"
#: The reference texts' file names in ``../shared/reference``: learners do not have them.
SOURCE_FILES = ("dp-generalization-characterization-limitations", "dp-applications-to-dynamical-systems",
                "what-is-differentiable-programming", "automatic-differentiation-and-dp-notes")


def _learner_texts():
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(nb.read_text())["cells"]
        yield nb.name, "\n".join("".join(c["source"]) for c in cells)
    for path in [ROOT / "README.md", ROOT / "notebooks" / "README.md", *sorted((ROOT / "dpviz").rglob("*.py"))]:
        yield str(path.relative_to(ROOT)), path.read_text()


def test_nothing_a_learner_reads_points_at_the_shared_folder():
    bad = []
    for name, text in _learner_texts():
        for stem in SOURCE_FILES:
            if stem + ".txt" in text or f"{stem}.md" in text:
                bad.append(f"{name}: names {stem}")
        if "shared/reference" in text:
            bad.append(f"{name}: points at shared/reference")
    assert not bad, "\n".join(bad)


def test_every_citation_link_lands_on_a_reference():
    anchors = set(re.findall(r'<a id="([^"]+)"></a>', REFERENCES.read_text()))
    assert {"hma2022", "ha2019", "innes2019", "ad-notes"} <= anchors
    used = set()
    for name, text in _learner_texts():
        for anchor in re.findall(r"REFERENCES\.md#([\w-]+)", text):
            used.add(anchor)
            assert anchor in anchors, f"{name} links to REFERENCES.md#{anchor}, which does not exist"
    assert used == anchors, f"entries nobody cites: {anchors - used}"
    text = REFERENCES.read_text()
    for link in ("https://arxiv.org/abs/2205.06898", "https://arxiv.org/abs/1912.08168",
                 "https://fluxml.ai/blogposts/2019-02-07-what-is-differentiable-programming/"):
        assert link in text
