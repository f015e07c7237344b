"""The raw fast path's differential matrix (fastpath_matrix.py) against the built `eta`."""

import os
from pathlib import Path

import pytest

import fastpath_matrix

ROOT = Path(__file__).resolve().parents[2]
CANDIDATES = [Path(os.environ["PENULTIMATE_BIN"])] if os.environ.get("PENULTIMATE_BIN") else []
CANDIDATES += [ROOT / ".build" / "release", ROOT / ".build" / "debug"]
BIN = next((c for c in CANDIDATES if (c / "eta").is_file()), None)


@pytest.mark.skipif(BIN is None, reason="eta not built (swift build)")
def test_every_layout_is_exact_or_refused(tmp_path, capsys):
    status = fastpath_matrix.main(["fastpath_matrix.py", str(BIN), str(tmp_path)])
    report = capsys.readouterr().out
    assert status == 0, "\n".join(line for line in report.splitlines() if line.startswith("FAIL"))
