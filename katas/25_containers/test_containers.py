"""Tests for kata 25: containers register their modules, checked through parameters(),
state_dict(), .to(), an optimizer step and a reference forward pass written with F.*."""

import itertools

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from torchkatas.harness import assert_raises, assert_tensor_close, load_kata

kata = load_kata(__file__)

NOT_REGISTERED = (
    "Likely mistake: modules kept in a plain Python list or dict are not registered, so "
    "parameters(), state_dict(), .to() and optimizers never see them: use nn.ModuleList / "
    "nn.ModuleDict."
)


def random_sizes(seed):
    gen = torch.Generator().manual_seed(seed)
    depth = int(torch.randint(2, 5, (1,), generator=gen))
    return torch.randint(1, 7, (depth,), generator=gen).tolist()


def random_input(seed, shape, device, dtype=torch.float64):
    gen = torch.Generator().manual_seed(1000 + seed)
    return torch.randn(*shape, generator=gen, dtype=torch.float64).to(device, dtype)


def check_parameters(model, expected, what):
    """model.parameters() must be exactly the tensors in `expected` (same objects)."""
    __tracebackhide__ = True
    got = list(model.parameters())
    same_shapes = sorted(tuple(p.shape) for p in got) == sorted(tuple(p.shape) for p in expected)
    if same_shapes and not {id(p) for p in got} & {id(p) for p in expected}:
        raise AssertionError(
            f"{what}.parameters() holds {len(got)} tensors of the right shapes, but none of them "
            f"is the caller's: the members were copied (copy.deepcopy, or new modules loaded "
            f"with their state_dict). Training the copy leaves the caller's modules unchanged; "
            f"store the members themselves in nn.ModuleList(members)."
        )
    if {id(p) for p in got} != {id(p) for p in expected} or len(got) != len(expected):
        raise AssertionError(
            f"{what}.parameters() holds {len(got)} tensors "
            f"({sum(p.numel() for p in got)} numbers), expected {len(expected)} "
            f"({sum(p.numel() for p in expected)} numbers): the parameters of every submodule "
            f"are not registered. {NOT_REGISTERED}"
        )


def check_keys(model, expected, what):
    __tracebackhide__ = True
    got = list(model.state_dict())
    if got != expected:
        if sorted(got) == sorted(expected):
            raise AssertionError(
                f"{what}.state_dict() has the right keys in another order: {got}, expected "
                f"{expected}. Likely mistake: the submodules registered in a different order "
                f"from the one given (sorted names?): build them in the caller's order."
            )
        missing = [k for k in expected if k not in got]
        why = (
            NOT_REGISTERED
            if missing and set(got) < set(expected)
            else "Likely mistake: submodules registered under other names than the docstring's."
        )
        raise AssertionError(f"{what}.state_dict() has keys {got}, expected {expected}. {why}")


def check_dtype(model, dtype, what):
    __tracebackhide__ = True
    wrong = [name for name, p in model.named_parameters() if p.dtype != dtype]
    leftover = [p for p in _all_linear_params(model) if p.dtype != dtype]
    if wrong or leftover:
        raise AssertionError(
            f"after {what}.to({dtype}), {len(wrong) + len(leftover)} parameter tensors are "
            f"not {dtype}: .to() did not reach them. {NOT_REGISTERED}"
        )


def _all_linear_params(model):
    """Linear layers reachable through attributes, registered or not (lists, dicts)."""
    found, seen = [], set()

    def visit(obj):
        if id(obj) in seen:
            return
        seen.add(id(obj))
        if isinstance(obj, nn.Linear):
            found.extend([obj.weight, obj.bias])
        elif isinstance(obj, nn.Module):
            for value in list(vars(obj).values()) + list(obj._modules.values()):
                visit(value)
        elif isinstance(obj, list | tuple):
            for value in obj:
                visit(value)
        elif isinstance(obj, dict):
            for value in obj.values():
                visit(value)

    visit(model)
    return found


# ----------------------------------------------------------------------------- task 1


def sequential_names(sizes):
    names = []
    for i in range(len(sizes) - 1):
        names.append(f"fc{i}")
        if i < len(sizes) - 2:
            names.append(f"relu{i}")
    return names


