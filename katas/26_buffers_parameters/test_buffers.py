"""Tests for kata 26: parameters vs buffers vs non-persistent buffers, checked through
state_dict(), parameters(), an optimizer, .to() (dtype, the meta device, CUDA) and
F.batch_norm as the oracle for the running statistics."""

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from torchkatas.harness import assert_raises, assert_tensor_close, load_kata

kata = load_kata(__file__)

AS_PARAMETER = (
    "Likely mistake: running statistics made nn.Parameter(requires_grad=False): they are "
    "parameters then, so the optimizer sees them (weight decay moves them). Use "
    "self.register_buffer(name, tensor)."
)
AS_ATTRIBUTE = (
    "Likely mistake: a plain tensor attribute (self.x = torch.zeros(...)) is not registered: "
    "state_dict() does not save it and .to() does not move it. Use self.register_buffer."
)


def random_input(seed, shape, device, dtype=torch.float64):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(*shape, generator=gen, dtype=torch.float64) * 3 + 1
    return x.to(device, dtype)


def all_tensors(module):
    """Every tensor attribute of the module, registered or not (plain attributes too)."""
    found = dict(module.named_parameters())
    found.update(module.named_buffers())
    for name, value in vars(module).items():
        if isinstance(value, torch.Tensor) and not name.startswith("_"):
            found.setdefault(name, value)
    return found


def check_all(module, what, *, dtype=None, device=None):
    __tracebackhide__ = True
    for name, t in all_tensors(module).items():
        # compare device types: torch.device('cuda') != torch.device('cuda:0')
        wrong_device = device is not None and t.device.type != device.type
        if (dtype is not None and t.dtype != dtype) or wrong_device:
            raise AssertionError(
                f"after {what}, the tensor {name!r} is {t.dtype} on {t.device}: .to() did not "
                f"move it. {AS_ATTRIBUTE}"
            )


# ----------------------------------------------------------------------------- task 1


@pytest.mark.task(1)
def test_parameters_buffers_and_state_dict(device):
    norm = kata.RunningNorm(5).to(device)
    params = [name for name, _ in norm.named_parameters()]
    if params != ["weight", "bias"]:
        raise AssertionError(
            f"RunningNorm(5).parameters() are {params}, expected ['weight', 'bias']. "
            + (AS_PARAMETER if len(params) > 2 else "Use self.register_parameter(name, param).")
        )
    keys = list(norm.state_dict())
    if keys != ["weight", "bias", "running_mean", "running_var"]:
        raise AssertionError(
            f"RunningNorm(5).state_dict() has keys {keys}, expected "
            f"['weight', 'bias', 'running_mean', 'running_var']. {AS_ATTRIBUTE}"
        )
    expected = {"weight": 1.0, "bias": 0.0, "running_mean": 0.0, "running_var": 1.0}
    for name, value in norm.state_dict().items():
        assert_tensor_close(
            value, torch.full((5,), expected[name], device=device), what=f"RunningNorm(5).{name}"
        )
    for name, buf in norm.named_buffers():
        if buf.requires_grad:
            raise AssertionError(f"RunningNorm(5).{name} requires grad: a buffer should not.")


