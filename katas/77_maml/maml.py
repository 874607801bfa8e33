"""Kata 77: MAML with torch.func.functional_call and second-order gradients. See README.md."""

from collections.abc import Callable

from torch import Tensor, nn

LossFn = Callable[[Tensor, Tensor], Tensor]
Task = tuple[Tensor, Tensor, Tensor, Tensor]  # (support_x, support_y, query_x, query_y)


def inner_adapt(
    model: nn.Module,
    params: dict[str, Tensor],
    support_x: Tensor,
    support_y: Tensor,
    loss_fn: LossFn,
    inner_lr: float,
    steps: int,
    first_order: bool = False,
) -> dict[str, Tensor]:
    """`steps` plain gradient-descent steps on the support set, done functionally.

    params: name -> tensor, the starting point (for MAML, dict(model.named_parameters())).
    Each step computes loss = loss_fn(torch.func.functional_call(model, params,
    (support_x,)), support_y), takes the gradients with torch.autograd.grad with respect
    to the current params (never .backward()), and moves every tensor once:
    params = {name: p - inner_lr * grad}. Each step starts from the previous step's result.
    first_order=False: create_graph=True, so the result is a differentiable function of
    the starting params THROUGH the gradients too (the Hessian term of the
    meta-gradient). first_order=True: the gradients are constants (no create_graph);
    the result still depends on the starting params, with Jacobian the identity.
    Returns a new dict with the same keys in the same order; steps=0 returns the starting
    tensors themselves. The model's own parameters are never changed, and neither their
    .grad nor the params dict. Raises ValueError when steps < 0.
    """
    # TODO: check steps; loop: functional_call, loss, torch.autograd.grad (create_graph?),
    # a new dict of p - inner_lr * g
    raise NotImplementedError("TODO: inner_adapt(model, params, support_x, support_y, ...)")


def maml_loss(
    model: nn.Module,
    tasks: list[Task],
    loss_fn: LossFn,
    inner_lr: float,
    steps: int,
    first_order: bool = False,
) -> Tensor:
    """The MAML meta-objective: the mean over tasks of the query loss after adaptation.

    tasks: a non-empty list of (support_x, support_y, query_x, query_y). For each task,
    adapt from dict(model.named_parameters()) on the SUPPORT set with inner_adapt (same
    inner_lr, steps, first_order), then evaluate loss_fn(functional_call(model, adapted,
    (query_x,)), query_y) on the QUERY set. Returns the 0-d mean over the tasks (not the
    sum). Its .backward() puts the meta-gradient into the model's .grad: the exact
    second-order one by default, first-order MAML's (each task's query gradient at its
    adapted parameters, averaged) with first_order=True. Calling it changes no parameter
    of the model. Raises ValueError when tasks is empty.
    """
    # TODO: check tasks; for each task adapt on the support set, evaluate on the query
    # set; average
    raise NotImplementedError(
        "TODO: maml_loss(model, tasks, loss_fn, inner_lr, steps, first_order)"
    )
