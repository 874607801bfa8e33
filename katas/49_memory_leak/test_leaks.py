"""Tests for kata 49: a leak detector that counts live tensors and autograd nodes, and the
fixed training loop, checked with weak references to every batch's graph.

All checks are counts of objects (after gc.collect()), never bytes or times: they are the
same on every run.
"""

import copy
import gc
import itertools
import math
import weakref

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from torchkatas.harness import assert_raises, assert_tensor_close, count_torch_calls, load_kata

kata = load_kata(__file__)


# ----------------------------------------------------------------------------- oracles


@pytest.fixture(autouse=True)
def young_objects_only():
    """Freeze every object made before the test (gc.freeze: they move to a permanent
    generation that gc.collect() skips and gc.get_objects() does not list), so each count
    walks only what the test made: milliseconds instead of a walk over all of torch's
    objects. Growth is all the tests measure, and it is the same either way."""
    # torch's first optimizer imports torch._dynamo (some 10**5 objects): before the freeze
    torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    gc.freeze()
    yield
    gc.unfreeze()


def own_count() -> int:
    """The test's own count of live tensors (the same definition as the docstring's)."""
    gc.collect()
    return sum(1 for obj in gc.get_objects() if issubclass(type(obj), torch.Tensor))


def own_graph_size(obj) -> int:
    """A plain recursive walk with a visited set: the test's oracle for graph_size."""
    seen: set = set()

    def visit(node):
        if node is None or node in seen:
            return
        seen.add(node)
        for parent, _ in node.next_functions:
            visit(parent)

    def tensors(o):
        if isinstance(o, torch.Tensor):
            yield o
        elif isinstance(o, list | tuple):
            for item in o:
                yield from tensors(item)
        elif isinstance(o, dict):
            for item in o.values():
                yield from tensors(item)

    for t in tensors(obj):
        visit(t.grad_fn)
    return len(seen)


class Token:
    """A plain object a batch's graph holds on to: alive exactly as long as that graph."""


class Tag(torch.autograd.Function):
    """Identity on the loss whose backward node (the ctx) keeps a Token alive."""

    @staticmethod
    def forward(ctx, loss, token):
        ctx.token = token  # an attribute, not save_for_backward: backward does not free it
        return loss.clone()

    @staticmethod
    def backward(ctx, grad):
        return grad, None


class Probe:
    """A loss_fn (mean squared error) that records, at each call, which earlier batches'
    graphs are still alive, whether grad mode is on, and (optionally) the live tensors."""

    def __init__(self, count_tensors: bool = False) -> None:
        self.tokens: list = []  # weak references, one per call
        self.alive: list[list[int]] = []  # at call i: earlier calls whose graph is alive
        self.grad_enabled: list[bool] = []
        self.tensor_counts: list[int] = []
        self.count_tensors = count_tensors

    def __call__(self, outputs, targets):
        self.alive.append([i for i, ref in enumerate(self.tokens) if ref() is not None])
        if self.count_tensors:
            self.tensor_counts.append(own_count())
        self.grad_enabled.append(torch.is_grad_enabled())
        token = Token()
        self.tokens.append(weakref.ref(token))
        return Tag.apply(F.mse_loss(outputs, targets), token)


def make_problem(seed: int, device, n_batches: int = 6, dropout: bool = False):
    gen = torch.Generator().manual_seed(seed)
    layers = [nn.Linear(4, 8), nn.ReLU()]
    if dropout:
        layers.append(nn.Dropout(0.5))
    model = nn.Sequential(*layers, nn.Linear(8, 1))
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * 0.5)
    model.to(device)
    batches = [
        (torch.randn(5, 4, generator=gen).to(device), torch.randn(5, 1, generator=gen).to(device))
        for _ in range(n_batches)
    ]
    return model, batches


# ----------------------------------------------------------------------------- task 1


@pytest.mark.task(1)
def test_count_live_tensors_raises_no_warning():
    gc.unfreeze()  # every object of the process this time, torch's own included
    try:
        kata.count_live_tensors()
    except Warning as err:
        if "reduce_op" in str(err):
            raise AssertionError(
                f"count_live_tensors() raised {type(err).__name__}: {err}. Likely mistake: "
                f"isinstance(obj, torch.Tensor) (or torch.is_tensor) on every object of "
                f"gc.get_objects() reads obj.__class__, and torch.distributed's deprecated "
                f"reduce_op warns when its attributes are read; test issubclass(type(obj), "
                f"torch.Tensor) instead, which reads nothing from the object."
            ) from err
        raise