@pytest.mark.task(1)
@pytest.mark.parametrize("seed", range(3))
def test_forward_and_running_statistics_match_batch_norm(seed, device):
    gen = torch.Generator().manual_seed(seed)
    features = int(torch.randint(1, 7, (1,), generator=gen))
    momentum = float(torch.rand(1, generator=gen)) * 0.5 + 0.05
    norm = kata.RunningNorm(features, momentum=momentum, eps=1e-3).to(device, torch.float64)
    with torch.no_grad():
        norm.weight.copy_(random_input(seed + 50, (features,), device))
        norm.bias.copy_(random_input(seed + 60, (features,), device))
    mean = torch.zeros(features, device=device, dtype=torch.float64)
    var = torch.ones(features, device=device, dtype=torch.float64)
    what = f"RunningNorm({features}, momentum={momentum:.3f}, eps=1e-3)"
    for step in range(3):
        x = random_input(100 * seed + step, (2 + step, features), device)
        norm.train()
        expected = F.batch_norm(x, mean, var, norm.weight, norm.bias, True, momentum, 1e-3)
        assert_tensor_close(
            norm(x),
            expected.detach(),
            what=f"{what} in train mode, step {step}",
            mistake="normalizing with the unbiased variance (the batch statistics use the "
            "biased one), or with the running statistics in train mode.",
        )
        assert_tensor_close(
            norm.running_mean,
            mean,
            what=f"{what}.running_mean after train step {step}",
            mistake="momentum applied the wrong way round: running = (1 - m) * running + m * "
            "batch.",
        )
        assert_tensor_close(
            norm.running_var,
            var,
            what=f"{what}.running_var after train step {step}",
            mistake="the running variance uses the unbiased variance, x.var(dim=0, "
            "unbiased=True), as BatchNorm does.",
        )
    norm.eval()
    x = random_input(seed + 7, (1, features), device)  # one row: fine in eval mode
    expected = F.batch_norm(x, mean, var, norm.weight, norm.bias, False, momentum, 1e-3)
    assert_tensor_close(
        norm(x),
        expected.detach(),
        what=f"{what} in eval mode",
        mistake="batch statistics in eval mode.",
    )
    assert_tensor_close(
        norm.running_mean,
        mean,
        what=f"{what}.running_mean after eval",
        mistake="running statistics updated in eval mode.",
    )


@pytest.mark.task(1)
def test_running_statistics_carry_no_graph(device):
    norm = kata.RunningNorm(3).to(device)
    for step in range(2):  # a graph kept in a buffer breaks the second backward
        x = random_input(step, (4, 3), device, torch.float32).requires_grad_(True)
        try:
            norm(x).pow(2).sum().backward()
        except RuntimeError as err:
            if isinstance(err, NotImplementedError):
                raise
            raise AssertionError(
                f"RunningNorm: forward + backward at step {step} (x requires grad) raised: "
                f"{err}. Likely mistake: the running statistics were updated with an autograd "
                f"graph attached (update them under torch.no_grad()), or x was changed in "
                f"place (x -= mean on an input that requires grad)."
            ) from err
        for name, buf in norm.named_buffers():
            if buf.requires_grad or buf.grad_fn is not None:
                raise AssertionError(
                    f"after a training forward, RunningNorm.{name} is attached to an autograd "
                    f"graph (grad_fn {buf.grad_fn}). Likely mistake: updated from the batch "
                    f"mean without torch.no_grad() or .detach()."
                )
        if x.grad is None or norm.weight.grad is None:
            raise AssertionError("RunningNorm: no gradient reached x or weight.")


@pytest.mark.task(1)
def test_running_statistics_are_updated_in_place(device):
    """A training forward updates running_mean and running_var in place: the same tensors."""
    norm = kata.RunningNorm(3).to(device)
    before = {name: (buf, buf.data_ptr()) for name, buf in norm.named_buffers()}
    norm(random_input(0, (4, 3), device, torch.float32))
    for name, (buf, ptr) in before.items():
        now = dict(norm.named_buffers()).get(name)
        if now is not buf or now.data_ptr() != ptr:
            raise AssertionError(
                f"after a training forward, RunningNorm(3).{name} is a new tensor, not the "
                f"buffer the module was built with. Likely mistake: self.{name} = (1 - m) * "
                f"self.{name} + m * batch replaces the buffer; update it in place "
                f"(self.{name}.mul_(1 - m).add_(m * batch), or .lerp_) so that whoever holds "
                f"it (state_dict(keep_vars=True), DDP, a CUDA graph) sees the new values."
            )


