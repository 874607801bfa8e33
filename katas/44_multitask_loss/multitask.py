"""Kata 44: weighting the losses of several tasks, fixed and learned. See README.md."""

from collections.abc import Sequence

from torch import Tensor, nn


def weighted_sum(losses: Sequence[Tensor], weights: Sequence[float]) -> Tensor:
    """Fixed weighting: sum_i weights[i] * losses[i].

    losses: a non-empty sequence of 0-d float tensors on one device (task losses; usually
    they require grad). weights: one Python float >= 0 per loss (0 switches a task off).
    Returns the weighted SUM (not the mean) as a 0-d tensor of the losses' dtype, with a
    graph to every loss: backward gives losses[i] the gradient weights[i]. Neither the
    losses nor the list are modified.
    Raises ValueError if losses is empty, if len(weights) != len(losses), if a weight is
    negative, or if a loss is not 0-d.
    """
    # TODO: check the inputs, then add weights[i] * losses[i] into a NEW tensor (never
    # `+=` into the caller's loss); no .item(), no detach: the graph must survive
    raise NotImplementedError("TODO: weighted_sum(losses, weights)")


class UncertaintyWeighting(nn.Module):
    """Task weights learned from each task's uncertainty (Kendall, Gal and Cipolla, 2018).

    One learned log-variance per task, s_i = log(sigma_i ** 2), held in the registered
    nn.Parameter `log_vars` of shape (num_tasks,), float32, starting at zeros (every task
    weight exp(-0) = 1). An optimizer given module.parameters() trains it, and .to()
    moves it. forward(losses) returns

        total = sum_i ( exp(-s_i) * L_i + s_i )

    the common stable variant: no 1/2 factors (the paper's regression term,
    L / (2 sigma^2) + log sigma, is exactly half of one term here), the same form for
    every task, and s (not sigma) is the parameter, so exp(-s) is finite for every s and
    nothing divides by zero at s = 0. The + s_i term keeps the weights from running to
    zero. At fixed losses L_i > 0 the total is smallest at s_i = log(L_i).
    """

    def __init__(self, num_tasks: int) -> None:
        """log_vars = zeros(num_tasks), a registered parameter. ValueError if num_tasks < 1."""
        # TODO: super().__init__(), then log_vars as an nn.Parameter (a plain tensor is not
        # registered: no optimizer, state_dict or .to() sees it)
        raise NotImplementedError("TODO: UncertaintyWeighting.__init__")

    def forward(self, losses: Sequence[Tensor]) -> Tensor:
        """The weighted total of num_tasks 0-d task losses, a 0-d tensor.

        losses: one 0-d float tensor per task, on log_vars' device. Their graphs are kept
        (gradients reach the model through them: d total / d L_i = exp(-s_i)) and they
        are not modified. Raises ValueError if len(losses) != num_tasks or a loss is not
        0-d.
        """
        # TODO: exp(-s) * L + s for every task, summed; stack the losses, do not detach them
        raise NotImplementedError("TODO: UncertaintyWeighting.forward")
