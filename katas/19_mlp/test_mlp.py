"""Tests for kata 19: an MLP module and its functional twin, checked against each other and
against a reference written with plain matrix products."""

import itertools

import pytest
import torch
from torch import nn

from torchkatas.harness import assert_tensor_close, load_kata

kata = load_kata(__file__)

SIZES = [[5, 3], [4, 8, 2], [6, 16, 16, 16, 3], [3, 7, 5, 1]]
TIGHT = {"rtol": 1e-12, "atol": 1e-12}


def reference(x, params):
    """Linear, ReLU, ..., Linear with @ and clamp."""
    for i, (w, b) in enumerate(params):
        x = x @ w.T + b
        if i < len(params) - 1:
            x = x.clamp(min=0)
    return x


def random_params(sizes, seed, device):
    gen = torch.Generator().manual_seed(seed)
    return [
        (
            torch.randn(n_out, n_in, generator=gen, dtype=torch.float64).to(device),
            torch.randn(n_out, generator=gen, dtype=torch.float64).to(device),
        )
        for n_in, n_out in itertools.pairwise(sizes)
    ]


def random_input(sizes, seed, device, batch=(9,)):
    gen = torch.Generator().manual_seed(1000 + seed)
    return torch.randn(*batch, sizes[0], generator=gen, dtype=torch.float64).to(device)


def build(sizes, device, seed=0):
    __tracebackhide__ = True
    torch.manual_seed(seed)
    model = kata.MLP(sizes)
    if not isinstance(model, nn.Module):
        raise AssertionError(f"MLP({sizes}) is a {type(model).__name__}, not an nn.Module.")
    return model.to(device=device, dtype=torch.float64)


def linears(model):
    return [m for m in model.modules() if isinstance(m, nn.Linear)]


def run(fn, what, *args):
    __tracebackhide__ = True
    try:
        return fn(*args)
    except NotImplementedError:
        raise
    except RuntimeError as err:
        raise AssertionError(
            f"{what} raised RuntimeError: {err}. Likely mistake: x @ weight instead of "
            f"x @ W.T: nn.Linear's weight is (out_features, in_features) and F.linear "
            f"computes x @ weight.T + bias. (A dtype or device mismatch instead means "
            f"model.to() missed layers that are not registered.)"
        ) from err


# ----------------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.parametrize("sizes", SIZES, ids=str)
def test_parameters_registered(sizes, device):
    model = build(sizes, device)
    n_layers = len(sizes) - 1
    params = list(model.parameters())
    expected = sum(n_out * n_in + n_out for n_in, n_out in itertools.pairwise(sizes))
    got = sum(p.numel() for p in params)
    if len(params) != 2 * n_layers or got != expected:
        raise AssertionError(
            f"MLP({sizes}).parameters() has {len(params)} distinct parameter tensors with {got} "
            f"numbers; expected {2 * n_layers} tensors (a weight and a bias per layer) with "
            f"{expected}. Likely mistake: layers kept in a plain Python list are not "
            f"registered (use nn.ModuleList or nn.Sequential), or the same nn.Linear object "
            f"repeated ([layer] * n) shares one set of weights."
        )
    shapes = [tuple(m.weight.shape) for m in linears(model)]
    want = [(n_out, n_in) for n_in, n_out in itertools.pairwise(sizes)]
    if shapes != want:
        raise AssertionError(f"MLP({sizes}) has Linear weights {shapes}, expected {want}.")
    off = [n for n, p in model.named_parameters() if p.device.type != device.type]
    if off:
        raise AssertionError(f"after MLP({sizes}).to({device}), {off} are not on {device}.")
    if len(model.state_dict()) != 2 * n_layers:
        raise AssertionError(
            f"MLP({sizes}).state_dict() has {len(model.state_dict())} entries, expected "
            f"{2 * n_layers}: a checkpoint would miss layers."
        )


@pytest.mark.task(1)
@pytest.mark.parametrize("sizes", SIZES, ids=str)
def test_forward_is_linear_relu_stack(sizes, device):
    model = build(sizes, device, seed=1)
    x = random_input(sizes, 1, device, batch=(4, 3))  # extra batch dims too
    params = [(m.weight, m.bias) for m in linears(model)]
    got = run(model, f"MLP({sizes})(x)", x)
    assert_tensor_close(
        got,
        reference(x, params),
        what=f"MLP({sizes})(x) for x of shape {tuple(x.shape)}",
        mistake="no ReLU after the last layer (its outputs are logits and may be negative), "
        "ReLU after every hidden layer, layers applied in the order of sizes.",
        **TIGHT,
    )


