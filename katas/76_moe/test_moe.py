"""Tests for kata 76: top-k routing, the load-balancing loss, capacity, dispatch and combine
against plain loops in float64, and the whole layer against a per-token loop reference."""

import math

import pytest
import torch
from torch import nn

from torchkatas.harness import assert_raises, assert_tensor_close, count_torch_calls, load_kata

kata = load_kata(__file__)

F64 = torch.float64


# ----------------------------------------------------------------------------- references


def loop_route(logits, k):
    """Per row: the k largest logits, ties to the lower index, softmax over those k."""
    experts, weights = [], []
    for row in logits.detach().double().cpu().tolist():
        order = sorted(range(len(row)), key=lambda i: (-row[i], i))[:k]
        top = max(row[i] for i in order)
        exps = [math.exp(row[i] - top) for i in order]
        experts.append(order)
        weights.append([e / sum(exps) for e in exps])
    return experts, weights


def loop_balance_loss(logits, experts, *, f_from="counts", per="assignments") -> float:
    rows = logits.detach().double().cpu().tolist()
    choices = experts.cpu().tolist() if isinstance(experts, torch.Tensor) else experts
    t, e = len(rows), len(rows[0])
    k = len(choices[0])
    probs = []
    for row in rows:
        top = max(row)
        exps = [math.exp(v - top) for v in row]
        probs.append([v / sum(exps) for v in exps])
    p = [sum(pr[i] for pr in probs) / t for i in range(e)]
    counts = [0] * e
    for row in choices:
        for i in row:
            counts[i] += 1
    f = [c / (t * k if per == "assignments" else t) for c in counts]
    if f_from == "softmax":
        f = p
    return e * sum(fi * pi for fi, pi in zip(f, p, strict=True))


def loop_dispatch(experts, num_experts, capacity, *, order="position"):
    """slot[t][s] by walking the assignments in the given order, counting per expert."""
    choices = experts.cpu().tolist()
    t, k = len(choices), len(choices[0])
    walk = [(i, s) for i in range(t) for s in range(k)]
    if order == "slot-major":
        walk = [(i, s) for s in range(k) for i in range(t)]
    if order == "reversed":
        walk = walk[::-1]
    counts = [0] * num_experts
    slot = [[-1] * k for _ in range(t)]
    for i, s in walk:
        e = choices[i][s]
        if order == "no capacity" or counts[e] < capacity:
            slot[i][s] = counts[e]
            counts[e] += 1
    return slot


def route_tensors(logits, k, device):
    experts, weights = loop_route(logits, k)
    return (
        torch.tensor(experts, dtype=torch.long, device=device),
        torch.tensor(weights, dtype=F64, device=device),
    )


# ----------------------------------------------------------------------------- task 1


@pytest.mark.task(1)
def test_top_k_route_equals_a_sorted_loop(device):
    gen = torch.Generator().manual_seed(760)
    for t, e, k in [(7, 4, 2), (1, 5, 1), (6, 3, 3), (12, 8, 2)]:
        logits = (torch.randn(t, e, generator=gen, dtype=F64) * 2).to(device)
        before = logits.clone()
        what = f"top_k_route(logits ({t}, {e}), k={k}), float64"
        experts, weights = kata.top_k_route(logits, k)
        want_experts, want_weights = route_tensors(logits, k, device)
        assert_tensor_close(
            experts,
            want_experts,
            what=f"{what}: the experts",
            mistake="the k LARGEST logits of each row, largest first (descending=True), "
            "along dim 1 (the experts), not dim 0.",
        )
        mistake = "the softmax over the k selected logits, so that each row sums to 1."
        sums = weights.detach().sum(dim=1)
        if k < e and bool((sums < 1 - 1e-9).all()):
            mistake = (
                "the softmax over all E experts, not renormalised over the selected k: each "
                "row should sum to 1 (softmax over the k selected logits)."
            )
        assert_tensor_close(
            weights,
            want_weights,
            what=f"{what}: the weights",
            rtol=1e-12,
            atol=1e-12,
            mistake=mistake,
        )
        if not torch.equal(logits, before):
            raise AssertionError(f"{what} changed the caller's logits.")


