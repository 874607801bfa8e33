"""Tests for kata 65: torch.fx passes. Swapped activations are checked against the model
written out by hand, fused conv weights against the formula in float64 and torch's own
fusion, fused graphs against the unfused model's outputs."""

import pytest
import torch
import torch.fx.experimental.optimization  # so that forbid() can reach its fuse
import torch.nn.functional as F
import torch.nn.utils.fusion
from torch import fx, nn

from torchkatas.harness import assert_tensor_close, forbid, load_kata

kata = load_kata(__file__)

TORCH_FUSION = (
    "torch.nn.utils.fusion.fuse_conv_bn_weights",
    "torch.nn.utils.fusion.fuse_conv_bn_eval",
    "torch.nn.utils.fuse_conv_bn_weights",
    "torch.nn.utils.fuse_conv_bn_eval",
    "torch.fx.experimental.optimization.fuse",
)


def call(name, *args):
    """kata.<name>(*args) with torch's ready-made fusion forbidden."""
    __tracebackhide__ = True
    with forbid(*TORCH_FUSION, kata=kata):
        return getattr(kata, name)(*args)


def check_graph_module(gm, what):
    __tracebackhide__ = True
    if not isinstance(gm, fx.GraphModule):
        raise AssertionError(
            f"{what} returned {type(gm).__name__}; expected a torch.fx.GraphModule "
            f"(torch.fx.symbolic_trace(model), then edit its graph)."
        )
    try:
        gm.graph.lint()
    except Exception as err:
        raise AssertionError(
            f"{what}: graph.lint() fails: {err}. Likely mistake: a node erased while still "
            f"used (replace_all_uses_with first), or a node pointing at a deleted submodule."
        ) from err
    if gm.code != gm.graph.python_code(root_module="self").src:
        raise AssertionError(
            f"{what}: the GraphModule's code is not the code of its graph: the graph was "
            f"edited but the module still runs the old forward. Likely mistake: "
            f"gm.recompile() not called after the last edit."
        )


def run(gm, x, what):
    """gm(x), with the classic crash of a swapped activation explained."""
    __tracebackhide__ = True
    try:
        return gm(x)
    except TypeError as err:
        if "inplace" not in str(err):
            raise
        raise AssertionError(
            f"{what}(x) raised TypeError: {err}. Likely mistake: the ReLU node's keyword "
            f"arguments (inplace=True) passed on to the new activation; call it with the "
            f"input only: call_function(activation, (node.args[0],))."
        ) from err


def snapshot(model):
    return {
        "state": {k: v.detach().clone() for k, v in model.state_dict().items()},
        "modules": {n: (type(m), id(m), m.training) for n, m in model.named_modules()},
        "params": {n: id(p) for n, p in model.named_parameters()},
    }


def check_untouched(model, before, what, mistake):
    __tracebackhide__ = True
    after = snapshot(model)
    if after["modules"] != before["modules"] or after["params"] != before["params"]:
        changed = sorted(
            n
            for n in before["modules"] | after["modules"]
            if before["modules"].get(n) != after["modules"].get(n)
        )
        raise AssertionError(
            f"{what} changed the caller's model: its submodules {changed} were replaced, "
            f"removed or switched train/eval. Likely mistake: {mistake}"
        )
    for name, value in before["state"].items():
        if not torch.equal(after["state"][name], value):
            raise AssertionError(
                f"{what} changed the caller's model: {name} has other values now. "
                f"Likely mistake: {mistake}"
            )


# ----------------------------------------------------------------------------- task 1


class ActNet(nn.Module):
    """Six ReLUs in every form symbolic_trace records, and a tanh that must stay."""

    def __init__(self):
        super().__init__()
        self.lin1, self.lin2, self.lin3 = nn.Linear(6, 16), nn.Linear(16, 16), nn.Linear(16, 16)
        self.act = nn.ReLU()
        self.block = nn.Sequential(nn.Linear(16, 16), nn.ReLU(inplace=True))
        self.out = nn.Linear(16, 4)

    def forward(self, x):
        h = self.act(self.lin1(x))  # nn.ReLU module
        h = F.relu(self.lin2(h))  # F.relu
        h = F.relu(self.lin3(h), inplace=True)  # F.relu, in place
        h = torch.relu(h * 2 - 1)  # torch.relu
        h = self.block(h)  # nn.ReLU(inplace=True) in a nested Sequential
        h = torch.tanh((h - 0.5).relu())  # Tensor.relu
        return self.out(h)