@pytest.mark.task(1)
def test_counts_tensors_and_nothing_else(device):
    others: list = []
    kept: list = []
    before = kata.count_live_tensors()
    others.extend({"not": "a tensor"} for _ in range(7))
    others.extend([[1, 2, 3], (4, 5)])
    after_others = kata.count_live_tensors()
    if after_others != before:
        raise AssertionError(
            f"count_live_tensors() went from {before} to {after_others} after the test made "
            f"9 dicts, lists and tuples and no tensor. Likely mistake: counting every object "
            f"of gc.get_objects(), not only the tensors."
        )
    kept.extend(torch.zeros(3, device=device) for _ in range(5))
    after = kata.count_live_tensors()
    if after != before + 5:
        raise AssertionError(
            f"count_live_tensors() went from {before} to {after} after the test made 5 "
            f"tensors and kept them; expected {before + 5}."
        )
    kept.clear()
    back = kata.count_live_tensors()
    if back != before:
        raise AssertionError(
            f"count_live_tensors() is {back} after the 5 tensors were freed; expected "
            f"{before} again."
        )


@pytest.mark.task(1)
def test_parameters_count_as_tensors(device):
    kept: list = []
    before = kata.count_live_tensors()
    kept.append(nn.Parameter(torch.zeros(2, device=device)))
    kept.append(torch.ones(2, device=device))
    after = kata.count_live_tensors()
    if after == before + 1:
        raise AssertionError(
            "count_live_tensors() rose by 1 after the test kept an nn.Parameter and a "
            "tensor; expected 2. Likely mistake: `type(obj) is torch.Tensor` misses "
            "subclasses: a Parameter is a Tensor subclass (issubclass(type(obj), "
            "torch.Tensor))."
        )
    if after != before + 2:
        raise AssertionError(
            f"count_live_tensors() went from {before} to {after} after the test kept an "
            f"nn.Parameter and a tensor; expected {before + 2}."
        )


@pytest.mark.task(1)
def test_tensors_in_a_freed_reference_cycle_are_not_counted(device):
    # automatic collection off, so only the learner's own gc.collect() can free the cycle
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        before = kata.count_live_tensors()
        cycle: list = [torch.zeros(4, device=device)]
        cycle.append(cycle)  # the list refers to itself: reference counting cannot free it
        del cycle
        after = kata.count_live_tensors()
    finally:
        if was_enabled:
            gc.enable()
    if after != before:
        raise AssertionError(
            f"count_live_tensors() went from {before} to {after} after a tensor inside a "
            f"reference cycle was dropped (garbage, but not yet collected). Likely "
            f"mistake: no gc.collect() before counting, so unreachable cycles still count."
        )


# ----------------------------------------------------------------------------- task 2


def check_size(obj, expected: int, what: str, mistake: str = "") -> None:
    __tracebackhide__ = True
    try:
        got = kata.graph_size(obj)
    except AttributeError as err:
        if "NoneType" in str(err) and "next_functions" in str(err):
            raise AssertionError(
                f"graph_size({what}) raised AttributeError: {err}. Likely mistake: "
                f"next_functions holds (None, 0) for an input that needs no gradient (a "
                f"tensor with requires_grad=False): skip None entries."
            ) from err
        raise
    if got == expected and type(got) is not int:
        raise AssertionError(
            f"graph_size({what}) returned {got!r} of type {type(got).__name__}; expected the "
            f"Python int {expected}. Likely mistake: returning a float or a tensor count; "
            f"return len(seen)."
        )
    if type(got) is not int or got != expected:
        why = f" Likely mistake: {mistake}" if mistake else ""
        raise AssertionError(f"graph_size({what}) returned {got!r}; expected {expected}.{why}")


@pytest.mark.task(2)
def test_values_without_history_have_no_graph(device):
    leaf = torch.zeros(3, device=device, requires_grad=True)
    plain = torch.ones(3, device=device)
    check_size(1.5, 0, "1.5, a float")
    check_size(None, 0, "None")
    check_size(plain, 0, "a tensor without requires_grad")
    check_size(plain * 2, 0, "plain * 2, computed from tensors that need no gradient")
    check_size(leaf, 0, "a leaf that requires grad (its grad_fn is None)")
    check_size(leaf.detach() * 3, 0, "leaf.detach() * 3")