@pytest.mark.task(1)
def test_top_k_route_breaks_ties_toward_the_lower_expert(device):
    gen = torch.Generator().manual_seed(761)
    # logits from {0, 1, 2}: most rows have ties inside and at the edge of their top k
    logits = torch.randint(0, 3, (40, 6), generator=gen).to(F64).to(device)
    what = "top_k_route(logits (40, 6) with many tied values, k=3)"
    experts, _ = kata.top_k_route(logits, 3)
    want, _ = route_tensors(logits, 3, device)
    if not torch.equal(experts, want):
        row = int((experts != want).any(dim=1).nonzero()[0])
        raise AssertionError(
            f"{what}: row {row} with logits {logits[row].tolist()} chose experts "
            f"{experts[row].tolist()}; expected {want[row].tolist()} (ties go to the lower "
            f"expert index). Likely mistake: torch.topk, which makes no promise about ties "
            f"(nor does torch.sort without stable=True); use torch.sort(logits, dim=1, "
            f"descending=True, stable=True)."
        )


@pytest.mark.task(1)
def test_top_k_route_weights_carry_the_graph_of_the_logits(device):
    gen = torch.Generator().manual_seed(762)
    base = torch.randn(9, 5, generator=gen, dtype=F64).to(device)
    probe = torch.randn(9, 2, generator=gen, dtype=F64).to(device)
    logits = base.clone().requires_grad_(True)
    what = "top_k_route(logits (9, 5) requiring grad, k=2), then (weights * probe).sum()"
    _, weights = kata.top_k_route(logits, 2)
    if weights.grad_fn is None:
        raise AssertionError(
            f"{what}: the weights carry no graph, so the router would never learn from the "
            f"task loss. Likely mistake: a detach, .data or torch.no_grad() around them."
        )
    (weights * probe).sum().backward()
    ref = base.clone().requires_grad_(True)
    chosen, _ = route_tensors(base, 2, device)
    (torch.softmax(ref.gather(1, chosen), dim=1) * probe).sum().backward()
    assert_tensor_close(
        logits.grad,
        ref.grad,
        what=f"{what}: d / d logits",
        rtol=1e-12,
        atol=1e-12,
        mistake="the softmax over the selected logits, differentiated through gather.",
    )


@pytest.mark.task(1)
@pytest.mark.parametrize(
    "shape, k",
    [((4, 3), 0), ((4, 3), 4), ((3,), 1), ((0, 3), 1)],
    ids=["k=0", "k>E", "1-d", "no-tokens"],
)
def test_top_k_route_rejects_bad_arguments(shape, k, device):
    assert_raises(
        ValueError,
        kata.top_k_route,
        torch.zeros(shape, device=device),
        k,
        what=f"top_k_route(logits {shape}, k={k})",
        mistake="no check that logits is (T, E) with T >= 1 and 1 <= k <= E.",
    )


# ----------------------------------------------------------------------------- task 2


@pytest.mark.task(2)
def test_load_balancing_loss_equals_the_formula(device):
    gen = torch.Generator().manual_seed(763)
    for t, e, k in [(10, 4, 2), (1, 3, 1), (16, 8, 1), (9, 5, 3)]:
        logits = (torch.randn(t, e, generator=gen, dtype=F64) * 1.5).to(device)
        experts, _ = route_tensors(logits, k, device)
        copies = logits.clone(), experts.clone()
        what = f"load_balancing_loss(logits ({t}, {e}), experts ({t}, {k})), float64"
        got = kata.load_balancing_loss(logits, experts)
        mistake = "E * sum_i f_i * P_i, f_i = count_i / (T * k), P_i = mean softmax prob."
        if isinstance(got, torch.Tensor) and got.numel() == 1:
            value = float(got)
            if math.isclose(
                value, loop_balance_loss(logits, experts, f_from="softmax"), rel_tol=1e-9
            ):
                mistake = (
                    "f_i from the softmax (E * sum P_i^2): f_i is the fraction of the HARD "
                    "assignments, a count from experts; only P_i is a probability."
                )
            elif k > 1 and math.isclose(
                value, loop_balance_loss(logits, experts, per="tokens"), rel_tol=1e-9
            ):
                mistake = (
                    "f_i divided by T instead of T * k: with k slots per token the f_i "
                    "then sum to k, and the loss is k times too large."
                )
        assert_tensor_close(
            got,
            torch.tensor(loop_balance_loss(logits, experts), dtype=F64, device=device),
            what=what,
            rtol=1e-12,
            atol=1e-12,
            mistake=mistake,
        )
        if not (torch.equal(logits, copies[0]) and torch.equal(experts, copies[1])):
            raise AssertionError(f"{what} changed the caller's logits or experts.")


