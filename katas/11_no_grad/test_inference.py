"""Tests for kata 11: evaluation without a graph, against the model run by hand in eval mode."""

import copy

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from torchkatas.harness import assert_raises, assert_tensor_close, load_kata

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
            if m.training:  # eval() never sets True: only a train(...) call can have
                why = (
                    "restored the mode with model.train(old), which sets one flag on every "
                    "submodule, so a submodule frozen in eval mode comes back in train mode"
                )
            else:
                why = (
                    "left the model in eval mode, or restored only some submodules "
                    "(model.children() stops one level down; model.modules() reaches all)"
                )
            raise AssertionError(
                f"{what} changed the training flag of submodule '{name or 'model'}' from "
                f"{before['modes'][name]} to {m.training}. Likely mistake: {why}; save and "
                f"restore every submodule's .training."
            )
    buffers = {name for name, _ in model.named_buffers()}
    for key, value in model.state_dict().items():
        if not torch.equal(value, before["state"][key]):
            why = (
                "running the forward in train mode, where BatchNorm updates its running "
                "statistics; call model.eval() first."
                if key in buffers
                else "something wrote into the parameters (an optimiser step, an in-place op "
                "on a weight); evaluation only reads them."
            )
            raise AssertionError(
                f"{what} changed the model's buffers or parameters: the "
                f"{'buffer' if key in buffers else 'parameter'} '{key}' has other values. "
                f"Likely mistake: {why}"
            )
    for name, p in model.named_parameters():
        if p.requires_grad != before["flags"][name]:
            raise AssertionError(
                f"{what} turned off requires_grad on the parameters ('{name}': "
                f"requires_grad={p.requires_grad}). Likely mistake: p.requires_grad_(False) to "
                f"avoid the graph; torch.no_grad() does it without touching the model."
            )
        if p.grad is not None:
            raise AssertionError(
                f"{what} left a .grad on parameter '{name}', which had none: a backward ran "
                f"during evaluation. Evaluation computes no gradients."
            )


