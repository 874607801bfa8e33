"""Tests for kata 14: forward and tensor hooks, checked against the forward done by hand."""

import pytest
import torch
from torch import nn
from torch.utils.hooks import RemovableHandle

from torchkatas.harness import assert_raises, assert_tensor_close, load_kata

kata = load_kata(__file__)

ALL_NAMES = ["0", "1", "2", "2.0", "2.1", "3"]


def make_model(seed: int, device) -> nn.Sequential:
    """Linear, an in-place ReLU that overwrites the Linear's output, a nested block, Linear."""
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Linear(5, 8),
        nn.ReLU(inplace=True),
        nn.Sequential(nn.Linear(8, 6), nn.Tanh()),
        nn.Linear(6, 3),
    ).to(device, torch.float64)


def by_hand(model: nn.Sequential, x: torch.Tensor) -> dict[str, torch.Tensor]:
    """Every submodule's input and output, computed step by step without hooks."""
    with torch.no_grad():
        a0 = model[0](x)
        a1 = torch.relu(a0)
        a20 = model[2][0](a1)
        a21 = torch.tanh(a20)
        out = model[3](a21)
    outputs = {"0": a0, "1": a1, "2": a21, "2.0": a20, "2.1": a21, "3": out}
    inputs = {"0": x, "1": a0, "2": a1, "2.0": a1, "2.1": a20, "3": a21}
    return {"out": out, "outputs": outputs, "inputs": inputs}


def check_no_hooks_left(model: nn.Module, what: str, why: str = "") -> None:
    __tracebackhide__ = True
    global_hooks = nn.modules.module._global_forward_hooks
    if global_hooks:
        n = len(global_hooks)
        global_hooks.clear()  # so the tests after this one run clean
        raise AssertionError(
            f"after {what}, {n} global forward hook(s) are still registered: every module "
            f"in the program runs them. Likely mistake: register_module_forward_hook without "
            f"removing its handle; hook the named submodules and remove each handle."
        )
    for name, module in model.named_modules():
        if module._forward_hooks:
            raise AssertionError(
                f"after {what}, submodule '{name or 'model'}' still has forward hooks "
                f"({len(module._forward_hooks)}). "
                + (
                    why
                    or "Likely mistake: the handles were never removed; call "
                    "handle.remove() on each one before returning."
                )
            )


def random_names(seed: int) -> list[str]:
    gen = torch.Generator().manual_seed(seed)
    k = int(torch.randint(1, len(ALL_NAMES) + 1, (1,), generator=gen))
    return [ALL_NAMES[i] for i in torch.randperm(len(ALL_NAMES), generator=gen)[:k].tolist()]


