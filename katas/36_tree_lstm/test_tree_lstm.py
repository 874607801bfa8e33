"""Tests for kata 36: a Child-Sum Tree-LSTM, checked against the equations of Tai et al. (2015)
written out plainly below, with the learner's weights copied, in float64, on random trees.

The reference computes every gate with explicit loops over the children. When the learner's
answer is wrong, the same reference with a known mistake planted is tried too, so the
message can name the mistake that matches.
"""

import pytest
import torch
from torch import nn

from torchkatas.harness import assert_tensor_close, load_kata

kata = load_kata(__file__)

D, H = 5, 4  # input_size, hidden_size
TIGHT = {"rtol": 1e-10, "atol": 1e-12}  # float64: only rounding may differ


# ----------------------------------------------------------------------------- trees


def random_tree(gen, device, depth: int, max_children: int = 3, dtype=torch.float64):
    """(x, children) with 0..max_children children per node, down to `depth` more levels."""
    x = torch.randn(D, generator=gen, dtype=dtype).to(device)
    if depth == 0:
        return (x, [])
    k = int(torch.randint(0, max_children + 1, (), generator=gen))
    return (x, [random_tree(gen, device, depth - 1, max_children, dtype) for _ in range(k)])


def random_trees(seed: int, device, n: int, dtype=torch.float64) -> list:
    """n trees: a single leaf first, then random ones of depth 1..4, each with >= 1 child."""
    gen = torch.Generator().manual_seed(seed)
    trees = [(torch.randn(D, generator=gen, dtype=dtype).to(device), [])]
    while len(trees) < n:
        tree = random_tree(gen, device, int(torch.randint(1, 5, (), generator=gen)), dtype=dtype)
        if tree[1]:
            trees.append(tree)
    return trees


def nodes(tree) -> list:
    """Every node, in pre-order."""
    return [tree] + [n for child in tree[1] for n in nodes(child)]


def describe(tree) -> str:
    sizes = [len(n[1]) for n in nodes(tree)]
    depth = _depth(tree)
    return f"a tree of {len(sizes)} nodes, depth {depth}, up to {max(sizes)} children per node"


def _depth(tree) -> int:
    return 1 + max((_depth(c) for c in tree[1]), default=0)


def permuted(tree, gen):
    """The same tree with every node's children in a random order (new lists, same x)."""
    x, children = tree
    order = torch.randperm(len(children), generator=gen).tolist()
    return (x, [permuted(children[j], gen) for j in order])


def with_grad(tree):
    """A copy whose x are fresh leaves that require grad."""
    x, children = tree
    return (x.detach().clone().requires_grad_(True), [with_grad(c) for c in children])


# ----------------------------------------------------------------------------- the reference


def weights_of(cell) -> dict[str, torch.Tensor]:
    """The cell's weights, copied and split into the matrices of the equations."""
    __tracebackhide__ = True
    try:
        w_iou, b_iou = cell.W_iou.weight, cell.W_iou.bias
        u_iou, w_f, b_f, u_f = cell.U_iou.weight, cell.W_f.weight, cell.W_f.bias, cell.U_f.weight
    except AttributeError as err:
        raise AssertionError(
            f"the cell has no {err.name!r}: it needs the submodules W_iou, U_iou, W_f and U_f "
            f"named in its docstring (the tests copy their weights)."
        ) from err
    p = {name: t.detach().clone() for name, t in (("Wf", w_f), ("bf", b_f), ("Uf", u_f))}
    for part, rows in zip("iou", range(0, 3 * H, H), strict=True):
        p["W" + part] = w_iou[rows : rows + H].detach().clone()
        p["b" + part] = b_iou[rows : rows + H].detach().clone()
        p["U" + part] = u_iou[rows : rows + H].detach().clone()
    return p