@pytest.mark.task(2)
@pytest.mark.parametrize("n", [1, 2, 5])
def test_counts_a_chain_of_operations(n, device):
    w = torch.ones(3, device=device, requires_grad=True)
    h = w
    for _ in range(n):
        h = h * 2  # one MulBackward0 each
    check_size(
        h,
        n + 1,
        f"h = w * 2 ... ({n} multiplications of a leaf w)",
        "each node once, the leaf's AccumulateGrad node included.",
    )


@pytest.mark.task(2)
def test_follows_every_input_and_skips_none(device):
    a, b, c = (torch.full((2,), v, device=device, requires_grad=True) for v in (1.0, 2.0, 3.0))
    x = torch.ones(2, device=device)  # needs no gradient: next_functions holds None for it
    check_size(
        a * b + c.exp(),
        6,
        "a * b + c.exp() for leaves a, b, c (Add, Mul, Exp and 3 AccumulateGrad nodes)",
        "followed only the first input of each node (next_functions[0], the length of one "
        "chain); every entry of next_functions is an edge.",
    )
    check_size(a * x, 2, "a * x with x not requiring grad (Mul and a's AccumulateGrad)")


@pytest.mark.task(2)
def test_shared_nodes_count_once(device):
    w = torch.full((2,), 0.5, device=device, requires_grad=True)
    h = w * 1.0
    for _ in range(12):
        h = h * h  # each node has the previous one as both inputs: 2**12 paths, 14 nodes
    check_size(
        h,
        14,
        "h after h = h * h twelve times (a chain of diamonds)",
        "counted shared nodes more than once: keep a set of the nodes already seen, or the "
        "count (and the time) doubles with every diamond.",
    )


@pytest.mark.task(2)
def test_counts_tensors_inside_containers_once(device):
    w = torch.ones(2, device=device, requires_grad=True)
    v = torch.ones(2, device=device, requires_grad=True)
    y1 = w * 2 * 3 * 4  # 3 Mul + AccumulateGrad(w): 4 nodes
    y2 = y1 + 1  # 1 more node; the rest is shared with y1
    y3 = v * 2  # Mul + AccumulateGrad(v): 2 nodes
    check_size(
        [y1, (y2, {"loss": y3, "step": 3})],
        7,
        "[y1, (y2, {'loss': y3, 'step': 3})] with y2 = y1 + 1 (a nested list, tuple and dict)",
        "look inside lists, tuples and dicts (nested), and count nodes shared between the "
        "tensors once.",
    )
    check_size({"a": y3}, 2, "{'a': y3}")


@pytest.mark.task(2)
def test_matches_a_plain_walk_on_a_model_graph_and_changes_nothing(device):
    model, batches = make_problem(0, device)
    outputs = [model(x) for x, _ in batches[:3]]
    loss = sum(F.mse_loss(out, y) for out, (_, y) in zip(outputs, batches, strict=False))
    for value, what in ((loss, "the summed loss of 3 batches"), (outputs, "the 3 outputs")):
        check_size(value, own_graph_size(value), f"{what} of a Linear-ReLU-Linear model")
    if any(p.grad is not None for p in model.parameters()):
        raise AssertionError(
            "graph_size(loss) filled .grad: it ran a backward pass. It must only walk the graph."
        )
    loss.backward()  # the graph is still whole: walking it freed nothing


# ----------------------------------------------------------------------------- task 3