# ----------------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.parametrize("seed", range(5))
def test_captures_each_named_output(seed, device):
    model = make_model(seed, device)
    gen = torch.Generator().manual_seed(100 + seed)
    x = torch.randn(int(torch.randint(1, 6, (1,), generator=gen)), 5, generator=gen)
    x = x.to(device, torch.float64)
    names = random_names(seed)
    names_copy, x_copy = list(names), x.clone()
    if seed % 2:
        model.eval()  # the mode the caller chose must survive the call, either way
    modes = {name: m.training for name, m in model.named_modules()}
    expected = by_hand(model, x)
    what = f"capture_activations(model, x of {tuple(x.shape)}, {names})"
    output, acts = kata.capture_activations(model, x, names)
    if names != names_copy:
        raise AssertionError(
            f"{what} changed the caller's list of names to {names} (it was {names_copy}). "
            f"Likely mistake: names.sort() or names.remove(...) on the argument; copy it."
        )
    if x.requires_grad or not torch.equal(x, x_copy):
        raise AssertionError(
            f"{what} changed the caller's x (values, or requires_grad now {x.requires_grad}). "
            f"Likely mistake: x.requires_grad_() on the caller's x, or an in-place op on it; "
            f"pass x to the model as it is."
        )
    for name, m in model.named_modules():
        if m.training != modes[name]:
            raise AssertionError(
                f"{what} changed the training flag of submodule '{name or 'model'}' from "
                f"{modes[name]} to {m.training}. Likely mistake: model.eval() (or train()) "
                f"inside capture_activations: the output must be what model(x) gives in the "
                f"mode the caller chose."
            )
    assert_tensor_close(output, expected["out"], what=f"{what}: the model's output")
    if output.grad_fn is None:
        raise AssertionError(
            f"{what}: the returned output lost its graph (grad_fn is None). Likely mistake: "
            f"the forward ran under torch.no_grad(), or the output was detached; return "
            f"model(x) as it came, and detach only the captured copies."
        )
    if not isinstance(acts, dict) or list(acts) != names:
        got = list(acts) if isinstance(acts, dict) else type(acts).__name__
        why = ""
        if isinstance(acts, dict) and len(names) > 1 and list(acts) == names[-1:]:
            why = (
                f" Likely mistake: every hook stored its output under the last name, "
                f"{names[-1]!r}: a hook closure that reads the loop variable `name` when it "
                f"runs, after the loop ended; bind it when the hook is made (def hook(module, "
                f"inputs, output, name=name)), or use functools.partial."
            )
        elif isinstance(acts, dict) and sorted(acts) == sorted(names):
            why = (
                " Likely mistake: the keys came in the order the hooks fired (the model's "
                "order), not the order of names; build the result from names, "
                "{name: acts[name] for name in names}."
            )
        raise AssertionError(f"{what}: expected a dict with keys {names} in order, got {got}.{why}")
    for name in names:
        got = acts[name]
        if got.requires_grad or got.grad_fn is not None:
            raise AssertionError(
                f"{what}: activation '{name}' is still attached to the graph (requires_grad "
                f"True): it keeps the whole forward graph alive. Store output.detach()."
            )
        inp, out = expected["inputs"][name], expected["outputs"][name]
        same_as_input = got.shape == inp.shape and torch.allclose(got, inp)
        input_is_output = inp.shape == out.shape and torch.allclose(inp, out)
        if same_as_input and not input_is_output:
            raise AssertionError(
                f"{what}: activation '{name}' equals the submodule's input: captured the "
                f"module's input. A forward hook gets (module, inputs, output); keep output."
            )
        mistake = ""
        if name == "0" and torch.allclose(got, expected["outputs"]["1"]):
            mistake = (
                "the captured Linear output was changed by the in-place ReLU that runs after "
                "it; detach() shares memory, so store output.detach().clone()."
            )
        assert_tensor_close(
            got, expected["outputs"][name], what=f"{what}: activation '{name}'", mistake=mistake
        )
    check_no_hooks_left(model, what)


@pytest.mark.task(1)
def test_in_place_relu_does_not_change_captured_linear_output(device):
    model = make_model(9, device)
    x = torch.randn(4, 5, dtype=torch.float64, device=device) * 3
    expected = by_hand(model, x)["outputs"]["0"]
    _, acts = kata.capture_activations(model, x, ["0"])
    if (expected < 0).any() and torch.equal(acts["0"], torch.relu(expected)):
        raise AssertionError(
            "capture_activations(model, x, ['0']): the captured Linear output has no negative "
            "values: the in-place ReLU that runs after it overwrote the stored tensor. "
            "detach() shares memory; store output.detach().clone()."
        )
    assert_tensor_close(acts["0"], expected, what="capture of the Linear before ReLU(inplace)")


class Boom(nn.Module):
    def forward(self, x):
        raise RuntimeError("planted failure in the forward")