@pytest.mark.task(2)
def test_load_balancing_loss_is_one_when_routing_is_uniform(device):
    logits = torch.zeros(12, 4, dtype=F64, device=device)  # P_i = 1/4
    experts = torch.arange(24, device=device).remainder(4).reshape(12, 2)  # f_i = 1/4
    got = kata.load_balancing_loss(logits, experts)
    assert_tensor_close(
        got,
        torch.tensor(1.0, dtype=F64, device=device),
        what="load_balancing_loss(zeros (12, 4), experts (12, 2) round-robin): f = P = 1/4",
        rtol=1e-12,
        atol=1e-12,
        mistake="E * sum_i f_i * P_i is 4 * 4 * (1/4 * 1/4) = 1 here; f_i must be divided "
        "by T * k (the assignments), and the sum multiplied by E.",
    )


@pytest.mark.task(2)
def test_load_balancing_loss_gradient_reaches_the_logits(device):
    gen = torch.Generator().manual_seed(764)
    base = torch.randn(14, 4, generator=gen, dtype=F64).to(device)
    experts, _ = route_tensors(base, 2, device)
    logits = base.clone().requires_grad_(True)
    what = "load_balancing_loss(logits (14, 4) requiring grad, experts (14, 2)), then backward"
    loss = kata.load_balancing_loss(logits, experts)
    if not isinstance(loss, torch.Tensor) or loss.grad_fn is None:
        raise AssertionError(
            f"{what}: the loss carries no graph to the logits, so the router never balances "
            f"(the loss can be added but never changes the routing). Likely mistake: "
            f"softmax of logits.detach(), or .item()."
        )
    loss.backward()
    ref = base.clone().requires_grad_(True)
    f = torch.bincount(experts.flatten(), minlength=4).to(F64) / experts.numel()
    (4 * (f * torch.softmax(ref, dim=1).mean(0)).sum()).backward()
    grad = logits.grad if logits.grad is not None else torch.zeros_like(base)
    assert_tensor_close(
        grad,
        ref.grad,
        what=f"{what}: d loss / d logits",
        rtol=1e-12,
        atol=1e-12,
        mistake="the gradient flows through P_i (the mean softmax), with f_i a constant "
        "count; if it is zero the router never balances.",
    )


# ----------------------------------------------------------------------------- task 3


@pytest.mark.task(3)
def test_expert_capacity_equals_the_formula():
    cases = [(10, 4, 2, 1.25), (16, 8, 1, 1.0), (7, 4, 2, 1.0), (5, 3, 1, 0.5), (12, 4, 3, 2.0)]
    for t, e, k, factor in cases:
        what = f"expert_capacity(num_tokens={t}, num_experts={e}, k={k}, capacity_factor={factor})"
        got = kata.expert_capacity(t, e, k, factor)
        expected = math.ceil(factor * t * k / e)
        if type(got) is not int:
            raise AssertionError(f"{what} returned {type(got).__name__}; expected a Python int.")
        if got != expected:
            mistake = "ceil(capacity_factor * T * k / E)."
            if got == math.ceil(factor * t / e):
                mistake = "the capacity without the k factor: T tokens make T * k assignments."
            elif got == math.floor(factor * t * k / e):
                mistake = "rounded down (int() or //): round up with math.ceil."
            raise AssertionError(
                f"{what} returned {got}; expected {expected}. Likely mistake: {mistake}"
            )


@pytest.mark.task(3)
@pytest.mark.parametrize(
    "args",
    [
        (0, 4, 1, 1.0),
        (8, 0, 1, 1.0),
        (8, 4, 0, 1.0),
        (8, 4, 5, 1.0),
        (8, 4, 1, 0.0),
        (8, 4, 1, -1.0),
    ],
    ids=["no-tokens", "no-experts", "k=0", "k>E", "factor=0", "factor<0"],
)
def test_expert_capacity_rejects_bad_arguments(args):
    assert_raises(
        ValueError,
        kata.expert_capacity,
        *args,
        what=f"expert_capacity{args}",
        mistake="no check that T, E, k >= 1, k <= E and capacity_factor > 0.",
    )


