"""Tests for kata 48: gradient accumulation, checked in float64 against big-batch training."""

import copy
import math
from dataclasses import dataclass, field

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from torchkatas.harness import assert_raises, assert_tensor_close, load_kata

kata = load_kata(__file__)

FEATURES, OUT = 5, 3
# float64 throughout: accumulation only changes the order of the sums, so the results
# agree with big-batch training to rounding, far below this
TIGHT = {"rtol": 1e-10, "atol": 1e-12}


# ----------------------------------------------------------------------------- problems


def make_model(seed: int, device, batchnorm: bool = False) -> nn.Module:
    """A small float64 MLP with seeded weights (no BatchNorm unless asked)."""
    gen = torch.Generator().manual_seed(seed)
    layers = [nn.Linear(FEATURES, 8, dtype=torch.float64)]
    if batchnorm:
        layers.append(nn.BatchNorm1d(8, dtype=torch.float64))
    layers += [nn.Tanh(), nn.Linear(8, OUT, dtype=torch.float64)]
    model = nn.Sequential(*layers)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen, dtype=torch.float64))
    return model.to(device)


def make_batch(gen, size: int, device) -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.randn(size, FEATURES, generator=gen, dtype=torch.float64)
    y = torch.randn(size, OUT, generator=gen, dtype=torch.float64)
    return x.to(device), y.to(device)


def grads(model: nn.Module) -> list[torch.Tensor | None]:
    return [None if p.grad is None else p.grad.clone() for p in model.parameters()]


def weighted_grads(model, inputs, targets, size: int, weight) -> list[torch.Tensor]:
    """On a copy: the sum over micro-batches of weight(n_i, k, B) * grad(mean loss_i)."""
    ref = copy.deepcopy(model)
    ref.zero_grad(set_to_none=True)
    pieces = list(zip(inputs.split(size), targets.split(size), strict=True))
    for x, y in pieces:
        (F.mse_loss(ref(x), y) * weight(len(x), len(pieces), len(inputs))).backward()
    return grads(ref)


def big_batch_grads(model, inputs, targets) -> list[torch.Tensor]:
    ref = copy.deepcopy(model)
    ref.zero_grad(set_to_none=True)
    F.mse_loss(ref(inputs), targets).backward()
    return grads(ref)


def same(a: list, b: list) -> bool:
    return all(
        x is not None and y is not None and x.shape == y.shape and torch.allclose(x, y, **TIGHT)
        for x, y in zip(a, b, strict=True)
    )


def record_order(model: nn.Module) -> list[str]:
    """'forward' at each forward of the model, 'backward' when a backward reaches its weights."""
    events: list[str] = []
    model.register_forward_pre_hook(lambda module, args: events.append(f"forward {len(args[0])}"))
    first = next(model.parameters())
    first.register_post_accumulate_grad_hook(lambda p: events.append("backward"))
    return events


# ----------------------------------------------------------------------------- task 1


def call_accumulate(model, inputs, targets, size: int):
    what = (
        f"accumulate_gradients(model, inputs {tuple(inputs.shape)}, targets "
        f"{tuple(targets.shape)}, mse_loss, micro_batch_size={size})"
    )
    return kata.accumulate_gradients(model, inputs, targets, F.mse_loss, size), what


@pytest.mark.task(1)
def test_micro_batches_run_forward_then_backward_one_at_a_time(device):
    gen = torch.Generator().manual_seed(0)
    model = make_model(0, device)
    inputs, targets = make_batch(gen, 10, device)
    events = record_order(model)
    _, what = call_accumulate(model, inputs, targets, 4)
    expected = ["forward 4", "backward", "forward 4", "backward", "forward 2", "backward"]
    if events == expected:
        return
    forwards = [e for e in events if e.startswith("forward")]
    if forwards == ["forward 10"]:
        raise AssertionError(
            f"{what}: the model saw one forward of all 10 samples; expected micro-batches "
            f"of 4, 4 and 2. Likely mistake: the batch was not split, so nothing was saved."
        )
    if forwards == expected[::2] and events[-1] == "backward" and events.count("backward") == 1:
        raise AssertionError(
            f"{what} made the calls {events}; expected {expected}. Likely mistake: the "
            f"weighted losses were summed and backpropagated once at the end (one backward "
            f"at the end), which keeps every micro-batch's graph alive at once: the memory "
            f"of the big batch, the point of accumulating lost. Call backward per micro-batch."
        )
    raise AssertionError(
        f"{what} made the calls {events}; expected {expected}: micro-batches of "
        f"micro_batch_size in order (the last one short), each backpropagated before the next."
    )


