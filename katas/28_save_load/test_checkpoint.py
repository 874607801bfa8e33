"""Tests for kata 28: weights round-trip, untrusted files are refused without running their
code, and a run resumed from a checkpoint equals an uninterrupted one bit for bit."""

import os
import pickle

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from torchkatas.harness import assert_raises, assert_tensor_close, load_kata

kata = load_kata(__file__)

EPOCHS, SAVE_AFTER = 4, 2


def make_model(device, seed=0, hidden=16, norm=False):
    """Linear, ReLU, Dropout, Linear; with norm, a BatchNorm1d (buffers) after the first."""
    torch.manual_seed(seed)
    layers = [nn.Linear(6, hidden), nn.ReLU(), nn.Dropout(0.3), nn.Linear(hidden, 3)]
    if norm:
        layers.insert(1, nn.BatchNorm1d(hidden))
    return nn.Sequential(*layers).to(device)


def make_training(device, seed):
    """A model with dropout, AdamW (it has state) and a schedule that changes every epoch."""
    model = make_model(device, seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=0.1)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=EPOCHS + 1)
    return model, optimizer, scheduler


def train_epoch(model, optimizer, scheduler, device):
    """Data drawn from torch's global generator, so the generator's state matters."""
    model.train()
    losses = []
    for _ in range(3):
        x = torch.randn(8, 6).to(device)
        y = torch.randint(0, 3, (8,)).to(device)
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    scheduler.step()
    return losses


def run_uninterrupted(device):
    model, optimizer, scheduler = make_training(device, seed=0)
    torch.manual_seed(1)
    losses = [train_epoch(model, optimizer, scheduler, device) for _ in range(EPOCHS)]
    return model, losses


def clone_state(sd):
    if isinstance(sd, torch.Tensor):
        return sd.clone()
    if isinstance(sd, dict):
        return {k: clone_state(v) for k, v in sd.items()}
    if isinstance(sd, list | tuple):
        return type(sd)(clone_state(v) for v in sd)
    return sd


