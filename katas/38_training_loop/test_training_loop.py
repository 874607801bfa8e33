"""Tests for kata 38: the training loop and evaluation, step for step against reference loops.

Models and data are float64 and seeded (torch's global generator is seeded before every run,
for Dropout), so a training epoch is compared exactly, optimizer step by optimizer step.
"""

import weakref

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from torchkatas.harness import assert_raises, assert_tensor_close, load_kata

kata = load_kata(__file__)

TIGHT = {"rtol": 1e-10, "atol": 1e-12}  # float64: only the order of additions may differ


# ----------------------------------------------------------------------------- set-up


def make_model(seed, device, dropout=0.3, batchnorm=True):
    """An MLP with BatchNorm and Dropout, so train and eval mode give different outputs."""
    gen = torch.Generator().manual_seed(seed)
    norm = nn.BatchNorm1d(16) if batchnorm else nn.Identity()
    model = nn.Sequential(
        nn.Linear(5, 16), norm, nn.ReLU(), nn.Dropout(dropout), nn.Linear(16, 3)
    ).double()
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen, dtype=torch.float64) * 0.5)
    return model.to(device)


def make_optimizer(model):
    return torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-3)


def make_data(seed, n, device):
    """n examples of 5 features and 3 classes, labelled by one fixed linear teacher."""
    teacher = torch.randn(5, 3, generator=torch.Generator().manual_seed(38), dtype=torch.float64)
    gen = torch.Generator().manual_seed(1000 + seed)
    X = torch.randn(n, 5, generator=gen, dtype=torch.float64)
    y = (X @ teacher).argmax(1)
    return X.to(device), y.to(device)


def make_loader(X, y, batch_size, shuffle=False, seed=0):
    """A DataLoader with its own generator: iterating it never touches the global RNG."""
    return DataLoader(
        TensorDataset(X, y),
        batch_size=batch_size,
        shuffle=shuffle,
        generator=torch.Generator().manual_seed(seed),
    )


def state_of(model):
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def modes_of(model):
    """Each module's training flag, by a readable name: "model", "[1] BatchNorm1d", ..."""
    return {
        f"[{name}] {type(m).__name__}" if name else "model": m.training
        for name, m in model.named_modules()
    }


class StepRecorder:
    """The parameters after each optimizer.step() and the gradients each step saw."""

    def __init__(self, model, optimizer):
        self.params, self.grads = [], []
        named = list(model.named_parameters())
        optimizer.register_step_pre_hook(
            lambda opt, args, kwargs: self.grads.append(
                {n: None if p.grad is None else p.grad.clone() for n, p in named}
            )
        )
        optimizer.register_step_post_hook(
            lambda opt, args, kwargs: self.params.append({n: p.detach().clone() for n, p in named})
        )


# ----------------------------------------------------------------------------- reference loops


def reference_epoch(model, loader, optimizer, plant=None):
    """The canonical loop; `plant` reproduces one common mistake to name it in a failure.

    plant: "no_zero_grad", "zero_grad_after_backward", "step_before_backward",
    "no_train_mode" (trains in whatever mode the model arrived in), "mean_of_batch_means".
    """
    if plant != "no_train_mode":
        model.train()
    total, count, means = 0.0, 0, []
    for inputs, targets in loader:
        if plant not in ("no_zero_grad", "zero_grad_after_backward"):
            optimizer.zero_grad()
        loss = F.cross_entropy(model(inputs), targets)
        if plant == "step_before_backward":
            optimizer.step()
            loss.backward()
        else:
            loss.backward()
            if plant == "zero_grad_after_backward":
                optimizer.zero_grad()
            optimizer.step()
        total += loss.item() * targets.shape[0]
        count += targets.shape[0]
        means.append(loss.item())
    return sum(means) / len(means) if plant == "mean_of_batch_means" else total / count


def reference_evaluate(model, X, y):
    """The oracle: the whole dataset in one forward pass, in eval mode, without a graph."""
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    with torch.no_grad():
        logits = model(X)
        loss = F.cross_entropy(logits, y, reduction="sum").item() / y.shape[0]
        accuracy = (logits.argmax(1) == y).sum().item() / y.shape[0]
    for m, training in modes:
        m.train(training)
    return loss, accuracy