@pytest.mark.task(1)
@pytest.mark.parametrize(
    ("batch", "size"),
    [(10, 4), (12, 4), (12, 3), (7, 1), (5, 5), (5, 9), (1, 3)],
    ids=["10-by-4", "12-by-4", "12-by-3", "7-by-1", "5-by-5", "5-by-9", "one-sample"],
)
def test_accumulated_gradient_equals_the_big_batch_gradient(batch, size, device):
    gen = torch.Generator().manual_seed(batch * 10 + size)
    for trial in range(3):
        model = make_model(trial, device)
        inputs, targets = make_batch(gen, batch, device)
        before = (inputs.clone(), targets.clone())
        expected = big_batch_grads(model, inputs, targets)
        expected_loss = F.mse_loss(copy.deepcopy(model)(inputs), targets).item()
        model.zero_grad(set_to_none=True)
        returned, what = call_accumulate(model, inputs, targets, size)
        got = grads(model)
        if any(g is None for g in got):
            raise AssertionError(f"{what} left .grad None: no backward reached the model.")
        k = math.ceil(batch / size)
        if k > 1 and same(got, [k * e for e in expected]):
            raise AssertionError(
                f"{what}: the gradients are {k} times the big-batch gradient. Likely mistake: "
                f"the loss not divided by k: each micro-batch's mean loss must be weighted "
                f"by n_i / B (1 / k for equal micro-batches) before backward."
            )
        per_k = weighted_grads(model, inputs, targets, size, lambda n, k, b: 1 / k)
        if batch % size and not same(per_k, expected) and same(got, per_k):
            raise AssertionError(
                f"{what}: the gradients weight every micro-batch by 1/{k}, but the micro-batch "
                f"sizes are {[len(x) for x in inputs.split(size)]}. Likely mistake: the short "
                f"last micro-batch weighted as much as a full one: weight each by n_i / B."
            )
        for i, (g, e) in enumerate(zip(got, expected, strict=True)):
            assert_tensor_close(
                g,
                e,
                what=f"{what}: .grad of parameter {i}",
                mistake="each micro-batch's mean loss weighted by n_i / B, backpropagated "
                "into .grad without zeroing in between.",
                **TIGHT,
            )
        if type(returned) is not float:
            raise AssertionError(
                f"{what} returned {type(returned).__name__}; expected the whole batch's loss "
                f"as a Python float (sum of the weighted losses' .item())."
            )
        if not math.isclose(returned, expected_loss, rel_tol=1e-10):
            with torch.no_grad():  # the micro-batch losses, to see which wrong total it is
                ref = copy.deepcopy(model)
                parts = [
                    F.mse_loss(ref(x), y).item()
                    for x, y in zip(inputs.split(size), targets.split(size), strict=True)
                ]
            if math.isclose(returned, parts[-1], rel_tol=1e-10):
                why = "returning the last micro-batch's loss instead of the whole batch's."
            elif math.isclose(returned, sum(parts), rel_tol=1e-10):
                why = "a sum of the micro-batch losses without the n_i / B weights."
            elif math.isclose(returned, sum(parts) / len(parts), rel_tol=1e-10):
                why = "the plain mean of the micro-batch losses (weights 1 / k, not n_i / B)."
            else:
                why = "returning the last micro-batch's loss, or a sum without the n_i / B weights."
            raise AssertionError(
                f"{what} returned {returned!r}; the whole batch's mean loss is "
                f"{expected_loss!r}. Likely mistake: {why}"
            )
        for name, t, t0 in zip(("inputs", "targets"), (inputs, targets), before, strict=True):
            if not torch.equal(t, t0):
                raise AssertionError(
                    f"{what} changed the caller's {name} in place; expected them untouched. "
                    f"Likely mistake: an in-place op on a micro-batch (a view of the caller's "
                    f"tensor: split() returns views)."
                )