def check_no_graph(out, what: str) -> None:
    __tracebackhide__ = True
    if not isinstance(out, torch.Tensor):
        raise AssertionError(f"{what} should return a tensor, got {type(out).__name__}.")
    if out.requires_grad or out.grad_fn is not None:
        raise AssertionError(
            f"{what} built a graph: the output has grad_fn={type(out.grad_fn).__name__} and "
            f"requires_grad={out.requires_grad}. Likely mistake: model(x) outside "
            f"torch.no_grad() (torch.inference_mode() for predict_fast), or a "
            f"torch.enable_grad() around it."
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


def check_keeps_existing_grads(name: str, device) -> None:
    __tracebackhide__ = True
    model = make_model(3, device)
    loss = model(random_batch(3, device, 8)).square().mean()
    loss.backward()
    grads = {n: p.grad.clone() for n, p in model.named_parameters()}
    model.eval()
    getattr(kata, name)(model, random_batch(4, device))
    for n, p in model.named_parameters():
        if p.grad is None or not torch.equal(p.grad, grads[n]):
            now = "None" if p.grad is None else "different values"
            raise AssertionError(
                f"{name}(model, x) changed the .grad of parameter '{n}' that a training step "
                f"had computed (now {now}). Evaluation must not touch gradients: no "
                f"zero_grad(), no backward."
            )


@pytest.mark.task(1)
def test_predict_keeps_existing_grads(device):
    check_keeps_existing_grads("predict", device)


@pytest.mark.task(2)
def test_predict_fast_keeps_existing_grads(device):
    check_keeps_existing_grads("predict_fast", device)


@pytest.mark.task(2)
def test_predict_fast_returns_inference_tensor(device):
    model = make_model(4, device)
    out = kata.predict_fast(model, random_batch(4, device))
    if not isinstance(out, torch.Tensor) or not out.is_inference():
        raise AssertionError(
            "predict_fast(model, x) returned a tensor with is_inference() False. Likely "
            "mistake: torch.no_grad() instead of torch.inference_mode(), or a copy of the "
            "output made after the inference_mode block ended (clone(), .to(), arithmetic "
            "outside it make a normal tensor): return model(x)'s output as it is."
        )


class ModeProbe(nn.Module):
    """Records the grad mode, inference mode and training flag its forward runs in."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(6, 3)
        self.seen: list[tuple[bool, bool]] = []

    def forward(self, x):
        self.seen.append((torch.is_grad_enabled(), torch.is_inference_mode_enabled()))
        return self.linear(x)


@pytest.mark.task(1)
def test_predict_runs_the_forward_with_autograd_off(device):
    """predict's forward itself runs under no_grad, not with grad on and detached after."""
    probe = ModeProbe().to(device)
    what = "predict(model, x)"
    out = kata.predict(probe, torch.randn(4, 6, device=device))
    check_no_graph(out, what)
    if [grad for grad, _ in probe.seen] != [False]:
        raise AssertionError(
            f"{what}: the model's forward ran {len(probe.seen)} time(s) with "
            f"torch.is_grad_enabled()={[grad for grad, _ in probe.seen]}; expected once, with "
            f"False. The output has no graph, so it was cut afterwards. Likely mistake: "
            f"model(x).detach() (or .data) instead of torch.no_grad(): the graph and its "
            f"saved activations are built all the same, the memory no_grad saves is spent."
        )


@pytest.mark.task(2)
def test_predict_fast_runs_the_forward_in_inference_mode(device):
    probe = ModeProbe().to(device)
    what = "predict_fast(model, x)"
    kata.predict_fast(probe, torch.randn(4, 6, device=device))
    if probe.seen != [(False, True)]:
        raise AssertionError(
            f"{what}: the model's forward ran with (torch.is_grad_enabled(), "
            f"torch.is_inference_mode_enabled()) = {probe.seen}; expected one run with "
            f"(False, True). Likely mistake: the forward ran outside torch.inference_mode() "
            f"(under torch.no_grad(), or with grad on and the output detached), or more than "
            f"once."
        )


def nested_model(device) -> nn.Sequential:
    """A block inside the model, in train mode, whose BatchNorm is frozen in eval mode."""
    torch.manual_seed(11)
    model = nn.Sequential(
        nn.Sequential(nn.Linear(6, 8), nn.BatchNorm1d(8)),
        nn.ReLU(),
        nn.Dropout(0.5),
        nn.Linear(8, 3),
    ).to(device, torch.float64)
    with torch.no_grad():
        model(torch.randn(16, 6, dtype=torch.float64, device=device) * 3 + 1)
    model.train()
    model[0][1].eval()
    return model


def check_restores_nested_modes(name: str, device) -> None:
    __tracebackhide__ = True
    model = nested_model(device)
    x = random_batch(12, device)
    before, expected = snapshot(model), eval_output(model, x)
    what = f"{name}(model, x) with a frozen BatchNorm inside a nested block"
    out = getattr(kata, name)(model, x)
    check_model_untouched(model, before, what)
    assert_tensor_close(out, expected, what=what)


@pytest.mark.task(1)
def test_predict_restores_modes_of_nested_submodules(device):
    check_restores_nested_modes("predict", device)


@pytest.mark.task(2)
def test_predict_fast_restores_modes_of_nested_submodules(device):
    check_restores_nested_modes("predict_fast", device)


class Boom(nn.Module):
    def forward(self, x):
        raise RuntimeError("planted failure in the forward")


def check_restores_modes_when_forward_raises(name: str, device) -> None:
    __tracebackhide__ = True
    model = make_model(8, device)
    model.append(Boom())
    mixed_modes(model)
    before = snapshot(model)
    what = f"{name}(model, x) on a model whose forward raises"
    try:
        getattr(kata, name)(model, random_batch(8, device))
    except NotImplementedError:
        raise
    except RuntimeError as err:
        if "planted failure" not in str(err):
            raise
    else:
        raise AssertionError(f"{what} returned normally; the forward's error should propagate.")
    for sub_name, m in model.named_modules():
        if m.training != before["modes"][sub_name]:
            raise AssertionError(
                f"{what}: afterwards submodule '{sub_name or 'model'}' has training="
                f"{m.training}, it had {before['modes'][sub_name]}. Likely mistake: the modes "
                f"are restored after the forward but not in a finally block, so an error "
                f"skips the restore."
            )


@pytest.mark.task(1)
def test_predict_restores_modes_when_the_forward_raises(device):
    check_restores_modes_when_forward_raises("predict", device)


@pytest.mark.task(2)
def test_predict_fast_restores_modes_when_the_forward_raises(device):
    check_restores_modes_when_forward_raises("predict_fast", device)


def check_leaves_grad_input_alone(name: str, device) -> None:
    __tracebackhide__ = True
    model = make_model(9, device).train()
    x = random_batch(9, device).requires_grad_(True)  # e.g. an adversarial example
    x_copy, expected, before = x.detach().clone(), eval_output(model, x), snapshot(model)
    what = f"{name}(model, x) for an x that requires grad"
    out = getattr(kata, name)(model, x)
    check_no_graph(out, what)
    check_model_untouched(model, before, what)
    if not x.requires_grad or x.grad is not None:
        raise AssertionError(
            f"{what} changed the caller's x: requires_grad is now {x.requires_grad}, .grad "
            f"is {'set' if x.grad is not None else 'None'}. Likely mistake: x.detach_() or "
            f"x.requires_grad_(False) on the caller's tensor; torch.no_grad() already keeps "
            f"x out of any graph."
        )
    assert_tensor_close(out, expected, what=what)
    assert_tensor_close(x.detach(), x_copy, what=f"{what}: the caller's x afterwards")


@pytest.mark.task(1)
def test_predict_leaves_an_input_that_requires_grad_alone(device):
    check_leaves_grad_input_alone("predict", device)


@pytest.mark.task(2)
def test_predict_fast_leaves_an_input_that_requires_grad_alone(device):
    check_leaves_grad_input_alone("predict_fast", device)


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
        if "Inference tensors" in str(err):
            raise AssertionError(
                f"{what} raised RuntimeError: {err} Likely mistake: the backbone ran under "
                f"torch.inference_mode(): its outputs are inference tensors, which the head "
                f"cannot save for backward. Use detach() or torch.no_grad() there."
            ) from err
        raise AssertionError(
            f"{what} raised RuntimeError: {err} The test expected a scalar loss, "
            f"F.cross_entropy(head(features), targets) with targets as (B,) class indices, "
            f"whose graph reaches the head's parameters."
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
    x_copy = x.clone()
    loss = frozen_loss(backbone, head, x, targets, what)
    assert_tensor_close(x, x_copy, what=f"{what}: the caller's x afterwards")
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
                f"has a .grad). Likely mistake: nothing cuts the graph between backbone and "
                f"head: head(backbone(x)) without detach() or no_grad, or detach() on the "
                f"input x (the backbone's parameters are still in the graph) instead of on "
                f"the features."
            )
        if not p.requires_grad:
            raise AssertionError(
                f"{what} changed requires_grad of the backbone's parameter '{name}'. Cut the "
                f"graph at the features instead of freezing the caller's module."
            )
    for (name, p), ref in zip(head.named_parameters(), ref_head.parameters(), strict=True):
        assert_tensor_close(p.grad, ref.grad, what=f"{what}: gradient of head.{name}")


def train_mode_backbone_head(device):
    """A backbone with BatchNorm in train mode: the current mode normalises by batch stats."""
    torch.manual_seed(21)
    backbone = nn.Sequential(nn.Linear(6, 10), nn.BatchNorm1d(10), nn.Tanh(), nn.Linear(10, 4))
    backbone = backbone.to(device, torch.float64).train()
    head = nn.Linear(4, 3).to(device, torch.float64).train()
    gen = torch.Generator().manual_seed(21)
    targets = torch.randint(3, (9,), generator=gen).to(device)
    x = (torch.randn(9, 6, generator=gen, dtype=torch.float64) * 2 + 1).to(device)
    return backbone, head, x, targets


@pytest.mark.task(3)
def test_frozen_features_loss_runs_the_modules_in_their_current_mode(device):
    backbone, head, x, targets = train_mode_backbone_head(device)
    ref_backbone, ref_head = copy.deepcopy(backbone), copy.deepcopy(head)
    what = "frozen_features_loss(backbone, head, x, targets) with the backbone in train mode"
    loss = frozen_loss(backbone, head, x, targets, what)
    for module_name, module in (("backbone", backbone), ("head", head)):
        for sub_name, m in module.named_modules():
            if not m.training:
                raise AssertionError(
                    f"{what} left {module_name} submodule '{sub_name or module_name}' in eval "
                    f"mode; it was in train mode. Likely mistake: backbone.eval() (or "
                    f"head.eval()) inside the function: the caller chose the modes."
                )
    with torch.no_grad():
        features = ref_backbone(x)
    expected = F.cross_entropy(ref_head(features), targets)
    assert_tensor_close(
        loss.detach(),
        expected,
        what=what,
        mistake="the backbone ran in eval mode (BatchNorm used its running statistics, not "
        "the batch's), then its mode was put back: run it in the mode it is in.",
    )
    running = backbone[1].running_mean
    assert_tensor_close(
        running,
        ref_backbone[1].running_mean,
        what=f"{what}: the backbone's BatchNorm running_mean afterwards",
        mistake="the backbone did not run one forward in train mode (a train-mode forward "
        "updates the running statistics once).",
    )


@pytest.mark.task(3)
def test_frozen_features_loss_keeps_requires_grad(device):
    backbone, head, x, targets = make_backbone_head(5, device)
    what = "frozen_features_loss(backbone, head, x, targets)"
    frozen_loss(backbone, head, x, targets, what)
    for module_name, module in (("backbone", backbone), ("head", head)):
        for name, p in module.named_parameters():
            if not p.requires_grad:
                raise AssertionError(
                    f"{what} changed requires_grad of the {module_name}'s parameter '{name}' "
                    f"to False. Cut the graph at the features (detach) instead of freezing the "
                    f"caller's module: the caller may unfreeze it later, or train it elsewhere."
                )


# ----------------------------------------------------------------------------- task 4


def autograd_count(model: nn.Module, x: torch.Tensor) -> int:
    """The oracle: tensors autograd saves in one forward with grad on, counted by the test."""
    count = 0

    def pack(t):
        nonlocal count
        count += 1
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t), torch.enable_grad():
        model(x)
    return count


