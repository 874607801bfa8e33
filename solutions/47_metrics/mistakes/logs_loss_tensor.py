"""Mistake: writer.add_scalar("train/loss", loss, step) with the loss tensor itself.

The event file looks the same (add_scalar detaches and copies it), but the code passes a
tensor holding the whole graph where a float belongs; in a list of logged values, the
same habit keeps every step's graph alive.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "not a Python float"
REJECTED_BY = "test_logs_python_floats_not_tensors"

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
        writer.add_scalar("train/loss", loss, step)
        writer.add_scalar("train/accuracy", solution.accuracy(targets, logits.argmax(1)), step)
    writer.close()
    return losses
