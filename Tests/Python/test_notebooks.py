"""The exported notebooks: the numpy one runs top to bottom; the PyTorch one is shown, not run."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks-export"


@pytest.mark.parametrize("name", ["write_synthetic_dump.py", "dump_torchvision_resnet.py"])
def test_percent_format(name):
    text = (NOTEBOOKS / name).read_text()
    assert "format_name: percent" in text
    assert text.count("# %% [markdown]") >= 3
    compile(text, name, "exec")  # valid Python, without writing a .pyc


@pytest.mark.skipif(shutil.which("h5ls") is None, reason="hdf5-tools not installed")
def test_synthetic_notebook_runs_top_to_bottom(tmp_path):
    run = subprocess.run([sys.executable, str(NOTEBOOKS / "write_synthetic_dump.py")], cwd=tmp_path,
                         env=dict(os.environ, PENULTIMATE_OUT=str(tmp_path / "out")),
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "rows: 42 | distinct samples: 41" in run.stdout
    assert {p.name for p in (tmp_path / "out").iterdir()} == {
        "synthetic.h5", "synthetic_ddp.h5", "synthetic_ddp.rank0.h5", "synthetic_ddp.rank1.h5"}


def test_torch_notebook_says_it_is_not_run_and_claims_no_outputs():
    text = (NOTEBOOKS / "dump_torchvision_resnet.py").read_text()
    first_cell = text.split("# %% [markdown]", 2)[1]
    assert "shown, not run, in CI" in first_cell
    assert "## Rendered output" in text
    rendered = text.split("## Rendered output", 1)[1]
    assert "None." in rendered and "has not been run" in rendered
