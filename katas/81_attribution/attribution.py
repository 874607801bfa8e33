"""Kata 81: saliency maps and integrated gradients from scratch. See README.md in this folder."""

from torch import Tensor, nn


def saliency(model: nn.Module, x: Tensor, target: int | Tensor, *, absolute: bool = True) -> Tensor:
    """The saliency map: the gradient of the target class's logit with respect to the input.

    model: a classifier returning logits (B, C); x: (B, ...) float inputs; target: one
    class index for every sample (an int) or a (B,) long tensor, one per sample. Returns
        | d model(x)[i, target_i] / d x[i] |      (absolute=True, the default)
    or the signed gradient (absolute=False): the gradient of the TARGET logit alone, not of
    the whole output. Shape, dtype and device of x; detached. Computed in eval mode (dropout
    off, batch norm on its running statistics), so each row depends on its own sample
    only; afterwards every submodule's training flag is as it was. The parameters receive
    no gradient (their .grad is unchanged) and x is not modified (values, .grad,
    requires_grad). Raises ValueError when a target lies outside [0, C) or a target tensor
    is not (B,).
    """
    # TODO: in eval mode (restore every submodule's flag), the gradient of the TARGET
    # logits with respect to a detached copy of x (torch.autograd.grad), abs if asked
    raise NotImplementedError("TODO: saliency(model, x, target, absolute=...)")


def integrated_gradients(
    model: nn.Module,
    x: Tensor,
    target: int | Tensor,
    baseline: Tensor | None = None,
    steps: int = 50,
) -> Tensor:
    """Integrated gradients (Sundararajan et al. 2017), by the midpoint Riemann rule.

    Same model, x and target as saliency. baseline: a tensor of x's shape, or None for
    zeros. With alpha_k = (k + 0.5) / steps for k = 0, ..., steps - 1 (the midpoints of
    steps equal slices of [0, 1]) and g(z) the signed gradient of the target logit at z,
        IG = (x - baseline) * (1 / steps) * sum_k g(baseline + alpha_k * (x - baseline))
    which is captum's IntegratedGradients with method="riemann_middle", n_steps=steps.
    The attributions of sample i sum to about model(x)[i, t_i] - model(baseline)[i, t_i]
    (completeness), the error falling like 1 / steps ** 2 for a smooth model. Returns the
    attributions of x (not of the baseline): shape, dtype and device of x, detached.
    Computed in eval mode like saliency; the parameters receive no gradient and x and
    baseline are not modified. Raises ValueError when steps < 1, baseline's shape is not
    x's, or as saliency does.
    """
    # TODO: the midpoints alpha_k = (k + 0.5) / steps, the target-logit gradient at every
    # baseline + alpha_k * (x - baseline), their mean, times (x - baseline)
    raise NotImplementedError("TODO: integrated_gradients(model, x, target, baseline, steps)")


def completeness_gap(
    model: nn.Module,
    x: Tensor,
    target: int | Tensor,
    attributions: Tensor,
    baseline: Tensor | None = None,
) -> Tensor:
    """How far attributions are from completeness, per sample (captum's convergence delta).

    Same model, x, target and baseline (None: zeros) as integrated_gradients;
    attributions: x's shape. Returns a (B,) tensor of x's dtype and device:
        gap[i] = attributions[i].sum() - (model(x)[i, t_i] - model(baseline)[i, t_i])
    with the model in eval mode (modes restored afterwards) and no graph (detached). Zero
    for exact attributions. Nothing is modified. Raises ValueError when attributions or
    baseline does not have x's shape, or as saliency does.
    """
    # TODO: sum each sample's attributions, minus the change of its target logit from
    # the baseline to x (eval mode, no graph)
    raise NotImplementedError("TODO: completeness_gap(model, x, target, attributions, baseline)")
