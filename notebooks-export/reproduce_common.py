"""Shared set-up of the reproduce_*.py notebooks: where the tools, the fixtures and the outputs are,
and one function that runs a tool with stable, relative command lines.

Every output of the tools records its command line (provenance), so the notebooks always run the
tools from a folder that looks like the repository root: `Fixtures/...` for the inputs and
`notebooks-export/outputs/...` (or `out/...`, or any folder inside the repository) for the outputs.
When `PENULTIMATE_OUT` points outside the repository (the checker's temporary folder), the tools
run in a scratch folder whose `Fixtures` and `notebooks-export/outputs` are symbolic links to the
real fixtures and to `PENULTIMATE_OUT`, so the recorded command lines, and hence the bytes of every
table and figure, are the same as in the committed run. Nothing host-specific (absolute paths,
times) is passed to the tools.

Environment:
- `PENULTIMATE_BIN`: folder of the built tools (default `.build/release` in the repository).
- `PENULTIMATE_OUT`: output folder (default `notebooks-export/outputs`).
"""

import atexit
import json
import os
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(os.environ.get("PENULTIMATE_BIN") or ROOT / ".build" / "release")
if not BIN.is_absolute():
    BIN = (ROOT / BIN).resolve()
OUT = Path(os.environ.get("PENULTIMATE_OUT") or ROOT / "notebooks-export" / "outputs").resolve()
OUT.mkdir(parents=True, exist_ok=True)
FIXTURES = "Fixtures/minilab"

try:
    OUT_NAME = OUT.relative_to(ROOT.resolve()).as_posix()  # inside the repository: its own relative path
    WORKDIR = ROOT
except ValueError:
    # Outside the repository: present it to the tools as the default output folder.
    OUT_NAME = "notebooks-export/outputs"
    WORKDIR = Path(tempfile.mkdtemp(prefix="penultimate-notebook-"))
    (WORKDIR / "notebooks-export").mkdir()
    (WORKDIR / "Fixtures").symlink_to(ROOT / "Fixtures", target_is_directory=True)
    (WORKDIR / OUT_NAME).symlink_to(OUT, target_is_directory=True)
    atexit.register(shutil.rmtree, WORKDIR, ignore_errors=True)


def fixture(name):
    """A fixture's path relative to the repository root, e.g. `Fixtures/minilab/teacher-ls0.1.h5`."""
    return f"{FIXTURES}/{name}"


def teacher(alpha):
    return fixture(f"teacher-ls{alpha:.1f}.h5")


def student(alpha, temperature):
    return fixture(f"student-ls{alpha:.1f}-T{temperature}.h5")


def out(name):
    """An output's path as the tools see it (relative)."""
    return f"{OUT_NAME}/{name}"


def run(tool, *arguments, quiet=False):
    """Runs `tool` with `arguments` from the repository-like working folder; prints the command
    (as `tool ARGS`, relative paths) and its stdout; returns stdout. Fails loudly on any error."""
    arguments = [str(a) for a in arguments]
    print("$", shlex.join([tool, *arguments]))
    done = subprocess.run([str(BIN / tool), *arguments], cwd=WORKDIR, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{tool} exited {done.returncode}: {done.stderr.strip()}")
    if not quiet and done.stdout:
        print(done.stdout, end="" if done.stdout.endswith("\n") else "\n")
    return done.stdout


def read_json(name):
    return json.loads((OUT / name).read_text())


def write_text(name, text):
    """Writes an output of the notebook itself (a comparison table) and prints it."""
    (OUT / name).write_text(text)
    print(text, end="" if text.endswith("\n") else "\n")


def markdown_table(header, rows, align=None):
    """A Markdown table; `align` is a string of 'l'/'r' per column (default: first left, rest right)."""
    align = align or "l" + "r" * (len(header) - 1)
    cells = [[str(c) for c in header]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]

    def line(row):
        return "| " + " | ".join(c.ljust(w) if a == "l" else c.rjust(w) for c, w, a in zip(row, widths, align)) + " |"

    rule = "| " + " | ".join("-" * w if a == "l" else "-" * (w - 1) + ":" for w, a in zip(widths, align)) + " |"
    return "\n".join([line(cells[0]), rule] + [line(r) for r in cells[1:]]) + "\n"


# The paper's published numbers (shared/notes/paper.md): ResNet-50 teacher with α = 0.1,
# ResNet-18 students, T1 = 1, T2 = 3; columns Train S1, Train S2, Val S1, Val S2. Unit: most likely
# percent (values below −1 are impossible for a fraction).
PAPER_ETA = {
    "Chesapeake Bay retriever": (-0.392, 0.162, -1.082, 0.269),
    "curly-coated retriever": (-0.578, 0.179, -2.024, 0.383),
    "flat-coated retriever": (-1.729, 0.380, -3.320, 0.655),
    "golden retriever": (-0.880, 0.228, -2.594, 0.555),
    "Labrador retriever": (-2.758, 0.501, -4.618, 0.840),
    "thunder snake": (-2.316, 0.376, -3.584, 0.511),
    "ringneck snake": (-0.463, 0.058, -0.757, 0.094),
    "hognose snake": (-1.528, 0.258, -4.067, 0.631),
    "water snake": (-2.028, 0.326, -3.053, 0.478),
    "king snake": (-2.474, 0.521, -4.577, 0.840),
}

# Top-1 / Top-5 (%), ResNet-50 teacher → ResNet-18 student, ImageNet val; key: (row, teacher α).
PAPER_ACCURACY = {
    ("teacher", 0.0): (76.130, 92.862), ("teacher", 0.1): (76.196, 93.078),
    ("T = 1", 0.0): (71.547, 90.297), ("T = 1", 0.1): (71.616, 90.233),
    ("T = 2", 0.0): (71.349, 90.359), ("T = 2", 0.1): (68.428, 89.139),
    ("T = 3", 0.0): (69.570, 89.657), ("T = 3", 0.1): (66.570, 88.631),
    ("T = 64", 0.0): (66.230, 88.730), ("T = 64", 0.1): (65.472, 89.564),
}

TEMPERATURES = (1, 2, 3, 64)
ALPHAS = (0.0, 0.1)
POODLES = "n02113712,n02113799,n04347754"      # miniature poodle, standard poodle, submarine
BUTTERFLIES = "n02280649,n02281406,n04347754"  # cabbage butterfly, sulphur butterfly, submarine