def reference_cell(p, x, hs: list, cs: list, variant: str = "exact"):
    """One node by the equations, a loop over the children; `variant` plants a mistake."""
    if variant == "first child only":
        hs, cs = hs[:1], cs[:1]
    h_sum = torch.zeros(H, dtype=x.dtype, device=x.device)
    for h_k, c_k in zip(hs, cs, strict=True):
        h_sum = h_sum + (c_k if variant == "children's c summed" else h_k)
    if variant == "mean of the children" and hs:
        h_sum = h_sum / len(hs)
    pre = {g: p["W" + g] @ x + p["b" + g] + p["U" + g] @ h_sum for g in "iou"}
    if variant == "chunk order i, u, o":
        pre["o"], pre["u"] = pre["u"], pre["o"]
    i, o = torch.sigmoid(pre["i"]), torch.sigmoid(pre["o"])
    u = torch.sigmoid(pre["u"]) if variant == "sigmoid for u" else torch.tanh(pre["u"])
    c = i * u
    if variant == "shared forget gate":
        f = torch.sigmoid(p["Wf"] @ x + p["bf"] + p["Uf"] @ h_sum)
        for c_k in cs:
            c = c + f * c_k
    elif variant == "no forget gates":
        for c_k in cs:
            c = c + c_k
    else:
        for h_k, c_k in zip(hs, cs, strict=True):
            f_k = torch.sigmoid(p["Wf"] @ x + p["bf"] + p["Uf"] @ h_k)  # one per child
            c = c + f_k * c_k
    return o * torch.tanh(c), c


def reference_tree(p, tree, variant: str = "exact"):
    x, children = tree
    states = [reference_tree(p, child, variant) for child in children]
    return reference_cell(p, x, [h for h, _ in states], [c for _, c in states], variant)


VARIANTS = {
    "shared forget gate": "one forget gate for all children, from h_sum; there is one forget "
    "gate per child, f_k = sigmoid(W_f(x) + U_f(h_k)), each multiplying that child's c_k",
    "no forget gates": "the children's cells summed without forget gates: c = i * u + "
    "sum_k f_k * c_k",
    "mean of the children": "the children's h averaged; h_sum is their sum",
    "children's c summed": "h_sum summed over the children's c instead of the children's h",
    "first child only": "only the first child's state used; sum over all K children",
    "chunk order i, u, o": "the chunk order: W_iou's outputs are i, o, u in this order",
    "sigmoid for u": "sigmoid for u; the candidate u = tanh(...), the gates i, o, f use sigmoid",
}


def diagnose(got_h, expect_variant) -> str:
    """The planted mistake whose result equals the learner's, else a list of suspects."""
    for variant, text in VARIANTS.items():
        try:
            h = expect_variant(variant)
        except (IndexError, RuntimeError):
            continue
        if got_h.shape == h.shape and torch.allclose(got_h.detach(), h, rtol=1e-8, atol=1e-10):
            return text + "."
    return (
        "one forget gate per child, f_k from h_k; h_sum the sum of the children's h; "
        "chunk order i, o, u; tanh for u and c, sigmoid for the gates."
    )