@pytest.mark.task(1)
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_running_norm_leaves_its_input_untouched(mode, device):
    norm = kata.RunningNorm(3).to(device).train(mode == "train")
    x = random_input(3, (4, 3), device, torch.float32)
    before = x.clone()
    norm(x)
    assert_tensor_close(
        x,
        before,
        what=f"x after RunningNorm(3) in {mode} mode: forward changed the caller's x",
        mistake="normalizing in place (x -= mean, x /= std, x.sub_(...)); compute "
        "(x - mean) / torch.sqrt(var + eps) into a new tensor.",
    )


@pytest.mark.task(1)
def test_training_gradients_match_batch_norm(device):
    """In train mode the gradient flows through the batch mean and variance, as in BatchNorm."""
    norm = kata.RunningNorm(3, eps=1e-3).to(device, torch.float64)
    weight = random_input(11, (3,), device)
    bias = random_input(12, (3,), device)
    with torch.no_grad():
        norm.weight.copy_(weight)
        norm.bias.copy_(bias)
    x = random_input(13, (5, 3), device).requires_grad_(True)
    upstream = random_input(14, (5, 3), device)
    (norm(x) * upstream).sum().backward()
    ref_x, ref_w, ref_b = (t.clone().requires_grad_(True) for t in (x.detach(), weight, bias))
    stats = (torch.zeros(3, device=device, dtype=torch.float64), torch.ones_like(weight))
    out = F.batch_norm(ref_x, *stats, ref_w, ref_b, True, 0.1, 1e-3)
    (out * upstream).sum().backward()
    for name, got, expected in [
        ("x.grad", x.grad, ref_x.grad),
        ("weight.grad", norm.weight.grad, ref_w.grad),
        ("bias.grad", norm.bias.grad, ref_b.grad),
    ]:
        if got is None:
            raise AssertionError(
                f"RunningNorm(3) in train mode: after backward, {name} is None. Likely "
                "mistake: the output was detached from x or from the parameters."
            )
        assert_tensor_close(
            got,
            expected,
            what=f"the gradient {name} through RunningNorm(3) in train mode, x of shape (5, 3)",
            mistake="the batch mean and variance computed under torch.no_grad() (or "
            "detached): they are part of the graph in train mode; only the running-statistic "
            "update belongs under no_grad.",
        )


@pytest.mark.task(1)
def test_optimizer_sees_only_the_parameters(device):
    norm = kata.RunningNorm(4).to(device)
    opt = torch.optim.SGD(norm.parameters(), lr=0.5, weight_decay=0.5)
    seen = {id(p) for group in opt.param_groups for p in group["params"]}
    if seen != {id(norm.weight), id(norm.bias)}:
        raise AssertionError(
            f"an optimizer over RunningNorm(4).parameters() sees {len(seen)} tensors, expected "
            f"2 (weight, bias). {AS_PARAMETER}"
        )
    norm.eval()
    norm(random_input(0, (3, 4), device, torch.float32)).sum().backward()
    opt.step()
    assert_tensor_close(
        norm.running_var,
        torch.ones(4, device=device),
        what="RunningNorm.running_var after an optimizer step",
        mistake=AS_PARAMETER,
    )


@pytest.mark.task(1)
def test_to_casts_and_moves_buffers(device):
    norm = kata.RunningNorm(3).to(device)
    norm.to(torch.float64)
    check_all(norm, "RunningNorm(3).to(torch.float64)", dtype=torch.float64)
    if len(norm.state_dict()) != 4:
        raise AssertionError(
            f"RunningNorm(3).state_dict() has keys {list(norm.state_dict())}. {AS_ATTRIBUTE}"
        )
    norm.to("meta")
    check_all(norm, "RunningNorm(3).to('meta')", device=torch.device("meta"))


@pytest.mark.task(1)
@pytest.mark.cuda
def test_to_cuda_moves_buffers(device):
    norm = kata.RunningNorm(3)  # built on the CPU
    norm.to(device)
    check_all(norm, f"RunningNorm(3).to({device})", device=device)
    norm(random_input(0, (4, 3), device, torch.float32))


