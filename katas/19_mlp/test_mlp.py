"""Tests for kata 19: an MLP module and its functional twin, checked against each other and
against a reference written with plain matrix products."""

import itertools

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from torchkatas.harness import assert_raises, assert_tensor_close, forbid, load_kata

kata = load_kata(__file__)

SIZES = [[5, 3], [4, 8, 2], [6, 16, 16, 16, 3], [3, 7, 5, 1]]
TIGHT = {"rtol": 1e-12, "atol": 1e-12}


def reference(x, params):
    """Linear, ReLU, ..., Linear with @ and clamp."""
    return stack(x, params, lambda i: i < len(params) - 1)


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


SHAPE_HINT = (
    "x may have any number of leading batch dimensions, (..., in_features): F.linear or "
    "x @ weight.T + bias handle them, torch.addmm / torch.mm want exactly 2-d."
)


def run(fn, what, *args, functional=True):
    """Call fn; a RuntimeError becomes a message naming what its text points at."""
    __tracebackhide__ = True
    try:
        return fn(*args)
    except NotImplementedError:
        raise
    except RuntimeError as err:
        text = str(err)
        if "dtype" in text or "device" in text or "Expected all tensors" in text:
            cause = (
                "some layers are not registered, so model.to() did not convert them (use "
                "nn.ModuleList or nn.Sequential)"
                if not functional
                else "a tensor made without the input's dtype or device"
            )
        elif "must be a matrix" in text or "2D" in text or "2-D" in text:
            cause = SHAPE_HINT
        elif functional:
            cause = (
                "x @ weight instead of x @ W.T: nn.Linear's weight is (out_features, "
                "in_features) and F.linear computes x @ weight.T + bias. Or: " + SHAPE_HINT
            )
        else:
            cause = "layer i must map sizes[i] to sizes[i + 1], in the order of sizes"
        raise AssertionError(f"{what} raised RuntimeError: {err}. Likely mistake: {cause}") from err


def stack(x, params, relu_after):
    """x through the layers with @, a ReLU (clamp) after layer i where relu_after(i)."""
    for i, (w, b) in enumerate(params):
        x = x @ w.T + b
        if relu_after(i):
            x = x.clamp(min=0)
    return x


FORWARD = (
    "Linear, ReLU, ..., Linear: a ReLU after every hidden layer, none after the last, the "
    "layers in the order of sizes, each computing x @ W.T + b."
)


def forward_mistake(x, params, got):
    """Which ReLU rule the output broke, found by trying the usual wrong ones."""
    candidates = [
        (lambda i: True, "no ReLU after the last layer: its outputs are logits, may be negative."),
        (lambda i: False, "a ReLU after every hidden layer: without them it is one linear map."),
    ]
    if isinstance(got, torch.Tensor):
        for relu_after, message in candidates:
            y = stack(x, params, relu_after)
            if got.shape == y.shape and torch.allclose(got.detach(), y, rtol=1e-9, atol=1e-9):
                return message
    return FORWARD


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
        found = f"{len(params)} distinct parameter tensors with {got} numbers"
        want = f"{2 * n_layers} tensors (a weight and a bias per layer) with {expected}"
        every = list(model.modules(remove_duplicate=False))
        if len({id(m) for m in every}) < len(every):  # one module object at two places
            cause = (
                "the same nn.Linear object repeated ([layer] * n) shares one set of weights: "
                "create each layer separately."
            )
        elif not params:
            cause = (
                "layers kept in a plain Python list (or dict) are not registered: use "
                "nn.ModuleList or nn.Sequential."
            )
        else:
            cause = "one nn.Linear (with bias) per consecutive pair of sizes, each registered."
        raise AssertionError(
            f"MLP({sizes}).parameters() has {found}; expected {want}. Likely mistake: {cause}"
        )
    shapes = [tuple(m.weight.shape) for m in linears(model)]
    want = [(n_out, n_in) for n_in, n_out in itertools.pairwise(sizes)]
    if shapes != want:
        raise AssertionError(
            f"MLP({sizes}) has Linear weights {shapes}, expected {want}. Likely mistake: layer "
            f"i is nn.Linear(sizes[i], sizes[i + 1]), in the order of sizes."
        )
    off = [n for n, p in model.named_parameters() if p.device.type != device.type]
    if off:
        raise AssertionError(f"after MLP({sizes}).to({device}), {off} are not on {device}.")
    if len(model.state_dict()) != 2 * n_layers:
        raise AssertionError(
            f"MLP({sizes}).state_dict() has {len(model.state_dict())} entries, expected "
            f"{2 * n_layers}: a checkpoint would miss layers (or save extra tensors)."
        )