TRAIN_PLANTS = {
    "no_zero_grad": "no optimizer.zero_grad() before backward: backward() ADDS into .grad, so "
    "every step also applied the earlier batches' gradients (gradients accumulate across "
    "steps).",
    "zero_grad_after_backward": "zero_grad() between loss.backward() and optimizer.step(): "
    "the step sees no gradients and nothing is learned.",
    "step_before_backward": "optimizer.step() before loss.backward(): each step sees no "
    "gradient of its own batch.",
    "no_train_mode": "trained in eval mode: call model.train() at the start of the epoch (an "
    "earlier evaluate may have left the model in eval mode), so that Dropout is active and "
    "BatchNorm uses the batch statistics.",
}


def run_reference(seed, device, loader_args, plant=None, mode="train", **model_args):
    """A fresh model and optimizer from the same seeds, trained one epoch by the reference."""
    model = make_model(seed, device, **model_args)
    model.train(mode == "train")
    optimizer = make_optimizer(model)
    recorder = StepRecorder(model, optimizer)
    torch.manual_seed(seed + 100)
    loss = reference_epoch(model, make_loader(*loader_args), optimizer, plant)
    return model, recorder, loss


def same_records(a, b):
    return len(a) == len(b) and all(
        all(torch.isclose(x[n], y[n], **TIGHT).all() for n in x) for x, y in zip(a, b, strict=True)
    )


def check_float(value, what):
    __tracebackhide__ = True
    if type(value) is not float:
        why = (
            "returning a tensor; accumulate loss.item() (a float)."
            if isinstance(value, torch.Tensor)
            else "convert the result with float(...)."
        )
        raise AssertionError(
            f"{what} returned {type(value).__name__}; expected a Python float. Likely "
            f"mistake: {why}"
        )


def check_steps(got, expected, seed, device, loader_args, what, mode="train"):
    """Compare the learner's step records with the reference's; name the planted mistake."""
    __tracebackhide__ = True
    n_batches = len(expected.params)
    if len(got.params) != n_batches:
        raise AssertionError(
            f"{what}: optimizer.step() was called {len(got.params)} times for {n_batches} "
            f"batches; expected exactly one step per batch."
        )
    if same_records(got.params, expected.params):
        return
    for plant, mistake in TRAIN_PLANTS.items():
        _, planted, _ = run_reference(seed, device, loader_args, plant, mode)
        if same_records(got.params, planted.params):
            raise AssertionError(
                f"{what}: the parameters after every step equal those of a loop with this "
                f"mistake. Likely mistake: {mistake}"
            )
    for k, (g, e) in enumerate(zip(got.params, expected.params, strict=True)):
        for name in e:
            if not bool(torch.isclose(g[name], e[name], **TIGHT).all()):
                assert_tensor_close(
                    g[name],
                    e[name],
                    what=f"{what}: parameter {name} after optimizer step {k + 1} of {n_batches}",
                    **TIGHT,
                    mistake="per batch: zero_grad, forward, loss, backward, step, in train "
                    "mode; use the loss_fn given, on this batch's outputs and targets.",
                )


# ----------------------------------------------------------------------------- task 1

TRAIN_CASES = [(0, 10, 4), (1, 12, 4), (2, 11, 3)]  # (seed, examples, batch size)