@pytest.mark.task(1)
def test_gradients_are_added_to_what_grad_holds(device):
    gen = torch.Generator().manual_seed(1)
    model = make_model(1, device)
    inputs, targets = make_batch(gen, 9, device)
    old = [
        torch.randn(p.shape, generator=gen, dtype=torch.float64).to(device)
        for p in model.parameters()
    ]
    for p, g in zip(model.parameters(), old, strict=True):
        p.grad = g.clone()
    expected = [o + e for o, e in zip(old, big_batch_grads(model, inputs, targets), strict=True)]
    _, what = call_accumulate(model, inputs, targets, 2)
    what += " on a model whose .grad already held gradients"
    got = grads(model)
    if same(got, big_batch_grads(model, inputs, targets)):
        raise AssertionError(
            f"{what}: .grad now holds only this batch's gradient; the old gradients are gone. "
            f"Likely mistake: zero_grad inside accumulate_gradients: it adds, as backward() "
            f"does, and does not zero (the caller zeroes once per cycle)."
        )
    for i, (g, e) in enumerate(zip(got, expected, strict=True)):
        assert_tensor_close(
            g,
            e,
            what=f"{what}: .grad of parameter {i}",
            mistake="the result must be the old .grad plus this batch's gradient: the old "
            "gradients zeroed or scaled, or the micro-batches weighted wrong (the big-batch "
            "gradient test tells which).",
            **TIGHT,
        )


@pytest.mark.task(1)
def test_batchnorm_statistics_differ_per_micro_batch(device):
    """BatchNorm in train mode normalises each micro-batch by its own statistics: the
    accumulated gradient is NOT the big-batch gradient (the caveat the README states)."""
    gen = torch.Generator().manual_seed(2)
    model = make_model(2, device, batchnorm=True).train()
    inputs, targets = make_batch(gen, 12, device)
    expected = big_batch_grads(model, inputs, targets)
    model.zero_grad(set_to_none=True)
    _, what = call_accumulate(model, inputs, targets, 4)
    if same(grads(model), expected):
        raise AssertionError(
            f"{what} on a model with BatchNorm1d gave exactly the big-batch gradient, which "
            f"is impossible when each micro-batch is normalised by its own mean and variance. "
            f"Likely mistake: the batch was not split into micro-batches."
        )


@pytest.mark.task(1)
@pytest.mark.parametrize("size", [0, -2])
def test_rejects_micro_batch_size_below_one(size, device):
    gen = torch.Generator().manual_seed(3)
    inputs, targets = make_batch(gen, 4, device)
    assert_raises(
        ValueError,
        kata.accumulate_gradients,
        make_model(3, device),
        inputs,
        targets,
        F.mse_loss,
        size,
        what=f"accumulate_gradients(..., micro_batch_size={size})",
        mistake="no check: split(0) raises a confusing RuntimeError, a negative size worse.",
    )


@pytest.mark.task(1)
def test_rejects_inputs_and_targets_of_different_lengths(device):
    gen = torch.Generator().manual_seed(4)
    inputs, _ = make_batch(gen, 6, device)
    _, targets = make_batch(gen, 5, device)
    assert_raises(
        ValueError,
        kata.accumulate_gradients,
        make_model(4, device),
        inputs,
        targets,
        F.mse_loss,
        2,
        what="accumulate_gradients(model, inputs (6, 5), targets (5, 3), mse_loss, 2)",
        mistake="no length check: zip() of the splits silently drops the unmatched samples.",
    )


# ----------------------------------------------------------------------------- task 2


def make_stream(seed: int, sizes: list[int], device) -> list:
    gen = torch.Generator().manual_seed(seed)
    return [make_batch(gen, n, device) for n in sizes]


def cycles_of(micro_batches: list, steps: int) -> list[list]:
    return [micro_batches[i : i + steps] for i in range(0, len(micro_batches), steps)]


def make_optimizer(name: str, model: nn.Module) -> torch.optim.Optimizer:
    if name == "sgd":
        return torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    return torch.optim.AdamW(model.parameters(), lr=0.05, weight_decay=0.1)


