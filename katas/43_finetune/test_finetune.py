"""Tests for kata 43: fine-tuning. A new head, a backbone loaded from a file (never
downloaded), frozen layers that get no gradient, no update and keep their BatchNorm
statistics, and parameter groups whose learning rates are checked in an exact SGD step.

Most tests use MiniResNet, resnet18's layout (conv1, bn1, layer1-4, fc) at a few channels,
so they run in milliseconds; the tests of load_pretrained and one test of the whole recipe
use a real torchvision resnet18 (weights=None) on 32x32 inputs.
"""

import functools
import os
import pickle

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from torchkatas.harness import assert_raises, assert_tensor_close, forbid, load_kata

kata = load_kata(__file__)

# Every way torchvision and torch.hub fetch weights from the internet: none may be called.
DOWNLOADS = (
    "torchvision.models._api.load_state_dict_from_url",
    "torch.hub.load_state_dict_from_url",
    "torch.hub.download_url_to_file",
)
RESNET_FROZEN = ["conv1", "bn1", "layer1", "layer2", "layer3"]


# ----------------------------------------------------------------------------- a small ResNet


class Block(nn.Module):
    """torchvision's BasicBlock: two 3x3 convolutions with BatchNorm and a shortcut."""

    def __init__(self, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.downsample = None
        if stride != 1 or c_in != c_out:
            self.downsample = nn.Sequential(
                nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out)
            )

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(out)) + identity)