@pytest.mark.task(1)
@pytest.mark.parametrize("seed,n,batch_size", TRAIN_CASES)
def test_one_epoch_equals_the_reference_loop_step_for_step(seed, n, batch_size, device):
    X, y = make_data(seed, n, device)
    loader_args = (X, y, batch_size)
    reference, expected, expected_loss = run_reference(seed, device, loader_args)
    model = make_model(seed, device)
    optimizer = make_optimizer(model)
    recorder = StepRecorder(model, optimizer)
    what = (
        f"train_epoch(model, DataLoader of {n} examples in batches of {batch_size}, "
        f"cross_entropy, SGD with momentum)"
    )
    torch.manual_seed(seed + 100)
    loss = kata.train_epoch(model, make_loader(*loader_args), F.cross_entropy, optimizer)
    check_steps(recorder, expected, seed, device, loader_args, what)
    for name, value in reference.state_dict().items():
        assert_tensor_close(
            model.state_dict()[name],
            value,
            what=f"{what}: {name} after the epoch",
            **TIGHT,
            mistake="BatchNorm's running statistics are updated by the forward passes in "
            "train mode: one forward per batch, no extra ones.",
        )
    check_float(loss, what)
    if abs(loss - expected_loss) > 1e-10 * abs(expected_loss):
        _, _, mean_of_means = run_reference(seed, device, loader_args, "mean_of_batch_means")
        why = (
            "the mean of the batch means gives the short last batch the weight of a full one"
            if abs(loss - mean_of_means) <= 1e-10 * abs(mean_of_means)
            else "a loss taken after the update, or not weighted by batch size"
        )
        raise AssertionError(
            f"{what} returned {loss:.12g}; the mean training loss is {expected_loss:.12g}. "
            f"Likely mistake: {why}; sum each batch's loss.item() * batch size and divide "
            f"by the number of examples."
        )


@pytest.mark.task(1)
def test_train_epoch_switches_an_eval_mode_model_to_train_mode(device):
    X, y = make_data(3, 10, device)
    loader_args = (X, y, 4)
    _, expected, _ = run_reference(3, device, loader_args)
    model = make_model(3, device)
    model.eval()  # as an earlier evaluation could have left it
    optimizer = make_optimizer(model)
    recorder = StepRecorder(model, optimizer)
    what = "train_epoch(model in eval mode, DataLoader of 10 examples in batches of 4, ...)"
    torch.manual_seed(103)
    kata.train_epoch(model, make_loader(*loader_args), F.cross_entropy, optimizer)
    check_steps(recorder, expected, 3, device, loader_args, what, mode="eval")
    left_eval = [name for name, training in modes_of(model).items() if not training]
    if left_eval:
        raise AssertionError(
            f"{what}: afterwards {left_eval} are in eval mode; train_epoch leaves the whole "
            f"model in train mode. Likely mistake: model.eval() inside the training loop."
        )


@pytest.mark.task(1)
def test_train_epoch_clears_gradients_left_from_before(device):
    X, y = make_data(4, 8, device)
    loader_args = (X, y, 4)
    _, expected, _ = run_reference(4, device, loader_args)
    model = make_model(4, device)
    gen = torch.Generator().manual_seed(4)
    for p in model.parameters():  # left over from some earlier computation
        p.grad = torch.randn(p.shape, generator=gen, dtype=p.dtype).to(device) * 10
    old = {n: p.grad.clone() for n, p in model.named_parameters()}
    optimizer = make_optimizer(model)
    recorder = StepRecorder(model, optimizer)
    what = "train_epoch(model whose .grad holds old gradients, 8 examples in batches of 4, ...)"
    torch.manual_seed(104)
    kata.train_epoch(model, make_loader(*loader_args), F.cross_entropy, optimizer)
    if not recorder.grads:
        raise AssertionError(f"{what}: optimizer.step() was never called.")
    for name, grad in recorder.grads[0].items():
        if grad is None:
            raise AssertionError(
                f"{what}: the first optimizer.step() saw {name}.grad None, so nothing was "
                f"updated. Likely mistake: zero_grad() between loss.backward() and "
                f"optimizer.step(), or step() before backward()."
            )
        right = expected.grads[0][name]
        old_grad = old[name]
        if torch.allclose(grad, old_grad + right, **TIGHT):
            why = (
                "the old gradients were added to the first batch's: backward() accumulates "
                "into .grad, so call optimizer.zero_grad() before loss.backward() (gradients "
                "accumulate across steps otherwise)."
            )
        elif torch.allclose(grad, old_grad, **TIGHT):
            why = (
                "the first step saw the old gradients alone, not this batch's: "
                "optimizer.step() before loss.backward(), with no zero_grad() in between."
            )
        elif not grad.any():
            why = (
                "the first step saw zeros: zero_grad(set_to_none=False) between "
                "loss.backward() and optimizer.step()."
            )
        else:
            why = (
                "per batch: zero_grad(), forward, loss, backward(), step(), in that order; "
                "the first step sees exactly the first batch's gradient."
            )
        assert_tensor_close(
            grad,
            right,
            what=f"{what}: {name}.grad seen by the first optimizer.step()",
            **TIGHT,
            mistake=why,
        )