def dispatch_case(gen, t, e, k, device):
    logits = torch.randn(t, e, generator=gen, dtype=F64)
    logits[:, 0] += 1.0  # expert 0 is popular: it overflows
    experts, _ = route_tensors(logits, k, device)
    x = torch.randn(t, 5, generator=gen, dtype=F64).to(device)
    return x, experts


@pytest.mark.task(3)
def test_dispatch_slots_follow_position_order(device):
    gen = torch.Generator().manual_seed(765)
    for t, e, k, capacity in [(12, 4, 2, 4), (9, 3, 1, 2), (6, 4, 3, 5), (1, 2, 2, 1)]:
        x, experts = dispatch_case(gen, t, e, k, device)
        what = f"dispatch(x ({t}, 5), experts ({t}, {k}), num_experts={e}, capacity={capacity})"
        _, slot = kata.dispatch(x, experts, e, capacity)
        want = torch.tensor(loop_dispatch(experts, e, capacity), device=device)
        mistake = "walk the assignments token by token (slot 0 first): each expert accepts its "
        mistake += "first `capacity`, numbered 0, 1, ...; the rest get -1."
        if isinstance(slot, torch.Tensor) and slot.shape == want.shape:
            got = slot.cpu().tolist()
            if got == loop_dispatch(experts, e, capacity, order="slot-major") and k > 1:
                mistake = (
                    "dropping by a different order: all first choices before any second "
                    "choice (slot-major); the documented order is position order, token 0's "
                    "k choices, then token 1's (experts.reshape(-1), row-major)."
                )
            elif got == loop_dispatch(experts, e, capacity, order="reversed"):
                mistake = "dropping by a different order: the last tokens were kept first."
            elif got == loop_dispatch(experts, e, capacity, order="no capacity"):
                mistake = "nothing dropped: an expert accepts at most `capacity` assignments."
        assert_tensor_close(slot, want, what=f"{what}: slot", mistake=mistake)


@pytest.mark.task(3)
def test_dispatch_buffer_holds_the_accepted_tokens_then_zeros(device):
    gen = torch.Generator().manual_seed(766)
    for t, e, k, capacity in [(12, 4, 2, 4), (5, 3, 1, 3)]:
        x, experts = dispatch_case(gen, t, e, k, device)
        x = x.T.contiguous().T  # the same values, non-contiguous
        copies = x.clone(), experts.clone()
        what = f"dispatch(x ({t}, 5) non-contiguous, experts ({t}, {k}), {e}, capacity={capacity})"
        buffer, _ = kata.dispatch(x, experts, e, capacity)
        want = torch.zeros(e, capacity, 5, dtype=F64, device=device)
        for i, row in enumerate(loop_dispatch(experts, e, capacity)):
            for s, c in enumerate(row):
                if c >= 0:
                    want[int(experts[i, s]), c] = x[i]
        assert_tensor_close(
            buffer,
            want,
            what=f"{what}: buffer",
            mistake="buffer[e, c] = x[t] for expert e's c-th accepted assignment, zeros after "
            "the last one (a fixed (E, capacity, D) layout, as expert parallelism sends it).",
        )
        if not (torch.equal(x, copies[0]) and torch.equal(experts, copies[1])):
            raise AssertionError(f"{what} changed the caller's x or experts.")


@pytest.mark.task(3)
def test_dispatch_buffer_carries_the_graph_of_x(device):
    gen = torch.Generator().manual_seed(767)
    x0, experts = dispatch_case(gen, 10, 4, 2, device)
    probe = torch.randn(4, 3, 5, generator=gen, dtype=F64).to(device)
    x = x0.clone().requires_grad_(True)
    what = "dispatch(x (10, 5) requiring grad, experts (10, 2), 4, capacity=3), then backward"
    buffer, _ = kata.dispatch(x, experts, 4, 3)
    if buffer.grad_fn is None:
        raise AssertionError(
            f"{what}: the buffer carries no graph of x (requires_grad False); expected one, so "
            f"that the experts' gradients reach x. Likely mistake: x detached (or .data), or "
            f"the buffer filled under torch.no_grad()."
        )
    (buffer * probe).sum().backward()
    want = torch.zeros_like(x0)
    for i, row in enumerate(loop_dispatch(experts, 4, 3)):
        for s, c in enumerate(row):
            if c >= 0:
                want[i] += probe[int(experts[i, s]), c]
    assert_tensor_close(
        x.grad,
        want,
        what=f"{what}: d / d x",
        rtol=1e-12,
        atol=1e-12,
        mistake="each accepted assignment's buffer row must be x[t] through autograd.",
    )