def check_report(report, iterations: int, what: str) -> tuple[list[int], list[int], bool]:
    __tracebackhide__ = True
    if not isinstance(report, dict) or set(report) != {"tensors", "graph_nodes", "leaking"}:
        raise AssertionError(
            f"{what} returned {report!r}; expected a dict with the keys 'tensors', "
            f"'graph_nodes' and 'leaking'."
        )
    tensors, nodes, leaking = report["tensors"], report["graph_nodes"], report["leaking"]
    for name, values in (("tensors", tensors), ("graph_nodes", nodes)):
        if not isinstance(values, list) or len(values) != iterations:
            n = len(values) if isinstance(values, list | tuple) else None
            why = (
                "a tuple or another container: return a list."
                if n == iterations
                else "a baseline taken before the first measured call kept in the list (one "
                "count too many): measure after each measured call only."
                if n == iterations + 1
                else "measuring only once (or before and after the loop only); growth shows "
                "only across calls."
                if n is not None and n <= 2
                else "a count per call of the wrong calls: the warmup calls measured too, or "
                "some measured calls skipped."
            )
            raise AssertionError(
                f"{what}: report[{name!r}] is {values!r}; expected a list of {iterations} "
                f"counts, one after each measured call. Likely mistake: {why}"
            )
        if any(type(v) is not int for v in values):
            raise AssertionError(f"{what}: report[{name!r}] is {values!r}; expected ints.")
    if type(leaking) is not bool:
        raise AssertionError(f"{what}: report['leaking'] is {leaking!r}; expected a bool.")
    return tensors, nodes, leaking


class Loops:
    """Training and evaluation steps, each a closure over its own running state."""

    def __init__(self, device, optimizer: str = "adam") -> None:
        self.model, batches = make_problem(1, device, n_batches=4)
        self.batches = batches
        opt = torch.optim.Adam if optimizer == "adam" else torch.optim.SGD
        self.optimizer = opt(self.model.parameters(), lr=0.01)
        self.calls = 0

    def batch(self):
        x, y = self.batches[self.calls % len(self.batches)]
        self.calls += 1
        return x, y

    def train_loss(self):
        x, y = self.batch()
        self.optimizer.zero_grad()
        loss = F.mse_loss(self.model(x), y)
        loss.backward()
        self.optimizer.step()
        return loss


def leaky_training(loops: Loops):
    state = {"total": 0.0}

    def step():
        state["total"] += loops.train_loss()  # the leak: a tensor with its graph
        return state["total"]

    return step


def fixed_training(loops: Loops):
    state = {"total": 0.0}

    def step():
        state["total"] += loops.train_loss().item()
        return state["total"]

    return step


WATCH = "watch(step, iterations=5)"


@pytest.mark.task(3)
@pytest.mark.parametrize(("iterations", "warmup"), [(1, 1), (0, 1), (3, -1)])
def test_watch_rejects_bad_arguments(iterations, warmup):
    assert_raises(
        ValueError,
        kata.watch,
        lambda: 0.0,
        iterations,
        warmup,
        what=f"watch(step, iterations={iterations}, warmup={warmup})",
        mistake="no check: one measurement cannot show growth, and a negative warmup is "
        "meaningless.",
    )


@pytest.mark.task(3)
def test_watch_calls_step_warmup_plus_iterations_times(device):
    calls = []
    kept = []

    def step():
        calls.append(1)
        if len(calls) <= 2:
            kept.append(torch.zeros(1, device=device))  # state made by the first 2 calls
        return 0.0

    report = kata.watch(step, 4, 2)
    what = "watch(step, iterations=4, warmup=2) for a step that keeps a tensor on calls 1, 2"
    tensors, _, leaking = check_report(report, 4, what)
    if len(calls) != 6:
        raise AssertionError(f"{what} called step() {len(calls)} times; expected 2 + 4 = 6.")
    if leaking or len(set(tensors)) != 1:
        raise AssertionError(
            f"{what} measured tensors {tensors}, leaking={leaking}; expected four equal counts "
            f"and no leak. Likely mistake: the warmup calls measured too, or a baseline taken "
            f"before them: state that the first calls create is not a leak."
        )
    if tensors[-1] != own_count():
        raise AssertionError(
            f"{what} measured {tensors[-1]} live tensors after the last call; the test counts "
            f"{own_count()} right after. Likely mistake: another way of counting than "
            f"count_live_tensors()."
        )
    report = kata.watch(step, 3, 0)
    tensors, _, leaking = check_report(report, 3, "watch(step, iterations=3, warmup=0)")
    if leaking:
        raise AssertionError(
            f"watch(step, iterations=3, warmup=0) on a step that keeps nothing now reported "
            f"a leak (tensors {tensors}); expected leaking=False for counts that do not grow. "
            f"Likely mistake: leaking decided from something other than growth across the "
            f"measured calls (a baseline taken before the first call, or a count above zero)."
        )