def counted(model, x, mode: str, what: str) -> int:
    """kata.saved_tensor_count under the test's own (outer) saved-tensor hooks.

    Hooks nest: the innermost pair handles every save. If the test's outer hook still sees
    saves, the learner's forward ran outside the learner's own hooks.
    """
    __tracebackhide__ = True
    outside = 0

    def pack(t):
        nonlocal outside
        outside += 1
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        got = kata.saved_tensor_count(model, x, mode)
    if isinstance(got, bool) or not isinstance(got, int):
        raise AssertionError(f"{what} returned {got!r}, expected an int (the count).")
    if outside:
        raise AssertionError(
            f"{what}: {outside} tensors were saved outside your saved_tensors_hooks (the "
            f"test's own hooks, around the call, saw them). Likely mistake: model(x) ran "
            f"after the `with saved_tensors_hooks(...)` block ended, or before it began."
        )
    return got


def count_models(device):
    """The same Linear-BatchNorm-ReLU-Dropout-Linear in eval mode, and a deeper MLP."""
    torch.manual_seed(31)
    mlp = nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 16), nn.GELU(), nn.Linear(16, 2))
    return [("the BatchNorm model", make_model(31, device).eval()), ("an MLP", mlp.to(device))]


@pytest.mark.task(4)
def test_saved_tensor_count_in_grad_mode_is_what_autograd_saves(device):
    for label, model in count_models(device):
        x = random_batch(31, device).to(next(model.parameters()).dtype)
        expected = autograd_count(copy.deepcopy(model), x)
        what = f"saved_tensor_count({label}, x, 'grad')"
        got = counted(model, x, "grad", what)
        if got == 0:
            raise AssertionError(
                f"{what} returned 0, but autograd saved {expected} tensors during that "
                f"forward (and they were saved inside your hooks). Likely mistake: counting "
                f"in the unpack hook, which runs only when a backward reads the tensors; the "
                f"pack hook runs at each save."
            )
        if got < expected:
            raise AssertionError(
                f"{what} returned {got}, but autograd saved {expected} tensors during that "
                f"forward. Likely mistake: counting distinct tensors (a set of ids or "
                f"data_ptrs): autograd saves a tensor once for each op that needs it (a "
                f"ReLU's output again as the next Linear's input), and each save counts; or a "
                f"pack hook that counts only some tensors (only those that require grad)."
            )
        if got != expected:
            raise AssertionError(
                f"{what} returned {got}, but autograd saved {expected} tensors during that "
                f"forward. Likely mistake: the forward ran more than once, or the count adds "
                f"something besides the pack hook's calls; count them during one model(x)."
            )