@pytest.mark.task(1)
def test_too_few_sizes_raise_value_error():
    with pytest.raises(ValueError):
        kata.MLP([4])


@pytest.mark.task(1)
def test_two_models_do_not_share_parameters(device):
    a, b = build([4, 8, 2], device, seed=2), build([4, 8, 2], device, seed=3)
    shared = {id(p) for p in a.parameters()} & {id(p) for p in b.parameters()}
    if shared:
        raise AssertionError(
            "two MLP([4, 8, 2]) instances share parameter tensors. Likely mistake: layers "
            "created once at class level instead of in __init__."
        )


# ----------------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.parametrize("sizes", SIZES, ids=str)
def test_functional_equals_reference(sizes, device):
    params = random_params(sizes, 10, device)
    x = random_input(sizes, 10, device)
    what = f"mlp_functional(x, params) for sizes {sizes}"
    got = run(kata.mlp_functional, what, x, params)
    assert_tensor_close(
        got,
        reference(x, params),
        what=what,
        mistake="x @ W.T is what F.linear computes; no ReLU after the last layer.",
        **TIGHT,
    )


@pytest.mark.task(2)
def test_functional_gradients_reach_the_given_tensors(device):
    sizes = [3, 5, 4]
    params = [
        tuple(t.requires_grad_(True) for t in pair) for pair in random_params(sizes, 11, device)
    ]
    x = random_input(sizes, 11, device)
    what = "mlp_functional(x, params).sum().backward()"
    run(kata.mlp_functional, what, x, params).sum().backward()
    leaves = [(w.detach().requires_grad_(True), b.detach().requires_grad_(True)) for w, b in params]
    reference(x, leaves).sum().backward()
    for i, ((w, b), (rw, rb)) in enumerate(zip(params, leaves, strict=True)):
        if w.grad is None or b.grad is None:
            raise AssertionError(f"{what} left no .grad on layer {i}'s weight or bias.")
        assert_tensor_close(w.grad, rw.grad, what=f"{what}: layer {i} weight.grad", **TIGHT)
        assert_tensor_close(b.grad, rb.grad, what=f"{what}: layer {i} bias.grad", **TIGHT)


# ----------------------------------------------------------------------------- task 3


@pytest.mark.task(3)
@pytest.mark.parametrize("sizes", SIZES, ids=str)
def test_shared_weights_give_identical_outputs(sizes, device):
    model = build(sizes, device, seed=4)
    x = random_input(sizes, 4, device)
    params = kata.linear_params(model)
    if len(params) != len(sizes) - 1:
        raise AssertionError(
            f"linear_params(MLP({sizes})) returned {len(params)} pairs, expected {len(sizes) - 1}."
        )
    for i, ((w, b), layer) in enumerate(zip(params, linears(model), strict=True)):
        if w is not layer.weight or b is not layer.bias:
            raise AssertionError(
                f"linear_params(model)[{i}] is not (layer.weight, layer.bias) itself. Likely "
                f"mistake: copies (.clone(), .detach(), .data) do not share the weights: "
                f"training through them would not train the model."
            )
    functional = run(
        kata.mlp_functional, f"mlp_functional(x, linear_params(MLP({sizes})))", x, params
    )
    module = run(model, f"MLP({sizes})(x)", x)
    if not torch.equal(functional, module):
        assert_tensor_close(
            functional,
            module,
            what=f"mlp_functional(x, linear_params(model)) vs model(x), sizes {sizes}",
            mistake="the two forwards differ: the same layers, the same ReLUs, in the same order.",
            rtol=0,
            atol=0,
        )


@pytest.mark.task(3)
def test_functional_backward_fills_the_models_grads(device):
    sizes = [4, 6, 6, 2]
    model = build(sizes, device, seed=5)
    x = random_input(sizes, 5, device)
    run(model, "model(x)", x).pow(2).sum().backward()
    expected = [p.grad.clone() for p in model.parameters()]
    model.zero_grad()
    run(kata.mlp_functional, "mlp_functional", x, kata.linear_params(model)).pow(2).sum().backward()
    for (name, p), e in zip(model.named_parameters(), expected, strict=True):
        if p.grad is None:
            raise AssertionError(
                f"backward through mlp_functional(x, linear_params(model)) left model.{name}.grad "
                f"None. Likely mistake: linear_params returns copies, not the Parameters."
            )
        assert_tensor_close(
            p.grad, e, what=f"model.{name}.grad via the functional forward", **TIGHT
        )
