"""Mistake: make_loader() shuffles without its own generator.

The order and the workers' seeds then come from torch's global generator: any code that
draws a random number before the loop (a model built differently, a random split) changes
the batches.
"""

from torch.utils.data import DataLoader

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "no generator="
REJECTED_BY = "test_two_runs_give_identical_batches_and_losses"


def make_loader(dataset, batch_size, seed, num_workers=2):
    return DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=True,
        num_workers=num_workers,
        worker_init_fn=solution.seed_worker,
    )