@pytest.mark.task(3)
def test_dispatch_is_loop_free_over_tokens(device):
    gen = torch.Generator().manual_seed(768)
    counts = []
    for t in (8, 64):
        x, experts = dispatch_case(gen, t, 4, 2, device)
        with count_torch_calls() as calls:
            kata.dispatch(x, experts, 4, t // 2)
        counts.append(sum(calls.values()))
    if counts[1] != counts[0]:
        raise AssertionError(
            f"dispatch made {counts[0]} torch calls for 8 tokens and {counts[1]} for 64: a "
            f"Python loop over tokens. Count per expert with one cumsum over the one-hot "
            f"choices (a loop over the E experts is fine)."
        )


# ----------------------------------------------------------------------------- task 4


def combine_case(gen, t, e, k, capacity, device):
    _, experts = dispatch_case(gen, t, e, k, device)
    slot = torch.tensor(loop_dispatch(experts, e, capacity), device=device)
    weights = torch.rand(t, k, generator=gen, dtype=F64).to(device)
    weights = weights / weights.sum(1, keepdim=True)
    expert_out = torch.randn(e, capacity, 3, generator=gen, dtype=F64).to(device)
    return expert_out, experts, weights, slot


def loop_combine(expert_out, experts, weights, slot, *, renormalise=False):
    t, k = experts.shape
    out = torch.zeros(t, expert_out.shape[2], dtype=F64)
    for i in range(t):
        kept = [s for s in range(k) if int(slot[i, s]) >= 0]
        total = sum(float(weights[i, s]) for s in kept)
        for s in kept:
            w = float(weights[i, s]) / (total if renormalise else 1.0)
            out[i] += w * expert_out[int(experts[i, s]), int(slot[i, s])].cpu()
    return out.to(expert_out.device)


@pytest.mark.task(4)
def test_combine_equals_a_loop(device):
    gen = torch.Generator().manual_seed(769)
    for t, e, k, capacity in [(12, 4, 2, 3), (8, 3, 1, 2), (6, 4, 3, 4)]:
        args = combine_case(gen, t, e, k, capacity, device)
        copies = [a.clone() for a in args]
        dropped = int((args[3] < 0).sum())
        what = (
            f"combine(expert_out ({e}, {capacity}, 3), experts ({t}, {k}), weights, slot) "
            f"with {dropped} dropped assignments"
        )
        got = kata.combine(*args)
        mistake = "out[t] = sum over kept slots of weights[t, s] * expert_out[e, slot]."
        if isinstance(got, torch.Tensor) and got.shape == (t, 3):
            if torch.allclose(got, loop_combine(*args, renormalise=True), rtol=1e-9, atol=1e-12):
                mistake = (
                    "the kept weights were renormalised after the drops; as documented they "
                    "keep their values (a dropped share is simply lost)."
                )
            else:
                as_index = args[3].clone()
                as_index[as_index < 0] = args[0].shape[1] - 1  # what slot -1 would index
                if torch.allclose(got, loop_combine(args[0], args[1], args[2], as_index)):
                    mistake = (
                        "slot -1 used as an index: it picks the LAST buffer row; a dropped "
                        "assignment must contribute nothing (zero its weight)."
                    )
        assert_tensor_close(
            got, loop_combine(*args), what=what, rtol=1e-12, atol=1e-12, mistake=mistake
        )
        for a, c in zip(args, copies, strict=True):
            if not torch.equal(a, c):
                raise AssertionError(f"{what} changed one of its inputs.")


@pytest.mark.task(4)
def test_combine_gives_zeros_to_a_fully_dropped_token(device):
    gen = torch.Generator().manual_seed(770)
    expert_out = torch.randn(3, 2, 4, generator=gen, dtype=F64).to(device)
    experts = torch.tensor([[0, 1], [2, 0], [1, 2]], device=device)
    weights = torch.tensor([[0.7, 0.3], [0.6, 0.4], [0.5, 0.5]], dtype=F64, device=device)
    slot = torch.tensor([[0, 0], [-1, -1], [1, 0]], device=device)
    what = "combine(expert_out (3, 2, 4), experts (3, 2), weights, slot) where token 1 lost both"
    got = kata.combine(expert_out, experts, weights, slot)
    assert_tensor_close(
        got[1],
        torch.zeros(4, dtype=F64, device=device),
        what=f"{what}: token 1's output",
        mistake="a token whose every assignment was dropped gets zeros (its residual "
        "connection outside the layer carries it); slot -1 must not index a row.",
    )
    assert_tensor_close(got, loop_combine(expert_out, experts, weights, slot), what=what)


@pytest.mark.task(4)
def test_combine_carries_the_graph_of_expert_out_and_weights(device):
    gen = torch.Generator().manual_seed(771)
    out0, experts, w0, slot = combine_case(gen, 10, 4, 2, 3, device)
    probe = torch.randn(10, 3, generator=gen, dtype=F64).to(device)
    expert_out, weights = out0.clone().requires_grad_(True), w0.clone().requires_grad_(True)
    what = "combine(expert_out (4, 3, 3), experts, weights (10, 2), slot), then backward"
    (kata.combine(expert_out, experts, weights, slot) * probe).sum().backward()
    ref_out, ref_w = out0.clone().requires_grad_(True), w0.clone().requires_grad_(True)
    kept = slot >= 0
    rows = ref_out[experts, slot.clamp(min=0)]
    ((ref_w * kept).unsqueeze(-1) * rows).sum(1).mul(probe).sum().backward()
    for name, got, ref in (("expert_out", expert_out, ref_out), ("weights", weights, ref_w)):
        if got.grad is None:
            raise AssertionError(
                f"{what}: {name}.grad is None after backward; expected a gradient: the output "
                f"must depend on {name}. Likely mistake: {name} detached (or .data) inside."
            )
        assert_tensor_close(
            got.grad,
            ref.grad,
            what=f"{what}: d / d {name}",
            rtol=1e-12,
            atol=1e-12,
            mistake="a dropped assignment gets no gradient; a kept one weights[t, s] times.",
        )


# ----------------------------------------------------------------------------- task 5


def make_moe(gen, dim, hidden, e, k, factor, device):
    model = kata.MoE(dim, hidden, e, k=k, capacity_factor=factor).double()
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen, dtype=F64) * 0.7)
    return model.to(device)