class _Alive:
    """A marker object; it dies when the autograd graph holding it is freed."""


class _Track(torch.autograd.Function):
    @staticmethod
    def forward(ctx, loss, marker):
        ctx.marker = marker  # lives as long as this node of the graph
        return loss.clone()

    @staticmethod
    def backward(ctx, grad):
        return grad, None


class TrackedCrossEntropy:
    """cross_entropy that fails as soon as the graph of an earlier batch is still alive."""

    def __init__(self, what):
        self.what = what
        self.markers = []

    def __call__(self, outputs, targets):
        __tracebackhide__ = True
        # the previous batch's loss may still be bound to a variable; older ones must be gone
        alive = sum(ref() is not None for ref in self.markers[:-1])
        if alive:
            raise AssertionError(
                f"{self.what}: at batch {len(self.markers) + 1} the autograd graphs of "
                f"{alive} earlier batch(es) were still alive. Likely mistake: total_loss += "
                f"loss (or a list of loss tensors) keeps every batch's graph, so memory grows "
                f"with every step; accumulate loss.item(), a float."
            )
        marker = _Alive()
        self.markers.append(weakref.ref(marker))
        return _Track.apply(F.cross_entropy(outputs, targets), marker)


@pytest.mark.task(1)
def test_train_epoch_keeps_no_graph_from_earlier_batches(device):
    X, y = make_data(5, 24, device)
    model = make_model(5, device)
    what = "train_epoch(model, 24 examples in 6 batches of 4, cross_entropy, SGD)"
    loss_fn = TrackedCrossEntropy(what)
    torch.manual_seed(105)
    loss = kata.train_epoch(model, make_loader(X, y, 4), loss_fn, make_optimizer(model))
    check_float(loss, what)


@pytest.mark.task(1)
def test_train_epoch_weights_the_short_last_batch_by_its_size(device):
    X, y = make_data(6, 9, device)
    loader_args = (X, y, 4)  # batches of 4, 4 and 1: the last one must count 1/9, not 1/3
    # no BatchNorm here: it cannot train on a batch of one example
    _, _, expected = run_reference(6, device, loader_args, batchnorm=False)
    _, _, mean_of_means = run_reference(
        6, device, loader_args, "mean_of_batch_means", batchnorm=False
    )
    model = make_model(6, device, batchnorm=False)
    what = "train_epoch(model, 9 examples in batches of 4, 4 and 1, cross_entropy, SGD)"
    torch.manual_seed(106)
    loss = kata.train_epoch(
        model, make_loader(*loader_args), F.cross_entropy, make_optimizer(model)
    )
    check_float(loss, what)
    if abs(loss - expected) <= 1e-10 * abs(expected):
        return
    if abs(loss - mean_of_means) <= 1e-10 * abs(mean_of_means):
        raise AssertionError(
            f"{what} returned {loss:.10g}, the mean of the batch means; the mean over the 9 "
            f"examples is {expected:.10g}. Likely mistake: the mean of the batch means gives "
            f"the single last example the weight of a whole batch; sum loss.item() * batch "
            f"size and divide by the number of examples."
        )
    raise AssertionError(
        f"{what} returned {loss:.10g}; the mean over the 9 examples is {expected:.10g}. "
        f"Likely mistake: a loss taken after the update, or not weighted by batch size."
    )


@pytest.mark.task(1)
def test_train_epoch_rejects_an_empty_loader(device):
    model = make_model(7, device)
    assert_raises(
        ValueError,
        kata.train_epoch,
        model,
        [],
        F.cross_entropy,
        make_optimizer(model),
        what="train_epoch(model, [], cross_entropy, SGD) with a loader that yields no batch",
        mistake="with no examples the mean loss is 0 / 0: raise ValueError.",
    )


# ----------------------------------------------------------------------------- task 2

EVAL_CASES = [(0, 10, 4), (1, 9, 3), (2, 7, 7), (3, 5, 1)]  # 9 / 3: batch size = classes