@pytest.mark.task(1)
@pytest.mark.parametrize("sizes", SIZES, ids=str)
def test_forward_is_linear_relu_stack(sizes, device):
    model = build(sizes, device, seed=1)
    params = [(m.weight, m.bias) for m in linears(model)]
    for batch in [(4, 3), (), (1,)]:  # extra batch dims, none, one example
        x = random_input(sizes, 1, device, batch=batch)
        got = run(model, f"MLP({sizes})(x) for x of shape {tuple(x.shape)}", x, functional=False)
        assert_tensor_close(
            got,
            reference(x, params),
            what=f"MLP({sizes})(x) for x of shape {tuple(x.shape)}",
            mistake=forward_mistake(x, params, got),
            **TIGHT,
        )


@pytest.mark.task(1)
@pytest.mark.parametrize("sizes", [[4], []], ids=str)
def test_too_few_sizes_raise_value_error(sizes):
    assert_raises(
        ValueError,
        kata.MLP,
        sizes,
        what=f"MLP({sizes}), fewer than two sizes (no layer at all)",
        mistake="an MLP needs at least [in_features, out_features]: with fewer than two "
        "sizes there is no layer, and a model that returns its input unchanged hides the "
        "bug. Check len(sizes) >= 2 and raise ValueError.",
    )


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
    for batch in [(9,), (2, 3), ()]:  # any leading batch dims, or none
        x = random_input(sizes, 10, device, batch=batch)
        what = f"mlp_functional(x, params) for sizes {sizes}, x of shape {tuple(x.shape)}"
        before = [x.clone(), *(t.clone() for pair in params for t in pair)]
        got = run(kata.mlp_functional, what, x, params)
        after = [x, *(t for pair in params for t in pair)]
        for i, (old, new) in enumerate(zip(before, after, strict=True)):
            if old.shape != new.shape or not torch.equal(old, new):
                name = "x" if i == 0 else f"params[{(i - 1) // 2}][{(i - 1) % 2}]"
                raise AssertionError(
                    f"{what} changed the caller's {name} (shape {tuple(old.shape)} -> "
                    f"{tuple(new.shape)}). Likely mistake: an in-place operation on an "
                    f"argument (bias.unsqueeze_(0), x.relu_()); use the out-of-place forms."
                )
        assert_tensor_close(
            got, reference(x, params), what=what, mistake=forward_mistake(x, params, got), **TIGHT
        )