def loop_moe(model, x):
    """The layer token by token: route, count capacity in position order, sum experts."""
    t = x.shape[0]
    e = len(model.experts)
    capacity = math.ceil(model.capacity_factor * t * model.k / e)
    logits = x @ model.router.weight.T
    experts, weights = loop_route(logits, model.k)
    counts, dropped = [0] * e, [0] * e
    out = torch.zeros_like(x)
    with torch.no_grad():
        for i in range(t):
            for j, w in zip(experts[i], weights[i], strict=True):
                if counts[j] < capacity:
                    counts[j] += 1
                    out[i] += w * model.experts[j](x[i : i + 1])[0]
                else:
                    dropped[j] += 1
    aux = loop_balance_loss(logits, experts)
    return out, aux, dropped, capacity


@pytest.mark.task(5)
def test_moe_builds_a_router_and_its_experts(device):
    torch.manual_seed(772)
    model = kata.MoE(8, 16, 4, k=2, capacity_factor=1.5).to(device)
    what = "MoE(dim=8, hidden=16, num_experts=4, k=2, capacity_factor=1.5)"
    router = getattr(model, "router", None)
    if (
        not isinstance(router, nn.Linear)
        or router.bias is not None
        or ((router.in_features, router.out_features) != (8, 4))
    ):
        raise AssertionError(f"{what}.router should be nn.Linear(8, 4, bias=False), got {router}.")
    experts = getattr(model, "experts", None)
    if not isinstance(experts, nn.ModuleList) or len(experts) != 4:
        raise AssertionError(
            f"{what}.experts should be an nn.ModuleList of 4 experts (a plain list hides their "
            f"parameters), got {type(experts).__name__}."
        )
    for i, expert in enumerate(experts):
        layers = list(expert.children()) if isinstance(expert, nn.Sequential) else []
        kinds = [type(m).__name__ for m in layers]
        if kinds != ["Linear", "GELU", "Linear"] or (
            layers[0].in_features,
            layers[0].out_features,
            layers[2].out_features,
        ) != (8, 16, 8):
            raise AssertionError(
                f"{what}.experts[{i}] is {expert}; expected nn.Sequential(nn.Linear(8, 16), "
                f"nn.GELU(), nn.Linear(16, 8))."
            )
    if (getattr(model, "k", None), getattr(model, "capacity_factor", None)) != (2, 1.5):
        raise AssertionError(f"{what}: self.k and self.capacity_factor should be 2 and 1.5.")
    assert_raises(
        ValueError,
        kata.MoE,
        8,
        16,
        4,
        k=5,
        what="MoE(8, 16, 4, k=5)",
        mistake="no check that 1 <= k <= num_experts.",
    )
    assert_raises(
        ValueError,
        kata.MoE,
        8,
        16,
        4,
        k=1,
        capacity_factor=0.0,
        what="MoE(8, 16, 4, k=1, capacity_factor=0.0)",
        mistake="no check that capacity_factor > 0.",
    )