def seeded_init(make, seed: int):
    """make() under torch.manual_seed(seed): the default nn.Linear init, seeded, without
    changing the global generator for later tests."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return make()


def make_model(device, seed: int = 0, dtype=torch.float64):
    model = seeded_init(lambda: kata.TreeLSTM(D, H), seed)
    return model.to(device=device, dtype=dtype)


def counting_cell_calls(model) -> list[int]:
    """Count calls of model.cell (through model.cell(...) or model.cell.forward(...))."""
    calls = [0]
    original = model.cell.forward

    def forward(*args, **kwargs):
        calls[0] += 1
        return original(*args, **kwargs)

    model.cell.forward = forward
    return calls


def run_tree(model, tree, what: str):
    """model(tree); a dtype or device clash inside is explained."""
    __tracebackhide__ = True
    try:
        return check_state(model(tree), what)
    except NotImplementedError:
        raise
    except RuntimeError as err:
        if "dtype" not in str(err) and "device" not in str(err):
            raise
        raise AssertionError(
            f"{what} raised RuntimeError: {err}. The tree's tensors are "
            f"{tree[0].dtype} on {tree[0].device}. Likely mistake: a leaf's empty child "
            f"states made with torch.zeros(0, H) without dtype= and device= (x.new_zeros "
            f"keeps both), or another tensor made inside forward without them."
        ) from err


def check_state(state, what: str):
    __tracebackhide__ = True
    if not (isinstance(state, tuple | list) and len(state) == 2):
        raise AssertionError(f"{what} returned {type(state).__name__}; expected a pair (h, c).")
    return state[0], state[1]


# ----------------------------------------------------------------------------- task 1


@pytest.mark.task(1)
def test_cell_has_the_named_submodules():
    cell = kata.ChildSumTreeLSTMCell(D, H)
    expected = {
        "W_iou": (D, 3 * H, True),
        "U_iou": (H, 3 * H, False),
        "W_f": (D, H, True),
        "U_f": (H, H, False),
    }
    for name, (n_in, n_out, bias) in expected.items():
        layer = getattr(cell, name, None)
        if not isinstance(layer, nn.Linear):
            raise AssertionError(
                f"ChildSumTreeLSTMCell({D}, {H}).{name} is {type(layer).__name__}, expected "
                f"nn.Linear({n_in}, {n_out}{'' if bias else ', bias=False'})."
            )
        got = (layer.in_features, layer.out_features, layer.bias is not None)
        if got != (n_in, n_out, bias):
            raise AssertionError(
                f"ChildSumTreeLSTMCell({D}, {H}).{name} is nn.Linear(in={got[0]}, out={got[1]}, "
                f"bias={got[2]}), expected in={n_in}, out={n_out}, bias={bias}. The U layers "
                f"have no bias: W_iou and W_f carry it, once."
            )


@pytest.mark.task(1)
@pytest.mark.parametrize("k", [0, 1, 2, 4])
def test_cell_follows_the_equations(k, device):
    gen = torch.Generator().manual_seed(10 + k)
    cell = seeded_init(lambda: kata.ChildSumTreeLSTMCell(D, H), k)
    cell = cell.to(device=device, dtype=torch.float64)
    p = weights_of(cell)
    for trial in range(3):
        x = torch.randn(D, generator=gen, dtype=torch.float64).to(device)
        child_h = torch.randn(k, H, generator=gen, dtype=torch.float64).to(device)
        child_c = (torch.randn(k, H, generator=gen, dtype=torch.float64) * 2).to(device)
        what = f"cell(x {tuple(x.shape)}, child_h ({k}, {H}), child_c ({k}, {H})), trial {trial}"
        h, c = check_state(cell(x, child_h, child_c), what)
        hs, cs = list(child_h), list(child_c)
        exp_h, exp_c = reference_cell(p, x, hs, cs)
        mistake = diagnose(h, lambda v, hs=hs, cs=cs, x=x: reference_cell(p, x, hs, cs, v)[0])
        if k == 0:
            mistake = f"for a leaf (K = 0) h_sum is zeros and c = i * u. Or: {mistake}"
        assert_tensor_close(c, exp_c, what=f"{what}: c", mistake=mistake, **TIGHT)
        assert_tensor_close(h, exp_h, what=f"{what}: h", mistake=mistake, **TIGHT)


@pytest.mark.task(1)
def test_cell_takes_strided_children_keeps_inputs_and_is_differentiable(device):
    gen = torch.Generator().manual_seed(3)
    cell = seeded_init(lambda: kata.ChildSumTreeLSTMCell(3, 2), 3)
    cell = cell.to(device=device, dtype=torch.float64)
    x = torch.randn(3, generator=gen, dtype=torch.float64).to(device).requires_grad_(True)
    child_h = torch.randn(2, 3, generator=gen, dtype=torch.float64).to(device).T  # (3, 2) view
    child_c = torch.randn(2, 3, generator=gen, dtype=torch.float64).to(device).T
    child_h.requires_grad_(True)
    child_c.requires_grad_(True)
    before = [t.detach().clone() for t in (x, child_h, child_c)]
    what = "cell(x (3,), child_h (3, 2) non-contiguous, child_c (3, 2) non-contiguous)"
    h, c = check_state(cell(x, child_h, child_c), what)
    for name, t, old in zip(
        ("x", "child_h", "child_c"), (x, child_h, child_c), before, strict=True
    ):
        assert_tensor_close(t, old, what=f"{what}: the caller's {name} afterwards")
    if h.grad_fn is None or c.grad_fn is None:
        raise AssertionError(
            f"{what}: h or c has no grad_fn although every input requires grad: the result "
            f"left the autograd graph. Likely mistake: .detach(), .item(), .data or "
            f"torch.tensor(...) of computed values."
        )
    ok = torch.autograd.gradcheck(
        lambda x, hh, cc: torch.cat(cell(x, hh, cc)), (x, child_h, child_c), raise_exception=False
    )
    if not ok:
        raise AssertionError(
            f"{what}: torch.autograd.gradcheck fails: the gradients of h and c are not those "
            f"of the computation. Likely mistake: part of it done outside autograd "
            f"(.detach(), .data, .item()), or an in-place change of a saved tensor."
        )


@pytest.mark.task(1)
def test_cell_keeps_float32_and_the_device(device):
    cell = kata.ChildSumTreeLSTMCell(D, H).to(device)
    x = torch.randn(D, device=device)
    child_h, child_c = torch.randn(2, H, device=device), torch.randn(2, H, device=device)
    h, c = check_state(cell(x, child_h, child_c), "cell(float32 inputs)")
    for name, t in (("h", h), ("c", c)):
        if t.dtype != torch.float32 or t.device != x.device or t.shape != (H,):
            raise AssertionError(
                f"cell(float32 inputs on {device}) returned {name} {t.dtype} on {t.device} of "
                f"shape {tuple(t.shape)}; expected float32 on {x.device}, shape ({H},)."
            )


# ----------------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.parametrize("seed", range(3))
def test_tree_matches_the_reference(seed, device):
    model = make_model(device, seed)
    p = weights_of(model.cell)
    for t, tree in enumerate(random_trees(seed, device, n=4)):
        what = f"TreeLSTM({D}, {H})(tree {t}: {describe(tree)})"
        h, c = run_tree(model, tree, what)
        exp_h, exp_c = reference_tree(p, tree)
        mistake = diagnose(h, lambda v, tree=tree: reference_tree(p, tree, v)[0])
        assert_tensor_close(c, exp_c, what=f"{what}: the root's c", mistake=mistake, **TIGHT)
        assert_tensor_close(h, exp_h, what=f"{what}: the root's h", mistake=mistake, **TIGHT)


@pytest.mark.task(2)
def test_each_node_is_computed_once(device):
    model = make_model(device)
    calls = counting_cell_calls(model)
    for tree in random_trees(20, device, n=4):
        calls[0] = 0
        model(tree)
        n = len(nodes(tree))
        if calls[0] != n:
            more = (
                " A subtree is computed more than once: compute each child's (h, c) once, keep "
                "the pair, then stack its parts (calling the recursion once for h and again "
                "for c doubles the work at every level)."
                if calls[0] > n
                else " Call self.cell for every node (leaves included), not the equations inline."
            )
            raise AssertionError(
                f"TreeLSTM(...)({describe(tree)}) called self.cell {calls[0]} times; expected "
                f"{n}, once per node.{more}"
            )


@pytest.mark.task(2)
def test_child_order_does_not_matter(device):
    model = make_model(device, 1)
    gen = torch.Generator().manual_seed(5)
    for tree in random_trees(30, device, n=5)[1:]:
        h, c = check_state(model(tree), "TreeLSTM(...)(tree)")
        for _ in range(2):
            h2, c2 = check_state(model(permuted(tree, gen)), "TreeLSTM(...)(permuted tree)")
            assert_tensor_close(
                h2,
                h,
                what=f"TreeLSTM(...)(the same {describe(tree)} with its children reordered): "
                f"the root's h",
                mistake="the Child-Sum Tree-LSTM sums over the children, so their order cannot "
                "matter: something uses one child specially (the first only, or position-"
                "dependent weights).",
                **TIGHT,
            )
            assert_tensor_close(c2, c, what="the root's c of the reordered tree", **TIGHT)


@pytest.mark.task(2)
def test_gradients_reach_every_node(device):
    model = make_model(device, 2)
    p = weights_of(model.cell)
    for tree in random_trees(40, device, n=4):
        mine, ref = with_grad(tree), with_grad(tree)
        h, c = check_state(model(mine), "TreeLSTM(...)(tree)")
        (h.sum() + c.sum()).backward()
        exp_h, exp_c = reference_tree(p, ref)
        (exp_h.sum() + exp_c.sum()).backward()
        what = f"TreeLSTM(...)({describe(tree)}) then (h.sum() + c.sum()).backward()"
        forward_right = all(
            got.shape == want.shape
            and torch.allclose(got.detach().to(want.dtype), want.detach(), **TIGHT)
            for got, want in ((h, exp_h), (c, exp_c))
        )
        for j, (node, ref_node) in enumerate(zip(nodes(mine), nodes(ref), strict=True)):
            kind = "a leaf" if not node[1] else "an inner node"
            grad = node[0].grad
            if grad is None or not grad.abs().sum() > 0:
                raise AssertionError(
                    f"{what}: the x of node {j} ({kind}, pre-order) got "
                    f"{'no .grad' if grad is None else 'a zero .grad'}: the graph from the "
                    f"root does not reach it. Likely mistake: a child's state detached or "
                    f"rebuilt from values (.detach(), .item(), .tolist(), torch.tensor(...))."
                )
            assert_tensor_close(
                grad,
                ref_node[0].grad,
                what=f"{what}: .grad of node {j}'s x ({kind})",
                mistake="the forward h and c are right, but the gradient is not: part of the "
                "graph is cut on one path (.detach() or .data on a gate, h_sum or a child's c)."
                if forward_right
                else "the forward differs from the equations, so its gradients do too.",
                **TIGHT,
            )


@pytest.mark.task(2)
def test_the_callers_tree_is_not_changed(device):
    model = make_model(device, 3)
    tree = random_trees(50, device, n=2)[1]
    tree = with_grad(tree)  # inputs that require grad, like embeddings would
    snapshot = [
        (node, id(node[1]), len(node[1]), node[0].detach().clone(), node[0].requires_grad)
        for node in nodes(tree)
    ]
    model(tree)
    what = f"TreeLSTM(...)({describe(tree)})"
    now = nodes(tree)
    if len(now) != len(snapshot):
        raise AssertionError(
            f"{what} changed the caller's tree: it had {len(snapshot)} nodes, now "
            f"{len(now)}. Likely mistake: popping children off the lists (an iterative "
            f"traversal using them as stacks) or appending states to them."
        )
    for j, ((node, list_id, k, x, req), cur) in enumerate(zip(snapshot, now, strict=True)):
        if cur is not node or id(cur[1]) != list_id or len(cur[1]) != k:
            raise AssertionError(
                f"{what} changed the caller's tree at node {j}: its children list was "
                f"replaced or resized. Likely mistake: sorting or popping the caller's lists."
            )
        assert_tensor_close(cur[0], x, what=f"{what}: the caller's x of node {j} afterwards")
        if cur[0].requires_grad != req or cur[0].grad is not None:
            raise AssertionError(
                f"{what} changed the caller's x of node {j}: requires_grad {req} -> "
                f"{cur[0].requires_grad}, .grad {cur[0].grad is not None}. The forward must "
                f"not call backward or change flags."
            )


@pytest.mark.task(2)
def test_bad_nodes_raise_value_error(device):
    model = make_model(device)
    good = torch.randn(D, device=device, dtype=torch.float64)
    cases = {
        f"a leaf's x of shape ({D + 1},)": (good, [(good, []), (torch.zeros(D + 1).double(), [])]),
        f"a root x of shape (1, {D})": (good.unsqueeze(0), [(good, [])]),
        "a child that is a bare tensor, not (x, children)": (good, [good]),
        "children given as a tensor, not a list": (good, good),
    }
    for how, tree in cases.items():
        try:
            model(tree)
        except ValueError:
            continue
        except NotImplementedError:
            raise
        except Exception as err:
            raise AssertionError(
                f"TreeLSTM({D}, {H})(a tree with {how}) raised {type(err).__name__}: {err}; "
                f"expected a ValueError saying which node is wrong. Likely mistake: no check "
                f"of each node's shape before using it."
            ) from err
        raise AssertionError(
            f"TreeLSTM({D}, {H})(a tree with {how}) did not raise ValueError. Likely "
            f"mistake: no check of each node (a pair (x, list), x of shape ({D},))."
        )


@pytest.mark.task(2)
def test_float32_trees_give_float32_states_on_the_device(device):
    model = make_model(device, dtype=torch.float32)
    tree = random_trees(60, device, n=2, dtype=torch.float32)[1]
    h, c = run_tree(model, tree, f"TreeLSTM(...)(a float32 tree on {device})")
    for name, t in (("h", h), ("c", c)):
        if t.dtype != torch.float32 or t.device != tree[0].device or t.shape != (H,):
            why = (
                "a leaf's empty child states (or another tensor made inside forward) "
                "without dtype= and device=, or a cast."
                if t.shape == (H,)
                else f"the root's state must be one vector of shape ({H},)."
            )
            raise AssertionError(
                f"TreeLSTM(...)(a float32 tree on {device}) returned {name} {t.dtype} on "
                f"{t.device} of shape {tuple(t.shape)}; expected float32 on "
                f"{tree[0].device}, shape ({H},). Likely mistake: {why}"
            )


# ----------------------------------------------------------------------------- task 3


@pytest.mark.task(3)
@pytest.mark.parametrize("n", [1, 5])
def test_encode_stacks_the_roots_hidden_states(n, device):
    model = make_model(device, 4)
    p = weights_of(model.cell)
    trees = random_trees(70 + n, device, n=n)[::-1]  # the single leaf last
    what = f"TreeLSTM(...).encode({n} trees of {[len(nodes(t)) for t in trees]} nodes)"
    got = model.encode(trees)
    expected = torch.stack([reference_tree(p, tree)[0] for tree in trees])
    if isinstance(got, torch.Tensor) and got.shape == (n * H,):
        raise AssertionError(
            f"{what} returned shape {tuple(got.shape)}, expected ({n}, {H}): one row per tree. "
            f"Likely mistake: torch.cat of the (H,) states instead of torch.stack."
        )
    assert_tensor_close(
        got,
        expected,
        what=what,
        mistake="row b must be trees[b]'s root h (not c, not in another order).",
        **TIGHT,
    )


@pytest.mark.task(3)
def test_encode_keeps_each_tree_to_its_row(device):
    model = make_model(device, 5)
    trees = [with_grad(t) for t in random_trees(80, device, n=3)]
    out = model.encode(trees)
    out[1].sum().backward()
    what = "TreeLSTM(...).encode(3 trees)[1].sum().backward()"
    reached = [
        [node[0].grad is not None and bool(node[0].grad.abs().sum() > 0) for node in nodes(t)]
        for t in trees
    ]
    others = [b for b in (0, 2) if any(reached[b])]
    if not all(reached[1]):
        why = (
            f"the rows are in another order (row 1 is tree {others[0]}'s), or the trees' "
            f"states are mixed."
            if others and not any(reached[1])
            else "states detached or rebuilt from values."
        )
        raise AssertionError(
            f"{what}: only {sum(reached[1])} of tree 1's {len(reached[1])} nodes got a "
            f"gradient. Likely mistake: {why}"
        )
    if others:
        raise AssertionError(
            f"{what}: tree {others[0]}'s inputs got gradients from row 1: the trees are mixed. "
            f"Likely mistake: state carried over from one tree to the next."
        )


@pytest.mark.task(3)
def test_encode_of_no_trees_raises_value_error(device):
    model = make_model(device)
    try:
        model.encode([])
    except ValueError:
        return
    except RuntimeError as err:
        if isinstance(err, NotImplementedError):
            raise
        raise AssertionError(
            f"TreeLSTM(...).encode([]) raised {type(err).__name__}: {err}; expected a "
            f"ValueError saying that at least one tree is needed (torch.stack([]) fails "
            f"with a confusing message)."
        ) from err
    raise AssertionError("TreeLSTM(...).encode([]) did not raise ValueError.")