def big_batch_training(model, micro_batches, steps: int, optimizer: str):
    """On a copy: train on the concatenated cycles; the grads each step saw, losses, model."""
    ref = copy.deepcopy(model)
    opt = make_optimizer(optimizer, ref)
    seen, losses = [], []
    for cycle in cycles_of(micro_batches, steps):
        x = torch.cat([x for x, _ in cycle])
        y = torch.cat([y for _, y in cycle])
        opt.zero_grad()
        loss = F.mse_loss(ref(x), y)
        loss.backward()
        seen.append(grads(ref))
        opt.step()
        losses.append(loss.item())
    return seen, losses, ref


@dataclass
class Recorder:
    """What the optimizer saw: the .grad of every parameter at each step, zero_grad calls."""

    seen: list = field(default_factory=list)
    zero_grads: int = 0


def record_steps(optimizer, model) -> Recorder:
    record = Recorder()
    optimizer.register_step_pre_hook(lambda opt, args, kwargs: record.seen.append(grads(model)))
    for obj in (optimizer, model):  # either way of clearing gradients counts
        original = obj.zero_grad

        def counting(*args, _original=original, **kwargs):
            record.zero_grads += 1
            return _original(*args, **kwargs)

        obj.zero_grad = counting
    return record


def describe_stream(sizes: list[int], steps: int) -> str:
    return f"micro-batches of sizes {sizes}, accumulation_steps={steps}"


# (sizes of the micro-batches, accumulation_steps): a short last micro-batch, a final
# partial cycle, both, neither, and accumulation_steps=1 (plain training)
STREAMS = [
    pytest.param([4, 4, 4, 4, 4, 2], 4, id="partial-cycle-with-short-micro-batch"),
    pytest.param([3, 3, 3, 3, 3, 3, 3], 2, id="partial-cycle"),
    pytest.param([5, 5, 5, 5, 5, 1], 3, id="short-micro-batch"),
    pytest.param([2, 2, 2, 2], 2, id="even"),
    pytest.param([4, 4, 1], 1, id="steps-1"),
]


@dataclass
class Trained:
    model: nn.Module
    record: Recorder
    returned: object
    expected_seen: list  # the gradients each big-batch step saw
    expected_losses: list
    reference: nn.Module  # the model after big-batch training
    what: str


def run_training(sizes, steps, optimizer_name, device, stale: bool = False) -> Trained:
    """The learner's train_accumulated and big-batch training, from the same start."""
    model = make_model(sum(sizes) + steps, device)
    micro_batches = make_stream(len(sizes), sizes, device)
    expected_seen, expected_losses, ref = big_batch_training(
        model, micro_batches, steps, optimizer_name
    )
    if stale:  # left over from earlier code
        gen = torch.Generator().manual_seed(99)
        for p in model.parameters():
            p.grad = torch.randn(p.shape, generator=gen, dtype=torch.float64).to(device) * 10
    optimizer = make_optimizer(optimizer_name, model)
    record = record_steps(optimizer, model)
    before = [(x.clone(), y.clone()) for x, y in micro_batches]
    what = f"train_accumulated(model, {optimizer_name}, {describe_stream(sizes, steps)}, mse_loss)"
    returned = kata.train_accumulated(model, optimizer, micro_batches, F.mse_loss, steps)
    for i, ((x, y), (x0, y0)) in enumerate(zip(micro_batches, before, strict=True)):
        if not (torch.equal(x, x0) and torch.equal(y, y0)):
            raise AssertionError(
                f"{what} changed micro-batch {i} in place; expected the caller's micro-batches "
                f"untouched. Likely mistake: an in-place op on the inputs or targets."
            )
    return Trained(model, record, returned, expected_seen, expected_losses, ref, what)