def trained_model(seed, device):
    """A model with non-trivial BatchNorm running statistics, in train mode."""
    model = make_model(seed, device)
    X, y = make_data(seed + 50, 16, device)
    torch.manual_seed(seed)
    reference_epoch(model, make_loader(X, y, 8), make_optimizer(model))
    return model


class ForwardSpy:
    """Records, at every forward of the model, its mode and whether a graph is recorded."""

    def __init__(self, model):
        self.calls = []
        model.register_forward_hook(
            lambda module, args, output: self.calls.append(
                (module.training, torch.is_grad_enabled(), output.requires_grad)
            )
        )


@pytest.mark.task(2)
@pytest.mark.parametrize("seed,n,batch_size", EVAL_CASES)
def test_evaluate_equals_one_pass_over_the_whole_dataset(seed, n, batch_size, device):
    model = trained_model(seed, device)
    X, y = make_data(seed + 10, n, device)
    loss_expected, accuracy_expected = reference_evaluate(model, X, y)
    what = f"evaluate(model, DataLoader of {n} examples in batches of {batch_size}, cross_entropy)"
    got = kata.evaluate(model, make_loader(X, y, batch_size), F.cross_entropy)
    if not isinstance(got, tuple) or len(got) != 2:
        raise AssertionError(f"{what} returned {got!r}; expected (mean_loss, accuracy).")
    loss, accuracy = got
    check_float(loss, f"{what}: mean_loss")
    if type(accuracy) is not float:
        raise AssertionError(
            f"{what}: accuracy is a {type(accuracy).__name__}; expected a Python float "
            f"(the number correct divided by the number of examples)."
        )
    batches = [(X[i : i + batch_size], y[i : i + batch_size]) for i in range(0, n, batch_size)]
    if abs(loss - loss_expected) > 1e-10 * abs(loss_expected):
        means = []
        for xb, yb in batches:
            means.append(reference_evaluate(model, xb, yb)[0])
        mean_of_means = sum(means) / len(means)
        if abs(loss - mean_of_means) <= 1e-10 * abs(mean_of_means):
            raise AssertionError(
                f"{what}: mean_loss {loss:.10g} is the mean of the batch means; the mean "
                f"over the {n} examples is {loss_expected:.10g}. Likely mistake: the short "
                f"last batch counted like a full one; weight each batch's loss by its size."
            )
        raise AssertionError(
            f"{what}: mean_loss {loss:.10g}, expected {loss_expected:.10g} (the whole "
            f"dataset in eval mode). Likely mistake: the model was in train mode (Dropout "
            f"active, BatchNorm on batch statistics): call model.eval(); or the batch "
            f"losses not weighted by their size and divided by the number of examples."
        )
    if abs(accuracy - accuracy_expected) > 1e-12:
        accuracies = [reference_evaluate(model, xb, yb)[1] for xb, yb in batches]
        mean_of_accuracies = sum(accuracies) / len(accuracies)
        wrong_dim = 0
        model_modes = [(m, m.training) for m in model.modules()]
        model.eval()
        with torch.no_grad():
            for xb, yb in batches:  # argmax(0) runs without an error on a square batch
                logits = model(xb)
                dim = 0 if logits.shape[0] == logits.shape[1] else 1
                wrong_dim += int((logits.argmax(dim) == yb).sum())
        for m, training in model_modes:
            m.train(training)
        if abs(accuracy - mean_of_accuracies) <= 1e-12:
            why = f"the mean of the batch accuracies; count the correct examples and divide by {n}."
        elif abs(accuracy - wrong_dim / n) <= 1e-12:
            why = "the argmax over the wrong dimension: classes are dimension 1 of (B, C)."
        else:
            why = (
                f"the count of correct predictions, (logits.argmax(1) == targets).sum() "
                f"over all batches, divided by {n}."
            )
        raise AssertionError(
            f"{what}: accuracy {accuracy:.6g}, expected {accuracy_expected:.6g}. Likely "
            f"mistake: {why}"
        )