@pytest.mark.task(3)
def test_watch_measures_after_dropping_the_result(device):
    model, batches = make_problem(2, device, n_batches=1)
    x, y = batches[0]

    def step():
        return F.mse_loss(model(x), y).detach()  # a fresh tensor each call, kept by nobody

    what = "watch(step, iterations=5) for a step returning a fresh loss.detach() it does not keep"
    tensors, nodes, leaking = check_report(kata.watch(step, 5), 5, what)
    if leaking or len(set(tensors)) != 1:
        raise AssertionError(
            f"{what} measured tensors {tensors}, leaking={leaking}; expected a flat count. "
            f"Likely mistake: keeping every value step() returned (in a list, say), so the "
            f"detector itself holds them alive."
        )
    if tensors[-1] != own_count():
        raise AssertionError(
            f"{what} counted {tensors[-1]} live tensors after the last call, the test "
            f"{own_count()} right after: the returned tensor was still held when counting. "
            f"Likely mistake: counting before dropping step()'s result (del it first)."
        )
    if nodes != [0] * 5:
        raise AssertionError(
            f"{what}: graph_nodes {nodes}; expected [0] * 5, a detached tensor has no graph. "
            f"Likely mistake: graph_nodes measured on something other than graph_size(what "
            f"step() returned)."
        )


@pytest.mark.task(3)
def test_watch_flags_the_total_loss_leak_in_a_training_loop(device):
    tensors, nodes, leaking = check_report(kata.watch(leaky_training(Loops(device)), 5), 5, WATCH)
    what = f"{WATCH} on a training step doing `total_loss += loss` (after backward)"
    if not leaking:
        flat = len(set(tensors)) == 1
        nodes_grew = bool(nodes) and nodes[-1] > nodes[0]
        raise AssertionError(
            f"{what} reported no leak (tensors {tensors}, graph_nodes {nodes}); expected "
            f"leaking=True."
            + (
                " Likely mistake: counted only live tensors: leaking ignores graph_nodes, "
                "which grew here. After backward() the saved tensors are freed, so no tensor "
                "count grows; what grows is the graph chained onto total_loss."
                if flat and nodes_grew
                else " Likely mistake: counted only live tensors, and graph_nodes did not grow "
                "either: after backward() no tensor count grows; what grows is the graph "
                "chained onto total_loss, visible only through graph_size(what step "
                "returned)."
                if flat
                else " Likely mistake: leaking must be True when EITHER count grows (the "
                "tensors did here)."
            )
        )
    if not all(a < b for a, b in itertools.pairwise(nodes)):
        raise AssertionError(
            f"{what}: graph_nodes {nodes} should grow at every call (each += chains one more "
            f"loss's graph onto the total)."
        )


@pytest.mark.task(3)
@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_watch_does_not_flag_the_fixed_loop(optimizer, device):
    # watch with warmup=0: Adam creates its moments on the first step, SGD nothing
    loops = Loops(device, optimizer)
    report = kata.watch(fixed_training(loops), 5, 0)
    what = (
        f"watch(step, iterations=5, warmup=0) on a {optimizer} training step doing "
        f"total += loss.item()"
    )
    tensors, nodes, leaking = check_report(report, 5, what)
    if leaking:
        raise AssertionError(
            f"{what} reported a leak (tensors {tensors}, graph_nodes {nodes}) in a loop that "
            f"keeps only a float; expected leaking=False. Likely mistake: measuring only once, "
            f"against a baseline taken before the first call: the gradients and {optimizer}'s "
            f"state made by the first step are not a leak; compare measurements taken after "
            f"calls (or leaking decided from a count above zero rather than its growth)."
        )
    if loops.calls != 5:
        raise AssertionError(
            f"{what} called step() {loops.calls} times; expected 5 (warmup=0). Likely "
            f"mistake: extra calls besides the warmup and measured ones (a call to take a "
            f"baseline, say)."
        )
    if nodes != [0] * 5:
        raise AssertionError(
            f"{what}: graph_nodes {nodes}; expected [0] * 5, a float has no graph. Likely "
            f"mistake: graph_nodes measured on something other than graph_size(what step() "
            f"returned)."
        )


