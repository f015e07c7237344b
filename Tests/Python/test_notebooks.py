"""The exported notebooks: the numpy one runs top to bottom here; the PyTorch one
(dump_torchvision.py) is rerun once, with the reproduce_*.py notebooks, by scripts/check-notebooks.sh."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks-export"


@pytest.mark.parametrize("name", ["write_synthetic_dump.py", "dump_torchvision.py"])
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