@pytest.mark.task(5)
def test_moe_equals_a_per_token_loop(device):
    gen = torch.Generator().manual_seed(773)
    for t, e, k, factor in [(16, 4, 2, 1.0), (12, 4, 1, 0.25), (10, 3, 2, 2.0), (1, 2, 1, 1.0)]:
        model = make_moe(gen, 6, 8, e, k, factor, device)
        x = torch.randn(t, 6, generator=gen, dtype=F64).to(device)
        before = x.clone()
        what = f"MoE(6, 8, num_experts={e}, k={k}, capacity_factor={factor})(x ({t}, 6)), float64"
        output, aux_loss, dropped = model(x)
        want_out, want_aux, want_dropped, capacity = loop_moe(model, x)
        if not torch.equal(x, before):
            raise AssertionError(f"{what} changed the caller's x.")
        total = sum(want_dropped)
        mistake = f"with capacity {capacity}, {total} assignments are dropped in position order."
        if isinstance(output, torch.Tensor) and output.shape == x.shape and total:
            lost = [i for i in range(t) if not want_out[i].any()]
            if lost and torch.allclose(output[lost], x[lost]):
                mistake = (
                    "a token whose every assignment was dropped got its input back (the "
                    "residual); as documented the layer gives it zeros and the caller adds x."
                )
        assert_tensor_close(
            output, want_out, what=f"{what}: output", rtol=1e-10, atol=1e-12, mistake=mistake
        )
        assert_tensor_close(
            aux_loss,
            torch.tensor(want_aux, dtype=F64, device=device),
            what=f"{what}: aux_loss",
            rtol=1e-12,
            atol=1e-12,
            mistake="load_balancing_loss(logits, experts) of this forward's routing.",
        )
        assert_tensor_close(
            dropped,
            torch.tensor(want_dropped, device=device),
            what=f"{what}: dropped per expert (capacity {capacity})",
            mistake="dropped[e] = the assignments expert e refused (slot -1), as a (E,) long "
            "count.",
        )


@pytest.mark.task(5)
def test_moe_calls_each_expert_once_on_its_whole_buffer(device):
    gen = torch.Generator().manual_seed(774)
    model = make_moe(gen, 6, 8, 4, 2, 1.0, device)
    x = torch.randn(12, 6, generator=gen, dtype=F64).to(device)
    seen: dict[int, list] = {i: [] for i in range(4)}
    for i, expert in enumerate(model.experts):
        expert.register_forward_pre_hook(lambda m, args, i=i: seen[i].append(args[0].detach()))
    what = "MoE(6, 8, num_experts=4, k=2, capacity_factor=1.0)(x (12, 6)): capacity 6"
    model(x)
    logits = x @ model.router.weight.T
    experts, _ = route_tensors(logits, 2, device)
    slots = loop_dispatch(experts, 4, 6)
    for i in range(4):
        if len(seen[i]) != 1:
            raise AssertionError(
                f"{what}: expert {i} was called {len(seen[i])} times; expected exactly once, "
                f"on its (capacity, dim) buffer (one call per expert, not per token)."
            )
        want = torch.zeros(6, 6, dtype=F64, device=device)
        for t, row in enumerate(slots):
            for s, c in enumerate(row):
                if c >= 0 and int(experts[t, s]) == i:
                    want[c] = x[t]
        got = seen[i][0]
        if tuple(got.shape) != (6, 6):
            raise AssertionError(
                f"{what}: expert {i} was called on {tuple(got.shape)}; expected its whole "
                f"(capacity, dim) = (6, 6) buffer from dispatch (accepted tokens, then zeros), "
                f"the fixed layout an expert-parallel layer sends to each expert."
            )
        assert_tensor_close(got, want, what=f"{what}: the input of expert {i}")