@pytest.mark.task(1)
def test_state_dict_round_trip(device):
    torch.manual_seed(0)
    trained = kata.RunningNorm(3).to(device)
    for step in range(3):
        trained(random_input(step, (5, 3), device, torch.float32))
    fresh = kata.RunningNorm(3).to(device)
    fresh.load_state_dict(trained.state_dict())
    trained.eval()
    fresh.eval()
    x = random_input(9, (2, 3), device, torch.float32)
    assert_tensor_close(
        fresh(x),
        trained(x),
        what="a RunningNorm loaded from another's state_dict(), in eval mode",
        mistake=AS_ATTRIBUTE,
    )


# ----------------------------------------------------------------------------- task 2

NON_PERSISTENT = (
    "Likely mistake: register_buffer('table', table) without persistent=False saves the "
    "table in every checkpoint, and a checkpoint without it no longer loads."
)


def table_reference(max_len, dim):
    table = torch.empty(max_len, dim, dtype=torch.float64)
    for p in range(max_len):
        for i in range(dim // 2):
            angle = p / 10000 ** (2 * i / dim)
            table[p, 2 * i], table[p, 2 * i + 1] = math.sin(angle), math.cos(angle)
    return table


@pytest.mark.task(2)
@pytest.mark.parametrize(("max_len", "dim"), [(1, 2), (7, 4), (30, 10)])
def test_table_values_and_forward(max_len, dim, device):
    pos = kata.SinusoidalPositions(max_len, dim).to(device)
    expected = table_reference(max_len, dim).to(device, torch.float32)
    buffers = dict(pos.named_buffers())
    if "table" not in buffers:
        raise AssertionError(
            f"SinusoidalPositions({max_len}, {dim}) has no buffer named 'table' (buffers: "
            f"{list(buffers)}). {AS_ATTRIBUTE}"
        )
    assert_tensor_close(
        buffers["table"],
        expected,
        what=f"SinusoidalPositions({max_len}, {dim}).table",
        mistake="sin and cos swapped, or i instead of 2i in the exponent.",
    )
    t = max(1, max_len - 2)
    x = random_input(dim, (3, t, dim), device, torch.float32)
    before = x.clone()
    out = pos(x)
    what = f"SinusoidalPositions({max_len}, {dim})(x) for x of shape {tuple(x.shape)}"
    assert_tensor_close(
        x,
        before,
        what=f"x after {what}: forward changed the caller's x",
        mistake="x += self.table[:T] (or x.add_) adds into the caller's tensor; return "
        "x + self.table[:T], a new one.",
    )
    assert_tensor_close(out, before + expected[:t], what=what)


@pytest.mark.task(2)
def test_table_is_moved_but_not_saved(device):
    pos = kata.SinusoidalPositions(6, 4).to(device)
    if list(pos.parameters()):
        raise AssertionError(
            "SinusoidalPositions has parameters: the table is fixed, not learned, so it is a "
            "buffer, not an nn.Parameter."
        )
    if "table" in pos.state_dict():
        raise AssertionError(
            f"SinusoidalPositions(6, 4).state_dict() holds 'table'. {NON_PERSISTENT}"
        )
    try:
        pos.load_state_dict({}, strict=True)
    except RuntimeError as err:
        raise AssertionError(
            f"SinusoidalPositions(6, 4).load_state_dict({{}}, strict=True) raised {err}. "
            f"{NON_PERSISTENT}"
        ) from err
    pos.to(torch.float64)
    check_all(pos, "SinusoidalPositions(6, 4).to(torch.float64)", dtype=torch.float64)
    pos.to("meta")
    check_all(pos, "SinusoidalPositions(6, 4).to('meta')", device=torch.device("meta"))


@pytest.mark.task(2)
def test_rejects_odd_dim_and_long_input(device):
    assert_raises(
        ValueError,
        kata.SinusoidalPositions,
        4,
        3,
        what="SinusoidalPositions(4, 3), an odd dim (sin and cos come in pairs)",
        mistake="no check of dim % 2 before building the table (torch's own shape error on "
        "an odd dim is a RuntimeError that says nothing about dim).",
    )
    pos = kata.SinusoidalPositions(4, 2).to(device)
    x = torch.zeros(1, 4, 2, device=device)
    try:
        pos(x)
    except ValueError as err:
        raise AssertionError(
            f"SinusoidalPositions(4, 2)(x) for x of shape (1, 4, 2) raised ValueError: {err}; "
            "T == max_len fits the table's 4 rows. Likely mistake: t >= max_len instead of "
            "t > max_len."
        ) from err
    assert_raises(
        ValueError,
        pos,
        torch.zeros(1, 5, 2, device=device),
        what="SinusoidalPositions(4, 2)(x) for x of shape (1, 5, 2), longer than max_len",
        mistake="no check of T against max_len: self.table[:T] silently returns only "
        "max_len rows (then the add fails or broadcasts).",
    )


# ----------------------------------------------------------------------------- task 3


class WithCache(nn.Module):
    """A module with every kind of state, nested, for describe_state."""

    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(3, 2)
        self.norm = nn.BatchNorm1d(2)
        self.scale = nn.Parameter(torch.ones(()))
        self.register_buffer("mask", torch.ones(3, 3).tril(), persistent=False)
        self.register_buffer("step", torch.zeros((), dtype=torch.long))


def expected_state(module):
    """From the module's internal tables, one submodule at a time."""
    kinds = {}
    for prefix, sub in module.named_modules():
        dot = prefix + "." if prefix else ""
        for name, p in sub._parameters.items():
            if p is not None:
                kinds[dot + name] = "parameter"
        for name, b in sub._buffers.items():
            if b is not None:
                persistent = name not in sub._non_persistent_buffers_set
                kinds[dot + name] = "buffer" if persistent else "non-persistent buffer"
    return kinds


@pytest.mark.task(3)
@pytest.mark.parametrize(
    "make",
    [
        lambda: nn.Linear(3, 2),
        lambda: nn.BatchNorm1d(4),
        lambda: nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2)),
        WithCache,
        lambda: nn.Sequential(WithCache(), nn.ReLU()),
        lambda: nn.Sequential(nn.Linear(3, 2).requires_grad_(False), nn.Linear(2, 2, bias=False)),
        lambda: nn.BatchNorm1d(3, affine=False, track_running_stats=False),
    ],
    ids=["Linear", "BatchNorm1d", "Sequential", "WithCache", "nested", "frozen", "stateless"],
)
def test_describe_state(make, device):
    module = make().to(device)
    before = {k: v.clone() for k, v in module.state_dict().items()}
    got = kata.describe_state(module)
    expected = expected_state(module)
    name = type(module).__name__
    if not isinstance(got, dict):
        raise AssertionError(f"describe_state({name}) returned {type(got).__name__}, not a dict.")
    for key, kind in expected.items():
        if got.get(key) != kind:
            hint = {
                "buffer": "state_dict() holds parameters AND persistent buffers; tell them "
                "apart with named_parameters() / named_buffers().",
                "non-persistent buffer": "non-persistent buffers are not in state_dict(): "
                "find them with named_buffers() and check which are missing from state_dict().",
                "parameter": "parameters come from named_parameters(); a frozen parameter "
                "(requires_grad=False) is still a parameter, so do not decide by requires_grad.",
            }[kind]
            raise AssertionError(
                f"describe_state({name})[{key!r}] is {got.get(key)!r}, expected {kind!r}. "
                f"Likely mistake: {hint}"
            )
    if set(got) != set(expected):
        raise AssertionError(
            f"describe_state({name}) has extra names {sorted(set(got) - set(expected))}."
        )
    for key, value in module.state_dict().items():
        if not torch.equal(value, before[key]):
            raise AssertionError(f"describe_state({name}) changed the module's {key!r}.")
