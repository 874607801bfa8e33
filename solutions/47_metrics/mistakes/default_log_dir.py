"""Mistake: SummaryWriter() without log_dir.

It writes to ./runs/<date>_<host>, wherever the program happens to run, and the caller's
log_dir stays empty.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "without log_dir=log_dir"
REJECTED_BY = "test_event_file_holds_the_logged_scalars"

solution = solution_for(__file__)


def train_and_log(model, batches, loss_fn, optimizer, log_dir):
    from torch.utils.tensorboard import SummaryWriter

    losses = []
    with SummaryWriter() as writer:
        for step, (inputs, targets) in enumerate(batches):
            optimizer.zero_grad()
            logits = model(inputs)
            loss = loss_fn(logits, targets)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            writer.add_scalar("train/loss", losses[-1], global_step=step)
            writer.add_scalar(
                "train/accuracy", solution.accuracy(targets, logits.argmax(1)), global_step=step
            )
    return losses
