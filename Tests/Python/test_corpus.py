"""Tests of Tests/Corpus/make_corpus.py: the index is complete, the output deterministic and small,
and every case is bad (or good) for the reason it claims, per reference_check.py and libhdf5 1.10.8."""

import hashlib
import json
import shutil
import subprocess

import h5py
import numpy as np
import pytest

import make_corpus
import reference_check

KINDS = {"dump", "projection", "wordnet", "centroids", "hierarchy"}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    out = tmp_path_factory.mktemp("corpus")
    make_corpus.make(out)
    return out, json.loads((out / "corpus.json").read_text())["cases"]


def digest(folder):
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_index_lists_every_case_and_file(corpus):
    out, cases = corpus
    names = [c["name"] for c in cases]
    assert len(names) == len(set(names))
    listed = set()
    for case in cases:
        assert case["kind"] in KINDS
        assert case["files"] and case["why"] and case["tool_args"]
        assert case["expect_ok"] or case["expect"], f"{case['name']}: a bad case must say what to expect"
        for f in case["files"]:
            assert (out / f).exists(), f
            listed.add(f)
    on_disk = {p.name for p in out.iterdir() if p.name != "corpus.json"}
    assert on_disk - listed <= {"shards_padding.rank0.h5", "shards_padding.rank1.h5",
                                "manifest_missing_shard.rank0.h5",  # sources of the listed manifests
                                "fastpath_aux",  # sources, link targets and raw files of the fast-path block
                                "p10_left", "p10_right", "p10_missing", "raw"}  # P10's folders, and its decoy raw/
    required = {"empty", "random_bytes", "truncated_100", "truncated_half", "truncated_last_1k",
                "missing_classes", "missing_classifier_weight", "missing_classifier_bias",
                "missing_splits_train_features", "missing_splits_train_labels", "missing_attr_format",
                "missing_attr_format_version", "wrong_format", "format_version_2", "features_1d",
                "weight_d_plus_1", "bias_wrong_length", "labels_length_mismatch", "logits_wrong_classes",
                "integer_features", "string_labels", "labels_out_of_range", "labels_negative", "nan_row",
                "inf_row", "class_without_rows", "duplicate_wnids", "unknown_wnid", "lzf_features",
                "blosc_features", "libver_latest_gzip", "shards_overlap", "shards_disagree_classes",
                "shards_disagree_classifier", "projection_future_version", "wordnet_missing_data_noun",
                "wordnet_corrupt_data_noun", "single_row_class", "float16_overflow", "centroid_coincidence"}
    assert required <= set(names), required - set(names)
    by_name = {c["name"]: c for c in cases}
    assert by_name["float16_overflow"]["expect_ok"] is False
    assert by_name["single_row_class"]["expect_ok"] and by_name["centroid_coincidence"]["expect_ok"]


def test_deterministic_and_small(corpus, tmp_path):
    out, _ = corpus
    make_corpus.make(tmp_path)
    assert digest(tmp_path) == digest(out)
    # The inputs are small; the index (corpus.json) grows with every case and is not an input.
    assert all(p.stat().st_size < 64 * 1024 for p in out.rglob("*") if p.is_file() and p.name != "corpus.json")


@pytest.mark.parametrize("name", [
    "valid", "float16_gzip", "names_only", "fixed_length_strings", "single_row_class",
    "centroid_coincidence", "shards_padding_ok", "shards_padding_ok_as_files",
    "empty", "random_bytes", "truncated_half", "missing_classes", "format_version_2", "features_1d",
    "weight_d_plus_1", "labels_length_mismatch", "string_labels", "labels_negative", "inf_row",
    "float16_overflow", "class_without_rows", "duplicate_wnids", "unknown_wnid", "lzf_features",
    "blosc_features", "libver_latest_gzip", "shards_overlap", "shards_disagree_classes",
    "shards_disagree_classifier", "manifest_missing_shard", "projection_future_version",
    "wordnet_missing_data_noun", "wordnet_corrupt_data_noun",
    "single_repeated_sample_index", "lone_shard", "shards_missing_rank", "shards_rank_twice",
    "shards_disagree_kd_temperature", "shards_disagree_ls_alpha", "shards_disagree_model",
    "shards_disagree_sample_count", "shards_incomplete_sample_count", "shards_sample_count_ok",
    "sample_count_ok", "sample_index_outside_sample_count", "incomplete_vs_sample_count",
    "centroids_padding_twice", "centroids_missing_rank", "centroids_incomplete_samples", "centroids_v1_merge",
])
def test_case_is_what_it_claims(corpus, name):
    out, cases = corpus
    case = next(c for c in cases if c["name"] == name)
    if name == "unknown_wnid" and not reference_check.WORDNET.joinpath("data.noun").exists():
        pytest.skip("WordNet 3.0 (wordnet-base) not installed")
    message = reference_check.run_case(out, case)
    if case["expect_ok"]:
        assert message is None
    else:
        assert message is not None
        for expected in case["expect"]:
            assert expected.lower() in message.lower(), (expected, message)


def test_every_case_passes_the_reference_check(corpus):
    out, cases = corpus
    assert reference_check.main(["reference_check.py", str(out)]) == 0


@pytest.mark.skipif(shutil.which("h5dump") is None, reason="hdf5-tools not installed")
def test_libhdf5_1_10_sees_the_compatibility_cases(corpus):
    out, _ = corpus
    def h5dump(*args):
        return subprocess.run(["h5dump", *args], capture_output=True, text=True, timeout=60)
    assert h5dump("-H", str(out / "valid.h5")).returncode == 0
    assert h5dump("-H", str(out / "libver_latest_gzip.h5")).returncode != 0
    for name in ("lzf_features", "blosc_features"):
        # 1.10.8 lacks the filter: h5dump prints an empty DATA block (and may still exit 0).
        dump = h5dump("-d", "/splits/train/features", str(out / f"{name}.h5"))
        assert "DATA {\n   }" in dump.stdout, dump.stdout
    dump = h5dump("-d", "/splits/val/labels", str(out / "manifest_missing_shard.h5"))
    assert "-1, -1" in dump.stdout  # the missing shard reads as the fill value, silently


# ----------------------------------------------------------------------------- P10: external raw folders

def test_p10_twins_name_the_same_raw_file_with_different_bytes(corpus):
    """The two P10 dumps name the same relative external raw file; each holds its own dump's
    features (read from the files directly, as numpy sees them), and they differ."""
    out, cases = corpus
    by_name = {c["name"]: c for c in cases}
    values = {}
    for side in ("left", "right"):
        case = by_name[f"p10_external_raw_{side}"]
        assert reference_check.run_case(out, case) is None
        assert reference_check.run_case(out, by_name[f"p10_inline_{side}"]) is None
        with h5py.File(out / case["files"][0], "r") as f:
            ds = f["splits/train/features"]
            name, offset, _ = ds.id.get_create_plist().get_external(0)
            assert name == make_corpus.P10_RAW.encode()
            raw = np.fromfile(out / f"p10_{side}" / name.decode(), dtype="<f4", offset=offset).reshape(ds.shape)
        with h5py.File(out / f"p10_{side}_inline.h5", "r") as f:
            assert np.array_equal(raw, f["splits/train/features"][()])
        values[side] = raw
    assert not np.allclose(values["left"], values["right"])
    missing = by_name["p10_external_raw_only_in_working_folder"]
    assert (out / "raw" / "twin_missing.bin").exists() and not (out / "p10_missing" / "raw").exists()
    message = reference_check.run_case(out, missing)
    assert message is not None and "missing" in message
