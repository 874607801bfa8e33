"""Mistake: the checkpoint is saved where LOCAL_RANK == 0.

On one node that is rank 0, but every node has a LOCAL_RANK 0: on two nodes two ranks
write the checkpoint (racing on a shared file system).
"""

import argparse
import os

import torch

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "decide roles by RANK"
REJECTED_BY = "test_two_torchrun_nodes_end_with_identical_weights"


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--checkpoint", default="ddp_checkpoint.pt")
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args(argv)
    rank, world_size = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    device, backend = solution.choose_device_and_backend(os.environ)
    state = solution.train_ddp(
        rank, world_size, backend, "env://", solution._toy_dataset(), solution._toy_model,
        epochs=args.epochs, shuffle=True, device=device,
    )  # fmt: skip
    if int(os.environ["LOCAL_RANK"]) == 0:
        torch.save(state, args.checkpoint)
        print(f"rank {rank} saved {args.checkpoint}")