def act_reference(net, x, act):
    """ActNet's forward with every ReLU replaced by act, written out."""
    h = act(net.lin1(x))
    h = act(net.lin2(h))
    h = act(net.lin3(h))
    h = act(h * 2 - 1)
    h = act(net.block[0](h))
    h = torch.tanh(act(h - 0.5))
    return net.out(h)


def shifted_tanh(x):
    return 0.5 * x + torch.tanh(x)


ACTIVATIONS = [
    pytest.param(F.gelu, id="gelu"),
    pytest.param(torch.sigmoid, id="sigmoid"),
    pytest.param(shifted_tanh, id="own-function"),
]


def make_actnet(device, seed):
    torch.manual_seed(seed)
    return ActNet().to(device, torch.float64)


def relu_forms_left(gm):
    """The ReLUs still in the graph, by form."""
    modules = dict(gm.named_modules())
    forms = []
    for node in gm.graph.nodes:
        if node.op == "call_module" and isinstance(modules.get(node.target), nn.ReLU):
            forms.append(f"nn.ReLU submodule '{node.target}'")
        elif node.op == "call_function" and node.target in (F.relu, torch.relu, torch.relu_):
            inplace = ", inplace=True" if node.kwargs.get("inplace") else ""
            name = "F.relu" if node.target is F.relu else f"torch.{node.target.__name__}"
            forms.append(f"{name}(x{inplace})")
        elif node.op == "call_method" and node.target in ("relu", "relu_"):
            forms.append("Tensor.relu()")
    return forms


@pytest.mark.task(1)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_every_relu_form_calls_the_new_activation(activation, device):
    net = make_actnet(device, 1)
    name = getattr(activation, "__name__", "activation")
    what = f"replace_relu(net, {name})"
    gm = call("replace_relu", net, activation)
    check_graph_module(gm, what)
    left = relu_forms_left(gm)
    if left:
        raise AssertionError(
            f"{what} left these ReLUs in the graph: {left}. Likely mistake: matching only "
            f"some forms; a ReLU is a call_module of an nn.ReLU, a call_function of F.relu or "
            f"torch.relu (the functional forms), or a call_method 'relu'."
        )
    gen = torch.Generator().manual_seed(1)
    for batch in (1, 5):
        x = torch.randn(batch, 6, generator=gen, dtype=torch.float64).to(device)
        got = run(gm, x, what)
        with torch.no_grad():
            expected = act_reference(net, x, activation)
            relu_out = net(x.clone())
        if torch.allclose(got, relu_out) and not torch.allclose(got, expected):
            raise AssertionError(
                f"{what}(x) still computes the ReLU model's output. Likely mistake: the graph "
                f"was edited but not recompiled (gm.recompile()), or nothing was replaced."
            )
        assert_tensor_close(
            got,
            expected,
            what=f"{what}(x) for x of shape {tuple(x.shape)}, against the model written out "
            f"with {name} in place of each ReLU",
            mistake="a ReLU replaced by something else, or a non-ReLU node (the tanh) "
            "replaced too.",
        )


