#!/usr/bin/env python3
"""The penultimate benchmark: one command that makes the test dumps and times everything.

    python3 Benchmarks/run.py [--quick] [--runs N] [--data DIR] [--cases ...] [--dumps ...]

Generates any missing dump (Benchmarks/make_dumps.py; default directory
Benchmarks/data/, git-ignored), then, per case, runs its commands in
alternation (A B C A B C ...) after one warm-up run each (warm page cache),
each under ``/usr/bin/time -f '%e %M'`` (wall seconds, peak RSS).  Prints and
writes a Markdown report (Benchmarks/REPORT.md, or --report): median, min-max,
the median over rounds of the ratio to ``cat`` of the same round, peak RSS and
bytes read (``rchar`` from /proc, counting every read and pread).

Only public tools: Python 3 with numpy/h5py, /usr/bin/time, cat.  A toolkit
binary that is not built is reported as "not built" and the run goes on.
"""
from __future__ import annotations

import argparse
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
import make_dumps  # noqa: E402

# ---------------------------------------------------------------------------------------------
# The toolkit's commands.  Placeholders: {bin} (--bin, default .build/release), {dump}, {split},
# {tmp} (a scratch directory), {classes} (comma-separated wnids), {panels} (8 projection files).
# Adjust here when a tool's interface changes.
TOOLKIT = {
    "centroids": "{bin}/eta centroids {dump} --split {split} -o {tmp}/x.centroids.h5",
    "validate": "{bin}/inspect --validate {dump}",
    "project": "{bin}/project {dump} --classes {classes} --method qr-pca --split {split} -o {out}",
    "panel": "{bin}/project {dump} --classes {classes} --method {method} --split {split} --per-class 200 -o {out}",
    "plot": "{bin}/plot {panels} --grid 2x4 -o {tmp}/fig.png",
    "wordnet": "{bin}/eta wordnet --lookup n02099849",
}
#: The three classes of the selection case (out of 1000). The plot case draws them in eight
#: panels (four per projection method), 200 points per class each: the paper's 150 + 50.
SELECTED = ["n00000001", "n00000002", "n00000003"]
PANEL_METHODS = ["qr-pca"] * 4 + ["muller"] * 4
# The bar from the issue.
BAR_RATIO_TO_CAT = 1.5
BAR_PEAK_MIB = 64
BAR_STREAM_PEAK_MIB = 256
BAR_REL_TOL = 1e-9
BAR_GZIP_SPEEDUP = 1.7
# ---------------------------------------------------------------------------------------------

PY = sys.executable
BASE = HERE / "baselines"


@dataclass
class Command:
    label: str
    argv: list[str]
    toolkit: bool = False
    status: str = "ok"                 # ok | not built | failed (...)
    times: list[float] = field(default_factory=list)
    rss_kib: list[int] = field(default_factory=list)
    rchar: list[int] = field(default_factory=list)
    ratios: list[float] = field(default_factory=list)
    output: str = ""                    # stdout of the last run (checksum line)


@dataclass
class Case:
    title: str
    commands: list[Command]
    notes: list[str] = field(default_factory=list)
    has_cat: bool = True


def baseline(script: str, dump: Path, split: str, *extra: str) -> list[str]:
    return [PY, str(BASE / script), str(dump), "--split", split, *extra]


def toolkit(kind: str, bindir: Path, **values) -> Command:
    text = TOOLKIT[kind].format(bin=bindir, **values)
    argv = shlex.split(text)
    cmd = Command(f"toolkit: {Path(argv[0]).name}", argv, toolkit=True)
    if not Path(argv[0]).exists():
        cmd.status = "not built"
    return cmd


# Wraps every command: its stdout goes to a file (cat's to /dev/null), stderr to another, and after it
# exits the shell copies its own /proc io counters, which by then include the
# reaped child's (rchar: bytes returned by read/pread, page cache or not).
WRAPPER = 'out=$1; err=$2; io=$3; shift 3; "$@" > "$out" 2> "$err"; s=$?; cat /proc/$$/io > "$io"; exit $s'