def leak_kinds(loops: Loops):
    """Other ways a loop keeps memory: name -> a step that leaks that way."""
    outputs: list = []
    detached: list = []
    hooked: list = []
    state = {"total": 0.0}

    def eval_total():  # evaluation without no_grad: total += loss keeps every activation
        x, y = loops.batch()
        state["total"] += F.mse_loss(loops.model(x), y)
        return state["total"]

    def keep_outputs():  # outputs kept with their graphs "for later metrics"
        x, _ = loops.batch()
        outputs.append(loops.model(x))
        return outputs

    def keep_detached():  # the "fixed" loop that still keeps one tensor per step
        detached.append(loops.train_loss().detach())
        return detached[-1].item()

    handle = []

    def hook_holds():  # a forward hook that appends every output it sees
        if not handle:
            handle.append(loops.model.register_forward_hook(lambda m, a, out: hooked.append(out)))
        return loops.train_loss().item()

    return {
        "an evaluation loop without no_grad doing total += loss": eval_total,
        "a loop appending outputs (with their graphs) to a list": keep_outputs,
        "a loop appending loss.detach() to a list": keep_detached,
        "a forward hook appending every output to a list": hook_holds,
    }


@pytest.mark.task(3)
@pytest.mark.parametrize("kind", range(4), ids=["eval-total", "outputs", "detached", "hook"])
def test_watch_flags_other_kinds_of_leak(kind, device):
    name, step = list(leak_kinds(Loops(device)).items())[kind]
    tensors, nodes, leaking = check_report(kata.watch(step, 4), 4, WATCH)
    if not leaking:
        grew = [k for k, v in (("tensors", tensors), ("graph_nodes", nodes)) if v[-1] > v[0]]
        raise AssertionError(
            f"watch(step, iterations=4) on {name} reported no leak (tensors {tensors}, "
            f"graph_nodes {nodes}); expected leaking=True. Likely mistake: "
            + (
                f"leaking must be True when EITHER count grows ({' and '.join(grew)} did "
                f"here), not only one of them."
                if grew
                else "neither count grew in the report, though this step keeps memory: counts "
                "taken before step() ran, or not with count_live_tensors() and "
                "graph_size(result)."
            )
        )


# ----------------------------------------------------------------------------- task 4