@pytest.mark.task(1)
@pytest.mark.parametrize("seed", range(4))
def test_sequential_has_named_layers(seed):
    sizes = random_sizes(seed)
    model = kata.mlp_sequential(sizes)
    what = f"mlp_sequential({sizes})"
    if not isinstance(model, nn.Sequential):
        raise AssertionError(f"{what} is a {type(model).__name__}, expected an nn.Sequential.")
    names = [name for name, _ in model.named_children()]
    expected = sequential_names(sizes)
    if names != expected:
        if all(name.isdigit() for name in names):
            why = (
                "nn.Sequential(*layers) numbers them 0, 1, 2...: pass an OrderedDict of "
                "name -> layer to nn.Sequential to name them."
            )
        elif names == [*expected, f"relu{len(sizes) - 2}"]:
            why = "a ReLU after the last layer too; the last Linear gives the logits."
        else:
            why = (
                "other names than fc0, relu0, fc1, ... (numbered from 0, one number per "
                "Linear and the ReLU after it), or a layer missing."
            )
        raise AssertionError(
            f"{what} has children named {names}, expected {expected}. Likely mistake: {why}"
        )
    for name, (n_in, n_out) in zip(names[::2], itertools.pairwise(sizes), strict=True):
        layer = getattr(model, name)
        if not isinstance(layer, nn.Linear) or layer.weight.shape != (n_out, n_in):
            raise AssertionError(f"{what}.{name} is {layer!r}, expected Linear({n_in}, {n_out}).")
    for name in names[1::2]:
        if not isinstance(getattr(model, name), nn.ReLU):
            raise AssertionError(f"{what}.{name} is {getattr(model, name)!r}, expected ReLU().")
    check_keys(model, [f"{n}.{p}" for n in names[::2] for p in ("weight", "bias")], what)


@pytest.mark.task(1)
@pytest.mark.parametrize("seed", range(4))
def test_sequential_matches_reference(seed, device):
    sizes = random_sizes(seed)
    torch.manual_seed(seed)
    model = kata.mlp_sequential(sizes).to(device, torch.float64)
    x = random_input(seed, (5, sizes[0]), device)
    linears = [m for m in model if isinstance(m, nn.Linear)]
    expected = x
    for i, layer in enumerate(linears):
        expected = F.linear(expected, layer.weight, layer.bias)
        if i < len(linears) - 1:
            expected = F.relu(expected)
    assert_tensor_close(
        model(x),
        expected.detach(),
        what=f"mlp_sequential({sizes})(x)",
        mistake="a ReLU after the last layer (logits must be able to go negative), or a "
        "missing ReLU between two layers.",
    )


@pytest.mark.task(1)
def test_sequential_of_two_sizes_is_one_linear(device):
    what = "mlp_sequential([4, 2]), the smallest MLP"
    try:
        model = kata.mlp_sequential([4, 2])
    except ValueError as err:
        raise AssertionError(
            f"{what} raised ValueError: {err}. Likely mistake: an off-by-one check "
            f"(len(sizes) <= 2); only fewer than two sizes are rejected, and two sizes are "
            f"one Linear(4, 2)."
        ) from err
    names = [name for name, _ in model.named_children()]
    if names != ["fc0"] or not isinstance(model.fc0, nn.Linear):
        raise AssertionError(
            f"{what} has children {names}, expected only fc0 = Linear(4, 2) (no ReLU: a ReLU "
            f"follows every Linear but the last)."
        )


@pytest.mark.task(1)
@pytest.mark.parametrize("sizes", [[], [3]])
def test_sequential_rejects_fewer_than_two_sizes(sizes):
    assert_raises(
        ValueError,
        kata.mlp_sequential,
        sizes,
        what=f"mlp_sequential({sizes})",
        mistake="no check len(sizes) >= 2: with fewer sizes there is no layer, and an empty "
        "nn.Sequential returns its input unchanged.",
    )


# ----------------------------------------------------------------------------- task 2


def members(device, n=3, d_in=5, d_out=3, seed=0):
    torch.manual_seed(seed)
    out = [nn.Linear(d_in, d_out) for _ in range(n - 1)]
    out.append(nn.Sequential(nn.Linear(d_in, 4), nn.Tanh(), nn.Linear(4, d_out)))
    return [m.to(device) for m in out]


@pytest.mark.task(2)
def test_ensemble_registers_every_members_parameters(device):
    ms = members(device)
    ens = kata.Ensemble(ms)
    check_parameters(ens, [p for m in ms for p in m.parameters()], "Ensemble(members)")
    keys = [f"members.{i}.{k}" for i, m in enumerate(ms) for k in m.state_dict()]
    check_keys(ens, keys, "Ensemble(members)")


@pytest.mark.task(2)
@pytest.mark.parametrize("seed", range(3))
def test_ensemble_forward_is_the_mean(seed, device):
    ms = [m.double() for m in members(device, n=2 + seed, seed=seed)]
    x = random_input(seed, (4, 5), device)
    with torch.no_grad():
        expected = sum(m(x) for m in ms) / len(ms)
    ens = kata.Ensemble(iter(ms))  # a generator-like iterable, consumed once
    check_mean(ens(x), expected, ms, x, f"Ensemble of {len(ms)} members, forward(x)")


