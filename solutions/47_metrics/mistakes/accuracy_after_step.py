"""Mistake: the logged accuracy comes from a second forward, after optimizer.step().

It then describes the updated model on a batch it has just trained on, not the forward
whose loss is logged beside it (and costs a second forward).
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "second forward after optimizer.step()"
REJECTED_BY = "test_event_file_holds_the_logged_scalars"

solution = solution_for(__file__)


def train_and_log(model, batches, loss_fn, optimizer, log_dir):
    from torch.utils.tensorboard import SummaryWriter

    losses = []
    with SummaryWriter(log_dir=str(log_dir)) as writer:
        for step, (inputs, targets) in enumerate(batches):
            optimizer.zero_grad()
            loss = loss_fn(model(inputs), targets)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            writer.add_scalar("train/loss", losses[-1], global_step=step)
            with torch.no_grad():
                predicted = model(inputs).argmax(dim=1)
            writer.add_scalar(
                "train/accuracy", solution.accuracy(targets, predicted), global_step=step
            )
    return losses
