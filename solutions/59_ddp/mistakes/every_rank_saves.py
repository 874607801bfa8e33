"""Mistake: every rank saves the checkpoint, not only rank 0.

The ranks hold the same weights, so one writer is enough; several writers race on one file
(and on a shared file system can leave it corrupt).
"""

import argparse
import os

import torch

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "only rank 0 should write"
REJECTED_BY = "test_main_under_torchrun_saves_one_checkpoint_from_rank_zero"


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--checkpoint", default="ddp_checkpoint.pt")
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args(argv)
    rank, world_size = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    state = solution.train_ddp(
        rank, world_size, "gloo", "env://", solution._toy_dataset(), solution._toy_model,
        epochs=args.epochs, shuffle=True,
    )  # fmt: skip
    torch.save(state, args.checkpoint)
    print(f"rank {rank} saved {args.checkpoint}")