@pytest.mark.task(1)
def test_activation_nodes_take_only_the_input(device):
    net = make_actnet(device, 2)
    gm = call("replace_relu", net, torch.sigmoid)
    check_graph_module(gm, "replace_relu(net, torch.sigmoid)")
    calls = [n for n in gm.graph.nodes if n.op == "call_function" and n.target is torch.sigmoid]
    if len(calls) != 6:
        raise AssertionError(
            f"replace_relu(net, torch.sigmoid) has {len(calls)} call_function nodes calling "
            f"torch.sigmoid; ActNet has 6 ReLUs, so expected 6 (one per ReLU)."
        )
    for node in calls:
        if len(node.args) != 1 or node.kwargs:
            raise AssertionError(
                f"replace_relu: the node {node.name} calls torch.sigmoid with args "
                f"{node.args} and kwargs {dict(node.kwargs)}; expected the ReLU's input only. "
                f"Likely mistake: the ReLU node's keyword arguments (inplace=True) passed on."
            )
    if not any(n.target is torch.tanh for n in gm.graph.nodes):
        raise AssertionError("replace_relu removed the torch.tanh node: only ReLUs change.")


@pytest.mark.task(1)
def test_no_relu_submodule_is_left(device):
    net = make_actnet(device, 3)
    gm = call("replace_relu", net, F.gelu)
    left = [n for n, m in gm.named_modules() if isinstance(m, nn.ReLU)]
    if left:
        raise AssertionError(
            f"replace_relu(net, F.gelu) still holds nn.ReLU submodules {left} that nothing "
            f"calls. Likely mistake: the call_module nodes were erased but their submodules "
            f"kept: gm.delete_all_unused_submodules()."
        )


@pytest.mark.task(1)
def test_callers_model_keeps_its_relus(device):
    net = make_actnet(device, 4)
    x = torch.randn(3, 6, generator=torch.Generator().manual_seed(4), dtype=torch.float64)
    x = x.to(device)
    with torch.no_grad():
        before_out = net(x)
    before = snapshot(net)
    call("replace_relu", net, F.gelu)
    check_untouched(
        net,
        before,
        "replace_relu(net, F.gelu)",
        "swapping the caller's nn.ReLU modules (setattr on the model) instead of editing "
        "the traced graph.",
    )
    with torch.no_grad():
        after_out = net(x)
    assert_tensor_close(
        after_out,
        before_out,
        what="the caller's model after replace_relu(net, F.gelu)",
        rtol=0,
        atol=0,
        mistake="replace_relu changed the caller's model: it computes something else now, "
        "although its submodules and state are as before: its forward, or a function it "
        "calls (F.relu, torch.relu), was patched or reassigned; edit only the traced copy's "
        "graph.",
    )


# ----------------------------------------------------------------------------- task 2


def random_bn_stats(gen, channels, affine=True):
    mean = torch.randn(channels, generator=gen, dtype=torch.float64)
    var = torch.rand(channels, generator=gen, dtype=torch.float64) * 2 + 0.05
    gamma = torch.randn(channels, generator=gen, dtype=torch.float64) if affine else None
    beta = torch.randn(channels, generator=gen, dtype=torch.float64) if affine else None
    return mean, var, gamma, beta


def fused_reference(w, b, mean, var, eps, gamma, beta):
    """The formula, plainly, one output channel at a time."""
    out_w, out_b = torch.empty_like(w), torch.empty_like(mean)
    for c in range(w.shape[0]):
        g = 1.0 if gamma is None else gamma[c]
        s = g / torch.sqrt(var[c] + eps)
        out_w[c] = w[c] * s
        out_b[c] = ((0.0 if b is None else b[c]) - mean[c]) * s + (0.0 if beta is None else beta[c])
    return out_w, out_b


def call_fuse_weights(*args, what):
    __tracebackhide__ = True
    try:
        got = call("fuse_conv_bn_weights", *args)
    except RuntimeError as err:
        if isinstance(err, NotImplementedError) or "must match the size" not in str(err):
            raise
        raise AssertionError(
            f"{what} raised RuntimeError: {err}. Likely mistake: W * s with s of shape (C_out,) "
            f"broadcasts along W's LAST dimension; reshape s to (C_out, 1, ..., 1) so that "
            f"each output channel W[c] is scaled by s[c]."
        ) from err
    if not (isinstance(got, tuple) and len(got) == 2):
        raise AssertionError(f"{what} returned {type(got).__name__}; expected (weight, bias).")
    return got


