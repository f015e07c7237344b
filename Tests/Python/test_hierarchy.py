"""`eta --hierarchy FILE` on the CUB-style fixture (Fixtures/hierarchies): every set rule and every
target preset, with memberships computed by hand from cub-style.txt, and η checked against numpy
float64. Needs a debug build (`swift build`) or PENULTIMATE_BIN.

The fixture's 18 species, by class index (order / family / genus):
  0 Black-footed, 1 Laysan Albatross   Procellariiformes / Diomedeidae / Phoebastria
  2 Northern Fulmar                    Procellariiformes / Procellariidae / Fulmarus
  3 Red-winged Blackbird               Passeriformes / Icteridae / Agelaius
  4 Baltimore, 5 Hooded, 6 Scott Oriole                   / Icteridae / Icterus
  7 Rusty, 8 Brewer Blackbird                             / Icteridae / Euphagus
  9 Yellow, 10 Cape May, 11 Pine Warbler                  / Parulidae / Setophaga
  12 Common Yellowthroat                                  / Parulidae / Geothlypis
  13 California, 14 Herring, 15 Western Gull   Charadriiformes / Laridae / Larus
  16 Common, 17 Arctic Tern                                   / Laridae / Sterna
Depths: Aves 0 (level class), order 1, family 2, genus 3, species 4. Path lengths between species:
2 (same genus), 4 (same family), 6 (same order), 8 (else).
"""
import json
import os
import subprocess
from pathlib import Path

import h5py
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("PENULTIMATE_BIN") or ROOT / ".build" / "debug")
HERE = ROOT / "Fixtures" / "hierarchies"
T1, T3, FILE = HERE / "cub-T1.h5", HERE / "cub-T3.h5", HERE / "cub-style.txt"

NAMES = ["Black footed Albatross", "Laysan Albatross", "Northern Fulmar", "Red winged Blackbird",
         "Baltimore Oriole", "Hooded Oriole", "Scott Oriole", "Rusty Blackbird", "Brewer Blackbird",
         "Yellow Warbler", "Cape May Warbler", "Pine Warbler", "Common Yellowthroat", "California Gull",
         "Herring Gull", "Western Gull", "Common Tern", "Arctic Tern"]
EVERY = set(range(18))
SEABIRDS = {0, 1, 2, 13, 14, 15, 16, 17}  # not Passeriformes

# Target 4 (Baltimore Oriole): rule -> members, worked out from the table above.
ORIOLE = {
    "siblings": {5, 6},
    "same:genus": {5, 6},
    "same:family": {3, 5, 6, 7, 8},
    "same:order": {3, 5, 6, 7, 8, 9, 10, 11, 12},
    "same:class": EVERY - {4},
    "not-same:genus": EVERY - {4, 5, 6},
    "not-same:family": SEABIRDS | {9, 10, 11, 12},
    "not-same:order": SEABIRDS,
    "lca-depth>=3": {5, 6},
    "lca-depth>=2": {3, 5, 6, 7, 8},
    "lca-depth>=1": {3, 5, 6, 7, 8, 9, 10, 11, 12},
    "lca-depth<=1": SEABIRDS | {9, 10, 11, 12},
    "lca-depth<=0": SEABIRDS,
    "path<=2": {5, 6},
    "path<=4": {3, 5, 6, 7, 8},
    "path>=6": SEABIRDS | {9, 10, 11, 12},
    "path>=8": SEABIRDS,
    "under:Icteridae": {3, 5, 6, 7, 8},
    "under:passeriformes": {3, 5, 6, 7, 8, 9, 10, 11, 12},  # names in any case
    "under:Aves": EVERY - {4},
    "not-under:Passeriformes": SEABIRDS,
    "not-under:Icterus": EVERY - {4, 5, 6},
    "Hooded Oriole,scott_oriole,7": {5, 6, 7},  # an explicit list: name, other spelling, index
}
# Target 13 (California Gull), a second family, for the level rules.
GULL = {
    "siblings": {14, 15},
    "same:genus": {14, 15},
    "same:family": {14, 15, 16, 17},
    "not-same:order": set(range(13)),
    "lca-depth>=2": {14, 15, 16, 17},
    "path>=8": set(range(13)),
    "under:Sterna": {16, 17},
}


def eta(*args, check=True):
    out = subprocess.run([str(BIN / "eta"), "--t1", str(T1), "--t2", str(T3), "--hierarchy", str(FILE),
                          "--format", "json", *args], capture_output=True, text=True)
    if check:
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)
    return out


def centroids(path, split):
    with h5py.File(path, "r") as f:
        x = f[f"splits/{split}/features"][...].astype(np.float64)
        y = f[f"splits/{split}/labels"][...]
    c = np.stack([x[y == k].mean(axis=0) for k in range(18)])
    d = np.linalg.norm(c[:, None] - c[None], axis=-1)
    return d / d[np.triu_indices(18, 1)].mean()  # centroid-scale


