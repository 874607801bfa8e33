"""Mistake: the inner gradients taken with loss.backward(create_graph=True) and p.grad.

backward accumulates into the real parameters' .grad: the inner gradients leak into the
meta-gradient, and the next step's p.grad holds the sum of every step so far.
"""

from torch.func import functional_call

CAUGHT_BY = "filled the model's .grad"
REJECTED_BY = "test_inner_adapt_leaves_the_model_and_the_dict_alone"


def inner_adapt(model, params, support_x, support_y, loss_fn, inner_lr, steps, first_order=False):
    if steps < 0:
        raise ValueError("steps < 0")
    start = dict(model.named_parameters())
    for _ in range(steps):
        loss = loss_fn(functional_call(model, params, (support_x,)), support_y)
        loss.backward(create_graph=not first_order, inputs=list(start.values()))
        params = {n: p - inner_lr * start[n].grad for n, p in params.items()}
    return params