@pytest.mark.task(2)
@pytest.mark.parametrize(("sizes", "steps"), STREAMS)
def test_one_step_per_cycle_including_the_final_partial_one(sizes, steps, device):
    run = run_training(sizes, steps, "sgd", device)
    seen, zero_grads, what = run.record.seen, run.record.zero_grads, run.what
    cycles = len(run.expected_seen)
    if len(seen) == len(sizes) and cycles != len(sizes):
        raise AssertionError(
            f"{what}: optimizer.step() was called {len(seen)} times, once per micro-batch; "
            f"expected {cycles}, once per cycle. Likely mistake: stepped every micro-batch "
            f"(step and zero_grad belong after the cycle's last micro-batch)."
        )
    if zero_grads >= len(sizes) and cycles < len(sizes):
        raise AssertionError(
            f"{what}: zero_grad() was called {zero_grads} times for {len(sizes)} "
            f"micro-batches in {cycles} cycles. Likely mistake: zero_grad every micro-batch, "
            f"which throws away the gradients accumulated so far: zero once per cycle."
        )
    if len(seen) == len(sizes) // steps and cycles != len(seen):
        raise AssertionError(
            f"{what}: optimizer.step() was called {len(seen)} times; expected {cycles}. "
            f"Likely mistake: forgetting the final partial cycle: the last "
            f"{len(sizes) % steps} micro-batch(es) were backpropagated but never stepped on "
            f"(a step only when (i + 1) % accumulation_steps == 0 misses them)."
        )
    if len(seen) != cycles:
        raise AssertionError(
            f"{what}: optimizer.step() was called {len(seen)} times; expected {cycles}, "
            f"one per cycle of {steps} micro-batches (the last cycle may be shorter)."
        )


@pytest.mark.task(2)
@pytest.mark.parametrize(("sizes", "steps"), STREAMS)
def test_each_step_sees_the_big_batch_gradient(sizes, steps, device):
    run = run_training(sizes, steps, "sgd", device)
    seen, expected_seen, what = run.record.seen, run.expected_seen, run.what
    cycles = cycles_of(sizes, steps)
    for c, (got, expected) in enumerate(zip(seen, expected_seen, strict=False)):
        at = f"{what}: step {c + 1} of {len(expected_seen)} (cycle sizes {cycles[c]})"
        if any(g is None for g in got):
            raise AssertionError(
                f"{at} saw .grad None; expected the cycle's accumulated gradient. Likely "
                f"mistake: zero_grad() (set_to_none) between backward() and step(), or step() "
                f"called before the cycle's first backward()."
            )
        if same(got, expected):
            continue
        if c == len(cycles) - 1 and len(cycles[c]) < steps:
            raise AssertionError(
                f"{at}: the final partial cycle's gradient is not its big-batch gradient, "
                f"while the earlier steps were right. Likely mistake: "
                f"the final partial cycle weighted wrong: N is the number of samples in THIS "
                f"cycle ({sum(cycles[c])}), not accumulation_steps x the micro-batch size."
            )
        if len(set(cycles[c])) > 1:
            raise AssertionError(
                f"{at}: the gradient is not the big-batch gradient of the cycle. "
                f"Likely mistake: the short last micro-batch weighted wrong (each micro-batch "
                f"weighs n_i / N, N the samples of the cycle), or zero_grad every micro-batch"
                + (", or gradients never cleared between cycles." if c > 0 else ".")
            )
        raise AssertionError(
            f"{at}: the gradient is not the big-batch gradient of the cycle. Likely "
            f"mistake: zero_grad every micro-batch (only the last micro-batch's gradient "
            f"survives), or gradients never cleared between cycles, or losses not weighted "
            f"by n_i / N."
        )


@pytest.mark.task(2)
@pytest.mark.parametrize("optimizer", ["sgd", "adamw"])
@pytest.mark.parametrize(("sizes", "steps"), [STREAMS[0], STREAMS[1]])
def test_parameters_equal_big_batch_training(sizes, steps, optimizer, device):
    run = run_training(sizes, steps, optimizer, device)
    returned, expected_losses, what = run.returned, run.expected_losses, run.what
    for (name, p), q in zip(run.model.named_parameters(), run.reference.parameters(), strict=True):
        assert_tensor_close(
            p,
            q,
            what=f"{what}: parameter {name} after training",
            mistake="one zero_grad, weighted backwards and one step per cycle, the final "
            "partial cycle included.",
            **TIGHT,
        )
    if not isinstance(returned, list) or any(type(v) is not float for v in returned):
        raise AssertionError(
            f"{what} returned {returned!r}; expected a list of Python floats, one per cycle."
        )
    if len(returned) != len(expected_losses) or not all(
        math.isclose(a, b, rel_tol=1e-10) for a, b in zip(returned, expected_losses, strict=True)
    ):
        raise AssertionError(
            f"{what} returned the losses {returned}; expected each cycle's big-batch loss "
            f"{expected_losses}. Likely mistake: a loss per micro-batch, or unweighted sums."
        )


