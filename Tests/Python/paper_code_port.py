"""An independent numpy port of the paper's released visualisation code (its QR + PCA figure).

Chandrasegaran et al. (ICML 2022), src/visualization/alpha-LS-KD_imagenet_centroids.py, as described
in /work/shared/notes/paper.md: templates [W_k, b_k] with the biases of classes 0, 1, 2 (its bug);
basis = np.linalg.qr of the transposed template matrix, signs as LAPACK gives them; features [x, 1]
and class centroids (means of the *selected* rows) projected onto it; sklearn PCA(n_components=2)
(full solver: centring, SVD, svd_flip with u_based_decision=True) fitted on the train projections
plus the three train centroids, reused for every other split; the first 150 train / 50 other rows
per class in loader order (ascending sample_index here, file order without one).

Written from that description with numpy and h5py only, sharing no code with `project`. Options
switch the paper's choices to the documented defaults of `project`, so a test can show what differs.

Usage: python3 paper_code_port.py DUMP.h5 C0,C1,C2 PROJECTION.h5 [--own-bias] [--all-rows] [--our-signs] [--per-class=N]
Prints, per split, the largest |difference| between PROJECTION.h5's points and centroids and the
port's, without any sign alignment, and the number of axes whose sign differs (a mirror image).
"""
import sys

import h5py
import numpy as np


def svd_flip_u_based(u, vt):
    """sklearn's svd_flip(u, v, u_based_decision=True) as of 2022: the largest-|.| entry of each
    column of U (np.argmax: the first on ties) made positive, Vt's rows flipped alike."""
    rows = np.argmax(np.abs(u), axis=0)
    signs = np.sign(u[rows, range(u.shape[1])])
    return u * signs, vt * signs[:, np.newaxis]


def selected_rows(group, class_index, count):
    labels = group["labels"][()]
    order = group["sample_index"][()] if "sample_index" in group else np.arange(len(labels))
    rows = np.flatnonzero(labels == class_index)
    rows = rows[np.argsort(order[rows], kind="stable")]
    return rows if count is None else rows[:count]


def paper_projection(path, classes, per_class=None, own_bias=False, all_rows=False, our_signs=False):
    """{split: (points (N, 2), centroids (3, 2))} as the released code draws them.

    Each flag switches one choice to `project`'s documented default: own_bias, each class's own bias;
    all_rows, centroids of all rows of the class; our_signs, R's diagonal positive and each PCA axis
    signed so that its largest-magnitude component is positive.
    """
    with h5py.File(path, "r") as f:
        weight = f["classifier/weight"][()].astype(np.float64)
        bias = f["classifier/bias"][()].astype(np.float64)
        biases = bias[classes] if own_bias else bias[[0, 1, 2]]
        templates = np.concatenate([weight[classes], biases[:, None]], axis=1)  # 3 x (D+1)
        q, r = np.linalg.qr(templates.T)  # (D+1) x 3, LAPACK signs
        if our_signs:
            q = q * np.sign(np.diag(r))
        splits = {}
        for split in f["splits"]:
            g = f["splits"][split]
            x = g["features"][()].astype(np.float64)
            n = per_class if per_class is not None else (150 if split == "train" else 50)
            points, centroids = [], []
            for k in classes:
                chosen = x[selected_rows(g, k, n)]
                everything = x[selected_rows(g, k, None)]
                points.append(np.hstack([chosen, np.ones((len(chosen), 1))]) @ q)
                centre = (everything if all_rows else chosen).mean(axis=0)
                centroids.append(np.append(centre, 1.0) @ q)
            splits[split] = (np.vstack(points), np.vstack(centroids))
    fit = np.vstack(splits["train"])
    mean = fit.mean(axis=0)
    u, s, vt = np.linalg.svd(fit - mean, full_matrices=False)
    if our_signs:
        vt = vt * np.sign(vt[range(3), np.argmax(np.abs(vt), axis=1)])[:, None]
    else:
        u, vt = svd_flip_u_based(u, vt)
    components = vt[:2]
    return {split: ((p - mean) @ components.T, (c - mean) @ components.T) for split, (p, c) in splits.items()}


def main():
    dump, classes, projection = sys.argv[1], [int(c) for c in sys.argv[2].split(",")], sys.argv[3]
    flags = sys.argv[4:]
    per_class = None
    for a in sys.argv[4:]:
        if a.startswith("--per-class="):
            per_class = int(a.split("=")[1])
    port = paper_projection(dump, classes, per_class=per_class, own_bias="--own-bias" in flags,
                            all_rows="--all-rows" in flags, our_signs="--our-signs" in flags)
    with h5py.File(projection, "r") as f:
        for split in f["splits"]:
            points = f["splits"][split]["points"][()]
            centroids = f["splits"][split]["centroids"][()]
            want_points, want_centroids = port[split]
            assert points.shape == want_points.shape, (split, points.shape, want_points.shape)
            diff = max(np.abs(points - want_points).max(), np.abs(centroids - want_centroids).max())
            scale = max(np.abs(want_points).max(), np.abs(want_centroids).max())
            # Axes whose sign differs: the port's coordinates with that axis negated fit better.
            mirrored = sum(
                int(np.abs(points[:, a] + want_points[:, a]).max() < np.abs(points[:, a] - want_points[:, a]).max())
                for a in range(2))
            print(split, repr(float(diff)), repr(float(scale)), mirrored)


if __name__ == "__main__":
    main()