def run_once(cmd: Command, scratch: Path) -> tuple[float, int, int, int]:
    t, o, e, io = (scratch / n for n in ("time", "out", "err", "io"))
    argv = ["/usr/bin/time", "-f", "%e %M", "-o", str(t), "sh", "-c", WRAPPER, "sh",
            "/dev/null" if cmd.argv[0] == "cat" else str(o), str(e), str(io), *cmd.argv]
    proc = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    lines = [ln for ln in t.read_text().splitlines() if ln and not ln.startswith("Command")]
    wall, rss = lines[-1].split()
    rchar = 0
    if io.exists():
        for ln in io.read_text().splitlines():
            if ln.startswith("rchar:"):
                rchar = int(ln.split()[1])
    if proc.returncode != 0:
        cmd.output = (e.read_text(errors="replace").strip().splitlines() or [""])[-1][:200]
    elif cmd.argv[0] != "cat":
        cmd.output = (o.read_text(errors="replace").strip().splitlines() or [""])[0][:200]  # one table cell
    return float(wall), int(rss), rchar, proc.returncode


def run_case(case: Case, runs: int, scratch: Path, log) -> None:
    live = [c for c in case.commands if c.status == "ok"]
    for c in live:                                  # warm-up (page cache, imports) and a smoke test
        *_, rc = run_once(c, scratch)
        if rc != 0:
            c.status = f"failed (exit {rc}): {c.output}"
            log(f"  {c.label}: {c.status}")
    live = [c for c in live if c.status == "ok"]
    if not live:
        return
    cat = next((c for c in live if c.argv[0] == "cat"), None)
    for r in range(runs):
        round_times = {}
        for c in live:
            wall, rss, rchar, rc = run_once(c, scratch)
            if rc != 0:
                c.status = f"failed (exit {rc}) in run {r + 1}: {c.output}"
                continue
            c.times.append(wall)
            c.rss_kib.append(rss)
            c.rchar.append(rchar)
            round_times[id(c)] = wall
        if cat is not None and id(cat) in round_times:
            for c in live:
                if id(c) in round_times:
                    c.ratios.append(round_times[id(c)] / max(round_times[id(cat)], 0.01))
        log(f"  round {r + 1}/{runs}: " + "  ".join(f"{c.label} {round_times.get(id(c), float('nan')):.2f}"
                                                    for c in live))


# --------------------------------------------------------------------------- checks

def reference(dump: Path, split: str, data: Path, log) -> Path:
    """float64 reference centroids of `dump`, cached next to the data."""
    ref = data / "reference" / (dump.stem + ".npy")
    if not ref.exists() or ref.stat().st_mtime < dump.stat().st_mtime:
        ref.parent.mkdir(exist_ok=True)
        log(f"  reference centroids -> {ref}")
        subprocess.run(baseline("reference_centroids.py", dump, split, "-o", str(ref)), check=True,
                       stdout=subprocess.DEVNULL)
    return ref


def check_centroids(result: Path, ref: Path) -> str:
    """Compare a toolkit centroid file (/sums (C,D) float64, /counts (C,) int64) with the reference.

    Element (k, j) passes when |a - b| <= 1e-9 * max(|b|, max_j |b_kj| * 1e-3): relative per
    element, with a floor at a thousandth of the class's largest value so that components that
    cancel to nearly zero do not demand more than float64 can give.
    """
    import h5py
    import numpy as np
    if not result.exists():
        return "no output file"
    want = np.load(ref)
    want_counts = np.load(str(ref)[:-4] + ".counts.npy")
    try:
        with h5py.File(result, "r") as f:
            sums = f["sums"][...].astype(np.float64)
            counts = f["counts"][...].astype(np.int64)
    except Exception as error:  # noqa: BLE001 - report anything as a failed check
        return f"FAIL: cannot read /sums and /counts ({error})"
    if sums.shape != want.shape or counts.shape != want_counts.shape:
        return f"FAIL: shapes {sums.shape}/{counts.shape}, expected {want.shape}/{want_counts.shape}"
    if not np.array_equal(counts, want_counts):
        return f"FAIL: counts differ for {int(np.sum(counts != want_counts))} classes"
    got = sums / np.maximum(counts, 1)[:, None]
    seen = counts > 0
    got, want = got[seen], want[seen]
    floor = np.abs(want).max(axis=1, keepdims=True) * 1e-3
    rel = np.abs(got - want) / np.maximum(np.abs(want), np.maximum(floor, 1e-300))
    worst = float(rel.max()) if rel.size else 0.0
    return f"{'pass' if worst <= BAR_REL_TOL else 'FAIL'} (max relative error {worst:.2e})"