WEIGHT_SHAPES = [
    pytest.param((3, 2, 3, 3), id="conv2d-3x3-C3"),  # C_out == kernel width: broadcasting trap
    pytest.param((8, 4, 3, 5), id="conv2d"),
    pytest.param((5, 3, 4), id="conv1d"),
    pytest.param((4, 2, 2, 3, 3), id="conv3d"),
    pytest.param((1, 1, 1, 1), id="one-channel-1x1"),
]


@pytest.mark.task(2)
@pytest.mark.parametrize("shape", WEIGHT_SHAPES)
def test_fused_weights_follow_the_formula(shape, device):
    gen = torch.Generator().manual_seed(sum(shape))
    for with_bias, affine in [(True, True), (False, True), (True, False)]:
        w = torch.randn(shape, generator=gen, dtype=torch.float64)
        b = torch.randn(shape[0], generator=gen, dtype=torch.float64) if with_bias else None
        mean, var, gamma, beta = random_bn_stats(gen, shape[0], affine)
        eps = 10 ** float(torch.empty(()).uniform_(-5, -1, generator=gen))
        args = [t.to(device) if isinstance(t, torch.Tensor) else t for t in (w, b, mean, var)]
        rest = [None if t is None else t.to(device) for t in (gamma, beta)]
        what = (
            f"fuse_conv_bn_weights(W {shape}, bias {'(C_out,)' if with_bias else 'None'}, ..., "
            f"eps={eps:.2g}, gamma/beta {'(C_out,)' if affine else 'None'}) in float64"
        )
        got_w, got_b = call_fuse_weights(*args, eps, *rest, what=what)
        exp_w, exp_b = fused_reference(w, b, mean, var, eps, gamma, beta)
        assert_tensor_close(
            got_w,
            exp_w.to(device),
            what=f"{what}: the weight",
            mistake="W' = W * gamma / sqrt(var + eps), one factor per OUTPUT channel "
            "(dim 0): eps left out, var not square-rooted, or the factor applied along "
            "another dimension.",
        )
        assert_tensor_close(
            got_b,
            exp_b.to(device),
            what=f"{what}: the bias",
            mistake="b' = (b - mean) * gamma / sqrt(var + eps) + beta: the conv bias dropped "
            "(or used when None), the mean not subtracted, or beta left out.",
        )


@pytest.mark.task(2)
def test_eps_is_inside_the_square_root(device):
    # tiny variances: eps decides the factor, and sqrt(var) + eps differs from sqrt(var + eps)
    w = torch.ones(4, 1, 1, 1, dtype=torch.float64, device=device)
    mean = torch.zeros(4, dtype=torch.float64, device=device)
    var = torch.tensor([1e-4, 1e-3, 1e-2, 1.0], dtype=torch.float64, device=device)
    got_w, _ = call_fuse_weights(
        w, None, mean, var, 1e-2, None, None, what="fuse_conv_bn_weights(..., eps=0.01)"
    )
    assert_tensor_close(
        got_w.flatten(),
        1 / torch.sqrt(var + 1e-2),
        what="fuse_conv_bn_weights(W=1, var=[1e-4, 1e-3, 1e-2, 1], eps=0.01, gamma=None)",
        mistake="the factor is 1 / sqrt(var + eps): eps forgotten, added outside the square "
        "root, or var not square-rooted (1 / (var + eps)).",
    )