def same_state(a, b):
    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and a.shape == b.shape and torch.equal(a.cpu(), b.cpu())
    if isinstance(a, dict):
        return (
            isinstance(b, dict) and a.keys() == b.keys() and all(same_state(a[k], b[k]) for k in a)
        )
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same_state(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def snapshot(model):
    """What a caller can see of a model: its values, Parameter objects, devices and mode."""
    return {
        "state": clone_state(model.state_dict()),
        "ids": [id(p) for p in model.parameters()],
        "training": [m.training for m in model.modules()],
        "devices": [(n, p.device, p.dtype) for n, p in model.named_parameters()],
        "requires_grad": [p.requires_grad for p in model.parameters()],
    }


def check_untouched(model, before, what):
    __tracebackhide__ = True
    now = snapshot(model)
    if now["training"] != before["training"]:
        raise AssertionError(
            f"{what} changed the model's training mode (model.training is now "
            f"{model.training}). Likely mistake: model.eval() (or .train()) inside the save "
            f"function; saving reads the state, it changes nothing of the caller's."
        )
    if now["devices"] != before["devices"]:
        raise AssertionError(
            f"{what} moved or cast the caller's model: {now['devices'][0]} was "
            f"{before['devices'][0]}. Likely mistake: model.cpu() / .half() to save it; "
            f"those act in place on a module. The state_dict's tensors can be copied instead."
        )
    if now["requires_grad"] != before["requires_grad"]:
        raise AssertionError(
            f"{what} turned off requires_grad on the caller's parameters. Likely mistake: "
            f"model.requires_grad_(False) (or p.requires_grad = False) before saving; a "
            f"state_dict's tensors are already detached, so training could go on after it."
        )
    if now["ids"] != before["ids"]:
        raise AssertionError(
            f"{what} replaced the caller's Parameter objects (model.parameters() are other "
            f"objects after the call). Likely mistake: new nn.Parameters assigned to the model "
            f"while saving; saving reads the state, it changes nothing of the caller's."
        )
    if not same_state(before["state"], now["state"]):
        raise AssertionError(
            f"{what} changed the values of the model's state_dict. Likely mistake: writing "
            f"into the model while saving (an in-place op on a state_dict tensor, or a "
            f"forward pass that updates buffers); saving reads the state, it changes nothing."
        )


def check_same_parameters(model, ids, what, optimizer=None):
    """Loading is in place: the model keeps its Parameter objects (optimizers hold them)."""
    __tracebackhide__ = True
    if [id(p) for p in model.parameters()] != ids:
        raise AssertionError(
            f"{what} replaced the model's Parameter objects: an optimizer built before "
            f"loading still holds the old ones, so training would update tensors the model "
            f"no longer uses. Likely mistake: load_state_dict(..., assign=True), or new "
            f"nn.Parameters assigned; the default load_state_dict copies into the existing ones."
        )
    if optimizer is not None:
        held = [id(p) for group in optimizer.param_groups for p in group["params"]]
        if held != ids:
            raise AssertionError(
                f"after {what}, the optimizer no longer holds the model's parameters. Likely "
                f"mistake: a new optimizer built inside, or the model's Parameters replaced."
            )
    for name, p in model.named_parameters():
        if not p.requires_grad:
            raise AssertionError(
                f"after {what}, {name} no longer requires grad, expected it to (as before). "
                f"Likely mistake: requires_grad_(False) (or p.requires_grad = False) while "
                f"loading; load_state_dict copies values and keeps the flags."
            )


def safe_load(path, what, mistake):
    __tracebackhide__ = True
    try:
        return torch.load(path, weights_only=True)
    except pickle.UnpicklingError as err:
        raise AssertionError(
            f"{what} wrote a file that torch.load(path, weights_only=True) refuses: "
            f"{str(err).splitlines()[0]}. Likely mistake: {mistake}"
        ) from err


# ----------------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.parametrize("seed", range(3))
def test_weights_round_trip(seed, device, tmp_path):
    path = tmp_path / "weights.pt"
    norm = seed == 2  # BatchNorm1d: its running statistics are buffers, part of the state_dict
    source = make_model(device, seed, norm=norm)
    if norm:
        source(torch.randn(8, 6, device=device))  # running_mean / var move off their defaults
    if seed == 1:
        source.eval()  # the caller's mode, whatever it is, stays as it was
    before = snapshot(source)
    kata.save_weights(path, source)
    check_untouched(source, before, "save_weights(path, model)")
    saved = safe_load(
        path,
        "save_weights(path, model)",
        "torch.save(model, path) saved the whole model (a pickled object); save "
        "model.state_dict().",
    )
    expected = list(source.state_dict())
    if not isinstance(saved, dict) or list(saved) != expected:
        got = list(saved) if isinstance(saved, dict) else type(saved).__name__
        buffers = {name for name, _ in source.named_buffers()}
        missing = [k for k in expected if k not in saved] if isinstance(saved, dict) else []
        if missing and set(missing) <= buffers and set(saved) <= set(expected):
            why = (
                f" It lacks the buffers {missing}. Likely mistake: the tensors of "
                f"named_parameters() saved instead of model.state_dict(), which also holds "
                f"buffers such as BatchNorm's running statistics."
            )
        elif isinstance(saved, dict) and not set(saved) & set(expected):
            why = (
                " Likely mistake: the state_dict wrapped in another dict ({'model': ...}); "
                "save_weights saves the state_dict itself, nothing else."
            )
        else:
            why = ""
        raise AssertionError(
            f"save_weights wrote {got}, expected the state_dict with keys {expected}.{why}"
        )
    target = make_model(device, seed + 100, norm=norm)
    ids = [id(p) for p in target.parameters()]
    kata.load_weights(path, target)
    check_same_parameters(target, ids, "load_weights(path, model)")
    for (name, p), q in zip(source.state_dict().items(), target.state_dict().values(), strict=True):
        assert_tensor_close(q, p, what=f"{name} after save_weights / load_weights", rtol=0, atol=0)


@pytest.mark.task(1)
def test_load_weights_saved_on_cpu_onto_device(device, tmp_path):
    path = tmp_path / "weights.pt"
    torch.save(make_model("cpu", 3).state_dict(), path)
    target = make_model(device, 4)
    kata.load_weights(path, target)
    for name, p in target.named_parameters():
        if p.device.type != device.type:  # 'cuda' vs 'cuda:0'
            raise AssertionError(f"after load_weights, {name} is on {p.device}, not {device}.")
    assert_tensor_close(
        target[0].weight.cpu(),
        make_model("cpu", 3)[0].weight,
        what="the first layer's weight after load_weights",
        rtol=0,
        atol=0,
    )


@pytest.mark.task(1)
@pytest.mark.parametrize("problem", ["missing key", "unexpected key", "wrong shape"])
def test_load_weights_is_strict(problem, device, tmp_path):
    path = tmp_path / "weights.pt"
    state = make_model("cpu", 5).state_dict()
    if problem == "missing key":
        del state["3.bias"]
    elif problem == "unexpected key":
        state["4.weight"] = torch.zeros(2)
    else:
        state = make_model("cpu", 5, hidden=12).state_dict()
    torch.save(state, path)
    model = make_model(device, 6)
    assert_raises(
        RuntimeError,
        kata.load_weights,
        path,
        model,
        what=f"load_weights on a file with a {problem}",
        mistake=(
            "load_state_dict(..., strict=False) silently skips keys that do not match, or "
            "the RuntimeError caught and dropped; keep it strict so a wrong file fails loudly."
            if problem != "wrong shape"
            else "the RuntimeError caught and dropped, or tensors copied one by one without "
            "load_state_dict (even strict=False refuses a shape mismatch)."
        ),
    )


# ----------------------------------------------------------------------------- task 2


class Payload:
    """Unpickling this runs os.mkdir(marker): harmless, and visible in tmp_path."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def check_refused(call, marker, what, model):
    """call() reads a crafted file: it must raise pickle.UnpicklingError, run nothing, and
    leave model as it was."""
    __tracebackhide__ = True
    before = clone_state(model.state_dict())
    raised = None
    try:
        call()
    except pickle.UnpicklingError as err:
        raised = err
    except NotImplementedError:
        raise
    except Exception as err:  # e.g. load_state_dict choking on what the payload returned
        raised = err
    if marker.exists():
        raise AssertionError(
            f"{what} on a crafted file ran code from the file: it created "
            f"{marker.name} in tmp_path (it could as well have deleted your home directory). "
            "Likely mistake: torch.load(path, weights_only=False) unpickles arbitrary objects, "
            "whether called first or as a fallback when weights_only=True refuses the file; "
            "use weights_only=True, and only it, for any file you did not write yourself."
        )
    if not isinstance(raised, pickle.UnpicklingError):
        got = "returned without raising" if raised is None else f"raised {raised!r}"
        raise AssertionError(
            f"{what} on a crafted file {got}, expected pickle."
            f"UnpicklingError (what torch.load(..., weights_only=True) raises). Let it "
            f"propagate: a caller who is told nothing goes on with a model that was never "
            f"loaded."
        )
    if not same_state(before, model.state_dict()):
        raise AssertionError(f"{what} changed the model although the file was refused.")


@pytest.mark.task(2)
def test_untrusted_pickle_is_refused_without_running_it(device, tmp_path):
    marker = tmp_path / "payload_ran"
    path = tmp_path / "innocent_looking_weights.pt"
    state = make_model("cpu", 7).state_dict()
    state["0.weight"] = Payload(marker)  # a crafted file: loading it calls os.mkdir
    torch.save(state, path)
    model = make_model(device, 8)
    check_refused(lambda: kata.load_weights(path, model), marker, "load_weights", model)


@pytest.mark.task(2)
def test_load_weights_accepts_a_plain_dict_of_tensors(device, tmp_path):
    """weights_only=True loads plain containers: a dict written by someone else's code."""
    path = tmp_path / "weights.pt"
    model = make_model(device, 9)
    torch.save({k: v.cpu().clone() for k, v in model.state_dict().items()}, path)
    fresh = make_model(device, 10)
    kata.load_weights(path, fresh)
    assert_tensor_close(
        fresh[3].bias, model[3].bias, what="bias after load_weights", rtol=0, atol=0
    )


# ----------------------------------------------------------------------------- task 3


def save_midway(device, tmp_path):
    """Train SAVE_AFTER epochs from the same start as run_uninterrupted, then checkpoint."""
    model, optimizer, scheduler = make_training(device, seed=0)
    torch.manual_seed(1)
    losses = [train_epoch(model, optimizer, scheduler, device) for _ in range(SAVE_AFTER)]
    path = tmp_path / "checkpoint.pt"
    states = {
        "model": clone_state(model.state_dict()),
        "optimizer": clone_state(optimizer.state_dict()),
        "scheduler": clone_state(scheduler.state_dict()),
        "cpu_rng": torch.get_rng_state(),
    }
    before = snapshot(model)
    kata.save_checkpoint(path, model, optimizer, scheduler, SAVE_AFTER)
    check_untouched(model, before, "save_checkpoint(path, model, optimizer, scheduler, epoch)")
    return path, losses, states


def resume(path, device):
    """A new process: other seeds, freshly built objects, then load_checkpoint."""
    torch.manual_seed(12345)
    model, optimizer, scheduler = make_training(device, seed=99)
    torch.randn(100)  # the generator is somewhere else entirely
    ids = [id(p) for p in model.parameters()]
    start = kata.load_checkpoint(path, model, optimizer, scheduler)
    check_same_parameters(
        model, ids, "load_checkpoint(path, model, optimizer, scheduler)", optimizer
    )
    return start, model, optimizer, scheduler


@pytest.mark.task(3)
def test_checkpoint_loads_with_weights_only(device, tmp_path):
    path, _, _ = save_midway(device, tmp_path)
    checkpoint = safe_load(
        path,
        "save_checkpoint(...)",
        "an object saved instead of its state: save model.state_dict(), "
        "optimizer.state_dict() and scheduler.state_dict(), not the objects.",
    )
    if not isinstance(checkpoint, dict):
        raise AssertionError(
            f"save_checkpoint wrote a {type(checkpoint).__name__}, expected a dict of the "
            f"states (model, optimizer, scheduler, RNG, epoch)."
        )


@pytest.mark.task(3)
def test_load_checkpoint_restores_every_state(device, tmp_path):
    path, _, states = save_midway(device, tmp_path)
    start, model, optimizer, scheduler = resume(path, device)
    if type(start) is not int or start != SAVE_AFTER:
        if isinstance(start, torch.Tensor):
            why = " Likely mistake: epoch stored as a tensor; return int(...) of it."
        elif start == SAVE_AFTER + 1:
            why = (
                " Likely mistake: epoch + 1 returned; the caller trains range(epoch, total), "
                "so one epoch would be skipped."
            )
        else:
            why = ""
        raise AssertionError(
            f"load_checkpoint returned {start!r}, expected the saved epoch {SAVE_AFTER} "
            f"(an int).{why}"
        )
    checks = [
        (
            "model",
            model.state_dict(),
            "the model's state_dict was not saved, or not loaded back.",
        ),
        (
            "optimizer",
            optimizer.state_dict(),
            "the optimizer's state was not saved (or not loaded back with "
            "optimizer.load_state_dict): AdamW's moment estimates and step counts restart "
            "from zero, so the updates differ.",
        ),
        (
            "scheduler",
            scheduler.state_dict(),
            "the scheduler's state was not saved (or not loaded back with "
            "scheduler.load_state_dict): the learning rate schedule restarts from the beginning.",
        ),
        (
            "cpu_rng",
            torch.get_rng_state(),
            "the RNG state was not saved, or not restored "
            "(torch.get_rng_state / torch.set_rng_state): dropout masks and random data after "
            "resuming differ from the uninterrupted run's.",
        ),
    ]
    for name, got, mistake in checks:
        if not same_state(states[name], got):
            raise AssertionError(
                f"after load_checkpoint, the {name} state differs from the one at save time. "
                f"Likely mistake: {mistake}"
            )
    lr = optimizer.param_groups[0]["lr"]
    if lr != scheduler.get_last_lr()[0]:
        raise AssertionError(
            f"after load_checkpoint, the optimizer's lr {lr} differs from the scheduler's "
            f"{scheduler.get_last_lr()[0]}: load the optimizer's state too."
        )


@pytest.mark.task(3)
def test_resumed_training_equals_uninterrupted_bit_for_bit(device, tmp_path):
    reference, reference_losses = run_uninterrupted(device)
    path, losses, _ = save_midway(device, tmp_path)
    start, model, optimizer, scheduler = resume(path, device)
    losses += [train_epoch(model, optimizer, scheduler, device) for _ in range(start, EPOCHS)]
    if len(losses) != len(reference_losses):
        raise AssertionError(
            f"load_checkpoint returned epoch {start!r} for a checkpoint saved after "
            f"{SAVE_AFTER} epochs, so resuming with range(start, {EPOCHS}) ran "
            f"{len(losses)} epochs in all, not {EPOCHS}. Likely mistake: a wrong epoch "
            f"returned (epoch + 1, or an epoch not saved)."
        )
    if losses != reference_losses:
        first = next(
            i for i, (a, b) in enumerate(zip(losses, reference_losses, strict=True)) if a != b
        )
        raise AssertionError(
            f"resumed training gave different losses from epoch {first} on: {losses[first]} vs "
            f"{reference_losses[first]} uninterrupted. Likely mistake: a state missing from "
            f"the checkpoint (optimizer, scheduler or RNG state), or a wrong epoch returned."
        )
    for (name, p), q in zip(reference.named_parameters(), model.parameters(), strict=True):
        assert_tensor_close(
            q,
            p,
            what=f"{name} after resuming and finishing training",
            rtol=0,
            atol=0,
            mistake="a state missing from the checkpoint (optimizer, scheduler or RNG state).",
        )


@pytest.mark.task(3)
def test_load_checkpoint_refuses_untrusted_file(device, tmp_path):
    """load_checkpoint reads with weights_only=True too: a crafted checkpoint runs nothing."""
    marker = tmp_path / "payload_ran"
    path = tmp_path / "innocent_looking_checkpoint.pt"
    model, optimizer, scheduler = make_training("cpu", seed=11)
    torch.save(
        {
            "model": model.state_dict(),
            "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(),
            "epoch": Payload(marker),  # a crafted file: loading it calls os.mkdir
            "cpu_rng": torch.get_rng_state(),
        },
        path,
    )
    model, optimizer, scheduler = make_training(device, seed=12)
    check_refused(
        lambda: kata.load_checkpoint(path, model, optimizer, scheduler),
        marker,
        "load_checkpoint",
        model,
    )