def check_mean(got, expected, ms, x, what):
    """The ensemble's output against the mean, naming the mistake the values pin."""
    __tracebackhide__ = True
    if isinstance(got, torch.Tensor) and got.dim() == 0 and expected.dim() > 0:
        raise AssertionError(
            f"{what} returned a 0-d tensor, expected shape {tuple(expected.shape)}. Likely "
            f"mistake: .mean() without dim= averages every number; average over the members "
            f"only: torch.stack(outputs).mean(dim=0)."
        )
    if isinstance(got, torch.Tensor) and got.shape == expected.shape and len(ms) > 1:
        with torch.no_grad():
            total = sum(m(x) for m in ms)
        if torch.allclose(got.detach().double(), total.double()):
            raise AssertionError(
                f"{what} returned the sum of the outputs instead of their mean: the scale "
                f"grows with the number of members. Divide by len(self.members), or "
                f"torch.stack(outputs).mean(dim=0)."
            )
    assert_tensor_close(
        got,
        expected,
        what=what,
        mistake="the mean taken over another dimension than the members' (stack the outputs "
        "on a new dim 0 and average over dim 0: that holds for outputs of any shape), or "
        "not every member used.",
    )


@pytest.mark.task(2)
@pytest.mark.parametrize("n", [1, 3])
def test_ensemble_mean_holds_for_outputs_of_any_shape(n, device):
    torch.manual_seed(n)
    ms = [nn.Linear(5, 3).to(device, torch.float64) for _ in range(n)]
    x = random_input(n, (2, 4, 5), device)  # (B, T, 5): outputs (B, T, 3), not (B, K)
    with torch.no_grad():
        expected = sum(m(x) for m in ms) / n
    check_mean(kata.Ensemble(ms)(x), expected, ms, x, f"Ensemble of {n}, x (2, 4, 5)")


@pytest.mark.task(2)
def test_ensemble_to_and_eval_reach_every_member(device):
    ens = kata.Ensemble(members(device))
    ens.to(torch.float64)
    check_dtype(ens, torch.float64, "Ensemble(members)")
    out = ens(random_input(0, (2, 5), device))
    if out.dtype != torch.float64:
        raise AssertionError(f"Ensemble.to(float64)(x) returned {out.dtype}. {NOT_REGISTERED}")
    ens.eval()
    awake = [type(m).__name__ for m in _members_anyhow(ens) if m.training]
    if awake:
        raise AssertionError(
            f"after Ensemble.eval(), members {awake} are still in training mode. {NOT_REGISTERED}"
        )


def _members_anyhow(ens):
    members = getattr(ens, "members", [])
    return list(members.values()) if isinstance(members, dict) else list(members)


@pytest.mark.task(2)
def test_ensemble_optimizer_step_trains_every_member(device):
    ms = members(device)
    before = [p.detach().clone() for m in ms for p in m.parameters()]
    ens = kata.Ensemble(ms)
    try:
        opt = torch.optim.SGD(ens.parameters(), lr=0.1)
    except ValueError as err:
        raise AssertionError(
            f"torch.optim.SGD(Ensemble(members).parameters()) raised ValueError: {err}. "
            f"{NOT_REGISTERED}"
        ) from err
    ens(random_input(1, (6, 5), device, torch.float32)).pow(2).sum().backward()
    opt.step()
    after = [p.detach() for m in ms for p in m.parameters()]
    frozen = sum(torch.equal(a, b) for a, b in zip(before, after, strict=True))
    if frozen:
        raise AssertionError(
            f"an SGD step over Ensemble(members).parameters() left {frozen} of {len(before)} "
            f"member tensors unchanged. {NOT_REGISTERED}"
        )


@pytest.mark.task(2)
@pytest.mark.parametrize("kind", ["list", "generator"])
def test_ensemble_rejects_no_members(kind):
    empty = [] if kind == "list" else (m for m in [])
    assert_raises(
        ValueError,
        kata.Ensemble,
        empty,
        what=f"Ensemble(an empty {kind})",
        mistake="the emptiness checked with `if not members` (a generator is always truthy) "
        "or not at all: check len(self.members) == 0 after building the nn.ModuleList.",
    )


ONCE = (
    "a generator can be iterated only once: a check like len(members) or list(members) "
    "before nn.ModuleList(members) fails or empties it. Build the nn.ModuleList first, then "
    "check len(self.members)."
)


