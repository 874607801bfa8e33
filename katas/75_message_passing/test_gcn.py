"""Tests for kata 75: GCN normalisation, message passing and the GCN layer against the dense
formula D^-1/2 (A + I) D^-1/2 X W^T + b in float64, with gradients, and no dense matrix."""

import contextlib
import math

import pytest
import torch
from torch import nn
from torch.overrides import TorchFunctionMode

from torchkatas.harness import assert_raises, assert_tensor_close, load_kata

kata = load_kata(__file__)

F64 = torch.float64


# ----------------------------------------------------------------------------- graphs


def random_graph(gen, num_nodes, num_edges, device, isolated=2):
    """A directed multigraph: random edges among the first nodes, the last `isolated` nodes
    touched by none, plus a duplicate of edge 0 and an explicit self-edge 1 -> 1."""
    active = max(num_nodes - isolated, 2)
    source = torch.randint(active, (num_edges,), generator=gen)
    target = torch.randint(active, (num_edges,), generator=gen)
    edges = torch.stack([source, target])
    extra = torch.tensor([[int(source[0]), 1], [int(target[0]), 1]])
    return torch.cat([edges, extra], dim=1).to(device)


def undirected(edge_index):
    return torch.cat([edge_index, edge_index.flip(0)], dim=1)


def dense_counts(edge_index, num_nodes) -> torch.Tensor:
    """A[i, j] = the number of edges j -> i, by a loop (float64, CPU)."""
    a = torch.zeros(num_nodes, num_nodes, dtype=F64)
    for j, i in edge_index.cpu().t().tolist():
        a[i, j] += 1
    return a


def dense_from_edges(edges, weight, num_nodes) -> torch.Tensor:
    """The dense matrix a list of weighted edges j -> i stands for: M[i, j] = sum of w."""
    m = torch.zeros(num_nodes, num_nodes, dtype=F64)
    for (j, i), w in zip(edges.cpu().t().tolist(), weight.detach().cpu().tolist(), strict=True):
        m[i, j] += w
    return m


def normalised(a_hat, degree) -> torch.Tensor:
    inv = torch.where(degree > 0, degree.rsqrt(), torch.zeros_like(degree))
    return inv[:, None] * a_hat * inv[None, :]


def dense_gcn(edge_index, num_nodes, variant="right") -> torch.Tensor:
    """D^-1/2 (A + I) D^-1/2 with D = row sums of A + I, and the usual wrong variants."""
    a = dense_counts(edge_index, num_nodes)
    eye = torch.eye(num_nodes, dtype=F64)
    if variant == "duplicates dropped":
        a = (a > 0).to(F64)
    a_hat = a + eye
    if variant == "existing self-loops kept":
        a_hat = a.clone()
        a_hat.diagonal().clamp_(min=1)
    if variant == "no self-loops":
        a_hat = a
    if variant == "unnormalised":
        return a_hat
    if variant == "row":
        return a_hat / a_hat.sum(1, keepdim=True)
    if variant == "inverse both sides":
        d = a_hat.sum(1)
        return a_hat / d[:, None] / d[None, :]
    if variant == "out-degree":
        return normalised(a_hat, a_hat.sum(0))
    return normalised(a_hat, a_hat.sum(1))


NORM_EVIDENCE = [
    (
        "no self-loops",
        "no self-loops: A + I needs one edge i -> i per node (each node keeps its own features).",
    ),
    (
        "row",
        "D^-1 (A + I), a mean over neighbours: GCN divides by sqrt(deg[i] * deg[j]), "
        "D^-1/2 on both sides.",
    ),
    (
        "inverse both sides",
        "D^-1 on both sides (1 / (deg[i] * deg[j])): it is D^-1/2 on each side, "
        "1 / sqrt(deg[i] * deg[j]).",
    ),
    (
        "out-degree",
        "the degree counted over the sources (out-degree): deg[i] counts the edges INTO i, "
        "the targets edge_index[1], as the row sums of A + I.",
    ),
    (
        "duplicates dropped",
        "duplicate edges dropped (torch.unique?): as documented they add up, A[i, j] counts them.",
    ),
    (
        "existing self-loops kept",
        "a self-loop already in edge_index replaced the added one: A + I adds one more "
        "(the doc's convention; PyG's add_remaining_self_loops differs).",
    ),
    ("unnormalised", "an unnormalised adjacency: the weights must be 1 / sqrt(deg[i] * deg[j])."),
]


