"""The reproduce_*.py notebooks: valid percent-format notebooks; their committed outputs hold nothing
host-specific; a rerun (when the release tools are built) gives byte-identical outputs."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted(p for p in (ROOT / "notebooks-export").glob("reproduce_*.py") if p.name != "reproduce_common.py")
OUTPUTS = ROOT / "notebooks-export" / "outputs"
BIN = Path(os.environ.get("PENULTIMATE_BIN") or ROOT / ".build" / "release")


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_percent_format(notebook):
    text = notebook.read_text()
    assert "format_name: percent" in text
    assert text.count("# %% [markdown]") >= 3
    compile(text, notebook.name, "exec")


def test_every_notebook_has_a_transcript_and_results_exist():
    assert len(NOTEBOOKS) == 5
    for notebook in NOTEBOOKS:
        assert (OUTPUTS / f"{notebook.stem}.txt").is_file(), notebook.name
    results = (OUTPUTS / "RESULTS.md").read_text()
    assert "unit: percent" in results and "## 1. Accuracy" in results and "## 2. Systematic diffusion" in results


def test_outputs_record_relative_paths_only():
    host = re.compile(rb"/work/|/tmp/|/home/|/Users/|penultimate-notebook-|\d{4}-\d\d-\d\dT\d\d:\d\d")
    for path in OUTPUTS.iterdir():
        assert not host.search(path.read_bytes()), f"{path.name} holds a host-specific path or a time"


@pytest.mark.skipif(not all((BIN / t).is_file() for t in ("project", "plot", "eta", "accuracy")),
                    reason="release tools not built (swift build -c release)")
def test_rerun_matches_committed_outputs():
    run = subprocess.run(["bash", str(ROOT / "scripts" / "check-notebooks.sh")], capture_output=True, text=True,
                         timeout=600, env=dict(os.environ, PENULTIMATE_BIN=str(BIN)))
    assert run.returncode == 0, run.stdout + run.stderr