def numpy_eta(target, members, split):
    d1, d2 = centroids(T1, split), centroids(T3, split)
    return float(np.mean([(d2[target, k] - d1[target, k]) / d1[target, k] for k in sorted(members)]))


@pytest.fixture(scope="module", autouse=True)
def built():
    if not (BIN / "eta").exists():
        pytest.fail(f"eta not built in {BIN} (swift build, or set PENULTIMATE_BIN)")


@pytest.mark.parametrize("target,table", [(4, ORIOLE), (13, GULL)])
def test_every_rule_has_its_hand_computed_members_and_numpy_eta(target, table):
    for rule, expected in table.items():
        report = eta("--targets", NAMES[target], "--split", "val", "--s1", rule, "--s2", rule)
        (row,) = report["rows"]
        assert row["target"] == NAMES[target]
        got = {NAMES.index(name) for name in row["s1"]}
        assert got == expected, rule
        assert row["s2"] == row["s1"]
        want = numpy_eta(target, expected, "val")
        assert row["eta_s1"] == pytest.approx(want, rel=1e-12, abs=1e-15), rule
        assert report["conventions"]["s1_rule"] == rule


def test_defaults_under_a_hierarchy_file_are_siblings_and_the_root():
    report = eta("--targets", "Baltimore_Oriole", "--split", "train")
    (row,) = report["rows"]
    assert report["conventions"]["s1_rule"] == "siblings"
    assert report["conventions"]["s2_rule"] == "lca-depth<=0"
    assert {NAMES.index(n) for n in row["s1"]} == {5, 6}
    assert {NAMES.index(n) for n in row["s2"]} == SEABIRDS
    assert row["eta_s1"] == pytest.approx(numpy_eta(4, {5, 6}, "train"), rel=1e-12)
    assert row["eta_s2"] == pytest.approx(numpy_eta(4, SEABIRDS, "train"), rel=1e-12)
    # Congeners draw together from T1 to T3 (the fixture shrinks the species' offsets).
    assert row["eta_s1"] < 0


@pytest.mark.parametrize("targets,expected", [
    ("all", [k for k in range(18) if k not in (2, 3, 12)]),  # no congeners: skipped (below)
    ("under:Icterus", [4, 5, 6]),
    ("under:Laridae", [13, 14, 15, 16, 17]),
    ("under:Sterna,Yellow_Warbler,under:Icterus", [16, 17, 9, 4, 5, 6]),
])
def test_target_presets(targets, expected):
    report = eta("--targets", targets, "--split", "val", "--s1", "same:genus", "--s2", "not-same:order")
    rows = report["rows"]
    assert [NAMES.index(r["target"]) for r in rows] == expected
    if targets == "all":
        skipped = report["summary"]["skipped"]
        assert [NAMES.index(s["target"]) for s in skipped] == [2, 3, 12]
        assert all(s["reason"] == "is empty under rule 'same:genus'" for s in skipped)
    for r in rows:
        t = NAMES.index(r["target"])
        genus = {k for k in EVERY if ORIOLE_GENUS[k] == ORIOLE_GENUS[t]} - {t}
        order = {k for k in EVERY if ORDER[k] != ORDER[t]}
        assert {NAMES.index(n) for n in r["s1"]} == genus
        assert {NAMES.index(n) for n in r["s2"]} == order
        if genus:
            assert r["eta_s1"] == pytest.approx(numpy_eta(t, genus, "val"), rel=1e-12)
        assert r["eta_s2"] == pytest.approx(numpy_eta(t, order, "val"), rel=1e-12)


# Genus and order of each class, by hand from the table in the docstring.
ORIOLE_GENUS = [0, 0, 1, 2, 3, 3, 3, 4, 4, 5, 5, 5, 6, 7, 7, 7, 8, 8]
ORDER = [0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2]


def test_hierarchy_file_is_recorded_with_its_digest():
    import hashlib
    report = eta("--targets", "0", "--split", "val")
    digest = hashlib.sha256(FILE.read_bytes()).hexdigest()
    assert report["provenance"]["conventions"]["hierarchy"] == f"{FILE} (sha256 {digest})"


@pytest.mark.parametrize("args,needle", [
    (["--s1", "same:subgenus"], "level 'subgenus': not declared; levels: class, order, family, genus, species"),
    (["--s1", "under:Corvidae"], "'Corvidae': no such node"),
    (["--targets", "retrievers"], "preset of WordNet wnids"),
    (["--targets", "under:Nowhere"], "'Nowhere': no such node"),
    # Outside `all` an empty set is refused: the fulmar has no congener in the file.
    (["--targets", "under:Aves", "--s1", "same:genus"], "S1 of target Northern Fulmar (Northern Fulmar): is empty under rule 'same:genus'"),
])
def test_bad_rules_are_refused_with_one_line(args, needle):
    extra = ["--targets", "Baltimore Oriole"] if "--targets" not in args else []
    out = eta(*extra, *args, check=False)
    assert out.returncode == 65, out.stderr
    assert out.stdout == ""
    assert len(out.stderr.splitlines()) == 1 and needle in out.stderr, out.stderr
