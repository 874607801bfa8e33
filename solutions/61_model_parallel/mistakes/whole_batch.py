"""Mistake: the train step runs the whole batch through both stages at once.

The numbers are right, but there is no pipeline: the second stage cannot start until the
first has finished the whole batch, and the activations of the whole batch are alive at
once.
"""

CAUGHT_BY = "the whole batch went through at once"
REJECTED_BY = "test_train_step_gives_the_whole_batch_loss_and_gradients"


def pipeline_train_step(first, second, devices, x, y, loss_fn, n):
    output = second(first(x.to(devices[0])).to(devices[1]))
    loss = loss_fn(output, y.to(devices[1]))
    loss.backward()
    return loss.item()