def reference_epoch(model, batches, optimizer="sgd"):
    ref = copy.deepcopy(model)
    opt = torch.optim.SGD(ref.parameters(), lr=0.05, momentum=0.9)
    losses = []
    for x, y in batches:
        opt.zero_grad()
        loss = F.mse_loss(ref(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return sum(losses) / len(losses), ref


TRAIN = "train_epoch(model, optimizer, 6 batches, loss_fn)"


def run_epoch(device, probe: Probe, seed: int = 3):
    model, batches = make_problem(seed, device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    result = kata.train_epoch(model, optimizer, batches, probe)
    return model, batches, result


@pytest.mark.task(4)
def test_train_epoch_keeps_no_graph_from_batch_to_batch(device):
    probe = Probe()
    _, _, result = run_epoch(device, probe)
    for i, alive in enumerate(probe.alive):
        old = [j for j in alive if j < i - 1]  # batch i - 1's loss may still be bound
        if old:
            raise AssertionError(
                f"{TRAIN}: at batch {i}, the graphs of batches {old} are still alive. Likely "
                f"mistake: `total_loss += loss` (or a list of losses): it chains every "
                f"batch's graph onto the total; add loss.item() instead."
            )
    del result
    left = [i for i, ref in enumerate(probe.tokens) if ref() is not None]
    if left:
        raise AssertionError(
            f"{TRAIN} returned, and the graphs of batches {left} are still alive. Likely "
            f"mistake: returning (or storing) a tensor that carries them; return a float."
        )


@pytest.mark.task(4)
def test_train_epoch_keeps_no_tensor_per_batch(device):
    probe = Probe(count_tensors=True)
    run_epoch(device, probe)
    counts = probe.tensor_counts[2:]  # from batch 2 on, nothing new should stay alive
    if len(set(counts)) != 1:
        raise AssertionError(
            f"{TRAIN}: live tensors at batches 2 to 5: {counts}, growing. Likely mistake: "
            f"one more tensor kept per batch, e.g. losses.append(loss.detach()): no graph, "
            f"but a tensor accumulates on the device every step; keep loss.item()."
        )


@pytest.mark.task(4)
def test_train_epoch_does_not_use_data(device):
    probe = Probe()
    with count_torch_calls() as calls:
        run_epoch(device, probe)
    if calls["data"]:
        raise AssertionError(
            f"{TRAIN} read .data {calls['data']} time(s). .data does cut the graph, but it "
            f"hides the tensor from autograd's checks (an in-place change to it is never "
            f"detected); use loss.item() for a number, loss.detach() for a tensor."
        )


@pytest.mark.task(4)
def test_train_epoch_trains_and_returns_the_mean_loss(device):
    model, batches = make_problem(3, device)
    expected, ref = reference_epoch(model, batches)
    trained, _, result = run_epoch(device, Probe())
    if type(result) is not float:
        raise AssertionError(
            f"{TRAIN} returned {type(result).__name__}; expected a Python float (the mean of "
            f"the losses' .item())."
        )
    if not math.isclose(result, expected, rel_tol=1e-5):
        why = (
            "the sum of the batch losses, not their mean."
            if math.isclose(result, expected * len(batches), rel_tol=1e-5)
            else "losses measured after the step (a second forward pass), or another loss "
            "than loss_fn(model(x), y)."
        )
        raise AssertionError(
            f"{TRAIN} returned {result!r}; expected the mean batch loss {expected!r}. Likely "
            f"mistake: {why}"
        )
    for (name, p), q in zip(trained.named_parameters(), ref.parameters(), strict=True):
        assert_tensor_close(
            p,
            q,
            what=f"{TRAIN}: parameter {name} after the epoch",
            mistake="one zero_grad, forward, backward and step per batch.",
            rtol=1e-5,
            atol=1e-6,
        )
    model, _ = make_problem(3, device)
    empty = kata.train_epoch(model, torch.optim.SGD(model.parameters(), lr=0.1), [], Probe())
    if type(empty) is not float or empty != 0.0:
        raise AssertionError(
            f"train_epoch(..., [], loss_fn) returned {empty!r}; expected 0.0. Likely mistake: "
            f"no case for an empty epoch (a mean of no losses), or an int 0 instead of 0.0."
        )


EVAL = "evaluate(model, 6 batches, loss_fn)"


@pytest.mark.task(4)
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_evaluate_records_no_graph_and_runs_in_eval_mode(mode, device):
    model, batches = make_problem(4, device, dropout=True)
    model.train(mode == "train")
    seen_training = []
    model.register_forward_pre_hook(lambda m, args: seen_training.append(m.training))
    probe = Probe()
    result = kata.evaluate(model, batches, probe)
    what = f"{EVAL} on a model with Dropout in {mode} mode"
    if any(probe.grad_enabled):
        raise AssertionError(
            f"{what}: grad mode was on during the loss, so every batch recorded a graph. "
            f"Likely mistake: no torch.no_grad() around the loop; then `total += loss` in "
            f"evaluation keeps every activation of every batch."
        )
    if any(seen_training):
        raise AssertionError(
            f"{what}: the model ran in train mode (dropout on). Likely mistake: no "
            f"model.eval() before the loop."
        )
    if model.training != (mode == "train"):
        raise AssertionError(
            f"{what}: afterwards model.training is {model.training}; it should be back to "
            f"{mode} mode. Likely mistake: not putting back the mode the model was in "
            f"(remember model.training, then model.train(previous))."
        )
    ref = copy.deepcopy(model).eval()
    with torch.no_grad():
        expected = sum(F.mse_loss(ref(x), y).item() for x, y in batches) / len(batches)
    if type(result) is not float or not math.isclose(result, expected, rel_tol=1e-6):
        why = (
            f"returning a {type(result).__name__}: add loss.item() of each batch."
            if type(result) is not float
            else "the sum of the batch losses, not their mean."
            if math.isclose(result, expected * len(batches), rel_tol=1e-6)
            else "another loss than loss_fn(model(x), y) averaged over the batches."
        )
        raise AssertionError(
            f"{what} returned {result!r}; expected the mean loss in eval mode as a Python "
            f"float, {expected!r}. Likely mistake: {why}"
        )
    empty = kata.evaluate(model, [], probe)
    if type(empty) is not float or empty != 0.0:
        raise AssertionError(
            f"evaluate(model, [], loss_fn) returned {empty!r}; expected 0.0. Likely mistake: "
            f"no case for no batches (a mean of nothing), or an int 0 instead of 0.0."
        )