@pytest.mark.task(2)
def test_stale_gradients_never_reach_a_step(device):
    run = run_training([3, 3, 2], 2, "sgd", device, stale=True)
    seen, expected_seen = run.record.seen, run.expected_seen
    what = run.what + " on a model whose .grad held an earlier batch's gradients"
    if not seen:
        raise AssertionError(f"{what} never called optimizer.step().")
    gen = torch.Generator().manual_seed(99)  # the stale gradients run_training planted
    stale = [
        torch.randn(p.shape, generator=gen, dtype=torch.float64).to(device) * 10
        for p in run.model.parameters()
    ]
    for i, (g, e) in enumerate(zip(seen[0], expected_seen[0], strict=True)):
        if g is None:
            raise AssertionError(
                f"{what}: the first step saw .grad None for parameter {i}; expected the first "
                f"cycle's gradient. Likely mistake: zero_grad() (set_to_none) between "
                f"backward() and step()."
            )
        kept_stale = g.shape == e.shape and torch.allclose(g, e + stale[i], **TIGHT)
        assert_tensor_close(
            g,
            e,
            what=f"{what}: .grad of parameter {i} at the first step",
            mistake="gradients never cleared before the first cycle (the step saw the stale "
            "gradient plus the cycle's): zero the gradients once at the start of every cycle."
            if kept_stale
            else "the first step's gradient is neither the cycle's nor the stale one plus "
            "it: the micro-batches weighted wrong, or gradients cleared in mid-cycle.",
            **TIGHT,
        )


@pytest.mark.task(2)
def test_empty_list_makes_no_step(device):
    model = make_model(5, device)
    optimizer = make_optimizer("sgd", model)
    seen = record_steps(optimizer, model).seen
    got = kata.train_accumulated(model, optimizer, [], F.mse_loss, 3)
    if got != [] or seen:
        raise AssertionError(
            f"train_accumulated(..., [], mse_loss, 3) returned {got!r} after {len(seen)} "
            f"step(s); expected [] and no step. Likely mistake: "
            + (
                "a final step() after the loop for the partial cycle, run even when no "
                "micro-batch came (step only when the cycle holds a micro-batch)."
                if seen
                else "returning something other than the empty list of cycle losses."
            )
        )


@pytest.mark.task(2)
@pytest.mark.parametrize("steps", [0, -1])
def test_rejects_accumulation_steps_below_one(steps, device):
    model = make_model(6, device)
    assert_raises(
        ValueError,
        kata.train_accumulated,
        model,
        make_optimizer("sgd", model),
        make_stream(6, [2, 2], device),
        F.mse_loss,
        steps,
        what=f"train_accumulated(..., accumulation_steps={steps})",
        mistake="no check: range(0, n, 0) raises a confusing error, and a step every "
        "non-positive number of micro-batches means nothing.",
    )


@pytest.mark.task(2)
def test_training_backpropagates_each_micro_batch_before_the_next(device):
    sizes, steps = [3, 3, 2], 3
    model = make_model(7, device)
    micro_batches = make_stream(7, sizes, device)
    events = record_order(model)
    kata.train_accumulated(model, make_optimizer("sgd", model), micro_batches, F.mse_loss, steps)
    expected = ["forward 3", "backward", "forward 3", "backward", "forward 2", "backward"]
    what = f"train_accumulated(model, sgd, {describe_stream(sizes, steps)}, mse_loss)"
    if events != expected:
        one_backward = events.count("backward") == 1 and events[-1] == "backward"
        raise AssertionError(
            f"{what} made the calls {events}; expected {expected}."
            + (
                " Likely mistake: the cycle's weighted losses summed and backpropagated once "
                "(one backward at the end of the cycle): every micro-batch's graph stays "
                "alive until then, the memory of the big batch."
                if one_backward
                else " Each micro-batch is run forward and backward before the next one."
            )
        )