@pytest.mark.task(2)
def test_matches_torch_and_leaves_parameters_alone(device):
    torch.manual_seed(5)
    conv = nn.Conv2d(3, 6, 3).to(device)
    bn = nn.BatchNorm2d(6, eps=1e-3).to(device)
    with torch.no_grad():
        bn.running_mean.uniform_(-1, 1)
        bn.running_var.uniform_(0.2, 2)
        bn.weight.uniform_(0.5, 1.5)
        bn.bias.uniform_(-1, 1)
    tensors = [conv.weight, conv.bias, bn.running_mean, bn.running_var, bn.weight, bn.bias]
    before = [t.detach().clone() for t in tensors]
    what = "fuse_conv_bn_weights(conv.weight, conv.bias, bn.running_mean, ...) (float32)"
    got_w, got_b = call_fuse_weights(
        conv.weight,
        conv.bias,
        bn.running_mean,
        bn.running_var,
        bn.eps,
        bn.weight,
        bn.bias,
        what=what,
    )
    exp_w, exp_b = torch.nn.utils.fusion.fuse_conv_bn_weights(
        conv.weight, conv.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias
    )
    assert_tensor_close(got_w, exp_w, what=f"{what}: weight, against torch.nn.utils.fusion")
    assert_tensor_close(got_b, exp_b, what=f"{what}: bias, against torch.nn.utils.fusion")
    for t, old in zip(tensors, before, strict=True):
        if not torch.equal(t, old):
            raise AssertionError(
                f"{what} changed one of its inputs (a tensor of shape {tuple(t.shape)}); "
                f"expected them to stay as they are. Likely mistake: an in-place op on an "
                f"argument (w.mul_(s), b.sub_(mean)); compute new tensors."
            )
    pointers = {t.untyped_storage().data_ptr() for t in tensors}
    for label, t in (("weight", got_w), ("bias", got_b)):
        if t.requires_grad or t.grad_fn is not None:
            raise AssertionError(
                f"{what}: the fused {label} requires grad (it carries the autograd history of "
                f"the conv and BN parameters). Likely mistake: computing outside torch.no_grad()."
            )
        if t.untyped_storage().data_ptr() in pointers:
            raise AssertionError(
                f"{what}: the fused {label} shares memory with an input; expected a new tensor. "
                f"Likely mistake: an input returned as it is (or a view of it, e.g. the "
                f"conv's bias when the factor is 1), so editing one edits the other."
            )


@pytest.mark.task(2)
def test_one_conv_equals_conv_then_batchnorm(device):
    gen = torch.Generator().manual_seed(6)
    torch.manual_seed(6)
    conv = nn.Conv2d(4, 5, 3, padding=1, groups=1).to(device, torch.float64)
    bn = nn.BatchNorm2d(5).to(device, torch.float64).eval()
    mean, var, gamma, beta = random_bn_stats(gen, 5)
    with torch.no_grad():
        for mine, value in zip(
            (bn.running_mean, bn.running_var, bn.weight, bn.bias),
            (mean, var, gamma, beta),
            strict=True,
        ):
            mine.copy_(value)
    x = torch.randn(2, 4, 7, 6, generator=gen, dtype=torch.float64).to(device)
    w, b = call_fuse_weights(
        conv.weight,
        conv.bias,
        bn.running_mean,
        bn.running_var,
        bn.eps,
        bn.weight,
        bn.bias,
        what="fuse_conv_bn_weights(...)",
    )
    with torch.no_grad():
        expected = bn(conv(x))
    assert_tensor_close(
        F.conv2d(x, w, b, padding=1),
        expected,
        what="conv2d(x, W', b') against bn(conv(x)) in eval mode, float64",
        mistake="the fused weight or bias formula.",
    )


# ----------------------------------------------------------------------------- task 3


def randomise_bn(model, seed):
    """Running statistics and affine parameters far from the defaults (mean 0, var 1)."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                mean, var, gamma, beta = random_bn_stats(gen, m.num_features)
                m.running_mean.copy_(mean)
                m.running_var.copy_(var)
                m.weight.copy_(gamma)
                m.bias.copy_(beta)
    return model


def make_chain(device, seed):
    torch.manual_seed(seed)
    model = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1, bias=False),
        nn.BatchNorm2d(8),
        nn.ReLU(),
        nn.Conv2d(8, 6, 3, stride=2, groups=2),
        nn.BatchNorm2d(6, eps=1e-2),
        nn.ReLU(),
    )
    return randomise_bn(model, seed).to(device, torch.float64).eval()


class MixedNet(nn.Module):
    """Two fusable pairs (nested), a conv with two users, and a BN after a non-conv."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1, bias=False),
            nn.BatchNorm2d(8),
            nn.ReLU(),
            nn.Conv2d(8, 8, 3, padding=1, groups=2),
            nn.BatchNorm2d(8),
        )
        self.branch_conv = nn.Conv2d(8, 8, 1)
        self.branch_bn = nn.BatchNorm2d(8)
        self.post_bn = nn.BatchNorm2d(8)

    def forward(self, x):
        h = self.features(x)
        y = self.branch_conv(h)
        h = F.relu(self.branch_bn(y) + y)  # y has two users: branch_bn and the sum
        return self.post_bn(h).mean((2, 3))  # post_bn's input is not a conv