def norm_evidence(got, edge_index, num_nodes) -> str:
    for variant, why in NORM_EVIDENCE:
        if torch.allclose(got, dense_gcn(edge_index, num_nodes, variant), rtol=1e-9, atol=1e-12):
            return why
    return "each edge j -> i weighs 1 / sqrt(deg[i] * deg[j]), deg = 1 + in-degree."


@contextlib.contextmanager
def large_results(num_nodes: int):
    """Record each torch call inside that returns a tensor of N * N / 4 elements or more."""
    big: list[str] = []
    limit = num_nodes * num_nodes // 4

    class Watch(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            result = func(*args, **(kwargs or {}))
            outputs = result if isinstance(result, tuple | list) else (result,)
            for out in outputs:
                if isinstance(out, torch.Tensor) and out.numel() >= limit:
                    name = getattr(func, "__name__", repr(func))
                    big.append(f"{name} -> {tuple(out.shape)}")
            return result

    with Watch():
        yield big


def check_no_dense_matrix(big: list[str], num_nodes: int, what: str) -> None:
    __tracebackhide__ = True
    if big:
        raise AssertionError(
            f"{what} built a tensor of N x N / 4 elements or more (N = {num_nodes}): "
            f"{big[0]}. A dense (N, N) adjacency does not fit a graph of millions of nodes. "
            f"Work per edge: gather x[source], index_add_ into the targets."
        )


# ----------------------------------------------------------------------------- task 1


@pytest.mark.task(1)
def test_gcn_norm_appends_one_self_loop_per_node(device):
    gen = torch.Generator().manual_seed(750)
    edge_index = random_graph(gen, 7, 9, device)
    before = edge_index.clone()
    what = f"gcn_norm(edge_index {tuple(edge_index.shape)}, num_nodes=7)"
    edges, weight = kata.gcn_norm(edge_index, 7)
    if not torch.equal(edge_index, before):
        raise AssertionError(
            f"{what} changed the caller's edge_index; expected it untouched. Likely mistake: "
            f"an in-place op on it (or the self-loops written into it); build a new tensor."
        )
    e = edge_index.shape[1]
    if tuple(edges.shape) != (2, e + 7):
        got_e = edges.shape[1] if edges.dim() == 2 else None
        if got_e == e:
            why = "no self-loops added (isolated nodes then lose their own features)."
        elif got_e is not None and e < got_e < e + 7:
            why = (
                "a self-loop already in edge_index counted as the added one (or nodes "
                "skipped); add one self-loop for every node, whatever edge_index holds."
            )
        else:
            why = "edges not edge_index followed by one self-loop per node."
        raise AssertionError(
            f"{what} returned edges {tuple(edges.shape)}; expected (2, E + N) = (2, {e + 7}): "
            f"the E edges, then one self-loop i -> i per node. Likely mistake: {why}"
        )
    loops = torch.arange(7, device=device).repeat(2, 1)
    if not torch.equal(edges[:, :e], edge_index) or not torch.equal(edges[:, e:], loops):
        raise AssertionError(
            f"{what}: edges should be edge_index as given followed by the self-loops "
            f"[[0, 1, ..., 6], [0, 1, ..., 6]]; got {edges.tolist()}."
        )
    if edges.dtype != torch.long or edges.device != edge_index.device:
        raise AssertionError(f"{what}: edges are {edges.dtype} on {edges.device}; expected long.")
    if weight.shape != (e + 7,) or weight.dtype != torch.float32:
        raise AssertionError(
            f"{what}: weight is {tuple(weight.shape)} {weight.dtype}; expected ({e + 7},) "
            f"float32 (the default dtype argument)."
        )


@pytest.mark.task(1)
def test_gcn_norm_equals_the_dense_formula(device):
    gen = torch.Generator().manual_seed(751)
    cases = [(6, 8, 2, False), (10, 25, 3, False), (8, 12, 1, True), (1, 0, 0, False)]
    for num_nodes, num_edges, isolated, both_ways in cases:
        if num_nodes == 1:
            edge_index = torch.zeros(2, 0, dtype=torch.long, device=device)  # one node, no edge
        else:
            edge_index = random_graph(gen, num_nodes, num_edges, device, isolated)
        if both_ways:
            edge_index = undirected(edge_index)
        kind = "undirected" if both_ways else "directed"
        what = (
            f"gcn_norm(edge_index {tuple(edge_index.shape)}, num_nodes={num_nodes}, "
            f"dtype=float64) on a {kind} graph with {isolated} isolated nodes, a duplicate "
            f"edge and a self-edge"
        )
        edges, weight = kata.gcn_norm(edge_index, num_nodes, dtype=F64)
        if weight.dtype != F64:
            raise AssertionError(f"{what}: weight is {weight.dtype}; expected float64 (dtype=).")
        got = dense_from_edges(edges, weight, num_nodes)
        assert_tensor_close(
            got,
            dense_gcn(edge_index, num_nodes),
            what=f"{what}, as a dense matrix",
            rtol=1e-12,
            atol=1e-12,
            mistake=norm_evidence(got, edge_index, num_nodes),
        )


@pytest.mark.task(1)
def test_gcn_norm_accepts_int32_edges_on_the_inputs_device(device):
    gen = torch.Generator().manual_seed(752)
    edge_index = random_graph(gen, 5, 6, device).to(torch.int32)
    what = "gcn_norm(edge_index (2, 8) int32, num_nodes=5, dtype=float64)"
    edges, weight = kata.gcn_norm(edge_index, 5, dtype=F64)
    if edges.dtype != torch.long or edges.device != edge_index.device:
        raise AssertionError(
            f"{what}: edges are {edges.dtype} on {edges.device}; expected long on "
            f"{edge_index.device}."
        )
    assert_tensor_close(
        dense_from_edges(edges, weight, 5),
        dense_gcn(edge_index, 5),
        what=f"{what}, as a dense matrix",
        rtol=1e-12,
        atol=1e-12,
    )


@pytest.mark.task(1)
@pytest.mark.parametrize(
    "edges, num_nodes",
    [
        ([[0, 1, 2]], 3),
        ([[0, 1], [1, 2], [2, 0]], 3),
        ([[0.0, 1.0], [1.0, 0.0]], 3),
        ([[0, 3], [1, 0]], 3),
        ([[0, -1], [1, 0]], 3),
    ],
    ids=["1-by-E", "3-by-E", "float", "id-too-large", "negative-id"],
)
def test_gcn_norm_rejects_bad_edge_index(edges, num_nodes, device):
    edge_index = torch.tensor(edges, device=device)
    assert_raises(
        ValueError,
        kata.gcn_norm,
        edge_index,
        num_nodes,
        what=f"gcn_norm(edge_index {edges} {edge_index.dtype}, num_nodes={num_nodes})",
        mistake="no check that edge_index is (2, E) of integers in 0 .. num_nodes - 1.",
    )


# ----------------------------------------------------------------------------- task 2


def weighted_dense(edge_index, weight, num_nodes) -> torch.Tensor:
    return dense_from_edges(edge_index, weight, num_nodes)


@pytest.mark.task(2)
def test_propagate_equals_the_dense_product(device):
    gen = torch.Generator().manual_seed(753)
    for num_nodes, num_edges, features in [(6, 10, 3), (9, 20, 1), (1, 0, 4)]:
        if num_nodes == 1:
            edge_index = torch.zeros(2, 0, dtype=torch.long, device=device)
        else:
            edge_index = random_graph(gen, num_nodes, num_edges, device)
        e = edge_index.shape[1]
        weight = torch.randn(e, generator=gen, dtype=F64).to(device)
        x = torch.randn(num_nodes, features, generator=gen, dtype=F64).to(device)
        copies = x.clone(), edge_index.clone(), weight.clone()
        what = (
            f"propagate(x ({num_nodes}, {features}), edge_index (2, {e}), edge_weight ({e},)), "
            f"float64, a directed graph with isolated nodes"
        )
        got = kata.propagate(x, edge_index, weight)
        for name, t, c in zip(
            ("x", "edge_index", "edge_weight"), (x, edge_index, weight), copies, strict=True
        ):
            if not torch.equal(t, c):
                why = " Likely mistake: x.index_add_(...) adds into x itself; add into "
                why += "torch.zeros_like(x)."
                raise AssertionError(f"{what} changed the caller's {name}." + why * (name == "x"))
        a_w = weighted_dense(edge_index, weight, num_nodes).to(device)
        mistake = "out[i] = sum over edges j -> i of w * x[j]: index_add_ at edge_index[1]."
        if isinstance(got, torch.Tensor) and got.shape == x.shape and num_edges:
            if torch.allclose(got, a_w.T @ x, rtol=1e-9, atol=1e-12):
                mistake = (
                    "source and target swapped: gather x at edge_index[0] (the sources) and "
                    "add into edge_index[1] (the targets)."
                )
            elif torch.allclose(got, x + a_w @ x, rtol=1e-9, atol=1e-12):
                mistake = "the messages were added onto x; start from zeros."
        assert_tensor_close(got, a_w @ x, what=what, rtol=1e-12, atol=1e-12, mistake=mistake)


@pytest.mark.task(2)
def test_propagate_takes_non_contiguous_x(device):
    gen = torch.Generator().manual_seed(754)
    edge_index = random_graph(gen, 8, 14, device)
    weight = torch.rand(edge_index.shape[1], generator=gen, dtype=F64).to(device)
    x = torch.randn(5, 8, generator=gen, dtype=F64).to(device).T  # (8, 5), not contiguous
    what = "propagate(x (8, 5) non-contiguous (a transpose), edge_index (2, 16), edge_weight)"
    got = kata.propagate(x, edge_index, weight)
    expected = weighted_dense(edge_index, weight, 8).to(device) @ x
    strides = True
    if isinstance(got, torch.Tensor) and got.shape == expected.shape:
        if not torch.allclose(got, expected, rtol=1e-12, atol=1e-12):
            # the same x, contiguous: right there means only the strides are mishandled
            again = kata.propagate(x.contiguous(), edge_index, weight)
            strides = torch.allclose(again, expected, rtol=1e-12, atol=1e-12)
    assert_tensor_close(
        got,
        expected,
        what=what,
        rtol=1e-12,
        atol=1e-12,
        mistake="x.contiguous() gives the right result, so the strides are ignored (x read "
        "through its storage or as_strided); gather rows with x[source] or index_select."
        if strides
        else "wrong for a contiguous copy of x too: out[i] = sum over edges j -> i of "
        "w * x[j] (see the dense-product test).",
    )


@pytest.mark.task(2)
def test_propagate_gradients_equal_the_dense_version(device):
    gen = torch.Generator().manual_seed(755)
    edge_index = random_graph(gen, 7, 12, device)
    e = edge_index.shape[1]
    x0 = torch.randn(7, 3, generator=gen, dtype=F64).to(device)
    w0 = torch.randn(e, generator=gen, dtype=F64).to(device)
    probe = torch.randn(7, 3, generator=gen, dtype=F64).to(device)
    x, weight = x0.clone().requires_grad_(True), w0.clone().requires_grad_(True)
    what = f"propagate(x (7, 3), edge_index (2, {e}), edge_weight ({e},)), then backward"
    out = kata.propagate(x, edge_index, weight)
    if not isinstance(out, torch.Tensor) or out.grad_fn is None:
        raise AssertionError(
            f"{what}: the result carries no graph. Likely mistake: torch.no_grad() or "
            f"detach() inside."
        )
    (out * probe).sum().backward()
    x_ref, w_ref = x0.clone().requires_grad_(True), w0.clone().requires_grad_(True)
    dense = torch.zeros(7, 7, dtype=F64, device=device).index_put(
        (edge_index[1], edge_index[0]), w_ref, accumulate=True
    )
    ((dense @ x_ref) * probe).sum().backward()
    for name, got, ref in (("x", x, x_ref), ("edge_weight", weight, w_ref)):
        if got.grad is None:
            raise AssertionError(
                f"{what}: {name}.grad is None after backward; expected a gradient: the output "
                f"must depend on {name}. Likely mistake: {name} detached (or .data) inside."
            )
        assert_tensor_close(
            got.grad,
            ref.grad,
            what=f"{what}: the gradient of {name}",
            rtol=1e-12,
            atol=1e-12,
            mistake="part of the computation cut from autograd (detach, .data, no_grad).",
        )


@pytest.mark.task(2)
def test_propagate_builds_no_dense_matrix(device):
    gen = torch.Generator().manual_seed(756)
    n = 3000
    edge_index = random_graph(gen, n, 6000, device, isolated=100)
    weight = torch.rand(edge_index.shape[1], generator=gen).to(device)
    x = torch.randn(n, 4, generator=gen).to(device)
    what = f"propagate(x ({n}, 4), edge_index (2, {edge_index.shape[1]}), edge_weight)"
    with large_results(n) as big:
        out = kata.propagate(x, edge_index, weight)
    check_no_dense_matrix(big, n, what)
    expected = torch.zeros(n, 4, device=device).index_add_(
        0, edge_index[1], x[edge_index[0]] * weight[:, None]
    )
    assert_tensor_close(out, expected, what=what, rtol=1e-4, atol=1e-5)


# ----------------------------------------------------------------------------- task 3


def random_conv(gen, in_features, out_features, device, bias=True):
    conv = kata.GCNConv(in_features, out_features, bias=bias).double()
    with torch.no_grad():
        conv.weight.copy_(torch.randn(out_features, in_features, generator=gen, dtype=F64))
        if bias:
            conv.bias.copy_(torch.randn(out_features, generator=gen, dtype=F64))
    return conv.to(device)


def conv_evidence(got, x, edge_index, conv) -> str:
    n = x.shape[0]
    w = conv.weight.detach()
    b = conv.bias.detach() if conv.bias is not None else torch.zeros(w.shape[0], dtype=F64)
    b = b.to(x.device)
    xw = x @ w.T
    candidates = [
        (
            dense_gcn(edge_index, n, "unnormalised").to(x.device) @ xw + b,
            "an unnormalised adjacency (A + I): the messages need gcn_norm's weights.",
        ),
        (
            dense_counts(edge_index, n).to(x.device) @ xw + b,
            "an unnormalised adjacency without self-loops: use gcn_norm's edges and weights.",
        ),
        (
            dense_gcn(edge_index, n).to(x.device) @ (xw + b),
            "the bias added before the propagation (it is then mixed across neighbours): "
            "add it once per node, after.",
        ),
    ]
    for variant, why in NORM_EVIDENCE:
        candidates.append((dense_gcn(edge_index, n, variant).to(x.device) @ xw + b, why))
    for expected, why in candidates:
        if torch.allclose(got, expected, rtol=1e-9, atol=1e-12):
            return why
    return "D^-1/2 (A + I) D^-1/2 (x W^T) + b, with gcn_norm and propagate."


@pytest.mark.task(3)
def test_gcn_conv_registers_its_parameters(device):
    torch.manual_seed(757)
    conv = kata.GCNConv(30, 20).to(device)
    what = "GCNConv(30, 20)"
    weight, bias = getattr(conv, "weight", None), getattr(conv, "bias", None)
    if not isinstance(weight, nn.Parameter) or tuple(weight.shape) != (20, 30):
        raise AssertionError(
            f"{what}.weight is {type(weight).__name__} {getattr(weight, 'shape', '')}; "
            f"expected an nn.Parameter of shape (out_features, in_features) = (20, 30)."
        )
    bound = math.sqrt(6 / (30 + 20))
    largest = weight.detach().abs().max().item()
    if largest > bound + 1e-6 or largest < 0.8 * bound:
        raise AssertionError(
            f"{what}.weight has largest |value| {largest:.3f}; xavier_uniform_ draws from "
            f"[-{bound:.3f}, {bound:.3f}] (sqrt(6 / (fan_in + fan_out)))."
        )
    if not isinstance(bias, nn.Parameter) or tuple(bias.shape) != (20,):
        raise AssertionError(
            f"{what}.bias is {type(bias).__name__} {getattr(bias, 'shape', '')}; expected an "
            f"nn.Parameter of shape (20,)."
        )
    if bool(bias.detach().ne(0).any()):
        raise AssertionError(
            f"{what}.bias has nonzero values (largest |b| {bias.detach().abs().max():.3g}); "
            f"expected zeros at the start. Likely mistake: a random init (torch.randn, or "
            f"reset_parameters of an nn.Linear) instead of nn.init.zeros_."
        )
    if {id(p) for p in conv.parameters()} != {id(weight), id(bias)}:
        raise AssertionError(
            f"{what}.parameters() holds {len(list(conv.parameters()))} tensors; expected "
            f"exactly weight and bias. Likely mistake: an inner nn.Linear kept besides them."
        )
    plain = kata.GCNConv(3, 4, bias=False)
    if plain.bias is not None or len(list(plain.parameters())) != 1:
        raise AssertionError(
            "GCNConv(3, 4, bias=False): bias should be None and weight the only parameter "
            "(self.register_parameter('bias', None))."
        )


@pytest.mark.task(3)
def test_gcn_conv_equals_the_dense_formula(device):
    gen = torch.Generator().manual_seed(758)
    for num_nodes, num_edges, f_in, f_out, both_ways in [
        (6, 9, 4, 3, False),
        (10, 24, 2, 5, True),
        (5, 0, 3, 2, False),
    ]:
        if num_edges == 0:
            edge_index = torch.zeros(2, 0, dtype=torch.long, device=device)
        else:
            edge_index = random_graph(gen, num_nodes, num_edges, device)
        if both_ways:
            edge_index = undirected(edge_index)
        conv = random_conv(gen, f_in, f_out, device)
        x = torch.randn(num_nodes, f_in, generator=gen, dtype=F64).to(device)
        copies = x.clone(), edge_index.clone()
        what = (
            f"GCNConv({f_in}, {f_out})(x ({num_nodes}, {f_in}), edge_index "
            f"{tuple(edge_index.shape)}), float64, random weight and bias"
        )
        got = conv(x, edge_index)
        expected = dense_gcn(edge_index, num_nodes).to(device) @ x @ conv.weight.T + conv.bias
        mistake = "D^-1/2 (A + I) D^-1/2 (x W^T) + b."
        if isinstance(got, torch.Tensor) and got.shape == expected.shape:
            mistake = conv_evidence(got.detach(), x, edge_index, conv)
        assert_tensor_close(got, expected, what=what, rtol=1e-12, atol=1e-12, mistake=mistake)
        if not (torch.equal(x, copies[0]) and torch.equal(edge_index, copies[1])):
            raise AssertionError(f"{what} changed the caller's x or edge_index.")


@pytest.mark.task(3)
def test_gcn_conv_gradients_equal_the_dense_version(device):
    gen = torch.Generator().manual_seed(759)
    edge_index = random_graph(gen, 7, 11, device)
    conv = random_conv(gen, 3, 4, device)
    x0 = torch.randn(7, 3, generator=gen, dtype=F64).to(device)
    probe = torch.randn(7, 4, generator=gen, dtype=F64).to(device)
    x = x0.clone().requires_grad_(True)
    what = "GCNConv(3, 4)(x (7, 3), edge_index (2, 13)), then (out * probe).sum().backward()"
    (conv(x, edge_index) * probe).sum().backward()
    w = conv.weight.detach().clone().requires_grad_(True)
    b = conv.bias.detach().clone().requires_grad_(True)
    x_ref = x0.clone().requires_grad_(True)
    dense = dense_gcn(edge_index, 7).to(device)
    ((dense @ x_ref @ w.T + b) * probe).sum().backward()
    for name, got, ref in (
        ("x", x.grad, x_ref.grad),
        ("weight", conv.weight.grad, w.grad),
        ("bias", conv.bias.grad, b.grad),
    ):
        if got is None:
            raise AssertionError(f"{what}: the gradient of {name} is None.")
        assert_tensor_close(
            got,
            ref,
            what=f"{what}: the gradient of {name}",
            rtol=1e-12,
            atol=1e-12,
            mistake="the forward differs from the dense formula, or part of it is detached.",
        )


@pytest.mark.task(3)
def test_gcn_conv_builds_no_dense_matrix(device):
    gen = torch.Generator().manual_seed(760)
    n = 3000
    edge_index = undirected(random_graph(gen, n, 3000, device, isolated=100))
    conv = kata.GCNConv(4, 2).to(device)
    x = torch.randn(n, 4, generator=gen).to(device)
    what = f"GCNConv(4, 2)(x ({n}, 4), edge_index (2, {edge_index.shape[1]}))"
    with large_results(n) as big:
        out = conv(x, edge_index)
    check_no_dense_matrix(big, n, what)
    if not isinstance(out, torch.Tensor) or tuple(out.shape) != (n, 2):
        raise AssertionError(f"{what} returned {getattr(out, 'shape', out)}; expected ({n}, 2).")