@pytest.mark.task(2)
def test_ensemble_accepts_a_generator(device):
    ms = members(device, n=3)
    what = "Ensemble(m for m in members), a generator of 3 members"
    try:
        ens = kata.Ensemble(m for m in ms)
    except NotImplementedError:
        raise
    except (TypeError, ValueError) as err:
        raise AssertionError(
            f"{what} raised {type(err).__name__}: {err}. Likely mistake: {ONCE}"
        ) from err
    held = _members_anyhow(ens)
    if len(held) != 3:
        raise AssertionError(
            f"{what} holds {len(held)} members, expected 3. Likely mistake: {ONCE}"
        )
    check_parameters(ens, [p for m in ms for p in m.parameters()], what)


# ----------------------------------------------------------------------------- task 3


def random_heads(seed):
    gen = torch.Generator().manual_seed(seed)
    names = ["sentiment", "topic", "language", "toxicity"][: 1 + seed % 4]
    sizes = torch.randint(1, 6, (len(names),), generator=gen).tolist()
    return dict(zip(names[::-1], sizes, strict=True))  # not alphabetical: order must be kept


@pytest.mark.task(3)
@pytest.mark.parametrize("seed", range(4))
def test_multihead_registers_every_head(seed, device):
    heads = random_heads(seed)
    model = kata.MultiHead(6, 8, heads).to(device)
    what = f"MultiHead(6, 8, {heads})"
    keys = ["trunk.0.weight", "trunk.0.bias"]
    keys += [f"heads.{n}.{p}" for n in heads for p in ("weight", "bias")]
    check_keys(model, keys, what)
    expected = 6 * 8 + 8 + sum(8 * k + k for k in heads.values())
    n = sum(p.numel() for p in model.parameters())
    if n != expected:
        raise AssertionError(f"{what} has {n} parameters, expected {expected}. {NOT_REGISTERED}")


@pytest.mark.task(3)
@pytest.mark.parametrize("seed", range(4))
def test_multihead_forward_matches_reference(seed, device):
    heads = random_heads(seed)
    torch.manual_seed(seed)
    model = kata.MultiHead(6, 8, heads).to(device, torch.float64)
    x = random_input(seed, (5, 6), device)
    calls = []
    model.trunk.register_forward_hook(lambda *_: calls.append(1))
    out = model(x)
    what = f"MultiHead(6, 8, {heads})(x)"
    if not isinstance(out, dict) or list(out) != list(heads):
        got = list(out) if isinstance(out, dict) else type(out).__name__
        hint = (
            " Likely mistake: the same keys in another order (sorted?): keep the order of "
            "`heads`."
            if isinstance(out, dict) and sorted(out) == sorted(heads)
            else ""
        )
        raise AssertionError(
            f"{what} returned {got}, expected a dict with keys {list(heads)}.{hint}"
        )
    if len(calls) != 1:
        raise AssertionError(
            f"{what}: the trunk ran {len(calls)} times, expected once. Likely mistake: "
            f"head(self.trunk(x)) inside the loop; compute the shared features once."
        )
    lin = model.trunk[0]
    h = F.relu(F.linear(x, lin.weight, lin.bias))
    for name in heads:
        head = model.heads[name]
        expected = F.linear(h, head.weight, head.bias).detach()
        got = out[name]
        if (
            isinstance(got, torch.Tensor)
            and got.shape == expected.shape
            and not torch.allclose(got, expected)
            and torch.allclose(got, expected.relu())
        ):
            raise AssertionError(
                f"{what}[{name!r}] is relu(logits): no entry is negative. Likely mistake: a "
                f"ReLU after each head; the heads give raw logits, only the trunk ends in ReLU."
            )
        assert_tensor_close(
            got,
            expected,
            what=f"{what}[{name!r}]",
            mistake="heads paired with the wrong names, or a trunk other than "
            "Linear(in_features, hidden) then ReLU.",
        )


@pytest.mark.task(3)
def test_multihead_to_and_backward_reach_every_head(device):
    heads = {"a": 2, "b": 3}
    model = kata.MultiHead(4, 5, heads).to(device)
    model.to(torch.float64)
    check_dtype(model, torch.float64, "MultiHead(4, 5, {'a': 2, 'b': 3})")
    out = model(random_input(2, (3, 4), device))
    sum(o.sum() for o in out.values()).backward()
    no_grad = [n for n, p in model.named_parameters() if p.grad is None]
    if no_grad or len(list(model.parameters())) != 6:
        raise AssertionError(
            f"after backward through every head, parameters without a gradient: {no_grad}; "
            f"{len(list(model.parameters()))} parameter tensors registered, expected 6. "
            f"{NOT_REGISTERED}"
        )


@pytest.mark.task(3)
def test_multihead_rejects_no_heads():
    assert_raises(
        ValueError,
        kata.MultiHead,
        4,
        5,
        {},
        what="MultiHead(4, 5, {})",
        mistake="no check that heads is non-empty: the model would return {} for every input.",
    )
