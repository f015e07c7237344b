#!/usr/bin/env python3
"""Write a small sharded student dump per temperature, as a DDP run's ranks would, to try the
Slurm workflow (and to test it: scripts/slurm-test.sh).

Each student (kd_temperature T) gets WORLD shard files ``OUT/student_T{T}.rank{r}.h5`` written by
``notebooks-export/penultimate_writer.py``. Rank r holds the samples r, r + WORLD, r + 2*WORLD, ...
of each split (DistributedSampler's order without its padding), so when a split's size is not
divisible by WORLD the shards have uneven sizes, and every sample is in exactly one shard. The
classes are the paper's five retrievers and five colubrid snakes plus two others, so
``eta --targets retrievers,snakes`` works; the families draw together as T grows, so η shows
diffusion. Deterministic for a given --seed.

    make_sharded_dumps.py OUT_DIR [--world 3] [--temperatures 1,2,3] [--train 301] [--val 121]
"""

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "notebooks-export"))
import penultimate_writer as pw  # noqa: E402

RETRIEVERS = ["n02099267", "n02099429", "n02099601", "n02099712", "n02099849"]
SNAKES = ["n01728572", "n01728920", "n01729322", "n01734418", "n01737021"]
OTHERS = ["n02113712", "n04347754"]  # miniature poodle, submarine
WNIDS = RETRIEVERS + SNAKES + OTHERS


def class_means(temperature: float, dim: int, seed: int) -> np.ndarray:
    """Class means shared by every student: as T grows, each family draws together around its
    centre and the two families move apart (the paper's systematic diffusion)."""
    means = np.random.default_rng(seed).normal(scale=4.0, size=(len(WNIDS), dim))
    pull = 0.5 * (1.0 - 1.0 / temperature)
    middle = means[:10].mean(axis=0)
    for family in (slice(0, 5), slice(5, 10)):
        centre = means[family].mean(axis=0)
        means[family] += (centre - means[family]) * pull + (centre - middle) * pull
    return means


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", help="folder for the shard files (created)")
    parser.add_argument("--world", type=int, default=3, help="number of ranks (shards per student)")
    parser.add_argument("--temperatures", default="1,2,3", help="comma list of kd_temperature values")
    parser.add_argument("--train", type=int, default=301, help="train samples per student")
    parser.add_argument("--val", type=int, default=121, help="val samples per student")
    parser.add_argument("--dim", type=int, default=16, help="feature dimension")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.world < 1:
        parser.error("--world must be at least 1")
    os.makedirs(args.out, exist_ok=True)
    classes = len(WNIDS)
    for temperature in (float(t) for t in args.temperatures.split(",")):
        means = class_means(temperature, args.dim, args.seed)
        rng = np.random.default_rng([args.seed, int(temperature * 1000)])
        weight = rng.normal(size=(classes, args.dim)).astype(np.float32)
        bias = rng.normal(size=classes).astype(np.float32)
        splits = {}
        for split, size in (("train", args.train), ("val", args.val)):
            labels = np.arange(size) % classes
            features = (means[labels] + rng.normal(size=(size, args.dim))).astype(np.float32)
            logits = features @ weight.T + bias
            splits[split] = dict(features=features, labels=labels, logits=logits.astype(np.float32))
        attributes = dict(model="resnet18", role="student", dataset="toy-imagenet", ls_alpha=0.0,
                          teacher_model="resnet50", teacher_ls_alpha=0.1, kd_temperature=temperature,
                          seed=args.seed)
        name = f"student_T{temperature:g}"
        for rank in range(args.world):
            part = {split: dict(features=s["features"][rank::args.world], labels=s["labels"][rank::args.world],
                                logits=s["logits"][rank::args.world],
                                sample_index=np.arange(len(s["labels"]))[rank::args.world],
                                sample_count=len(s["labels"]))
                    for split, s in splits.items()}
            path = os.path.join(args.out, f"{name}.rank{rank}.h5")
            pw.write_shard(path, rank=rank, count=args.world, attributes=attributes, wnids=WNIDS,
                           weight=weight, bias=bias, splits=part)
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