@pytest.mark.task(4)
@pytest.mark.parametrize("mode", ["no_grad", "inference"])
def test_saved_tensor_count_is_zero_without_grad(mode, device):
    for label, model in count_models(device):
        x = random_batch(32, device).to(next(model.parameters()).dtype)
        with_grad = autograd_count(copy.deepcopy(model), x)
        what = f"saved_tensor_count({label}, x, {mode!r})"
        got = counted(model, x, mode, what)
        if got != 0:
            raise AssertionError(
                f"{what} returned {got}, expected 0: under {mode} autograd saves nothing "
                f"(with grad it saves {with_grad}). Likely mistake: the forward ran with "
                f"autograd on: model.eval() or x.detach() does not stop the parameters' "
                f"graph; run it inside torch.no_grad() / torch.inference_mode()."
            )


@pytest.mark.task(4)
def test_saved_tensor_count_turns_grad_on_inside_a_callers_no_grad(device):
    _, model = count_models(device)[1]
    x = random_batch(33, device).float()
    expected = autograd_count(copy.deepcopy(model), x)
    what = "saved_tensor_count(model, x, 'grad') called inside the caller's torch.no_grad()"
    with torch.no_grad():
        got = counted(model, x, "grad", what)
    if got == 0 and expected:
        raise AssertionError(
            f"{what} returned 0, expected {expected}. Likely mistake: mode 'grad' ran "
            f"the forward in whatever mode the caller was in; wrap it in torch.enable_grad()."
        )
    if got != expected:
        raise AssertionError(
            f"{what} returned {got}, expected {expected} (as outside the caller's no_grad). "
            f"Count the pack hook's calls during one model(x) under torch.enable_grad()."
        )


