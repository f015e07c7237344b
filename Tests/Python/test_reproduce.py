"""The reproduce_*.py notebooks: valid percent-format notebooks; their committed outputs hold nothing
host-specific. The rerun itself (byte-identical outputs) is scripts/check-notebooks.sh, which
scripts/test.sh runs once; it is not repeated here."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted(p for p in (ROOT / "notebooks-export").glob("reproduce_*.py") if p.name != "reproduce_common.py")
OUTPUTS = ROOT / "notebooks-export" / "outputs"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_percent_format(notebook):
    text = notebook.read_text()
    assert "format_name: percent" in text
    assert text.count("# %% [markdown]") >= 3
    compile(text, notebook.name, "exec")


def test_every_notebook_has_a_transcript_and_results_exist():
    assert len(NOTEBOOKS) == 7
    for notebook in NOTEBOOKS:
        assert (OUTPUTS / f"{notebook.stem}.txt").is_file(), notebook.name
    results = (OUTPUTS / "RESULTS.md").read_text()
    assert "unit: percent" in results and "## 1. Accuracy" in results and "## 2. Systematic diffusion" in results


def test_outputs_record_relative_paths_only():
    host = re.compile(rb"/work/|/tmp/|/home/|/Users/|penultimate-notebook-|\d{4}-\d\d-\d\dT\d\d:\d\d")
    for path in OUTPUTS.iterdir():
        assert not host.search(path.read_bytes()), f"{path.name} holds a host-specific path or a time"