def selection_need(dump: Path, split: str, classes: list[str]) -> int:
    """Bytes a reader needs for `classes` of a label-sorted dump: the labels, plus every feature
    chunk that holds one of their rows (as stored, so compressed sizes count for gzip)."""
    import h5py
    import numpy as np
    with h5py.File(dump, "r") as f:
        wnids = [w.decode() if isinstance(w, bytes) else w for w in f["classes/wnid"][...]]
        wanted = [wnids.index(c) for c in classes]
        g = f[f"splits/{split}"]
        labels = g["labels"][...]
        feats = g["features"]
        rows = np.flatnonzero(np.isin(labels, wanted))
        chunk_ids = np.unique(rows // feats.chunks[0])
        dsid = feats.id
        need = sum(dsid.get_chunk_info_by_coord((int(c) * feats.chunks[0], 0)).size for c in chunk_ids)
        return int(need + g["labels"].id.get_storage_size())


# --------------------------------------------------------------------------- report

def fmt_mib(kib: float) -> str:
    return f"{kib / 1024:.0f}"


def case_table(case: Case) -> list[str]:
    head = "| command | median s | min–max s | × cat | peak RSS MiB | read MiB | result |"
    lines = [head, "|---|---:|---:|---:|---:|---:|---|"]
    for c in case.commands:
        if not c.times:
            lines.append(f"| {c.label} | — | — | — | — | — | {c.status} |")
            continue
        ratio = f"{statistics.median(c.ratios):.2f}" if c.ratios and case.has_cat else "—"
        result = c.output if c.status == "ok" else c.status
        lines.append(f"| {c.label} | {statistics.median(c.times):.3f} | {min(c.times):.2f}–{max(c.times):.2f} "
                     f"| {ratio} | {fmt_mib(max(c.rss_kib))} | {max(c.rchar) / 2**20:.0f} | {result} |")
    return lines


def machine() -> list[str]:
    import h5py
    import numpy as np
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), platform.processor())
    mem = next(ln.split()[1] for ln in Path("/proc/meminfo").read_text().splitlines() if ln.startswith("MemTotal"))
    return [f"- CPU: {cpu}, {os.cpu_count()} logical cores (nproc); RAM {int(mem) / 2**20:.1f} GiB; "
            f"kernel {platform.release()}",
            f"- Python {platform.python_version()}, numpy {np.__version__}, h5py {h5py.__version__} "
            f"(bundled HDF5 {h5py.version.hdf5_version})",
            f"- load average at start: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}"]


# --------------------------------------------------------------------------- cases