@pytest.mark.task(4)
@pytest.mark.parametrize(
    ("mode", "grad", "inference", "api"),
    [
        ("grad", True, False, "torch.enable_grad()"),
        ("no_grad", False, False, "torch.no_grad()"),
        ("inference", False, True, "torch.inference_mode()"),
    ],
)
def test_saved_tensor_count_runs_the_forward_once_in_its_mode(mode, grad, inference, api, device):
    probe = ModeProbe().to(device)
    what = f"saved_tensor_count(model, x, {mode!r})"
    counted(probe, torch.randn(4, 6, device=device), mode, what)
    if len(probe.seen) != 1:
        raise AssertionError(f"{what} ran the model's forward {len(probe.seen)} times, not once.")
    seen_grad, seen_inference = probe.seen[0]
    if (seen_grad, seen_inference) != (grad, inference):
        raise AssertionError(
            f"{what}: the forward ran with torch.is_grad_enabled()={seen_grad} and "
            f"torch.is_inference_mode_enabled()={seen_inference}; expected {grad} and "
            f"{inference}. Run mode {mode!r} inside {api}."
        )


@pytest.mark.task(4)
def test_saved_tensor_count_leaves_the_model_and_x_alone(device):
    model = make_model(34, device)
    mixed_modes(model)  # train mode, with a frozen BatchNorm
    x = random_batch(34, device)
    x_copy = x.clone()
    modes = {name: m.training for name, m in model.named_modules()}
    expected = autograd_count(copy.deepcopy(model), x)
    what = "saved_tensor_count(model, x, 'grad') on a model in train mode"
    got = counted(model, x, "grad", what)
    for name, m in model.named_modules():
        if m.training != modes[name]:
            raise AssertionError(
                f"{what} changed the training flag of submodule '{name or 'model'}' from "
                f"{modes[name]} to {m.training}. The model runs as it is: no eval(), no train()."
            )
    for name, p in model.named_parameters():
        if p.grad is not None:
            raise AssertionError(
                f"{what} left a .grad on parameter '{name}': it ran a backward. Count in the "
                f"pack hook, during the forward; no backward is needed."
            )
    if got != expected:
        raise AssertionError(
            f"{what} returned {got}, but in train mode (Dropout saves its mask) autograd "
            f"saved {expected}. Likely mistake: the forward ran in eval mode (model.eval(), "
            f"the flags put back afterwards), where Dropout saves nothing; or the count is "
            f"off in every mode (see the other 'grad' tests). Run the model as it is."
        )
    assert_tensor_close(x, x_copy, what=f"{what}: the caller's x afterwards")