class MiniResNet(nn.Module):
    """resnet18's module names (conv1, bn1, layer1..layer4, avgpool, fc) at a few channels;
    fc.in_features is width + 6, never 512."""

    def __init__(self, width: int = 4, num_classes: int = 3) -> None:
        super().__init__()
        w = width
        self.conv1 = nn.Conv2d(3, w, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(w)
        self.layer1 = nn.Sequential(Block(w, w, 1))
        self.layer2 = nn.Sequential(Block(w, w + 2, 2))
        self.layer3 = nn.Sequential(Block(w + 2, w + 4, 2))
        self.layer4 = nn.Sequential(Block(w + 4, w + 6, 2), Block(w + 6, w + 6, 1))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(w + 6, num_classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def mini(seed: int, device, width: int = 4, num_classes: int = 3, dtype=torch.float64):
    """A MiniResNet with seeded weights and seeded, non-trivial BatchNorm statistics."""
    gen = torch.Generator().manual_seed(seed)
    model = MiniResNet(width, num_classes)
    with torch.no_grad():
        for name, t in model.state_dict().items():
            if name.endswith("running_var"):
                t.copy_(torch.rand(t.shape, generator=gen) + 0.5)
            elif name.endswith("num_batches_tracked"):
                t.fill_(7)
            elif name.endswith(("bn1.weight", "bn2.weight", "1.weight")) and t.dim() == 1:
                t.copy_(1 + 0.2 * torch.randn(t.shape, generator=gen))
            else:
                t.copy_(torch.randn(t.shape, generator=gen) * 0.3)
    return model.to(device=device, dtype=dtype)


def batch(seed: int, device, size: int = 4, side: int = 8, classes: int = 3, dtype=torch.float64):
    gen = torch.Generator().manual_seed(1000 + seed)
    x = torch.randn(size, 3, side, side, generator=gen, dtype=dtype).to(device)
    y = torch.randint(0, classes, (size,), generator=gen).to(device)
    return x, y


def under(name: str, prefixes) -> bool:
    """Whether a parameter or module name lies inside one of the named submodules."""
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def freeze_by_hand(model: nn.Module, prefixes) -> None:
    """The tests' own freezing, so that tasks 4 and 5 do not depend on task 3."""
    for name, p in model.named_parameters():
        if under(name, prefixes):
            p.requires_grad_(False)
    for name, m in model.named_modules():
        if under(name, prefixes) and isinstance(m, nn.BatchNorm2d):
            m.eval()


def is_frozen_bn(m: nn.Module) -> bool:
    return isinstance(m, nn.BatchNorm2d) and not m.weight.requires_grad and not m.bias.requires_grad


def snapshot(model: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def changed_keys(before, model) -> list[str]:
    after = model.state_dict()
    return [k for k, v in before.items() if not torch.equal(v, after[k])]


# ----------------------------------------------------------------------------- task 1


@pytest.mark.task(1)
def test_new_head_takes_in_features_from_the_model(device):
    for trial, (width, num_classes) in enumerate([(4, 7), (9, 1), (3, 12)]):
        model = mini(trial, device, width=width)
        in_features = model.fc.in_features
        what = (
            f"replace_head(model, {num_classes}) on a model whose head is Linear({in_features}, 3)"
        )
        head = kata.replace_head(model, num_classes)
        if head is not model.fc:
            raise AssertionError(
                f"{what} returned {type(head).__name__}, which is not the new model.fc. Likely "
                f"mistake: building the head without assigning it to model.fc, or returning "
                f"the model."
            )
        if not isinstance(head, nn.Linear):
            raise AssertionError(f"{what}: the new head is a {type(head).__name__}, not nn.Linear.")
        if head.in_features != in_features:
            why = (
                "hard-coding resnet18's 512; read model.fc.in_features (resnet50's head "
                "takes 2048)."
                if head.in_features == 512
                else "read the number of input features from model.fc.in_features."
            )
            raise AssertionError(
                f"{what}: the new head has in_features={head.in_features}, expected "
                f"{in_features}. Likely mistake: {why}"
            )
        if head.out_features != num_classes or head.weight.shape != (num_classes, in_features):
            why = (
                "setting model.fc.out_features = num_classes, which changes a number and "
                "not the weight; make a new nn.Linear."
                if head.out_features == num_classes
                else f"the new head is nn.Linear(model.fc.in_features, num_classes), "
                f"{num_classes} outputs."
            )
            raise AssertionError(
                f"{what}: the head's weight has shape {tuple(head.weight.shape)} and "
                f"out_features={head.out_features}, expected ({num_classes}, {in_features}). "
                f"Likely mistake: {why}"
            )
        if head.bias is None or head.bias.shape != (num_classes,):
            raise AssertionError(
                f"{what}: the new head should have a bias of shape ({num_classes},)."
            )
        if not (head.weight.requires_grad and head.bias.requires_grad):
            raise AssertionError(f"{what}: the new head's parameters must require grad.")


@pytest.mark.task(1)
def test_new_head_is_on_the_old_heads_device_and_dtype(device):
    model = mini(3, device, width=5)  # float64 on the test's device
    x, _ = batch(3, device)
    head = kata.replace_head(model, 4)
    what = "replace_head(model, 4) on a float64 model"
    for name, t in (("weight", head.weight), ("bias", head.bias)):
        if t.dtype != torch.float64 or t.device.type != device.type:
            why = (
                "nn.Linear(...) without the old head's device and dtype (it makes float32 "
                "on the CPU)."
                if t.dtype == torch.float32 or t.device.type == "cpu"
                else "the new head must take the old head's device and dtype."
            )
            raise AssertionError(
                f"{what}: the new head's {name} is {t.dtype} on {t.device}, expected "
                f"torch.float64 on {device}. Likely mistake: {why}"
            )
    out = model(x)
    if out.shape != (4, 4):
        raise AssertionError(
            f"model(x) after {what} has shape {tuple(out.shape)}, expected (4, 4)."
        )


@pytest.mark.task(1)
def test_new_head_is_freshly_initialised_and_nothing_else_changes(device):
    model = mini(4, device, width=4, num_classes=3)
    model.layer2.requires_grad_(False)  # the caller's own choices must survive
    model.eval()
    old_head = model.fc
    kept = {n: p for n, p in model.named_parameters() if not n.startswith("fc.")}
    flags = {n: p.requires_grad for n, p in kept.items()}
    before = {k: v for k, v in snapshot(model).items() if not k.startswith("fc.")}
    what = "replace_head(model, 3) (as many classes as the old head)"
    head = kata.replace_head(model, 3)
    if head is old_head or (
        head.weight.shape == old_head.weight.shape and torch.equal(head.weight, old_head.weight)
    ):
        raise AssertionError(
            f"{what} kept the old head's weights; expected a freshly initialised nn.Linear."
        )
    now = dict(model.named_parameters())
    for name, p in kept.items():
        if now.get(name) is not p or p.requires_grad != flags[name]:
            raise AssertionError(
                f"{what} changed {name} (a new object, or its requires_grad). Only model.fc "
                f"should change."
            )
    bad = changed_keys(before, model)
    if bad or any(m.training for name, m in model.named_modules() if not name.startswith("fc")):
        raise AssertionError(
            f"{what} changed the rest of the model (values {bad[:3]}, or the train/eval mode "
            f"of the model, which was in eval mode). Only model.fc should change."
        )


@pytest.mark.task(1)
@pytest.mark.parametrize("num_classes", [0, -2])
def test_replace_head_refuses_no_classes(num_classes, device):
    model = mini(5, device)
    assert_raises(
        ValueError,
        kata.replace_head,
        model,
        num_classes,
        what=f"replace_head(model, {num_classes})",
        mistake="no check that num_classes >= 1 (nn.Linear(512, 0) builds without complaint).",
    )


# ----------------------------------------------------------------------------- task 2


@functools.cache
def pretrained_state() -> dict[str, torch.Tensor]:
    """A random resnet18's state_dict with a 10-class head, standing in for pretrained
    weights; its BatchNorm statistics are not the defaults, so skipping them shows.
    Made once per session: it does not depend on the code under test."""
    import torchvision

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(43)
        model = torchvision.models.resnet18(weights=None, num_classes=10)
    gen = torch.Generator().manual_seed(43)
    with torch.no_grad():
        for name, t in model.state_dict().items():
            if name.endswith("running_mean"):
                t.copy_(torch.randn(t.shape, generator=gen) * 0.1)
            elif name.endswith("running_var"):
                t.copy_(torch.rand(t.shape, generator=gen) + 0.5)
            elif name.endswith("num_batches_tracked"):
                t.fill_(123)
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def call_load_pretrained(path, num_classes, monkeypatch, tmp_path):
    """kata.load_pretrained with every download forbidden and torch's cache in tmp_path."""
    __tracebackhide__ = True
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch_home"))
    with forbid(
        *DOWNLOADS,
        kata=kata,
        reason="which downloads weights from the internet: this kata never downloads",
        why="Build torchvision.models.resnet18(weights=None) and load the file you are given.",
    ):
        return kata.load_pretrained(str(path), num_classes)


@pytest.mark.task(2)
def test_backbone_weights_and_statistics_come_from_the_file(tmp_path, monkeypatch):
    state = pretrained_state()
    path = tmp_path / "pretrained.pt"
    torch.save(state, path)
    what = "load_pretrained(path, 5) for a file saved from a resnet18 with a 10-class head"
    try:
        model = call_load_pretrained(path, 5, monkeypatch, tmp_path)
    except RuntimeError as err:
        if isinstance(err, NotImplementedError) or "fc." not in str(err):
            raise
        raise AssertionError(
            f"{what} raised RuntimeError: {str(err).splitlines()[0]} ... The file's head has "
            f"10 classes and resnet18's has 1000: drop the saved head (the keys fc.weight and "
            f"fc.bias) before loading, and load the rest strictly."
        ) from err
    if type(model).__name__ != "ResNet" or not isinstance(getattr(model, "fc", None), nn.Linear):
        raise AssertionError(
            f"{what} returned {type(model).__name__}; expected a torchvision ResNet."
        )
    if model.fc.weight.shape != (5, 512):
        raise AssertionError(
            f"{what}: the head's weight has shape {tuple(model.fc.weight.shape)}, expected "
            f"(5, 512): a new head for 5 classes."
        )
    got = model.state_dict()
    for key, expected in state.items():
        if key.startswith("fc."):
            continue
        assert_tensor_close(
            got[key],
            expected,
            what=f"{what}: {key}",
            rtol=0,
            atol=0,
            mistake="this key was not loaded from the file: load every backbone key, the "
            "BatchNorm buffers (running_mean, running_var, num_batches_tracked) included.",
        )


@pytest.mark.task(2)
@pytest.mark.parametrize("problem", ["missing key", "unexpected key", "wrong shape"])
def test_a_file_that_does_not_fit_the_backbone_is_refused(problem, tmp_path, monkeypatch):
    state = dict(pretrained_state())
    if problem == "missing key":
        del state["layer3.1.bn2.running_var"]
    elif problem == "unexpected key":
        state["layer5.0.conv1.weight"] = torch.zeros(4, 4, 3, 3)
    else:
        state["layer1.0.conv1.weight"] = torch.zeros(64, 64, 1, 1)
    path = tmp_path / "pretrained.pt"
    torch.save(state, path)
    what = f"load_pretrained(path, 5) for a resnet18 file with a {problem} in the backbone"
    # not assert_raises: NotImplementedError (the stub) is a RuntimeError and must not pass
    try:
        model = call_load_pretrained(path, 5, monkeypatch, tmp_path)
    except NotImplementedError:
        raise
    except RuntimeError:
        return
    raise AssertionError(
        f"{what}: expected RuntimeError, but it returned {type(model).__name__}. Likely "
        f"mistake: load_state_dict(..., strict=False) on the whole file silently skips keys "
        f"that do not match; drop only the head's keys and load the rest strictly."
    )


class Payload:
    """Unpickling this runs os.mkdir(marker): harmless, and visible in tmp_path."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


@pytest.mark.task(2)
def test_an_untrusted_file_is_refused_without_running_it(tmp_path, monkeypatch):
    marker = tmp_path / "payload_ran"
    state = dict(pretrained_state())
    state["conv1.weight"] = Payload(marker)
    path = tmp_path / "pretrained.pt"
    torch.save(state, path)
    what = "load_pretrained(path, 5) on a crafted file whose unpickling calls os.mkdir"
    try:
        call_load_pretrained(path, 5, monkeypatch, tmp_path)
    except pickle.UnpicklingError:
        return
    finally:
        if marker.exists():
            raise AssertionError(
                f"{what} ran code from the file (it created {marker.name}). Likely mistake: "
                f"torch.load(..., weights_only=False) unpickles anything; keep weights_only=True."
            )
    raise AssertionError(f"{what} returned a model; expected pickle.UnpicklingError.")


@pytest.mark.cuda
@pytest.mark.task(2)
def test_a_file_saved_on_a_gpu_loads_on_a_machine_without_one(device, tmp_path, monkeypatch):
    state = {k: v.to(device) for k, v in pretrained_state().items()}
    path = tmp_path / "pretrained_cuda.pt"
    torch.save(state, path)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)  # a CPU-only machine
    what = "load_pretrained(path, 5) for a file of CUDA tensors, where CUDA is unavailable"
    try:
        model = call_load_pretrained(path, 5, monkeypatch, tmp_path)
    except RuntimeError as err:
        if isinstance(err, NotImplementedError) or "CUDA" not in str(err):
            raise
        raise AssertionError(
            f"{what} raised RuntimeError: {str(err).splitlines()[0]} Likely mistake: "
            f"torch.load without map_location='cpu'."
        ) from err
    devices = {p.device.type for p in model.state_dict().values()}
    if devices != {"cpu"}:
        raise AssertionError(f"{what}: the model's tensors are on {devices}, expected the CPU.")


# ----------------------------------------------------------------------------- task 3

FREEZE_CASES = [
    ["conv1", "bn1", "layer1", "layer2"],
    ["conv1", "bn1", "layer1", "layer2", "layer3", "layer4.0"],
    ["layer1"],
    ["layer3", "layer1"],
]


@pytest.mark.task(3)
@pytest.mark.parametrize("prefixes", FREEZE_CASES, ids=lambda p: "+".join(p))
def test_frozen_parameters_get_no_gradient_and_no_update(prefixes, device):
    model = mini(10, device)
    x, y = batch(10, device)
    kata.freeze(model, prefixes)
    what = f"freeze(model, {prefixes}) on a resnet18-shaped model"
    for name, p in model.named_parameters():
        if under(name, prefixes) and p.requires_grad:
            owner = model.get_submodule(name.rpartition(".")[0])
            why = (
                "eval() does not freeze parameters (it only changes how Dropout and "
                "BatchNorm behave); set requires_grad_(False) on them."
                if not owner.training
                else "requires_grad_(False) was not set on every parameter inside the named "
                "submodules (all their submodules included)."
            )
            raise AssertionError(f"{what}: {name} still requires grad. Likely mistake: {why}")
        if not under(name, prefixes) and not p.requires_grad:
            if all(not q.requires_grad for q in model.parameters()):
                why = "freezing every parameter of the model."
            elif inside := [q for q in prefixes if q in name]:
                why = (
                    f"matching names by substring ({inside[0]!r} "
                    f"is in {name!r}): freeze the named submodules themselves, "
                    f"model.get_submodule(prefix).requires_grad_(False)."
                )
            else:
                why = "freezing parameters outside the named submodules."
            raise AssertionError(
                f"{what}: {name} is outside the frozen submodules and should still require "
                f"grad. Likely mistake: {why}"
            )
    before = snapshot(model)
    # an optimizer over ALL parameters, with momentum and weight decay: frozen ones still
    # must not move (SGD skips a parameter whose .grad is None)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5, momentum=0.9, weight_decay=0.1)
    for _ in range(2):
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()
    for name, p in model.named_parameters():
        if under(name, prefixes) and p.grad is not None:
            raise AssertionError(
                f"{what}, then two SGD steps: backward computed a gradient for the frozen "
                f"{name}; a frozen parameter must have requires_grad False, so .grad stays None."
            )
    moved = [k for k in changed_keys(before, model) if under(k, prefixes)]
    weights_moved = [k for k in moved if k in dict(model.named_parameters())]
    if weights_moved:
        raise AssertionError(
            f"{what}, then two SGD steps: frozen parameters changed: {weights_moved[:3]}."
        )


@pytest.mark.task(3)
def test_batchnorm_layers_inside_frozen_modules_are_put_in_eval_mode(device):
    prefixes = ["bn1", "layer1", "layer4.0"]
    model = mini(11, device)
    model.train()
    kata.freeze(model, prefixes)
    what = f"freeze(model, {prefixes}) on a model in train mode"
    for name, m in model.named_modules():
        if isinstance(m, nn.BatchNorm2d) and under(name, prefixes) and m.training:
            raise AssertionError(
                f"{what}: the BatchNorm {name} is still in train mode after freeze, so its "
                f"running statistics would keep changing. Likely mistake: requires_grad_(False) "
                f"alone; also call .eval() on the frozen BatchNorm layers."
            )
        if not under(name, prefixes) and not m.training:
            why = (
                "model.eval() on the whole model."
                if not any(x.training for x in model.modules())
                else "eval() on modules outside the named submodules (only the BatchNorm "
                "layers inside them)."
            )
            raise AssertionError(
                f"{what}: {name or 'the model'} is outside the frozen submodules and was put in "
                f"eval mode. Likely mistake: {why}"
            )


@pytest.mark.task(3)
def test_freeze_leaves_the_rest_as_the_caller_had_it(device):
    model = mini(12, device)
    model.eval()  # a caller that evaluates between epochs
    model.layer4[1].conv2.weight.requires_grad_(False)  # frozen by the caller already
    flags = {n: p.requires_grad for n, p in model.named_parameters()}
    kata.freeze(model, ["layer1"])
    what = "freeze(model, ['layer1']) on a model in eval mode, with layer4.1.conv2 frozen already"
    for name, p in model.named_parameters():
        want = False if under(name, ["layer1"]) else flags[name]
        if p.requires_grad != want:
            why = (
                "the parameters inside the named submodules must get requires_grad False."
                if under(name, ["layer1"])
                else "setting requires_grad on parameters outside the named submodules "
                "(True everywhere first, or False everywhere)."
            )
            raise AssertionError(
                f"{what}: {name}.requires_grad is {p.requires_grad}, expected {want}. Likely "
                f"mistake: {why}"
            )
    if any(m.training for m in model.modules()):
        raise AssertionError(
            f"{what}: some modules are in train mode now; freeze must not call model.train()."
        )


@pytest.mark.task(3)
def test_an_unknown_name_raises_before_anything_is_frozen(device):
    model = mini(13, device)
    what = "freeze(model, ['layer1', 'layer5']) (resnet18 has no layer5)"
    assert_raises(
        ValueError,
        kata.freeze,
        model,
        ["layer1", "layer5"],
        what=what,
        mistake="a name that names no submodule must raise (a typo would freeze nothing, "
        "silently); look the names up in dict(model.named_modules()).",
    )
    frozen = [n for n, p in model.named_parameters() if not p.requires_grad]
    if frozen:
        raise AssertionError(
            f"{what} raised, but had already frozen {frozen[:3]}: check every name before "
            f"changing anything."
        )


# ----------------------------------------------------------------------------- task 4


def record_modes(model: nn.Module) -> dict[str, list[bool]]:
    """name -> the .training flag each BatchNorm had when its forward ran."""
    seen: dict[str, list[bool]] = {}
    for name, m in model.named_modules():
        if isinstance(m, nn.BatchNorm2d):
            m.register_forward_pre_hook(
                lambda mod, args, name=name: seen.setdefault(name, []).append(mod.training)
            )
    return seen


def reference_step(model, optimizer, x, y) -> float:
    model.train()
    for m in model.modules():
        if is_frozen_bn(m):
            m.eval()
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()


def trainable(model):
    return [p for p in model.parameters() if p.requires_grad]


@pytest.mark.task(4)
def test_frozen_batchnorm_keeps_its_statistics_after_model_train(device):
    prefixes = ["conv1", "bn1", "layer1", "layer2"]
    model = mini(20, device)
    freeze_by_hand(model, prefixes)
    model.train()  # the caller starts an epoch: every BatchNorm is in train mode again
    seen = record_modes(model)
    before = snapshot(model)
    x, y = batch(20, device)
    optimizer = torch.optim.SGD(trainable(model), lr=0.1)
    kata.train_step(model, optimizer, x, y)
    what = (
        f"train_step(model, SGD, x {tuple(x.shape)}, y) after model.train(), with {prefixes} frozen"
    )
    stats = ("running_mean", "running_var", "num_batches_tracked")
    for name, modes in seen.items():
        frozen = under(name, prefixes)
        if frozen and any(modes):
            moved = [k for k in changed_keys(before, model) if k.startswith(name + ".")]
            raise AssertionError(
                f"{what}: the frozen BatchNorm {name} ran in train mode, and its running "
                f"statistics changed ({moved or 'none yet'}). Likely mistake: model.train() "
                f"puts frozen BatchNorm layers back in train mode; put every BatchNorm whose "
                f"weight and bias are frozen back in eval() before the forward pass."
            )
        if not frozen and not all(modes):
            raise AssertionError(
                f"{what}: the trainable BatchNorm {name} ran in eval mode; only frozen ones should."
            )
    for key in changed_keys(before, model):
        if under(key, prefixes) and key.endswith(stats):
            raise AssertionError(
                f"{what}: the frozen {key} changed; its running statistics must not."
            )
    trained = [k for k in changed_keys(before, model) if k.endswith("running_mean")]
    if not trained:
        raise AssertionError(f"{what}: no trainable BatchNorm updated its running statistics.")


@pytest.mark.task(4)
def test_trainable_layers_train_even_if_the_caller_left_eval_mode(device):
    prefixes = ["conv1", "bn1", "layer1"]
    model = mini(21, device)
    freeze_by_hand(model, prefixes)
    model.layer3[0].bn2.weight.requires_grad_(False)  # half frozen: still a trainable layer
    model.eval()  # the caller just ran validation
    seen = record_modes(model)
    x, y = batch(21, device)
    kata.train_step(model, torch.optim.SGD(trainable(model), lr=0.1), x, y)
    what = f"train_step(...) on a model left in eval mode, with {prefixes} frozen"
    wrong = [n for n, modes in seen.items() if not under(n, prefixes) and not all(modes)]
    if "layer3.0.bn2" in wrong and len(wrong) == 1:
        raise AssertionError(
            f"{what}: layer3.0.bn2, whose weight is frozen but whose bias trains, ran in eval "
            f"mode. Only a BatchNorm whose weight and bias are both frozen stays in eval mode."
        )
    if wrong:
        why = (
            "no model.train() at the start of the step (the caller may have left the model "
            "in eval mode)."
            if not model.training
            else "eval() put on BatchNorm layers that train: only those whose weight and bias "
            "are both frozen go back to eval()."
        )
        raise AssertionError(
            f"{what}: the trainable BatchNorm layers {wrong[:3]} ran in eval mode. Likely "
            f"mistake: {why}"
        )


@pytest.mark.task(4)
def test_train_step_equals_a_reference_step(device):
    prefixes = ["conv1", "bn1", "layer1", "layer2", "layer3.0.bn1"]
    model = mini(22, device)
    reference = mini(22, device)
    for m in (model, reference):
        freeze_by_hand(m, prefixes)
    opt = torch.optim.SGD(trainable(model), lr=0.05, momentum=0.9)
    ref_opt = torch.optim.SGD(trainable(reference), lr=0.05, momentum=0.9)
    for step in range(3):
        x, y = batch(30 + step, device)
        expected = reference_step(reference, ref_opt, x, y)
        got = kata.train_step(model, opt, x, y)
        what = f"train_step(model, SGD(momentum=0.9), x {tuple(x.shape)}, y), call {step + 1} of 3"
        if type(got) is not float:
            raise AssertionError(
                f"{what} returned {type(got).__name__}; expected the loss as a Python float "
                f"(loss.item())."
            )
        if abs(got - expected) > 1e-12 * max(1.0, abs(expected)):
            raise AssertionError(
                f"{what} returned {got!r}; the batch's loss before the update is {expected!r}. "
                f"Likely mistake: frozen BatchNorms left in train mode (batch statistics change "
                f"the output), a loss other than F.cross_entropy(model(inputs), targets), or "
                f"the loss of a forward pass after optimizer.step()."
            )
        for (name, p), q in zip(model.named_parameters(), reference.parameters(), strict=True):
            assert_tensor_close(
                p,
                q,
                what=f"{what}: {name} after the step",
                rtol=1e-12,
                atol=1e-12,
                mistake="a step other than model.train(), frozen BatchNorms back in eval(), "
                "zero_grad, F.cross_entropy, backward, optimizer.step().",
            )


@pytest.mark.task(4)
def test_stale_gradients_are_cleared_before_backward(device):
    model = mini(23, device)
    freeze_by_hand(model, ["conv1", "bn1", "layer1"])
    reference = mini(23, device)
    freeze_by_hand(reference, ["conv1", "bn1", "layer1"])
    x, y = batch(23, device)
    reference.train()
    for m in reference.modules():
        if is_frozen_bn(m):
            m.eval()
    F.cross_entropy(reference(x), y).backward()
    fresh = [p.grad for p in trainable(reference)]
    gen = torch.Generator().manual_seed(23)
    stale = [(torch.randn(p.shape, generator=gen, dtype=p.dtype) * 10).to(device) for p in fresh]
    params = trainable(model)
    for p, g in zip(params, stale, strict=True):  # left over from an earlier batch
        p.grad = g.clone()
    optimizer = torch.optim.SGD(params, lr=0.1)
    seen = []
    optimizer.register_step_pre_hook(
        lambda opt, args, kwargs: seen.append(
            [None if p.grad is None else p.grad.clone() for p in params]
        )
    )
    kata.train_step(model, optimizer, x, y)
    what = "train_step(...) on a model whose .grad held an earlier batch's gradients"
    if len(seen) != 1:
        raise AssertionError(
            f"{what}: optimizer.step() was called {len(seen)} times; expected once."
        )
    for i, (g, f, old) in enumerate(zip(seen[0], fresh, stale, strict=True)):
        if g is None:
            raise AssertionError(
                f"{what}: optimizer.step() saw .grad None for trainable parameter {i}. Likely "
                f"mistake: zero_grad() between backward() and step()."
            )
        if torch.allclose(g, f + old, rtol=1e-10, atol=1e-12) and not torch.allclose(g, f):
            raise AssertionError(
                f"{what}: optimizer.step() saw this batch's gradient plus the stale one: "
                f"backward() adds into .grad, so call optimizer.zero_grad() before backward()."
            )
        if torch.allclose(g, old, rtol=1e-10, atol=1e-12) and not torch.allclose(g, f):
            raise AssertionError(
                f"{what}: optimizer.step() saw the stale gradient alone, not this batch's: "
                f"optimizer.step() before loss.backward()."
            )
        assert_tensor_close(
            g,
            f,
            what=f"{what}: .grad of trainable parameter {i} seen by optimizer.step()",
            rtol=1e-10,
            atol=1e-12,
            mistake="the gradient of a loss other than F.cross_entropy(model(inputs), targets) "
            "with the frozen BatchNorms in eval mode.",
        )


# ----------------------------------------------------------------------------- task 5


@pytest.mark.task(5)
def test_layerwise_lrs_shrink_by_decay_per_stage():
    gen = torch.Generator().manual_seed(50)
    names = ["conv1", "layer1", "layer2", "layer3", "layer4", "fc"]
    for trial in range(8):
        n = 1 + trial % 6
        stages = names[len(names) - n :]
        head_lr = float(10 ** torch.empty(()).uniform_(-4, -1, generator=gen))
        decay = float(torch.empty(()).uniform_(0.05, 0.95, generator=gen))
        expected = {s: head_lr * decay ** (n - 1 - k) for k, s in enumerate(stages)}
        got = kata.layerwise_lrs(head_lr, decay, stages)
        what = f"layerwise_lrs({head_lr:.4g}, {decay:.4g}, {stages})"
        if not isinstance(got, dict) or list(got) != stages:
            raise AssertionError(
                f"{what} returned {got!r}; expected a dict with the keys {stages}, in that order."
            )
        last, first = stages[-1], stages[0]
        if n > 1 and abs(got[first] - head_lr) <= 1e-12 * head_lr:
            raise AssertionError(
                f"{what} gave the first stage {first} the head's rate; the order is reversed: "
                f"the LAST stage (the head) gets head_lr, and rates shrink going down."
            )
        if abs(got[last] - head_lr * decay) <= 1e-12 * head_lr:
            raise AssertionError(
                f"{what} gave the head {last} head_lr * decay: an exponent off by one; stage k "
                f"of n gets head_lr * decay ** (n - 1 - k), so the head gets head_lr itself."
            )
        for s in stages:
            if abs(got[s] - expected[s]) > 1e-12 * expected[s]:
                raise AssertionError(
                    f"{what}: {s} got {got[s]!r}, expected {expected[s]!r} "
                    f"(head_lr * decay ** (n - 1 - k))."
                )


@pytest.mark.task(5)
def test_layerwise_lrs_with_decay_one_is_flat_and_bad_settings_raise():
    got = kata.layerwise_lrs(0.01, 1.0, ["layer4", "fc"])
    if got != {"layer4": 0.01, "fc": 0.01}:
        raise AssertionError(
            f"layerwise_lrs(0.01, 1.0, ['layer4', 'fc']) returned {got!r}; decay 1 gives every "
            f"stage the head's rate."
        )
    for args, why in (
        ((0.01, 0.5, []), "no stages"),
        ((0.0, 0.5, ["fc"]), "head_lr 0"),
        ((-0.1, 0.5, ["fc"]), "a negative head_lr"),
        ((0.01, 0.0, ["fc"]), "decay 0"),
        ((0.01, 1.5, ["layer4", "fc"]), "decay above 1 (rates growing downwards)"),
    ):
        assert_raises(
            ValueError,
            kata.layerwise_lrs,
            *args,
            what=f"layerwise_lrs{args} with {why}",
            mistake="check stages is not empty, head_lr > 0 and 0 < decay <= 1.",
        )


def lr_of(optimizer, p) -> float:
    for group in optimizer.param_groups:
        if any(q is p for q in group["params"]):
            return group["lr"]
    raise KeyError


@pytest.mark.task(5)
def test_groups_hold_each_trainable_parameter_once_and_no_frozen_one(device):
    prefixes = ["conv1", "bn1", "layer1", "layer2"]
    model = mini(51, device)
    freeze_by_hand(model, prefixes)
    model.layer3[0].conv1.weight.requires_grad_(False)  # frozen inside a trained stage
    lrs = {"layer3": 1e-4, "layer4": 1e-3, "fc": 1e-2}
    what = f"param_groups(model, {lrs}) with {prefixes} and layer3.0.conv1 frozen"
    groups = kata.param_groups(model, lrs)
    if not isinstance(groups, list) or len(groups) != 3:
        raise AssertionError(f"{what} returned {groups!r:.200}; expected a list of 3 dicts.")
    modules = dict(model.named_modules())
    for group, (name, lr) in zip(groups, lrs.items(), strict=True):
        params = group.get("params") if isinstance(group, dict) else None
        if not isinstance(params, list) or group.get("lr") != lr:
            raise AssertionError(
                f"{what}: the group for {name} is {group!r:.200}; expected "
                f"{{'params': [a list of tensors], 'lr': {lr}}}, in the order of lrs."
            )
        expected = [p for p in modules[name].parameters() if p.requires_grad]
        if any(not p.requires_grad for p in params):
            raise AssertionError(
                f"{what}: the group for {name} holds a frozen parameter (requires_grad False). "
                f"Likely mistake: list(submodule.parameters()) without `if p.requires_grad`."
            )
        if [id(p) for p in params] != [id(p) for p in expected]:
            raise AssertionError(
                f"{what}: the group for {name} holds {len(params)} tensors; expected the "
                f"{len(expected)} trainable parameters of model.{name}, the model's own "
                f"Parameter objects (not copies), in model.named_parameters() order."
            )


@pytest.mark.task(5)
def test_each_groups_learning_rate_is_exact_in_an_sgd_step(device):
    model = mini(52, device)
    freeze_by_hand(model, ["conv1", "bn1", "layer1", "layer2"])
    lrs = {"layer3": 0.001, "layer4": 0.01, "fc": 0.1}
    x, y = batch(52, device)
    model.eval()
    F.cross_entropy(model(x), y).backward()
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    groups = kata.param_groups(model, lrs)
    optimizer = torch.optim.SGD(groups, lr=123.0)  # every group sets its own rate
    for group, lr in zip(optimizer.param_groups, lrs.values(), strict=True):
        if group["lr"] != lr:
            why = (
                "no 'lr' key in the group, so SGD's default 123.0 applies."
                if group["lr"] == 123.0
                else "the group's 'lr' is not lrs[name] of its stage (groups in the order of lrs)."
            )
            raise AssertionError(
                f"torch.optim.SGD(param_groups(model, {lrs}), lr=123.0): a group has lr "
                f"{group['lr']}; expected {lr}. Likely mistake: {why}"
            )
    optimizer.step()
    for name, p in model.named_parameters():
        if not p.requires_grad:
            assert_tensor_close(
                p, before[name], what=f"frozen {name} after the step", rtol=0, atol=0
            )
            continue
        stage = name.split(".")[0]
        expected = before[name] - lrs[stage] * p.grad
        other = [
            s
            for s, lr in lrs.items()
            if s != stage and torch.allclose(p, before[name] - lr * p.grad, rtol=1e-12, atol=1e-15)
        ]
        assert_tensor_close(
            p,
            expected,
            what=f"{name} after SGD(param_groups(model, {lrs})).step(): p - lr * grad with "
            f"lr {lrs[stage]}",
            rtol=1e-12,
            atol=1e-15,
            mistake=f"{name} is in the group of {other[0]}, so it moved at that stage's rate."
            if other
            else f"{name} moved at no stage's rate: each trainable parameter sits in "
            f"exactly the group of its own stage.",
        )


BAD_GROUPS = {
    "forgotten": (
        {"layer3": 0.001, "layer4": 0.01},
        "fc is trainable but in no group",
        "a trainable parameter in no group is silently never trained: check that every "
        "trainable parameter landed in a group.",
    ),
    "overlap": (
        {"layer3": 0.001, "layer4": 0.01, "layer4.1": 0.02, "fc": 0.1},
        "layer4.1 is inside layer4",
        "a parameter in two groups: check that no parameter lands in a second group, and "
        "name the two that overlap.",
    ),
    "unknown": (
        {"layer3": 0.001, "layer4": 0.01, "head": 0.1},
        "the model has no submodule named head",
        "a misspelt name gave an empty group or was skipped; look every name up in "
        "dict(model.named_modules()).",
    ),
    "frozen": (
        {"layer1": 1e-5, "layer3": 0.001, "layer4": 0.01, "fc": 0.1},
        "layer1 is frozen",
        "a learning rate for a stage with no trainable parameter (a frozen stage) is the "
        "caller's mistake: raise instead of returning an empty group.",
    ),
}


@pytest.mark.task(5)
@pytest.mark.parametrize("case", list(BAD_GROUPS))
def test_groups_that_miss_overlap_or_misname_raise(case, device):
    lrs, problem, mistake = BAD_GROUPS[case]
    model = mini(53, device)
    freeze_by_hand(model, ["conv1", "bn1", "layer1", "layer2"])
    assert_raises(
        ValueError,
        kata.param_groups,
        model,
        lrs,
        what=f"param_groups(model, {lrs}) with conv1, bn1, layer1, layer2 frozen: {problem}",
        mistake=mistake,
    )


@pytest.mark.task(5)
def test_the_whole_recipe_on_a_real_resnet18(device, tmp_path, monkeypatch):
    """load_pretrained, freeze, layerwise_lrs, param_groups and train_step on resnet18."""
    path = tmp_path / "pretrained.pt"
    torch.save(pretrained_state(), path)
    model = call_load_pretrained(path, 4, monkeypatch, tmp_path).to(device)
    kata.freeze(model, RESNET_FROZEN)
    lrs = kata.layerwise_lrs(0.01, 0.1, ["layer4", "fc"])
    optimizer = torch.optim.SGD(kata.param_groups(model, lrs), lr=1.0)
    model.train()
    before = snapshot(model)
    gen = torch.Generator().manual_seed(54)
    x = torch.randn(2, 3, 32, 32, generator=gen).to(device)
    y = torch.tensor([1, 3], device=device)
    kata.train_step(model, optimizer, x, y)
    what = (
        f"the recipe on resnet18: freeze {RESNET_FROZEN}, lrs {lrs}, model.train(), one "
        f"train_step on x (2, 3, 32, 32)"
    )
    moved = [k for k in changed_keys(before, model) if under(k, RESNET_FROZEN)]
    if moved:
        stats = [k for k in moved if "running" in k or "num_batches" in k]
        why = (
            " Likely mistake: BatchNorm statistics change in train mode: frozen BatchNorms "
            "must be back in eval() when train_step runs the forward pass."
            if stats
            else ""
        )
        raise AssertionError(
            f"{what}: frozen tensors changed: {moved[:4]} ({len(moved)} in all).{why}"
        )
    for name, p in model.named_parameters():
        if under(name, RESNET_FROZEN):
            if p.grad is not None:
                raise AssertionError(f"{what}: the frozen {name} got a gradient.")
            continue
        if p.grad is None:
            raise AssertionError(f"{what}: the trainable {name} got no gradient.")
        lr = lrs[name.split(".")[0]]
        assert_tensor_close(
            p,
            before[name] - lr * p.grad,
            what=f"{what}: {name}, expected p - {lr} * grad",
            rtol=1e-6,
            atol=1e-8,
        )
    if not [k for k in changed_keys(before, model) if k.startswith("layer4") and "running" in k]:
        raise AssertionError(f"{what}: layer4's BatchNorm statistics did not change.")