def centroid_case(spec, path: Path, bindir: Path, tmp: Path, naive: bool) -> Case:
    cmds = [Command("cat", ["cat", str(path)]),
            Command("h5py stream (default chunk cache)", baseline("h5py_stream.py", path, spec.split)),
            Command("h5py stream (rdcc_nbytes=0)", baseline("h5py_stream.py", path, spec.split, "--no-cache")),
            Command("numpy streaming (sort + segment sums)", baseline("numpy_streaming.py", path, spec.split))]
    if naive:
        cmds.append(Command("numpy naive (load all)", baseline("numpy_naive.py", path, spec.split)))
    eta = toolkit("centroids", bindir, dump=path, split=spec.split, tmp=tmp)
    eta.label = "**eta centroids**"
    cmds.append(eta)
    mib = path.stat().st_size / 2**20
    return Case(f"Centroid pass: {spec.name} ({spec.rows:,} × {spec.dim} {spec.dtype}"
                f"{', gzip 4 + shuffle' if spec.gzip else ''}; {mib:.0f} MiB)", cmds)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small dumps (100,000 × 512, 10,000 × 2048)")
    ap.add_argument("--runs", type=int, default=None, help="timed runs per command (default 5, quick 3)")
    ap.add_argument("--data", type=Path, default=None, help="dump directory (default Benchmarks/data[/quick])")
    ap.add_argument("--bin", type=Path, default=REPO / ".build" / "release", help="toolkit binaries")
    ap.add_argument("--cases", nargs="+", default=["centroids", "project", "validate", "wordnet", "plot"],
                    choices=["centroids", "project", "validate", "wordnet", "plot"])
    ap.add_argument("--dumps", nargs="+", metavar="SUBSTRING",
                    help="centroid case only for dumps whose name contains one of these (e.g. 1281167x512-f32.h5)")
    ap.add_argument("--no-naive", action="store_true", help="skip the load-everything numpy script")
    ap.add_argument("--report", type=Path, default=HERE / "REPORT.md")
    args = ap.parse_args()
    runs = args.runs or (3 if args.quick else 5)
    data = args.data or (HERE / "data" / ("quick" if args.quick else ""))
    bindir = args.bin.resolve()

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    specs = make_dumps.dump_specs(args.quick)
    big = next(s for s in specs if s.dim == 512 and s.dtype == "float32" and not s.gzip and not s.sorted_labels)
    srt = next(s for s in specs if s.sorted_labels)
    centroid_specs = [s for s in specs if not s.sorted_labels]
    if args.dumps:
        centroid_specs = [s for s in centroid_specs if any(d in s.name for d in args.dumps)]
    wanted = set()
    if "centroids" in args.cases:
        wanted |= {s.name for s in centroid_specs}
    if "validate" in args.cases:
        wanted.add(big.name)
    if {"project", "plot"} & set(args.cases):
        wanted.add(srt.name)
    log(f"data: {data}")
    paths = {p.name: p for p in make_dumps.ensure(data, [s for s in specs if s.name in wanted], log=log)}

    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    header = machine()
    cases: list[Case] = []
    checks: list[str] = []
    eta_medians: dict[str, float] = {}
    h5py_medians: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="penultimate-bench-") as tmpdir:
        tmp = Path(tmpdir)
        scratch = tmp / "scratch"
        scratch.mkdir()
        if "centroids" in args.cases:
            for spec in centroid_specs:
                path = paths[spec.name]
                case = centroid_case(spec, path, bindir, tmp, naive=not args.no_naive)
                log(case.title)
                run_case(case, runs, scratch, log)
                eta = case.commands[-1]
                if eta.times:
                    verdict = check_centroids(tmp / "x.centroids.h5", reference(path, spec.split, data, log))
                    case.notes.append(f"Correctness (eta vs numpy float64, tolerance {BAR_REL_TOL:g} relative): {verdict}")
                    eta_medians[spec.name] = statistics.median(eta.times)
                h5 = [statistics.median(c.times) for c in case.commands if c.label.startswith("h5py") and c.times]
                if h5:
                    h5py_medians[spec.name] = min(h5)
                if spec is big or spec.name == big.name:
                    for c in case.commands:
                        if c.label.startswith("numpy streaming") and c.rss_kib:
                            checks.append(f"- (for comparison) numpy streaming baseline peak RSS on "
                                          f"{spec.rows:,} × 512 float32: {fmt_mib(max(c.rss_kib))} MiB")
                    if eta.times:
                        r = statistics.median(eta.ratios) if eta.ratios else float("nan")
                        peak = max(eta.rss_kib) / 1024
                        checks.append(f"- eta centroid pass / cat: {r:.2f} (bar ≤ {BAR_RATIO_TO_CAT}): "
                                      f"{'pass' if r <= BAR_RATIO_TO_CAT else 'FAIL'}")
                        checks.append(f"- eta centroid pass peak RSS: {peak:.0f} MiB (bar ≤ {BAR_PEAK_MIB}): "
                                      f"{'pass' if peak <= BAR_PEAK_MIB else 'FAIL'}")
                        checks.append(f"- streaming a {spec.rows:,} × 512 float32 split under "
                                      f"{BAR_STREAM_PEAK_MIB} MiB (earlier issue): "
                                      f"{'pass' if peak < BAR_STREAM_PEAK_MIB else 'FAIL'} ({peak:.0f} MiB)")
                    else:
                        checks.append(f"- eta centroid pass: {eta.status}")
                cases.append(case)

        if "project" in args.cases:
            path = paths[srt.name]
            proj = toolkit("project", bindir, dump=path, split=srt.split, tmp=tmp,
                           classes=",".join(SELECTED), out=tmp / "p.h5")
            proj.label = "**project** (3 classes, qr-pca)"
            case = Case(f"Selection: project 3 of 1000 classes of {srt.name} (labels sorted)",
                        [Command("cat", ["cat", str(path)]), proj])
            log(case.title)
            run_case(case, runs, scratch, log)
            need = selection_need(path, srt.split, SELECTED)
            case.notes.append(f"Bytes the 3 classes need (their feature chunks + the labels): {need / 2**20:.1f} MiB")
            if proj.rchar:
                got = min(proj.rchar)
                checks.append(f"- project reads {got / 2**20:.1f} MiB for 3 classes; they need {need / 2**20:.1f} MiB "
                              f"(bar: no more): {'pass' if got <= need + (1 << 20) else 'FAIL'} "
                              f"(1 MiB allowance for HDF5 metadata)")
            cases.append(case)

        if "validate" in args.cases:
            path = paths[big.name]
            val = toolkit("validate", bindir, dump=path, tmp=tmp)
            val.label = "**inspect --validate**"
            case = Case(f"Validation: inspect --validate {big.name}", [Command("cat", ["cat", str(path)]), val])
            log(case.title)
            run_case(case, runs, scratch, log)
            cases.append(case)

        if "wordnet" in args.cases:
            wn = toolkit("wordnet", bindir, tmp=tmp)
            wn.label = "**WordNet load** (eta wordnet --lookup)"
            case = Case("WordNet loading", [wn], has_cat=False)
            log(case.title)
            run_case(case, runs, scratch, log)
            cases.append(case)

        if "plot" in args.cases:
            panels = [tmp / f"panel{i}.h5" for i in range(8)]
            plot = toolkit("plot", bindir, tmp=tmp, panels=" ".join(map(str, panels)))
            plot.label = "**plot** (8 panels, 2×4)"
            case = Case("Figure: 8-panel plot of 3-class projections", [plot], has_cat=False)
            if plot.status == "ok":
                for i, method in enumerate(PANEL_METHODS):   # the panels come from the project tool
                    p = toolkit("panel", bindir, dump=paths[srt.name], split=srt.split, tmp=tmp,
                                classes=",".join(SELECTED), method=method, out=panels[i])
                    if p.status != "ok" or subprocess.run(p.argv, capture_output=True).returncode != 0:
                        plot.status = "needs the project tool to make its panels (not built or failed)"
                        break
            log(case.title)
            run_case(case, runs, scratch, log)
            cases.append(case)

    for name, t in eta_medians.items():
        spec = next(s for s in specs if s.name == name)
        if spec.dtype == "float16":
            twin = name.replace("-f16", "-f32")
            if twin in eta_medians:
                r = t / eta_medians[twin]
                checks.append(f"- float16 vs float32 time per row ({name}): {r:.2f} (bar ≤ 1): "
                              f"{'pass' if r <= 1.0 else 'FAIL'}")
        if spec.gzip and name in h5py_medians:
            s = h5py_medians[name] / t
            checks.append(f"- gzip: best h5py read / eta ({name}): {s:.2f}× (bar ≥ {BAR_GZIP_SPEEDUP}×): "
                          f"{'pass' if s >= BAR_GZIP_SPEEDUP else 'FAIL'}")

    out = [f"# Benchmark report ({'quick' if args.quick else 'full'})", "",
           f"Run {started}, {runs} timed runs per command in alternation after one warm-up each; "
           "`python3 Benchmarks/run.py " + " ".join(sys.argv[1:]) + "`.", ""]
    out += header + [f"- load average at end: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}", ""]
    out += ["Median wall time; × cat = median over rounds of (time / cat's time in the same round); "
            "peak RSS from /usr/bin/time %M; read = rchar (bytes returned by read/pread, cached or not).", ""]
    for case in cases:
        out += [f"## {case.title}", ""] + case_table(case) + [""]
        out += [f"{n}" for n in case.notes] + ([""] if case.notes else [])
    out += ["## The bar", ""] + (checks or ["- nothing measured for the bar (toolkit not built?)"]) + [""]
    text = "\n".join(out)
    print(text)
    args.report.write_text(text)
    log(f"wrote {args.report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
