"""Tests for kata 11: evaluation without a graph, against the model run by hand in eval mode."""

import copy

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from torchkatas.harness import assert_tensor_close, load_kata

kata = load_kata(__file__)


def make_model(seed: int, device) -> nn.Sequential:
    """Linear-BatchNorm-ReLU-Dropout-Linear, trained a little so running stats are not 0/1."""
    torch.manual_seed(seed)
    model = nn.Sequential(
        nn.Linear(6, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.5), nn.Linear(8, 3)
    ).to(device, torch.float64)
    with torch.no_grad():
        model(torch.randn(16, 6, dtype=torch.float64, device=device) * 3 + 1)
    return model


def random_batch(seed: int, device, batch: int = 5) -> torch.Tensor:
    gen = torch.Generator().manual_seed(1000 + seed)
    return torch.randn(batch, 6, generator=gen, dtype=torch.float64).to(device)


def eval_output(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    reference = copy.deepcopy(model).eval()
    with torch.no_grad():
        return reference(x)


def snapshot(model: nn.Module) -> dict:
    return {
        "modes": {name: m.training for name, m in model.named_modules()},
        "state": {k: v.detach().clone() for k, v in model.state_dict().items()},
        "flags": {name: p.requires_grad for name, p in model.named_parameters()},
    }


def check_model_untouched(model: nn.Module, before: dict, what: str) -> None:
    __tracebackhide__ = True
    for name, m in model.named_modules():
        if m.training != before["modes"][name]:
            raise AssertionError(
                f"{what} changed the training flag of submodule '{name or 'model'}' from "
                f"{before['modes'][name]} to {m.training}. Likely mistake: left the model in "
                f"eval mode, or restored it with model.train(old) (one flag for all "
                f"submodules); save and restore every submodule's .training."
            )
    for key, value in model.state_dict().items():
        if not torch.equal(value, before["state"][key]):
            raise AssertionError(
                f"{what} changed the model's buffers or parameters ('{key}'). Likely mistake: "
                f"running the forward in train mode, where BatchNorm updates its running "
                f"statistics; call model.eval() first."
            )
    for name, p in model.named_parameters():
        if p.requires_grad != before["flags"][name] or p.grad is not None:
            raise AssertionError(
                f"{what} turned off requires_grad on the parameters or left a .grad "
                f"('{name}': requires_grad={p.requires_grad}). Likely mistake: "
                f"p.requires_grad_(False) to avoid the graph; torch.no_grad() does it without "
                f"touching the model."
            )


def check_no_graph(out, what: str) -> None:
    __tracebackhide__ = True
    if not isinstance(out, torch.Tensor):
        raise AssertionError(f"{what} should return a tensor, got {type(out).__name__}.")
    if out.requires_grad or out.grad_fn is not None:
        raise AssertionError(
            f"{what} built a graph: the output has grad_fn={type(out.grad_fn).__name__} and "
            f"requires_grad={out.requires_grad}. Likely mistake: model(x) outside torch.no_grad()."
        )


def mixed_modes(model: nn.Sequential) -> None:
    """Train mode overall, but the BatchNorm frozen in eval mode (a fine-tuning setup)."""
    model.train()
    model[1].eval()


# ----------------------------------------------------------------------------- tasks 1 and 2


def check_eval_output(name: str, train: bool, device) -> None:
    """name(model, x) equals the eval-mode output, builds no graph, leaves the model alone."""
    __tracebackhide__ = True
    for seed in range(3):
        model = make_model(seed, device).train(train)
        x = random_batch(seed, device)
        x_copy, expected, before = x.clone(), eval_output(model, x), snapshot(model)
        what = f"{name}(model, x) on a model in {'train' if train else 'eval'} mode"
        out = getattr(kata, name)(model, x)
        check_no_graph(out, what)
        check_model_untouched(model, before, what)
        assert_tensor_close(
            out,
            expected,
            what=what,
            mistake="the forward ran in train mode (Dropout active); call model.eval().",
        )
        assert_tensor_close(x, x_copy, what=f"{what}: the caller's x afterwards")


def check_mixed_modes_restored(name: str, device) -> None:
    __tracebackhide__ = True
    model = make_model(7, device)
    mixed_modes(model)
    x = random_batch(7, device)
    before, expected = snapshot(model), eval_output(model, x)
    out = getattr(kata, name)(model, x)
    check_model_untouched(model, before, f"{name}(model, x) with a frozen BatchNorm")
    assert_tensor_close(out, expected, what=f"{name}(model, x) with a frozen BatchNorm")


@pytest.mark.task(1)
@pytest.mark.parametrize("train", [True, False])
def test_predict_equals_eval_mode_without_graph(train, device):
    check_eval_output("predict", train, device)


@pytest.mark.task(1)
def test_predict_restores_each_submodule_mode(device):
    check_mixed_modes_restored("predict", device)


@pytest.mark.task(2)
@pytest.mark.parametrize("train", [True, False])
def test_predict_fast_equals_eval_mode_without_graph(train, device):
    check_eval_output("predict_fast", train, device)


@pytest.mark.task(2)
def test_predict_fast_restores_each_submodule_mode(device):
    check_mixed_modes_restored("predict_fast", device)


@pytest.mark.task(1)
def test_predict_keeps_existing_grads(device):
    model = make_model(3, device)
    loss = model(random_batch(3, device, 8)).square().mean()
    loss.backward()
    grads = {n: p.grad.clone() for n, p in model.named_parameters()}
    model.eval()
    kata.predict(model, random_batch(4, device))
    for n, p in model.named_parameters():
        if p.grad is None or not torch.equal(p.grad, grads[n]):
            raise AssertionError(
                f"predict(model, x) changed the .grad of parameter '{n}' that a training step "
                f"had computed. Evaluation must not touch gradients (no zero_grad, no backward)."
            )


@pytest.mark.task(2)
def test_predict_fast_returns_inference_tensor(device):
    model = make_model(4, device)
    out = kata.predict_fast(model, random_batch(4, device))
    if not isinstance(out, torch.Tensor) or not out.is_inference():
        raise AssertionError(
            "predict_fast(model, x) returned a tensor with is_inference() False. Likely "
            "mistake: torch.no_grad() instead of torch.inference_mode()."
        )


# ----------------------------------------------------------------------------- task 3


def make_backbone_head(seed: int, device):
    torch.manual_seed(seed)
    backbone = nn.Sequential(nn.Linear(6, 10), nn.Tanh(), nn.Linear(10, 4)).to(device).double()
    head = nn.Linear(4, 3).to(device).double()
    gen = torch.Generator().manual_seed(seed)
    targets = torch.randint(3, (7,), generator=gen).to(device)
    return backbone, head, random_batch(seed, device, 7), targets


def frozen_loss(backbone, head, x, targets, what):
    __tracebackhide__ = True
    try:
        loss = kata.frozen_features_loss(backbone, head, x, targets)
    except NotImplementedError:
        raise
    except RuntimeError as err:
        raise AssertionError(
            f"{what} raised RuntimeError: {err}. Likely mistake: the backbone ran under "
            f"torch.inference_mode(): its outputs are inference tensors, which the head "
            f"cannot save for backward. Use detach() or torch.no_grad() there."
        ) from err
    if not isinstance(loss, torch.Tensor) or loss.grad_fn is None:
        raise AssertionError(
            f"{what} returned a loss with no graph (grad_fn None): the head cannot train. "
            f"Likely mistake: the whole computation under torch.no_grad(); only the "
            f"backbone's features must be cut off."
        )
    return loss


@pytest.mark.task(3)
@pytest.mark.parametrize("seed", range(3))
def test_only_the_head_gets_gradients(seed, device):
    backbone, head, x, targets = make_backbone_head(seed, device)
    what = "frozen_features_loss(backbone, head, x, targets)"
    loss = frozen_loss(backbone, head, x, targets, what)
    with torch.no_grad():
        features = backbone(x)
    ref_head = copy.deepcopy(head)
    expected = F.cross_entropy(ref_head(features), targets)
    assert_tensor_close(loss.detach(), expected.detach(), what=what)
    loss.backward()
    expected.backward()
    for name, p in backbone.named_parameters():
        if p.grad is not None:
            raise AssertionError(
                f"after {what}.backward() the backbone received gradients (parameter '{name}' "
                f"has a .grad). Likely mistake: head(backbone(x)) without detach() or no_grad."
            )
        if not p.requires_grad:
            raise AssertionError(
                f"{what} changed requires_grad of the backbone's parameter '{name}'. Cut the "
                f"graph at the features instead of freezing the caller's module."
            )
    for (name, p), ref in zip(head.named_parameters(), ref_head.parameters(), strict=True):
        assert_tensor_close(p.grad, ref.grad, what=f"{what}: gradient of head.{name}")
