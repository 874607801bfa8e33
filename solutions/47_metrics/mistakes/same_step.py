"""Mistake: add_scalar without global_step, so every value is logged at step 0.

TensorBoard then draws all points at x = 0, on top of one another: the curve is lost.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "the same step for every value"
REJECTED_BY = "test_each_value_has_its_own_step"

solution = solution_for(__file__)


def train_and_log(model, batches, loss_fn, optimizer, log_dir):
    from torch.utils.tensorboard import SummaryWriter

    losses = []
    with SummaryWriter(log_dir=str(log_dir)) as writer:
        for inputs, targets in batches:
            optimizer.zero_grad()
            logits = model(inputs)
            loss = loss_fn(logits, targets)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            writer.add_scalar("train/loss", losses[-1])
            writer.add_scalar("train/accuracy", solution.accuracy(targets, logits.argmax(1)))
    return losses