@pytest.mark.task(4)
@pytest.mark.parametrize("mode", ["train", "eval", "no grad", "inference_mode", ""])
def test_saved_tensor_count_rejects_an_unknown_mode(mode, device):
    model = make_model(35, device).eval()
    assert_raises(
        ValueError,
        kata.saved_tensor_count,
        model,
        random_batch(35, device),
        mode,
        what=f"saved_tensor_count(model, x, {mode!r}), not one of 'grad', 'no_grad', 'inference'",
        mistake="an else branch that runs any other mode as 'grad'; check mode first.",
    )


@pytest.mark.task(4)
@pytest.mark.cuda
def test_no_grad_forward_peaks_lower_on_cuda(device):
    """On a GPU, an eval forward under no_grad peaks far below the same forward with grad."""
    torch.manual_seed(36)
    layers = [m for _ in range(8) for m in (nn.Linear(1024, 1024), nn.ReLU())]
    model = nn.Sequential(*layers, nn.Dropout(0.1)).to(device).eval()
    x = torch.randn(4096, 1024, device=device)  # each activation: 16 MiB in float32
    mib = 2**20

    def peak(mode: str) -> float:
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
        base = torch.cuda.memory_allocated(device)
        kata.saved_tensor_count(model, x, mode)
        torch.cuda.synchronize(device)
        return (torch.cuda.max_memory_allocated(device) - base) / mib

    peak("grad")  # warm-up: cuBLAS workspace and allocator blocks come once, not per call
    with_grad = peak("grad")
    for mode in ("no_grad", "inference"):
        without = peak(mode)
        # with grad, the eight ReLU outputs stay alive (saved): about 8 x 16 MiB; without,
        # only the activation being computed and the one before it: about 2 x 16 MiB
        if not without < 0.5 * with_grad:
            raise AssertionError(
                f"saved_tensor_count(model, x, {mode!r}) on {device}: the forward peaked at "
                f"{without:.0f} MiB above what was allocated before, with grad at "
                f"{with_grad:.0f} MiB; expected under half. Likely mistake: mode {mode!r} "
                f"ran with autograd on, which keeps every saved activation until the "
                f"output is dropped."
            )
