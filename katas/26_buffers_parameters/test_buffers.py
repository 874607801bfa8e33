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


def why_keys_differ(module, expected):
    """Why state_dict() lacks or adds names: each name's registration, read from the module."""
    keys = set(module.state_dict())
    params = dict(module.named_parameters())
    buffers = dict(module.named_buffers())
    reasons = []
    plain = [n for n in expected if n not in keys and isinstance(vars(module).get(n), torch.Tensor)]
    if plain:
        reasons.append(f"{', '.join(map(repr, plain))} missing. {AS_ATTRIBUTE}")
    for name in expected:
        if name in keys or name in plain:
            continue
        if name in buffers:
            reasons.append(
                f"{name!r} is a buffer registered with persistent=False, so state_dict() "
                "skips it. Likely mistake: register_buffer(name, t, persistent=False) where "
                "the value must be saved."
            )
        elif name not in params:
            reasons.append(f"{name!r} is not registered at all (misspelled, or never made).")
    extra = sorted(keys - set(expected))
    if extra:
        reasons.append(f"extra names {extra}: register only weight, bias and the statistics.")
    if not reasons:
        reasons.append(
            "the names are right but in another order: register weight, bias, "
            "running_mean, running_var in that order."
        )
    return " ".join(reasons)


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
        stats_as_params = {"running_mean", "running_var"} & set(params)
        raise AssertionError(
            f"RunningNorm(5).parameters() are {params}, expected ['weight', 'bias']. "
            + (
                AS_PARAMETER
                if stats_as_params
                else "Likely mistake: weight and bias not made nn.Parameter (or named "
                "otherwise), or an extra parameter; use self.weight = nn.Parameter(...)."
            )
        )
    keys = list(norm.state_dict())
    expected_keys = ["weight", "bias", "running_mean", "running_var"]
    if keys != expected_keys:
        raise AssertionError(
            f"RunningNorm(5).state_dict() has keys {keys}, expected {expected_keys}: "
            + why_keys_differ(norm, expected_keys)
        )
    expected = {"weight": 1.0, "bias": 0.0, "running_mean": 0.0, "running_var": 1.0}
    for name, value in norm.state_dict().items():
        assert_tensor_close(
            value, torch.full((5,), expected[name], device=device), what=f"RunningNorm(5).{name}"
        )
    for name, buf in norm.named_buffers():
        if buf.requires_grad:
            raise AssertionError(
                f"RunningNorm(5).{name} requires grad: a buffer should not. Likely mistake: "
                "the buffer was made with requires_grad=True, or from a parameter (not detached)."
            )


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

    def stat_blame(got, old, batch, biased):
        """Which wrong update gives `got`: each candidate is computed, only a match is named."""
        m = momentum
        candidates = [
            (old, "the running statistic was not updated in train mode."),
            (
                (1 - m) * batch + m * old,
                "momentum applied the wrong way round: running = (1 - m) * running + m * batch.",
            ),
            (batch, "the running statistic replaced by the batch's, not blended with momentum."),
        ]
        if biased is not None:
            candidates.append(
                (
                    (1 - m) * old + m * biased,
                    "the running variance uses the "
                    "biased variance; BatchNorm's uses x.var(dim=0, unbiased=True).",
                )
            )
        for value, why in candidates:
            if got.shape == value.shape and torch.allclose(got.to(value.dtype), value):
                return why
        return (
            "a wrong running update (expected (1 - m) * running + m * batch statistic, "
            "the variance unbiased); none of: not updated, momentum swapped, batch value "
            "copied, biased variance."
        )

    for step in range(3):
        x = random_input(100 * seed + step, (2 + step, features), device)
        norm.train()
        old_mean, old_var = mean.clone(), var.clone()
        expected = F.batch_norm(x, mean, var, norm.weight, norm.bias, True, momentum, 1e-3)
        assert_tensor_close(
            norm(x),
            expected.detach(),
            what=f"{what} in train mode, step {step}",
            mistake="normalizing with the unbiased variance (the batch statistics use the "
            "biased one), or with the running statistics in train mode, or eps outside the "
            "square root, or weight and bias swapped.",
        )
        got_mean, got_var = norm.running_mean.detach(), norm.running_var.detach()
        assert_tensor_close(
            got_mean,
            mean,
            what=f"{what}.running_mean after train step {step}",
            mistake=stat_blame(got_mean, old_mean, x.mean(0), None),
        )
        assert_tensor_close(
            got_var,
            var,
            what=f"{what}.running_var after train step {step}",
            mistake=stat_blame(got_var, old_var, x.var(0), x.var(0, unbiased=False)),
        )
    norm.eval()
    x = random_input(seed + 7, (1, features), device)  # one row: fine in eval mode
    expected = F.batch_norm(x, mean, var, norm.weight, norm.bias, False, momentum, 1e-3)
    out = norm(x)
    # one row's batch statistics: mean x, variance 0, so normalizing by them gives the bias
    batch_stats = out.shape == x.shape and torch.allclose(out.detach(), norm.bias.detach())
    assert_tensor_close(
        out,
        expected.detach(),
        what=f"{what} in eval mode",
        mistake="batch statistics in eval mode (the output equals the bias, as it does for "
        "one row normalized by its own statistics)."
        if batch_stats
        else "eval mode does not normalize with running_mean and running_var as "
        "(x - running_mean) / sqrt(running_var + eps) * weight + bias.",
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
            missing = "x.grad" if x.grad is None else "weight.grad"
            raise AssertionError(
                f"RunningNorm(3): after norm(x).pow(2).sum().backward() (x requires grad), "
                f"{missing} is None, expected a gradient. Likely mistake: the output was "
                "computed under torch.no_grad() or detached from x and the parameters."
            )


@pytest.mark.task(1)
def test_running_statistics_are_updated_in_place(device):
    """A training forward updates running_mean and running_var in place: the same tensors."""
    norm = kata.RunningNorm(3).to(device)
    before = {name: (buf, buf.data_ptr()) for name, buf in norm.named_buffers()}
    norm(random_input(0, (4, 3), device, torch.float32))
    for name, (buf, ptr) in before.items():
        now = dict(norm.named_buffers()).get(name)
        if now is not buf or now.data_ptr() != ptr:
            how = (
                f"self.{name} = (1 - m) * self.{name} + m * batch replaces the buffer"
                if now is not buf
                else f"the same tensor object now has new storage (self.{name}.data = ... or "
                ".set_()), so views of the old storage go stale"
            )
            raise AssertionError(
                f"after a training forward, RunningNorm(3).{name} is a new tensor, not the "
                f"buffer the module was built with. Likely mistake: {how}; update it in place "
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
        names = [name for name, _ in norm.named_parameters()]
        stats = {"running_mean", "running_var"} & set(names)
        raise AssertionError(
            f"an optimizer over RunningNorm(4).parameters() sees {len(seen)} tensors "
            f"({names}), expected 2 (weight, bias). "
            + (AS_PARAMETER if stats else "Likely mistake: an extra (or missing) parameter.")
        )
    norm.eval()
    norm(random_input(0, (3, 4), device, torch.float32)).sum().backward()
    after_forward = norm.running_var.detach().clone()
    opt.step()
    # the optimizer holds only weight and bias (checked above): which call changed running_var?
    moved_by_forward = not torch.equal(after_forward, torch.ones(4, device=device))
    assert_tensor_close(
        norm.running_var,
        torch.ones(4, device=device),
        what="RunningNorm(4).running_var after an eval-mode forward, backward and an SGD step "
        "(weight_decay=0.5) over its parameters()",
        mistake="the eval-mode forward changed running_var: running statistics updated in "
        "eval mode."
        if moved_by_forward
        else "opt.step() over weight and bias changed running_var: it shares storage with a "
        "parameter (made from self.weight.data, or a view of it).",
    )


@pytest.mark.task(1)
def test_to_casts_and_moves_buffers(device):
    norm = kata.RunningNorm(3).to(device)
    norm.to(torch.float64)
    check_all(norm, "RunningNorm(3).to(torch.float64)", dtype=torch.float64)
    expected_keys = ["weight", "bias", "running_mean", "running_var"]
    if len(norm.state_dict()) != 4:
        raise AssertionError(
            f"after RunningNorm(3).to(torch.float64), state_dict() has keys "
            f"{list(norm.state_dict())}, expected {expected_keys}: "
            + why_keys_differ(norm, expected_keys)
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
    keys = ["weight", "bias", "running_mean", "running_var"]
    trained.eval()
    fresh.eval()
    x = random_input(9, (2, 3), device, torch.float32)
    assert_tensor_close(
        fresh(x),
        trained(x),
        what="a RunningNorm(3) loaded from a trained one's state_dict(), in eval mode, against "
        "the trained one",
        mistake="state that state_dict() does not carry: "
        + (
            why_keys_differ(fresh, keys)
            if list(fresh.state_dict()) != keys
            else "the keys are all there, so eval mode reads something else (a Python "
            "attribute, or a tensor kept outside the registered buffers)."
        ),
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


def table_blame(got, max_len, dim):
    """Name the wrong table only when it matches one: each candidate is built and compared."""
    ref = table_reference(max_len, dim)
    p = torch.arange(max_len, dtype=torch.float64)[:, None]
    i = torch.arange(dim // 2, dtype=torch.float64)
    candidates = [
        (ref[:, [j ^ 1 for j in range(dim)]], "sin and cos swapped (cos at even columns)."),
        (
            torch.cat([ref[:, 0::2], ref[:, 1::2]], dim=1),
            "sines in the first half, cosines in "
            "the second; they interleave: column 2i is sin, 2i + 1 is cos.",
        ),
    ]
    angle = p / 10000 ** (i / dim)  # i instead of 2i in the exponent
    candidates.append(
        (
            torch.stack([angle.sin(), angle.cos()], -1).flatten(1),
            "i instead of 2i in the exponent: 10000 ** (2 * i / dim).",
        )
    )
    for value, why in candidates:
        if got.shape == value.shape and torch.allclose(got.double().cpu(), value, atol=1e-5):
            return why
    return (
        "a wrong table: expected table[p, 2i] = sin(p / 10000 ** (2i / dim)), "
        "table[p, 2i + 1] = cos(the same angle)."
    )


@pytest.mark.task(2)
@pytest.mark.parametrize(("max_len", "dim"), [(1, 2), (7, 4), (30, 10)])
def test_table_values_and_forward(max_len, dim, device):
    pos = kata.SinusoidalPositions(max_len, dim).to(device)
    expected = table_reference(max_len, dim).to(device, torch.float32)
    buffers = dict(pos.named_buffers())
    if "table" not in buffers:
        if "table" in dict(pos.named_parameters()):
            why = "Likely mistake: the table made an nn.Parameter; it is fixed, so a buffer."
        elif isinstance(vars(pos).get("table"), torch.Tensor):
            why = AS_ATTRIBUTE
        else:
            why = "Likely mistake: the buffer registered under another name."
        raise AssertionError(
            f"SinusoidalPositions({max_len}, {dim}) has no buffer named 'table' (buffers: "
            f"{list(buffers)}). {why}"
        )
    assert_tensor_close(
        buffers["table"],
        expected,
        what=f"SinusoidalPositions({max_len}, {dim}).table",
        mistake=table_blame(buffers["table"], max_len, dim),
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
        if isinstance(err, NotImplementedError):
            raise
        raise AssertionError(
            f"SinusoidalPositions(6, 4).load_state_dict({{}}, strict=True) raised {err}; "
            f"expected it to load, as the module has no saved state. Its state_dict() holds "
            f"{list(pos.state_dict())}. Likely mistake: a buffer or parameter besides the "
            "non-persistent table."
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
            said = got.get(key)
            if said is None:
                hint = f"{key!r} is missing: " + (
                    "non-persistent buffers are not in state_dict(): find them with "
                    "named_buffers() and check which are missing from state_dict()."
                    if kind == "non-persistent buffer"
                    else "walk every submodule (named_parameters() and named_buffers() "
                    "recurse and give dotted names)."
                )
            elif kind == "buffer":
                hint = (
                    "state_dict() holds parameters AND persistent buffers; tell them apart "
                    "with named_parameters() / named_buffers()."
                    if said == "parameter"
                    else "persistent and non-persistent swapped: a persistent buffer is in "
                    "state_dict(), a non-persistent one (found by named_buffers()) is not."
                )
            elif kind == "non-persistent buffer":
                hint = (
                    "a buffer missing from state_dict() is non-persistent: find buffers with "
                    "named_buffers() and check which are missing from state_dict()."
                )
            elif not module.get_parameter(key).requires_grad:
                hint = (
                    "parameters come from named_parameters(); a frozen parameter "
                    "(requires_grad=False) is still a parameter, so do not decide by "
                    "requires_grad."
                )
            else:
                hint = "parameters come from named_parameters(), buffers from named_buffers()."
            raise AssertionError(
                f"describe_state({name})[{key!r}] is {got.get(key)!r}, expected {kind!r}. "
                f"Likely mistake: {hint}"
            )
    if set(got) != set(expected):
        raise AssertionError(
            f"describe_state({name}) has extra names {sorted(set(got) - set(expected))}, "
            f"expected only {sorted(expected)}. Likely mistake: submodules, or plain "
            "attributes, listed as state."
        )
    for key, value in module.state_dict().items():
        if not torch.equal(value, before[key]):
            raise AssertionError(
                f"describe_state({name}) changed the module's {key!r}: it should only read. "
                "Likely mistake: a forward run, or an in-place op on the state."
            )