@pytest.mark.task(2)
def test_evaluate_runs_in_eval_mode_and_builds_no_graph(device):
    model = trained_model(4, device)
    gen = torch.Generator().manual_seed(4)
    for p in model.parameters():
        p.grad = torch.randn(p.shape, generator=gen, dtype=p.dtype).to(device)
    before = state_of(model)
    grads = {n: p.grad.clone() for n, p in model.named_parameters()}
    spy = ForwardSpy(model)
    X, y = make_data(14, 10, device)
    what = "evaluate(model in train mode, DataLoader of 10 examples in batches of 4, ...)"
    kata.evaluate(model, make_loader(X, y, 4), F.cross_entropy)
    if not spy.calls:
        raise AssertionError(f"{what} never called the model.")
    if any(training for training, _, _ in spy.calls):
        raise AssertionError(
            f"{what}: the model was in train mode during evaluate. Likely mistake: no "
            f"model.eval() before the loop (Dropout then drops units at random and "
            f"BatchNorm normalises by each batch and updates its running statistics)."
        )
    if any(grad_on or requires for _, grad_on, requires in spy.calls):
        raise AssertionError(
            f"{what} built an autograd graph (the model's outputs require grad). Likely "
            f"mistake: no torch.no_grad() (or torch.inference_mode()) around the loop: the "
            f"graph costs memory and time and is never used."
        )
    for name, value in before.items():
        assert_tensor_close(
            model.state_dict()[name],
            value,
            what=f"{what}: {name} afterwards",
            rtol=0,
            atol=0,
            mistake="evaluate must change no parameter and no buffer (BatchNorm's running "
            "statistics change only in train mode).",
        )
    for name, p in model.named_parameters():
        if p.grad is None:
            raise AssertionError(
                f"{what} set {name}.grad to None; evaluate must leave .grad alone. Likely "
                f"mistake: optimizer.zero_grad() or model.zero_grad() in evaluate."
            )
        assert_tensor_close(p.grad, grads[name], what=f"{what}: {name}.grad afterwards")


def frozen_batchnorm(model):
    model.train()
    model[1].eval()  # fine-tuning with frozen statistics: a mixed mode to restore
    return model


MODES = {
    "train": lambda model: model.train(),
    "eval": lambda model: model.eval(),
    "frozen_batchnorm": frozen_batchnorm,
}


@pytest.mark.task(2)
@pytest.mark.parametrize("mode", list(MODES))
def test_evaluate_restores_every_modules_mode(mode, device):
    model = MODES[mode](trained_model(5, device))
    before = modes_of(model)
    X, y = make_data(15, 8, device)
    what = f"evaluate(model in mode {mode!r}, DataLoader of 8 examples in batches of 4, ...)"
    kata.evaluate(model, make_loader(X, y, 4), F.cross_entropy)
    after = modes_of(model)
    changed = {name: after[name] for name in before if before[name] != after[name]}
    if changed:
        states = ", ".join(
            f"{name} {'train' if t else 'eval'} (was {'train' if before[name] else 'eval'})"
            for name, t in changed.items()
        )
        if mode == "frozen_batchnorm":
            why = (
                "model.train(was_training) at the end switches EVERY submodule: remember "
                "each module's .training and restore them one by one."
            )
        elif mode == "train":
            why = "the model was left in eval mode: restore its previous mode afterwards."
        else:
            why = "model.train() at the end: restore the mode it had, which was eval."
        raise AssertionError(f"{what}: afterwards {states}. Likely mistake: {why}")


@pytest.mark.task(2)
def test_evaluate_rejects_an_empty_loader(device):
    assert_raises(
        ValueError,
        kata.evaluate,
        make_model(8, device),
        [],
        F.cross_entropy,
        what="evaluate(model, [], cross_entropy) with a loader that yields no batch",
        mistake="with no examples the mean is 0 / 0: raise ValueError.",
    )


