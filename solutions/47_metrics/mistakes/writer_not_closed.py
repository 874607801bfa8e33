"""Mistake: the SummaryWriter is never closed (nor flushed).

Events wait in a queue for a background thread that flushes every 120 s by default: a
short run, or one that crashes, can leave an empty or truncated event file.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "never closed"
REJECTED_BY = "test_the_writer_is_closed"

solution = solution_for(__file__)


def train_and_log(model, batches, loss_fn, optimizer, log_dir):
    from torch.utils.tensorboard import SummaryWriter

    losses = []
    writer = SummaryWriter(log_dir=str(log_dir))
    for step, (inputs, targets) in enumerate(batches):
        optimizer.zero_grad()
        logits = model(inputs)
        loss = loss_fn(logits, targets)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        writer.add_scalar("train/loss", losses[-1], step)
        writer.add_scalar("train/accuracy", solution.accuracy(targets, logits.argmax(1)), step)
    return losses