def make_mixed(device, seed):
    torch.manual_seed(seed)
    return randomise_bn(MixedNet(), seed).to(device, torch.float64).eval()


def bn_nodes(gm):
    modules = dict(gm.named_modules())
    return sorted(
        n.target
        for n in gm.graph.nodes
        if n.op == "call_module" and isinstance(modules.get(n.target), nn.BatchNorm2d)
    )


def images(device, seed, batch=2):
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(batch, 3, 9, 9, generator=gen, dtype=torch.float64).to(device)


def check_same_outputs(gm, model, x, what):
    __tracebackhide__ = True
    with torch.no_grad():
        got, expected = gm(x), model(x)
    dotted = [k for k in gm._modules if "." in k]
    if dotted and not torch.allclose(got, expected):
        raise AssertionError(
            f"{what}: the GraphModule has submodules named {dotted}, and its output is wrong. "
            f"Likely mistake: setattr(gm, 'features.0', fused) adds a new attribute; a dotted "
            f"target names a nested submodule: set it on its parent "
            f"(setattr(gm.get_submodule('features'), '0', fused))."
        )
    assert_tensor_close(
        got,
        expected,
        what=f"{what}(x) for x of shape {tuple(x.shape)}, against the unfused model (float64)",
        mistake="a fused conv wrong (eps, sqrt, the conv bias), a conv fused although its "
        "output has other users, or a BN erased without fusing it into its conv.",
    )


@pytest.mark.task(3)
def test_fused_chain_has_no_batchnorm_and_the_same_outputs(device):
    model = make_chain(device, 30)
    gm = call("fuse_conv_bn", model)
    check_graph_module(gm, "fuse_conv_bn(chain)")
    if bn_nodes(gm):
        raise AssertionError(
            f"fuse_conv_bn(conv-BN-ReLU-conv-BN-ReLU) still calls BatchNorm2d {bn_nodes(gm)}: "
            f"both pairs should be fused. Likely mistake: the BN node's users not given the "
            f"conv node (replace_all_uses_with) or the BN node not erased."
        )
    left = [n for n, m in gm.named_modules() if isinstance(m, nn.BatchNorm2d)]
    if left:
        raise AssertionError(
            f"fuse_conv_bn(chain) holds BatchNorm2d submodules {left} that nothing calls. "
            f"Likely mistake: gm.delete_submodule / delete_all_unused_submodules() not called."
        )
    for batch in (1, 3):
        check_same_outputs(gm, model, images(device, batch, batch), "fuse_conv_bn(chain)")