@pytest.mark.task(1)
def test_hooks_removed_when_forward_raises(device):
    model = make_model(3, device)
    model.append(Boom())
    x = torch.randn(2, 5, dtype=torch.float64, device=device)
    what = "capture_activations(model, x, ['0', '2.1']) on a model whose forward raises"
    try:
        kata.capture_activations(model, x, ["0", "2.1"])
    except NotImplementedError:
        raise
    except RuntimeError as err:
        if "planted failure" not in str(err):
            raise
    else:
        raise AssertionError(f"{what} returned normally; the forward's error should propagate.")
    why = (
        "Likely mistake: hooks left behind after the forward raised; remove them in a "
        "finally block (try: output = model(x) finally: handle.remove())."
    )
    if any(m._forward_hooks for m in model.modules()):
        # a second check: does a forward that does not raise leave hooks behind too?
        plain = make_model(3, device)
        kata.capture_activations(plain, x, ["0", "2.1"])
        if any(m._forward_hooks for m in plain.modules()):
            why = (
                "Likely mistake: the handles are never removed, not even after a forward "
                "that succeeds; call handle.remove() on each one, in a finally block."
            )
    check_no_hooks_left(model, what, why)


@pytest.mark.task(1)
def test_the_callers_own_hooks_stay(device):
    """Only the hooks capture_activations registered are removed, not the caller's."""
    model = make_model(8, device)
    seen: list[str] = []
    handle = model[0].register_forward_hook(lambda module, inputs, output: seen.append("0"))
    x = torch.randn(2, 5, dtype=torch.float64, device=device)
    what = "capture_activations(model, x, ['0']) on a model whose '0' has the caller's hook"
    try:
        kata.capture_activations(model, x, ["0"])
        if len(model[0]._forward_hooks) != 1:
            raise AssertionError(
                f"after {what}, '0' has {len(model[0]._forward_hooks)} forward hook(s), "
                f"expected 1, the caller's. Likely mistake: module._forward_hooks.clear() "
                f"removes every hook, the caller's too; call remove() on your own handles."
            )
        if seen != ["0"]:
            raise AssertionError(
                f"the caller's forward hook on '0' ran {len(seen)} time(s) during {what}, "
                f"expected once (the model runs once, and the caller's hook must still run)."
            )
    finally:
        handle.remove()