@pytest.mark.task(2)
def test_evaluate_takes_a_plain_list_of_batches(device):
    model = trained_model(9, device)
    X, y = make_data(19, 6, device)
    batches = [(X[:4], y[:4]), (X[4:], y[4:])]
    expected = reference_evaluate(model, X, y)
    got = kata.evaluate(model, batches, F.cross_entropy)
    what = "evaluate(model, [(X[:4], y[:4]), (X[4:], y[4:])], cross_entropy)"
    if not isinstance(got, tuple) or len(got) != 2:
        raise AssertionError(f"{what} returned {got!r}; expected (mean_loss, accuracy).")
    for label, g, e in zip(("mean_loss", "accuracy"), got, expected, strict=True):
        if abs(g - e) > 1e-10 * max(abs(e), 1.0):
            raise AssertionError(f"{what}: {label} {g:.10g}, expected {e:.10g}.")


# ----------------------------------------------------------------------------- task 3


def reference_fit(seed, device, data, epochs, shuffle_seed):
    model = make_model(seed, device)
    optimizer = make_optimizer(model)
    (X, y), (Xv, yv) = data
    train_loader = make_loader(X, y, 4, shuffle=True, seed=shuffle_seed)
    torch.manual_seed(seed + 100)
    history = []
    for _ in range(epochs):
        train_loss = reference_epoch(model, train_loader, optimizer)
        val_loss, val_accuracy = reference_evaluate(model, Xv, yv)
        history.append(
            {"train_loss": train_loss, "val_loss": val_loss, "val_accuracy": val_accuracy}
        )
    return model, history


@pytest.mark.task(3)
def test_fit_history_equals_the_reference(device):
    data = (make_data(20, 14, device), make_data(21, 10, device))
    _, expected = reference_fit(20, device, data, 3, shuffle_seed=7)
    model = make_model(20, device)
    (X, y), (Xv, yv) = data
    what = "fit(model, shuffled train loader of 14, val loader of 10, cross_entropy, SGD, 3)"
    torch.manual_seed(120)
    history = kata.fit(
        model,
        make_loader(X, y, 4, shuffle=True, seed=7),
        make_loader(Xv, yv, 4),
        F.cross_entropy,
        make_optimizer(model),
        3,
    )
    if not isinstance(history, list) or len(history) != 3:
        raise AssertionError(f"{what} returned {history!r}; expected a list of 3 dicts.")
    for epoch, (got, exp) in enumerate(zip(history, expected, strict=True)):
        if not isinstance(got, dict) or set(got) != set(exp):
            raise AssertionError(
                f"{what}: epoch {epoch + 1} gave {got!r}; expected a dict with keys {sorted(exp)}."
            )
        for key, value in exp.items():
            if type(got[key]) is not float or abs(got[key] - value) > 1e-9 * max(abs(value), 1):
                raise AssertionError(
                    f"{what}: epoch {epoch + 1} {key} = {got[key]!r}, expected {value:.10g}. "
                    f"Likely mistake: validating before training in each epoch, or not "
                    f"using your train_epoch and evaluate."
                )


@pytest.mark.task(3)
def test_fit_lowers_the_loss_and_ends_in_train_mode(device):
    X, y = make_data(30, 64, device)
    Xv, yv = make_data(31, 32, device)
    model = make_model(30, device, dropout=0.1)
    what = "fit(model, 64 training examples in batches of 16, 32 for validation, ..., epochs=12)"
    torch.manual_seed(130)
    history = kata.fit(
        model,
        make_loader(X, y, 16, shuffle=True, seed=1),
        make_loader(Xv, yv, 16),
        F.cross_entropy,
        make_optimizer(model),
        12,
    )
    first, last = history[0], history[-1]
    if not (
        last["train_loss"] < 0.5 * first["train_loss"] and last["val_loss"] < first["val_loss"]
    ):
        raise AssertionError(
            f"{what}: train_loss went {first['train_loss']:.4g} -> {last['train_loss']:.4g} "
            f"and val_loss {first['val_loss']:.4g} -> {last['val_loss']:.4g}; expected both "
            f"to fall (train_loss to under half). Likely mistake: no optimizer.step(), or "
            f"gradients never cleared."
        )
    left_eval = [name for name, training in modes_of(model).items() if not training]
    if left_eval:
        raise AssertionError(
            f"{what}: afterwards {left_eval} are in eval mode; fit leaves the model in train "
            f"mode. Likely mistake: evaluate does not restore the mode it found, or fit "
            f"calls model.eval() itself."
        )