@pytest.mark.task(3)
def test_fused_convs_hold_the_formula_and_a_bias(device):
    model = make_chain(device, 31)
    gm = call("fuse_conv_bn", model)
    for conv_name, bn_name in (("0", "1"), ("3", "4")):
        conv, bn = model.get_submodule(conv_name), model.get_submodule(bn_name)
        fused = gm.get_submodule(conv_name)
        if not isinstance(fused, nn.Conv2d) or fused.bias is None:
            raise AssertionError(
                f"fuse_conv_bn(chain): submodule '{conv_name}' is {fused!r}; expected an "
                f"nn.Conv2d with a bias (the fused bias is not zero even when the conv had none)."
            )
        exp_w, exp_b = fused_reference(
            conv.weight.detach(),
            None if conv.bias is None else conv.bias.detach(),
            bn.running_mean,
            bn.running_var,
            bn.eps,
            bn.weight.detach(),
            bn.bias.detach(),
        )
        assert_tensor_close(
            fused.weight,
            exp_w,
            what=f"fuse_conv_bn(chain): weight of fused conv '{conv_name}'",
            mistake="W' = W * gamma / sqrt(var + eps) per output channel.",
        )
        assert_tensor_close(
            fused.bias,
            exp_b,
            what=f"fuse_conv_bn(chain): bias of fused conv '{conv_name}'",
            mistake="b' = (b - mean) * gamma / sqrt(var + eps) + beta, with b = 0 without bias.",
        )
        for attr in ("stride", "padding", "groups", "dilation"):
            if getattr(fused, attr) != getattr(conv, attr):
                raise AssertionError(
                    f"fuse_conv_bn(chain): fused conv '{conv_name}' has {attr} "
                    f"{getattr(fused, attr)}, the original {getattr(conv, attr)}."
                )


@pytest.mark.task(3)
def test_only_fusable_pairs_are_fused(device):
    model = make_mixed(device, 32)
    gm = call("fuse_conv_bn", model)
    check_graph_module(gm, "fuse_conv_bn(mixed)")
    for batch in (1, 2):
        check_same_outputs(gm, model, images(device, 40 + batch, batch), "fuse_conv_bn(mixed)")
    left = bn_nodes(gm)
    if left != ["branch_bn", "post_bn"]:
        raise AssertionError(
            f"fuse_conv_bn(mixed) leaves BatchNorm2d calls {left}; expected exactly "
            f"['branch_bn', 'post_bn']: features.1 and features.4 follow a conv and are fused; "
            f"branch_bn's conv output has other users (not fused); post_bn follows no conv."
        )


@pytest.mark.task(3)
def test_a_conv_with_two_users_is_not_fused(device):
    model = make_mixed(device, 33)
    gm = call("fuse_conv_bn", model)
    branch = gm.get_submodule("branch_conv")
    if not torch.equal(branch.weight, model.branch_conv.weight):
        raise AssertionError(
            "fuse_conv_bn(mixed) changed branch_conv, whose output y is used twice "
            "(branch_bn(y) + y): a conv whose output has other users must not be fused, they "
            "need the un-normalised y. Check len(conv_node.users) == 1."
        )
    check_same_outputs(gm, model, images(device, 33), "fuse_conv_bn(mixed)")


@pytest.mark.task(3)
def test_train_mode_raises_value_error(device):
    model = make_chain(device, 34).train()
    before = snapshot(model)
    try:
        call("fuse_conv_bn", model)
    except ValueError:
        check_untouched(
            model, before, "fuse_conv_bn(model in train mode)", "changes before the check."
        )
        return
    except NotImplementedError:
        raise
    raise AssertionError(
        "fuse_conv_bn(model in train mode) raised nothing; expected ValueError: in train mode "
        "BatchNorm normalises with each batch's statistics, which no fixed conv reproduces."
    )


@pytest.mark.task(3)
def test_callers_model_is_untouched(device):
    model = make_mixed(device, 35)
    x = images(device, 35)
    with torch.no_grad():
        before_out = model(x)
    before = snapshot(model)
    call("fuse_conv_bn", model)
    check_untouched(
        model,
        before,
        "fuse_conv_bn(model)",
        "symbolic_trace(model) shares the model's submodules: fusing into them (or swapping "
        "them) changes the caller's model. Trace a copy.deepcopy(model).",
    )
    with torch.no_grad():
        assert_tensor_close(model(x), before_out, what="the caller's model after fuse_conv_bn")


@pytest.mark.task(3)
def test_result_is_in_eval_mode(device):
    gm = call("fuse_conv_bn", make_chain(device, 36))
    if gm.training:
        raise AssertionError(
            "fuse_conv_bn(model in eval mode) returned a GraphModule in train mode; a fused "
            "model is for inference: return it in eval mode (.eval())."
        )