class Counter(nn.Module):
    """Identity that counts its forwards: shows whether the model ran."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def forward(self, x):
        self.calls += 1
        return x


@pytest.mark.task(1)
def test_runs_the_model_once(device):
    model = make_model(7, device)
    model.insert(2, Counter())  # "2" is the counter; the Linear and in-place ReLU stay "0", "1"
    x = torch.randn(3, 5, dtype=torch.float64, device=device)
    what = "capture_activations(model, x, ['0', '3.1'])"
    output, _acts = kata.capture_activations(model, x, ["0", "3.1"])
    if model[2].calls != 1:
        raise AssertionError(
            f"{what} ran the model's forward {model[2].calls} times, expected once. Likely "
            f"mistake: a forward to capture (under no_grad) and another for the output, or "
            f"a forward per name; register every hook first, then run model(x) once and "
            f"return that output."
        )
    with torch.no_grad():
        expected = model(x)
    assert_tensor_close(output, expected, what=f"{what}: the model's output")


@pytest.mark.task(1)
def test_unknown_name_raises_before_any_hook(device):
    model = make_model(4, device)
    model.insert(0, Counter())  # names shift by one: "1" is the first Linear
    x = torch.randn(2, 5, dtype=torch.float64, device=device)
    assert_raises(
        AttributeError,
        kata.capture_activations,
        model,
        x,
        ["1", "3.7"],
        what="capture_activations(model, x, ['1', '3.7']) with '3.7' not a submodule",
        mistake="looking names up in dict(model.named_modules()) raises KeyError; "
        "model.get_submodule(name) raises the AttributeError the docstring promises.",
    )
    if model[0].calls:
        raise AssertionError(
            f"capture_activations(model, x, ['1', '3.7']) ran the model's forward "
            f"({model[0].calls} time(s)) before raising for the bad name '3.7'. Likely "
            f"mistake: hooking every module, running the model, then picking the names; "
            f"look each name up before running the model."
        )
    check_no_hooks_left(
        model,
        "capture_activations(model, x, ['1', '3.7']) raising AttributeError",
        "Likely mistake: a hook was registered for '1' before '3.7' turned out not to exist; "
        "look every name up (model.get_submodule) before registering any hook.",
    )


@pytest.mark.task(1)
def test_the_empty_name_is_the_model_itself(device):
    model = make_model(5, device)
    x = torch.randn(3, 5, dtype=torch.float64, device=device)
    expected = by_hand(model, x)
    what = "capture_activations(model, x, ['', '2.0'])"
    try:
        _output, acts = kata.capture_activations(model, x, ["", "2.0"])
    except NotImplementedError:
        raise
    except AttributeError as err:
        raise AssertionError(
            f"{what} raised AttributeError: {err}. '' is how model.named_modules() spells "
            f"the model itself, and model.get_submodule('') returns the model itself; "
            f"likely mistake: looking names up with getattr, which knows no ''."
        ) from err
    assert_tensor_close(acts[""], expected["out"], what=f"{what}: activation ''")
    assert_tensor_close(acts["2.0"], expected["outputs"]["2.0"], what=f"{what}: activation '2.0'")
    check_no_hooks_left(model, what)


@pytest.mark.task(1)
def test_no_names_capture_nothing(device):
    model = make_model(6, device)
    x = torch.randn(2, 5, dtype=torch.float64, device=device)
    what = "capture_activations(model, x, [])"
    output, acts = kata.capture_activations(model, x, [])
    assert_tensor_close(output, by_hand(model, x)["out"], what=f"{what}: the model's output")
    if acts != {}:
        raise AssertionError(f"{what} returned activations {list(acts)}, expected {{}}.")
    check_no_hooks_left(model, what)


# ----------------------------------------------------------------------------- task 2


def clipped_setup(seed: int, device):
    gen = torch.Generator().manual_seed(200 + seed)
    x = torch.randn(4, 5, generator=gen, dtype=torch.float64).to(device)
    w = torch.randn(4, 5, generator=gen, dtype=torch.float64).to(device)
    c = torch.randn(4, 5, generator=gen, dtype=torch.float64).to(device) * 3
    h = (x * w).detach()
    upstream = 3 * c * h**2  # the gradient of sum(c * h**3) with respect to h
    clip = float(upstream.abs().median())  # about half the elements get clipped
    return x, w, c, clip, upstream


def register(t: torch.Tensor, clip: float, what: str) -> RemovableHandle:
    __tracebackhide__ = True
    handle = kata.clip_grad_hook(t, clip)
    if not isinstance(handle, RemovableHandle):
        raise AssertionError(
            f"{what} returned {type(handle).__name__}, expected the RemovableHandle that "
            f"t.register_hook returns; without the handle the hook can never be removed."
        )
    return handle


def check_clipped(got, upstream, clip, what, scale=1.0):
    __tracebackhide__ = True
    expected = upstream.clamp(-clip, clip) * scale
    if torch.allclose(got, upstream * scale):
        raise AssertionError(
            f"{what}: the gradient was not clipped at all. Likely mistake: the hook must "
            f"return the new gradient (grad.clamp(...)); a hook that returns None changes "
            f"nothing. Or the hook is not on t (registered on a copy such as t.detach()), "
            f"or it was removed before clip_grad_hook returned."
        )
    norm_clipped = upstream * min(1.0, clip / float(upstream.norm())) * scale
    if torch.allclose(got, norm_clipped):
        raise AssertionError(
            f"{what}: the gradient was clipped by norm (scaled as a whole); the kata asks "
            f"for elementwise clamping to [-clip, clip]."
        )
    if not torch.allclose(upstream, upstream.clamp(max=clip)) and torch.allclose(
        got, upstream.clamp(max=clip) * scale
    ):
        raise AssertionError(
            f"{what}: gradients below -clip passed unclipped: the hook clamps with only the "
            f"upper bound (grad.clamp(max=clip)); clamp into [-clip, clip], "
            f"grad.clamp(-clip, clip)."
        )
    tol = 1e-12 if got.dtype == torch.float64 else 1e-5  # float32: one rounding per product
    assert_tensor_close(got, expected, what=what, rtol=tol, atol=tol)


@pytest.mark.task(2)
@pytest.mark.parametrize("seed", range(4))
def test_hook_clips_gradient_of_intermediate(seed, device):
    x, w, c, clip, upstream = clipped_setup(seed, device)
    if seed == 3:  # float32 gradients too
        x, w, c, upstream = x.float(), w.float(), c.float(), upstream.float()
    x.requires_grad_(True)
    h = x * w  # an intermediate tensor
    what = f"clip_grad_hook(h, {clip:.3g}) on h = x * w, then sum(c * h**3).backward()"
    register(h, clip, what)
    (c * h**3).sum().backward()
    check_clipped(x.grad, upstream, clip, f"{what}: x.grad", scale=w)
    if x.grad.dtype != x.dtype:
        raise AssertionError(f"{what}: x.grad is {x.grad.dtype}, x is {x.dtype}.")


@pytest.mark.task(2)
@pytest.mark.parametrize("seed", range(3))
def test_hook_clips_gradient_of_leaf_then_removes_cleanly(seed, device):
    x, w, c, clip, _ = clipped_setup(seed, device)
    leaf = (x * w).requires_grad_(True)
    upstream = 3 * c * leaf.detach() ** 2
    what = f"clip_grad_hook(leaf, {clip:.3g}), then sum(c * leaf**3).backward()"
    handle = register(leaf, clip, what)
    if leaf.grad is not None:
        raise AssertionError(f"{what}: leaf.grad is set before any backward: it ran one itself.")
    (c * leaf**3).sum().backward()
    check_clipped(leaf.grad, upstream, clip, f"{what}: leaf.grad")
    handle.remove()
    if leaf._backward_hooks:
        raise AssertionError(
            f"after handle.remove(), the leaf still has {len(leaf._backward_hooks)} tensor "
            f"hook(s). Likely mistake: more than one hook registered on t, with only one "
            f"handle returned; register one hook and return its handle."
        )
    leaf.grad = None
    (c * leaf**3).sum().backward()
    assert_tensor_close(
        leaf.grad,
        upstream,
        what="leaf.grad after handle.remove() and a new backward",
        mistake="the hook still clips after removal: was the handle returned the hook's own?",
    )


@pytest.mark.task(2)
@pytest.mark.parametrize("clip", [0.0, -1.0])
def test_clip_grad_hook_rejects_a_clip_that_is_not_positive(clip, device):
    t = torch.ones(3, dtype=torch.float64, device=device, requires_grad=True) * 2
    mistake = "no check of clip."
    if clip == 0:
        # a second check: is a negative clip rejected? Then only the bound at 0 is wrong.
        probe = torch.ones(3, dtype=torch.float64, device=device, requires_grad=True) * 2
        try:
            kata.clip_grad_hook(probe, -1.0)
        except NotImplementedError:
            raise
        except ValueError:
            mistake = "checking clip < 0 instead of clip <= 0: a clip of 0 zeroes every gradient."
        except Exception:  # any other outcome: the check of clip is missing
            pass
    assert_raises(
        ValueError,
        kata.clip_grad_hook,
        t,
        clip,
        what=f"clip_grad_hook(t, {clip})" + (", clip exactly 0" if clip == 0 else ""),
        mistake=mistake,
    )
    if t._backward_hooks:
        raise AssertionError(
            f"clip_grad_hook(t, {clip}) raised, but left a hook on t: check the arguments "
            f"before registering."
        )


@pytest.mark.task(2)
def test_clip_grad_hook_rejects_a_tensor_without_grad(device):
    plain = torch.ones(3, device=device)
    assert_raises(
        ValueError,
        kata.clip_grad_hook,
        plain,
        1.0,
        what="clip_grad_hook(t without requires_grad, 1.0)",
        mistake="no check of t.requires_grad: register_hook itself raises RuntimeError "
        "there; check it yourself and raise ValueError.",
    )


def shared_setup(device):
    gen = torch.Generator().manual_seed(300)
    x, z, c = (torch.randn(4, 5, generator=gen, dtype=torch.float64).to(device) for _ in "xzc")
    return x, z, c * 3


@pytest.mark.task(2)
def test_hook_leaves_gradients_other_tensors_share_alone(device):
    # t + z: AddBackward hands the SAME gradient tensor to t and to z. A hook that clamps
    # it in place clips z's gradient too.
    x, z, c = shared_setup(device)
    t = x.clone().requires_grad_(True)  # a leaf
    z.requires_grad_(True)
    out = t + z
    upstream = 3 * c * out.detach() ** 2
    clip = float(upstream.abs().median())
    what = f"clip_grad_hook(t, {clip:.3g}) on a leaf t, then sum(c * (t + z)**3).backward()"
    register(t, clip, what)
    (c * out**3).sum().backward()
    if torch.allclose(z.grad, upstream.clamp(-clip, clip)):
        raise AssertionError(
            f"{what}: z.grad came out clipped too, though only t has the hook. Likely "
            f"mistake: the hook clamps grad in place (grad.clamp_(...)); t + z hands the same "
            f"gradient tensor to t and z. Return grad.clamp(...), a new tensor."
        )
    assert_tensor_close(z.grad, upstream, what=f"{what}: z.grad (z has no hook)")
    check_clipped(t.grad, upstream, clip, f"{what}: t.grad")


@pytest.mark.task(2)
def test_hook_on_an_intermediate_leaves_a_sibling_branch_alone(device):
    x, z, c = shared_setup(device)
    x.requires_grad_(True)
    z.requires_grad_(True)
    u = z * 2  # built before h, so its backward runs after h's: it sees what h's hook left
    h = x * 3
    out = h + u
    upstream = 3 * c * out.detach() ** 2
    clip = float(upstream.abs().median())
    what = f"clip_grad_hook(h, {clip:.3g}) on h = x * 3, then sum(c * (h + z * 2)**3).backward()"
    register(h, clip, what)
    (c * out**3).sum().backward()
    if torch.allclose(z.grad, 2 * upstream.clamp(-clip, clip)):
        raise AssertionError(
            f"{what}: z.grad came out clipped too, though only h has the hook. Likely "
            f"mistake: the hook clamps grad in place (grad.clamp_(...)); the sum hands the "
            f"same gradient tensor to both branches. Return grad.clamp(...), a new tensor."
        )
    assert_tensor_close(z.grad, 2 * upstream, what=f"{what}: z.grad (z's branch has no hook)")
    check_clipped(x.grad, upstream, clip, f"{what}: x.grad", scale=3)


@pytest.mark.task(2)
def test_hook_leaves_the_callers_gradient_alone(device):
    x, _, c = shared_setup(device)
    t = x.clone().requires_grad_(True)
    y = t * 1  # y.backward(v) hands the caller's v itself to the hook on t
    v = c * 4
    v_copy = v.clone()
    clip = float(v.abs().median())
    what = f"clip_grad_hook(t, {clip:.3g}), then (t * 1).backward(v)"
    register(t, clip, what)
    y.backward(v)
    assert_tensor_close(
        v,
        v_copy,
        what=f"{what}: the caller's v afterwards",
        mistake="the hook clamps grad in place (grad.clamp_(...)), and the gradient it got "
        "was the caller's own v; return grad.clamp(...), a new tensor.",
    )
    check_clipped(t.grad, v_copy, clip, f"{what}: t.grad")
