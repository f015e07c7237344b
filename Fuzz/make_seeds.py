#!/usr/bin/env python3
"""Seed corpora for the fuzz targets: `python3 Fuzz/make_seeds.py OUTDIR`.

OUTDIR/dump/: the valid dumps of the bad-input corpus (Tests/Corpus/make_corpus.py), small
format-v1 files of a few KiB. OUTDIR/centroids/ and OUTDIR/projection/: the corpus's centroid
and projection files (valid ones and near misses), and a JSON projection file. OUTDIR/wordnet/: tiny synthetic data.noun files whose synset
lines sit at their true byte offsets (the input format of the FuzzWordNet target: data.noun,
optionally a 0x00 byte and then index.noun). OUTDIR/hierarchy/: hierarchy files (FuzzHierarchy):
the CUB-style example of Fixtures/hierarchies and small trees with and without levels.
Deterministic; nothing here is committed.
"""
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def dump_seeds(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, str(HERE.parent / "Tests/Corpus/make_corpus.py"), tmp],
                       check=True, stdout=subprocess.DEVNULL)
        for name in ("valid", "float16_gzip", "names_only", "fixed_length_strings",
                     "single_row_class", "shards_padding.rank0", "nan_row", "labels_out_of_range"):
            shutil.copy(Path(tmp) / f"{name}.h5", out / f"{name}.h5")
        # Centroid and projection files: the corpus's valid ones and a few near misses.
        for kind, names in (("centroids", ("centroids_valid", "centroids_names_length", "centroids_nan_sums",
                                           "centroids_wnid_whitespace", "centroids_zero_count_with_sum")),
                            ("projection", ("projection_valid", "projection_axes_short", "projection_basis_short",
                                            "projection_missing_split", "projection_class_out_of_range"))):
            folder = out.parent / kind
            folder.mkdir(parents=True, exist_ok=True)
            for name in names:
                shutil.copy(Path(tmp) / f"{name}.h5", folder / f"{name}.h5")
    # The JSON form of a projection file (ProjectionFile.jsonText's layout).
    (out.parent / "projection" / "muller.json").write_text(
        '{"format": "penultimate-projection", "format_version": 1, "method": "muller", "conventions": {}, '
        '"provenance": {}, "source_path": "a.h5", "source": {"model": "m", "role": "student", "kd_temperature": 3}, '
        '"classes": {"wnid": ["n1", "n2", "n3"], "name": ["a", "b", "c"], "index_in_source": [0, 1, 2]}, '
        '"basis": [[1, 0, 0], [0, 1, 0]], "origin": [0, 0, 1], "splits": [{"name": "train", '
        '"points": [[0.5, 1], [2, -1], [0, 0]], "class": [0, 1, 2], "sample_index": [4, 5, 6], '
        '"centroids": [[0, 0], [1, 1], [2, 2]]}]}\n')


def data_noun(entries) -> bytes:
    """entries: (lemmas, [(symbol, index of the target entry)], gloss). Offsets and pointer
    targets are fixed width, so a line's length does not depend on them: one pass measures,
    the next renders at the true byte offsets."""
    header = b"  1 synthetic WordNet-format data for fuzzing\n"
    offsets, position = [], len(header)
    for lemmas, pointers, gloss in entries:
        offsets.append(position)
        position += len(render(0, lemmas, [(s, 0) for s, _ in pointers], gloss))
    return header + b"".join(render(offsets[i], lemmas, [(s, offsets[t]) for s, t in pointers], gloss)
                             for i, (lemmas, pointers, gloss) in enumerate(entries))


def render(offset, lemmas, pointers, gloss) -> bytes:
    words = " ".join(f"{w} 0" for w in lemmas)
    ptrs = " ".join(f"{s} {t:08d} n 0000" for s, t in pointers)
    return f"{offset:08d} 05 n {len(lemmas):02x} {words} {len(pointers):03d} {ptrs} | {gloss}  \n".encode()


def wordnet_seeds(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    tree = [
        (["entity"], [("~", 1)], "that which is perceived to exist"),
        (["animal", "beast"], [("@", 0), ("~", 2), ("~", 3)], "a living organism"),
        (["dog"], [("@", 1), ("~", 4), ("~", 5)], "a domesticated canid"),
        (["snake", "serpent"], [("@", 1)], "limbless reptile"),
        (["golden_retriever"], [("@", 2)], "an English breed"),
        (["Chesapeake_Bay_retriever"], [("@", 2), ("@i", 3)], "an American breed"),
    ]
    data = data_noun(tree)
    (out / "tree").write_bytes(data)
    lines = data.split(b"\n")
    offsets, pos = [], 0
    for line in lines:
        offsets.append(pos)
        pos += len(line) + 1
    index = (f"animal n 1 2 @ ~ 1 0 {offsets[2]:08d}  \n"
             f"dog n 1 2 @ ~ 1 0 {offsets[3]:08d}  \n"
             f"entity n 1 1 ~ 1 0 {offsets[1]:08d}  \n").encode()
    (out / "tree_with_index").write_bytes(data + b"\x00" + index)
    (out / "one_line").write_bytes(data_noun([(["entity"], [], "everything")]))


def fastpath_seeds(out: Path) -> None:
    """FuzzFastPath inputs: 8 layout bytes (dtype, rows, D, layout kind, chunk rows, gzip, shuffle,
    spare) and element bits; one seed per ordinary layout (f32/f16 x raw/gzip/gzip+shuffle,
    contiguous, chunks narrower than a row)."""
    out.mkdir(parents=True, exist_ok=True)
    bits = bytes(range(0, 256, 3)) + b"\x00\x7c\x00\xfc\x01\x00\xff\x7f\x00\x80"  # inf, -inf, subnormal, NaN, -0
    layouts = {
        "f32_contiguous": (0, 40, 8, 0, 0, 0, 0), "f16_contiguous": (1, 40, 8, 0, 0, 0, 0),
        "f32_chunks": (0, 45, 6, 1, 7, 0, 0), "f16_chunks": (1, 45, 6, 1, 7, 0, 0),
        "f32_gzip": (0, 30, 12, 1, 9, 9, 0), "f16_gzip": (1, 30, 12, 1, 9, 9, 0),
        "f32_gzip_shuffle": (0, 33, 5, 1, 4, 9, 1), "f16_gzip_shuffle": (1, 33, 5, 1, 4, 9, 1),
        "f32_narrow_chunks": (0, 20, 9, 2, 3, 9, 1),
    }
    for name, head in layouts.items():
        (out / name).write_bytes(bytes(head) + b"\x00" + bits)


def hierarchy_seeds(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    shutil.copy(HERE.parent / "Fixtures" / "hierarchies" / "cub-style.txt", out / "cub-style.txt")
    (out / "small_levels.txt").write_text("# levels: root mid leaf\nr\nm1\tr\nm2\tr\na\tm1\nb\tm1\nc\tm2\n")
    (out / "small_words.txt").write_text("r\nm r\na m\nb m\nc r\n")
    (out / "crlf_spaces.txt").write_bytes(b"# c\r\nroot\r\nA B\troot\r\nC\tA B\r\n")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: make_seeds.py OUTDIR", file=sys.stderr)
        sys.exit(64)
    dump_seeds(Path(sys.argv[1]) / "dump")
    wordnet_seeds(Path(sys.argv[1]) / "wordnet")
    fastpath_seeds(Path(sys.argv[1]) / "fastpath")
    hierarchy_seeds(Path(sys.argv[1]) / "hierarchy")