@pytest.mark.task(5)
def test_moe_output_and_aux_loss_reach_the_router(device):
    gen = torch.Generator().manual_seed(775)
    model = make_moe(gen, 6, 8, 4, 2, 1.5, device)
    x = torch.randn(10, 6, generator=gen, dtype=F64).to(device)
    what = "MoE(6, 8, 4, k=2, capacity_factor=1.5)(x (10, 6))"
    output, aux_loss, _ = model(x)
    for name, value in (("output.sum()", output.sum()), ("aux_loss", aux_loss)):
        grads = [None]
        if value.requires_grad:
            grads = torch.autograd.grad(
                value, [model.router.weight], retain_graph=True, allow_unused=True
            )
        if grads[0] is None or not bool(grads[0].abs().sum() > 0):
            raise AssertionError(
                f"{what}: {name} has no gradient with respect to the router's weight, so the "
                f"router never balances (and never learns). Likely mistake: "
                + (
                    "the loss computed from detached logits or probabilities."
                    if name == "aux_loss"
                    else "the combine weights computed from detached logits (or under no_grad)."
                )
            )
    ref_logits = (x @ model.router.weight.T).detach().requires_grad_(True)
    experts, _ = route_tensors(ref_logits, 2, device)
    f = torch.bincount(experts.flatten(), minlength=4).to(F64) / experts.numel()
    ref = 4 * (f * torch.softmax(ref_logits, 1).mean(0)).sum()
    (grad_logits,) = torch.autograd.grad(ref, ref_logits)
    (got,) = torch.autograd.grad(aux_loss, model.router.weight)
    assert_tensor_close(
        got,
        grad_logits.T @ x,
        what=f"{what}: d aux_loss / d router.weight",
        rtol=1e-10,
        atol=1e-12,
    )


@pytest.mark.task(5)
def test_moe_aux_loss_alone_teaches_a_skewed_router_to_balance(device):
    gen = torch.Generator().manual_seed(776)
    model = make_moe(gen, 6, 8, 4, 1, 2.0, device)
    x = torch.randn(128, 6, generator=gen, dtype=F64).to(device) + 1.0
    with torch.no_grad():
        model.router.weight.mul_(0.1)
        model.router.weight[0] += 0.3  # expert 0 wins almost every token
    weight = model.router.weight

    def busiest_share() -> float:
        experts, _ = route_tensors(x @ weight.T, 1, device)
        return torch.bincount(experts.flatten(), minlength=4).max().item() / 128

    start = busiest_share()
    reached = True  # did the aux loss's gradient reach the router at every step?
    for _ in range(40):  # plain SGD on the router, aux loss only
        _, aux_loss, _ = model(x)
        if not aux_loss.requires_grad:
            reached = False
            break
        (grad,) = torch.autograd.grad(aux_loss, weight, allow_unused=True)
        if grad is None or not bool(grad.ne(0).any()):
            reached = False
            break
        with torch.no_grad():
            weight -= 5.0 * grad
    end = busiest_share()
    if not end <= 0.6:
        raise AssertionError(
            f"40 SGD steps (lr 5.0) on aux_loss alone moved the busiest expert's share of 128 "
            f"tokens from {start:.0%} to {end:.0%}; a working load-balancing loss brings it to "
            f"60% or less: the router never balances. Likely mistake: "
            + (
                "the loss's gradient does not reach the router (detached logits or probabilities)."
                if not reached
                else "the gradient reaches the router but points the wrong way: f_i (the "
                "counts) must be a constant and P_i (the mean softmax) carry the gradient, "
                "loss = E * sum_i f_i * P_i, not its negative."
            )
        )