@pytest.mark.task(2)
def test_functional_identity_layer_returns_x(device):
    x = random_input([2], 12, device, batch=(5,))
    params = [
        (torch.eye(2, dtype=x.dtype, device=device), torch.zeros(2, dtype=x.dtype, device=device))
    ]
    got = run(kata.mlp_functional, "mlp_functional(x, [(eye(2), zeros(2))])", x, params)
    assert_tensor_close(
        got,
        x,
        what="mlp_functional(x, [(eye(2), zeros(2))]) (one layer: the identity, no ReLU)",
        mistake="a single layer is the output layer: no ReLU after it (negative x must stay).",
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
    out = run(kata.mlp_functional, what, x, params)
    if not isinstance(out, torch.Tensor) or not out.requires_grad:
        raise AssertionError(
            f"mlp_functional(x, params) with params that require grad returned "
            f"{type(out).__name__} that does not require grad, so backward left no .grad on "
            f"the given tensors. Likely mistake: the weights were detached or copied "
            f"(.detach(), .data, torch.tensor(w)), or the forward ran under torch.no_grad()."
        )
    out.sum().backward()
    leaves = [(w.detach().requires_grad_(True), b.detach().requires_grad_(True)) for w, b in params]
    reference(x, leaves).sum().backward()
    for i, ((w, b), (rw, rb)) in enumerate(zip(params, leaves, strict=True)):
        if w.grad is None or b.grad is None:
            raise AssertionError(
                f"{what} left no .grad on layer {i}'s weight or bias. Likely mistake: the "
                f"weights were detached or copied (.detach(), .data, torch.tensor(w)) "
                f"before use."
            )
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
    module = run(model, f"MLP({sizes})(x)", x, functional=False)
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
    run(model, "model(x)", x, functional=False).pow(2).sum().backward()
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


# ----------------------------------------------------------------------------- task 4

STACKS = [
    [(5, 3, True)],
    [(4, 8, True), (8, 2, True)],
    [(6, 6, True), (6, 6, True), (6, 6, True)],  # square: a product in the wrong order fits
    [(3, 7, False), (7, 5, True), (5, 1, False)],  # layers without bias too
]


def linear_stack(spec, device, seed):
    torch.manual_seed(seed)
    layers = [nn.Linear(n_in, n_out, bias=bias) for n_in, n_out, bias in spec]
    return nn.Sequential(*layers).to(device=device, dtype=torch.float64)


def collapse_mistake(model, got):
    """Compares the collapsed weight and bias with the usual wrong ones."""
    weights = [layer.weight.detach() for layer in model]
    biases = [layer.bias.detach() for layer in model if layer.bias is not None]
    w, b = getattr(got, "weight", None), getattr(got, "bias", None)
    if isinstance(w, torch.Tensor) and len(weights) > 1:
        w = w.detach()
        try:
            in_layer_order = weights[0]
            for weight in weights[1:]:
                in_layer_order = in_layer_order @ weight  # W_1 @ W_2 @ ... (wrong)
        except RuntimeError:
            in_layer_order = None
        if in_layer_order is not None and w.shape == in_layer_order.shape:
            if torch.allclose(w, in_layer_order, rtol=1e-9, atol=1e-9):
                return (
                    "W = W_k @ ... @ W_2 @ W_1: the last layer's weight on the left, as "
                    "layer_k(...layer_1(x)) applies W_1 first."
                )
    if isinstance(b, torch.Tensor) and biases and all(x.shape == b.shape for x in biases):
        if torch.allclose(b.detach(), sum(biases), rtol=1e-9, atol=1e-9):
            return (
                "the biases propagate: each earlier bias passes through the later weights, "
                "b = W_k(...(W_2 b_1 + b_2)...) + b_k, not b_1 + ... + b_k."
            )
    return (
        "W = W_k @ ... @ W_1 and b = W_k(...(W_2 b_1 + b_2)...) + b_k (a layer without bias "
        "adds nothing), in a new nn.Linear of the model's dtype and device."
    )


@pytest.mark.task(4)
@pytest.mark.parametrize("spec", STACKS, ids=lambda s: "-".join(f"{a}x{b}" for a, b, _ in s))
def test_collapse_linear_equals_the_stack(spec, device):
    model = linear_stack(spec, device, seed=len(spec))
    what = f"collapse_linear({model})".replace("\n", " ")
    got = kata.collapse_linear(model)
    if not isinstance(got, nn.Linear):
        raise AssertionError(f"{what} returned a {type(got).__name__}, expected an nn.Linear.")
    if (got.in_features, got.out_features) != (spec[0][0], spec[-1][1]) or got.bias is None:
        raise AssertionError(
            f"{what} returned nn.Linear({got.in_features}, {got.out_features}, bias="
            f"{got.bias is not None}), expected nn.Linear({spec[0][0]}, {spec[-1][1]}) with a "
            f"bias (the biases of the stack add up to one)."
        )
    if got.weight.dtype != torch.float64 or got.weight.device.type != device.type:
        raise AssertionError(
            f"{what} returned weights of {got.weight.dtype} on {got.weight.device}, expected "
            f"torch.float64 on {device} (the model's). Likely mistake: nn.Linear(in, out) "
            f"made without dtype= and device= (float32 on the CPU)."
        )
    x = random_input([spec[0][0]], 20, device, batch=(7,))
    with torch.no_grad():
        assert_tensor_close(
            got(x),
            model(x),
            what=f"{what}(x) vs model(x)",
            mistake=collapse_mistake(model, got),
            rtol=1e-10,
            atol=1e-10,
        )


@pytest.mark.task(4)
def test_collapse_linear_leaves_the_model_alone(device):
    model = linear_stack(STACKS[3], device, seed=21).train()
    params = list(model.parameters())
    before = [p.detach().clone() for p in params]
    got = kata.collapse_linear(model)
    after = list(model.parameters())
    if len(after) != len(params) or any(a is not p for a, p in zip(after, params, strict=True)):
        raise AssertionError(
            "collapse_linear(model) changed the model's parameters (other objects now). "
            "Likely mistake: writing the collapsed weights into the model's own layers."
        )
    for i, (p, old) in enumerate(zip(params, before, strict=True)):
        if p.shape != old.shape or not torch.equal(p.detach(), old):
            raise AssertionError(
                f"collapse_linear(model) changed the model: parameter {i} has new values. "
                f"Likely mistake: the collapsed weights written into a layer of the model "
                f"(model[0].weight.copy_(W)) and that layer returned: build a new nn.Linear."
            )
    if not model.training:
        raise AssertionError("collapse_linear(model) put the model into eval mode.")
    ours = {p.untyped_storage().data_ptr() for p in params}
    if isinstance(got, nn.Module) and any(
        q.untyped_storage().data_ptr() in ours for q in got.parameters()
    ):
        raise AssertionError(
            "collapse_linear(model) returned a layer that shares a tensor with the model "
            "(the model's own layer, or its weight): changing one would change the other. "
            "Likely mistake: returning model[0] (one layer) instead of a new nn.Linear."
        )


NOT_LINEAR = "a module that is not an nn.Linear"


@pytest.mark.task(4)
@pytest.mark.parametrize(
    "name,layers",
    [
        ("a ReLU", lambda: [nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)]),
        ("a Tanh", lambda: [nn.Linear(3, 4), nn.Tanh()]),
        ("a Dropout", lambda: [nn.Linear(3, 4), nn.Dropout(0.0), nn.Linear(4, 2)]),
        ("a LayerNorm", lambda: [nn.Linear(3, 4), nn.LayerNorm(4), nn.Linear(4, 2)]),
        ("no layer at all", lambda: []),
        ("sizes that do not chain", lambda: [nn.Linear(3, 4), nn.Linear(5, 2)]),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_collapse_linear_refuses_what_is_not_a_linear_stack(name, layers, device):
    model = nn.Sequential(*layers()).to(device=device, dtype=torch.float64)
    if name.startswith("a "):
        mistake = (
            f"{NOT_LINEAR} (an activation, Dropout, a norm) makes the stack non-linear or "
            f"random, and no single Linear equals it: raise ValueError for any module that "
            f"is not an nn.Linear, not only for the activations you thought of, and never "
            f"skip it."
        )
    elif name == "no layer at all":
        mistake = "an empty nn.Sequential has no sizes to build a Linear from: raise ValueError."
    else:
        mistake = (
            "layer i + 1 must take layer i's out_features: check the sizes and raise "
            "ValueError (not a matmul error from inside)."
        )
    assert_raises(
        ValueError,
        kata.collapse_linear,
        model,
        what=f"collapse_linear(an nn.Sequential with {name})",
        mistake=mistake,
    )


@pytest.mark.task(4)
def test_xor_needs_the_relu(device):
    """No single Linear fits XOR (least squares leaves a residual); Linear-ReLU-Linear does."""
    X = torch.tensor([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=torch.float64, device=device)
    y = torch.tensor([[0], [1], [1], [0]], dtype=torch.float64, device=device)
    # the best any single Linear can do: least squares on [X, 1] (weights and a bias)
    design = torch.cat([X, torch.ones(4, 1, dtype=X.dtype, device=device)], 1)
    best = torch.linalg.pinv(design) @ y  # (3, 1)
    residual = float(((design @ best - y) ** 2).sum())  # 1.0: it predicts 0.5 everywhere
    relu_stack = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1))
    assert_raises(
        ValueError,
        kata.collapse_linear,
        relu_stack.to(device=device, dtype=X.dtype),
        what="collapse_linear(Linear(2, 2), ReLU(), Linear(2, 1))",
        mistake=f"with a ReLU between them the layers are not one linear map: the best "
        f"single Linear on XOR still has squared error {residual:.3f}. Raise ValueError "
        f"({NOT_LINEAR}).",
    )
    model = build([2, 2, 1], device)
    hand = [([[1.0, 1.0], [1.0, 1.0]], [0.0, -1.0]), ([[1.0, -2.0]], [0.0])]  # relu(x1+x2-1)
    with torch.no_grad():
        for (w, b), (hw, hb) in zip(kata.linear_params(model), hand, strict=True):
            w.copy_(torch.tensor(hw))
            b.copy_(torch.tensor(hb))
    got = run(model, "MLP([2, 2, 1]) with hand-set weights, on XOR", X, functional=False)
    assert_tensor_close(
        got,
        y,
        what=f"MLP([2, 2, 1])(XOR inputs) with W1 = [[1, 1], [1, 1]], b1 = [0, -1], "
        f"W2 = [[1, -2]], b2 = [0] (the best single Linear leaves error {residual:.3f})",
        mistake=FORWARD,
        **TIGHT,
    )


# ----------------------------------------------------------------------------- task 5

AUTOGRAD = (
    "torch.Tensor.backward",
    "torch.autograd.backward",
    "torch.autograd.grad",
    "torch.autograd.functional.vjp",
    "torch.autograd.functional.jacobian",
    "torch.func.grad",
    "torch.func.grad_and_value",
    "torch.func.vjp",
)


def call_backward(x, params, target):
    """The learner's mlp_backward, with autograd's entry points switched off."""
    __tracebackhide__ = True
    with forbid(
        *AUTOGRAD,
        kata=kata,
        reason="which mlp_backward must do without: backpropagate by hand, with matrix "
        "products (dW = g.T @ input, db = g.sum(0), g <- g @ W)",
    ):
        return kata.mlp_backward(x, params, target)


def autograd_grads(x, params, target):
    """What the answer must be: autograd through the reference forward, MSE mean."""
    leaves = [tuple(t.detach().clone().requires_grad_(True) for t in pair) for pair in params]
    loss = F.mse_loss(reference(x, leaves), target)
    flat = torch.autograd.grad(loss, [t for pair in leaves for t in pair])
    return [(flat[2 * i], flat[2 * i + 1]) for i in range(len(params))]


def manual_grads(x, params, target, *, scale, relu_at_zero=0.0):
    """The same backward pass with a chosen wrong turn, to name the learner's."""
    inputs, pres, a = [], [], x
    for i, (w, b) in enumerate(params):
        z = a @ w.T + b
        inputs.append(a)
        pres.append(z)
        a = z.clamp(min=0) if i < len(params) - 1 else z
    g = 2 * (a - target) / scale
    out = []
    for i in reversed(range(len(params))):
        if i < len(params) - 1:
            g = g * torch.where(pres[i] > 0, 1.0, torch.where(pres[i] == 0, relu_at_zero, 0.0))
        out.append((g.T @ inputs[i], g.sum(0)))
        g = g @ params[i][0]
    return out[::-1]


def close_to(got, candidate):
    return all(
        isinstance(g, torch.Tensor) and g.shape == c.shape and torch.allclose(g, c, rtol=1e-7)
        for pair_g, pair_c in zip(got, candidate, strict=False)
        for g, c in zip(pair_g, pair_c, strict=False)
    )


def backward_mistake(x, params, target, got):
    """Names the wrong turn the answer took, where one of the usual ones explains it."""
    n, out = target.shape
    candidates = [
        (
            manual_grads(x, params, target, scale=1),
            "summed instead of averaged: the loss is the mean over every element, so "
            f"dL/dy = 2 (y - target) / y.numel() (here / {n * out}), not 2 (y - target).",
        ),
        (
            manual_grads(x, params, target, scale=n),
            f"averaged over the batch only (/ N = {n}): the mean is over every element, "
            f"N * out = {n * out} of them, as F.mse_loss's 'mean'.",
        ),
        (
            manual_grads(x, params, target, scale=n * out / 2),
            "the factor 2 of d(y - t)^2 / dy = 2 (y - t) is missing.",
        ),
        (
            manual_grads(x, params, target, scale=n * out, relu_at_zero=1.0),
            "ReLU's gradient at exactly 0 is 0 (torch's convention): mask with z > 0, not z >= 0.",
        ),
        (
            manual_grads(x, params, target, scale=n * out, relu_at_zero=float("nan")),
            "",
        ),
    ]
    if isinstance(got, list | tuple) and len(got) == len(params):
        for candidate, message in candidates:
            if message and close_to(got, candidate):
                return message
        transposed = [(w.T, b) for w, b in autograd_grads(x, params, target)]
        if all(
            isinstance(pair, tuple | list) and len(pair) == 2 and isinstance(pair[0], torch.Tensor)
            for pair in got
        ) and all(
            g[0].shape == c[0].shape and torch.allclose(g[0], c[0], rtol=1e-7)
            for g, c in zip(got, transposed, strict=True)
        ):
            return "dW = g.T @ input, shaped (out, in) like W (input.T @ g is its transpose)."
    return (
        "the chain rule from the last layer back: dW_i = g.T @ input_i, db_i = g.sum(0), "
        "then g <- g @ W_i and, below a ReLU, g * (z > 0) with z that layer's pre-activation "
        "(not the next layer's). dW is shaped (out, in) like W."
    )


def check_grads(got, expected, what, mistake, **tol):
    __tracebackhide__ = True
    if not isinstance(got, list | tuple) or len(got) != len(expected):
        raise AssertionError(
            f"{what} returned {type(got).__name__}"
            + (f" of {len(got)}" if isinstance(got, list | tuple) else "")
            + f", expected a list of {len(expected)} (dW, db) pairs, one per layer, in order."
        )
    for i, (pair, (dw, db)) in enumerate(zip(got, expected, strict=True)):
        if not isinstance(pair, tuple | list) or len(pair) != 2:
            raise AssertionError(f"{what}[{i}] is not a (dW, db) pair: {type(pair).__name__}.")
        assert_tensor_close(pair[0], dw, what=f"{what}: layer {i} dW", mistake=mistake, **tol)
        assert_tensor_close(pair[1], db, what=f"{what}: layer {i} db", mistake=mistake, **tol)


BACKWARD_CASES = [([5, 3], 4), ([4, 8, 2], 9), ([6, 16, 16, 3], 17), ([3, 7, 5, 1], 1)]


@pytest.mark.task(5)
@pytest.mark.parametrize("sizes,n", BACKWARD_CASES, ids=lambda v: str(v))
def test_mlp_backward_equals_autograd(sizes, n, device):
    params = random_params(sizes, 30 + n, device)
    x = random_input(sizes, 30 + n, device, batch=(n,))
    gen = torch.Generator().manual_seed(40 + n)
    target = torch.randn(n, sizes[-1], generator=gen, dtype=torch.float64).to(device)
    what = f"mlp_backward(x {tuple(x.shape)}, params for sizes {sizes}, target)"
    got = call_backward(x, params, target)
    expected = autograd_grads(x, params, target)
    check_grads(got, expected, what, backward_mistake(x, params, target, got), **TIGHT)


@pytest.mark.task(5)
def test_mlp_backward_relu_gradient_at_zero_is_zero(device):
    """Integer inputs and weights put pre-activations at exactly 0: torch's slope there is 0."""
    gen = torch.Generator().manual_seed(50)
    sizes = [3, 6, 4, 2]
    params = [
        (
            torch.randint(-1, 2, (n_out, n_in), generator=gen).double().to(device),
            torch.randint(-1, 2, (n_out,), generator=gen).double().to(device),
        )
        for n_in, n_out in itertools.pairwise(sizes)
    ]
    x = torch.randint(-1, 2, (8, 3), generator=gen).double().to(device)
    target = torch.randint(-2, 3, (8, 2), generator=gen).double().to(device)
    zeros = int((x @ params[0][0].T + params[0][1] == 0).sum())
    assert zeros > 0, "test set-up: some first-layer pre-activations must be exactly 0"
    what = f"mlp_backward(x, params, target) with {zeros} pre-activations of exactly 0"
    got = call_backward(x, params, target)
    expected = autograd_grads(x, params, target)
    check_grads(got, expected, what, backward_mistake(x, params, target, got), **TIGHT)


@pytest.mark.task(5)
def test_mlp_backward_is_a_mean_over_every_element(device):
    """Doubling the batch (every example twice) leaves the mean's gradient unchanged."""
    sizes = [4, 5, 3]
    params = random_params(sizes, 60, device)
    x = random_input(sizes, 60, device, batch=(6,))
    gen = torch.Generator().manual_seed(61)
    target = torch.randn(6, 3, generator=gen, dtype=torch.float64).to(device)
    once = call_backward(x, params, target)
    twice = call_backward(torch.cat([x, x]), params, torch.cat([target, target]))
    what = "mlp_backward on the batch repeated twice vs on the batch once"
    check_grads(
        twice,
        [(dw.detach(), db.detach()) for dw, db in once] if isinstance(once, list) else once,
        what,
        "summed instead of averaged: a mean does not change when every example appears "
        "twice, a sum doubles. dL/dy = 2 (y - target) / y.numel().",
        **TIGHT,
    )
    check_grads(
        once,
        autograd_grads(x, params, target),
        "mlp_backward(x, params, target) with 3 outputs",
        backward_mistake(x, params, target, once),
        **TIGHT,
    )


@pytest.mark.task(5)
def test_mlp_backward_in_float32_leaves_its_inputs_alone(device):
    sizes = [5, 8, 4]
    params = [(w.float(), b.float()) for w, b in random_params(sizes, 70, device)]
    x = random_input(sizes, 70, device, batch=(6,)).float().t().contiguous().t()
    gen = torch.Generator().manual_seed(71)
    target = torch.randn(6, 4, generator=gen).to(device)
    before = [x.clone(), target.clone(), *(t.clone() for pair in params for t in pair)]
    got = call_backward(x, params, target)
    after = [x, target, *(t for pair in params for t in pair)]
    names = ["x", "target", *(f"params[{i // 2}][{i % 2}]" for i in range(2 * len(params)))]
    for name, old, new in zip(names, before, after, strict=True):
        if old.shape != new.shape or not torch.equal(old, new):
            raise AssertionError(
                f"mlp_backward(x, params, target) changed the caller's {name}. Likely "
                f"mistake: an in-place operation on an argument (-=, mul_, relu_); compute "
                f"new tensors."
            )
    check_grads(
        got,
        autograd_grads(x, params, target),
        "mlp_backward(x, params, target) in float32",
        backward_mistake(x, params, target, got),
        rtol=1e-5,
        atol=1e-6,
    )
