"""The tiny classifier of the PyTorch tests, its training (LS teacher, KD students), and a DDP dump
run as a program: `python torch_ddp_worker.py spawn ...` (torch.multiprocessing.spawn) or
`torchrun --standalone --nproc_per_node=2 torch_ddp_worker.py torchrun ...`.

The dump is `penultimate_writer.dump_distributed` on a 2-rank gloo group; the tests compare it with
a single-process dump of the same weights."""

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "notebooks-export"))
import penultimate_writer as pw  # noqa: E402

# The paper's two families (retrievers, colubrid snakes): `eta`'s presets apply unchanged.
WNIDS = ["n02099267", "n02099429", "n02099601", "n02099712", "n02099849",
         "n01728572", "n01728920", "n01729322", "n01734418", "n01737021"]
C, INPUT, HIDDEN, D = len(WNIDS), 12, 32, 16


class TinyNet(nn.Module):
    """Input -> two hidden layers -> the final classifier, named `out` so that only the plain-model
    rule of classifier_of finds it."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(INPUT, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, D), nn.ReLU())
        self.out = nn.Linear(D, C)

    def forward(self, x):
        return self.out(self.body(x))


def make_data(seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian clusters whose centres put each family's classes close together."""
    rng = np.random.default_rng(seed)
    centres = np.random.default_rng(0).normal(size=(C, INPUT))
    centres[5:] += 3.0  # the snakes sit apart from the retrievers
    labels = rng.integers(0, C, n)
    return (centres[labels] + rng.normal(scale=1.2, size=(n, INPUT))).astype(np.float32), labels.astype(np.int64)


def train(x, y, *, teacher=None, temperature=1.0, alpha=0.0, seed=0, steps=300) -> TinyNet:
    """LS training (alpha) without a teacher; KD-only training at `temperature` with one."""
    torch.manual_seed(seed)
    model = TinyNet()
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    xs, ys = torch.from_numpy(x), torch.from_numpy(y)
    with torch.no_grad():
        soft = None if teacher is None else F.softmax(teacher(xs) / temperature, dim=1)
    for _ in range(steps):
        opt.zero_grad()
        logits = model(xs)
        if soft is None:
            loss = F.cross_entropy(logits, ys, label_smoothing=alpha)
        else:
            loss = F.kl_div(F.log_softmax(logits / temperature, dim=1), soft, reduction="batchmean") * temperature ** 2
        loss.backward()
        opt.step()
    return model.eval()


def loaders(data: Path, *, rank=None, world=None, shuffle=False, drop_last=False, batch_size=16):
    """IndexedDataset loaders over the saved splits; a DistributedSampler when rank is given."""
    from torch.utils.data import DataLoader, TensorDataset
    from torch.utils.data.distributed import DistributedSampler

    arrays = np.load(data)
    out = {}
    for split in ("train", "val"):
        dataset = pw.IndexedDataset(TensorDataset(torch.from_numpy(arrays[f"{split}_x"]),
                                                  torch.from_numpy(arrays[f"{split}_y"])))
        sampler = None if rank is None else DistributedSampler(dataset, num_replicas=world, rank=rank,
                                                               shuffle=shuffle, drop_last=drop_last, seed=5)
        out[split] = DataLoader(dataset, batch_size=batch_size, sampler=sampler)
    return out


def dump_rank(rank: int, world: int, args) -> None:
    torch.set_num_threads(1)
    import torch.distributed as dist

    dist.init_process_group("gloo", rank=rank, world_size=world)
    try:
        model = TinyNet()
        model.load_state_dict(torch.load(args.state))
        model = nn.parallel.DistributedDataParallel(model)
        attributes = json.loads(args.attributes)
        broken = rank == args.fail_rank  # this rank forgets its DistributedSampler: it must fail, and so must the others
        pw.dump_distributed(args.out, model=model, attributes=attributes, wnids=WNIDS,
                            loaders=loaders(Path(args.data), rank=None if broken else rank, world=world,
                                            shuffle=args.shuffle, drop_last=args.drop_last,
                                            batch_size=args.batch_size))
    finally:
        dist.destroy_process_group()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("launcher", choices=["spawn", "torchrun"])
    parser.add_argument("--state", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--attributes", required=True)
    parser.add_argument("--shuffle", action="store_true")
    parser.add_argument("--drop-last", action="store_true")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--port", default="29531")
    parser.add_argument("--fail-rank", type=int, default=-1)
    args = parser.parse_args()
    try:
        if args.launcher == "torchrun":
            dump_rank(int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"]), args)
        else:
            os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
            os.environ["MASTER_PORT"] = args.port
            import torch.multiprocessing as mp

            mp.spawn(dump_rank, args=(2, args), nprocs=2, join=True)
    except Exception as e:  # one line for the test to match, like the tools
        print(f"torch_ddp_worker: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(3)


if __name__ == "__main__":
    main()
