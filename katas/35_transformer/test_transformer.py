"""Tests for kata 35: Transformer masks, an encoder classifier and an encoder-decoder, checked
against rows run alone, nn.Transformer run time-first, and gradients."""

import copy
import inspect
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from torchkatas.harness import assert_raises, assert_tensor_close, forbid, load_kata

kata = load_kata(__file__)

VOCAB, PAD, BOS = 11, 0, 1  # real tokens are 2..VOCAB-1
D, NHEAD, FF, LAYERS, CLASSES = 16, 2, 32, 2, 3
ENC_LAYERS, DEC_LAYERS = 2, 1
TIGHT = {"rtol": 1e-9, "atol": 1e-10}  # float64, the same operations in another order
# torch builds its own causal mask here; nn.Transformer.generate_square_subsequent_mask
# calls it. (Forbidding the static method itself would not restore it as a staticmethod.)
TORCH_CAUSAL = "torch.nn.modules.transformer._generate_square_subsequent_mask"
CAUSAL_WHY = (
    "nn.Transformer.generate_square_subsequent_mask is torch's answer to this task: build "
    "the mask from torch.ones(size, size).triu(1)."
)
NESTED_HINT = (
    "torch warns that nested tensors are a prototype: in eval() under no_grad() an "
    "nn.TransformerEncoder built with enable_nested_tensor=True (the default) turns a padded "
    "batch into a nested tensor. Build it with enable_nested_tensor=False (for nn.Transformer: "
    "pass such an encoder as custom_encoder)."
)


# ----------------------------------------------------------------------------- helpers


def shape_of(t) -> str:
    if not isinstance(t, torch.Tensor):
        return repr(t)
    return f"{tuple(t.shape)} {str(t.dtype).removeprefix('torch.')}"


def explain_warning(err: Warning, what: str) -> AssertionError:
    """A warning raised inside the learner's code (warnings are errors), explained."""
    text = str(err)
    if "nested tensors is in prototype" in text:
        hint = NESTED_HINT
    elif "mismatched" in text:
        hint = (
            "the masks given to one call must be of the same type: all bool (True = ignore), "
            "or all float (0 / -inf). causal_mask(T, dtype=torch.bool) matches a bool padding "
            "mask."
        )
    elif "enable_nested_tensor is True" in text:
        hint = (
            "nn.TransformerEncoder warns when it cannot use nested tensors; with "
            "batch_first=True on the layer and enable_nested_tensor=False it does not."
        )
    else:
        hint = "see the warning's text."
    return AssertionError(
        f"{what} raised a warning, and warnings are errors here: {type(err).__name__}: "
        f"{text[:200]} Likely mistake: {hint}"
    )


def build(cls_name: str, *args, **kwargs):
    """The learner's constructor, with a warning it raises explained."""
    __tracebackhide__ = True
    call = f"{cls_name}{args}"
    try:
        return getattr(kata, cls_name)(*args, **kwargs)
    except Warning as err:
        raise explain_warning(err, call) from err


def randomise(model: nn.Module, seed: int, device) -> nn.Module:
    """Seeded weights for every parameter, float64, on device, dropout 0 so train() is exact."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen, dtype=torch.float64) * 0.4)
    return model.to(device=device, dtype=torch.float64).train()


def make_classifier(seed: int, device):
    model = build("TransformerClassifier", VOCAB, D, NHEAD, LAYERS, CLASSES, FF)
    return randomise(model, seed, device)


def make_seq2seq(seed: int, device):
    model = build("Seq2SeqTransformer", VOCAB, D, NHEAD, ENC_LAYERS, DEC_LAYERS, FF)
    return randomise(model, seed, device)


def random_batch(gen, device, batch=5, width=7, junk=False):
    """(tokens (B, T), lengths (B,)): lengths unsorted with 1 and T among them; padding holds
    PAD, or random tokens with junk=True (it must never be read)."""
    lengths = torch.randint(1, width + 1, (batch,), generator=gen)
    lengths[:2] = torch.tensor([1, width])
    lengths = lengths[torch.randperm(batch, generator=gen)]
    tokens = torch.randint(2, VOCAB, (batch, width), generator=gen)
    if not junk:
        tokens[torch.arange(width) >= lengths[:, None]] = PAD
    return tokens.to(device), lengths.to(device)


def with_extra_padding(gen, tokens, extra: int):
    """tokens with `extra` more columns of junk (any token) on the right."""
    columns = torch.randint(0, VOCAB, (tokens.shape[0], extra), generator=gen)
    return torch.cat([tokens, columns.to(tokens.device)], dim=1)


def blocked(mask):
    """A mask in either convention as bool 'may not attend'; None stays None."""
    if mask is None or mask.dtype == torch.bool:
        return mask
    return mask < -1e4  # -inf (or a huge negative number) blocks


def check_float_mask(mask, name: str, what: str) -> None:
    __tracebackhide__ = True
    if isinstance(mask, torch.Tensor) and mask.is_floating_point() and bool((mask > 0).any()):
        raise AssertionError(
            f"{what}: the float {name} holds positive values (up to {mask.max().item():g}). "
            f"Likely mistake: a float mask of 0/1 instead of -inf/0. A float mask is ADDED to "
            f"the attention scores, so 1 only nudges a score; -inf blocks it."
        )


def check_padding_arg(mask, name: str, lengths, width: int, what: str) -> None:
    """The key padding mask the learner passed to torch, against the right one."""
    __tracebackhide__ = True
    if mask is None:
        raise AssertionError(
            f"{what}: {name} was not given, so attention reads the padding. Likely mistake: "
            f"forgetting {name}=padding_mask(lengths, {width})."
        )
    check_float_mask(mask, name, what)
    expected = torch.arange(width, device=lengths.device) >= lengths[:, None]
    got = blocked(mask)
    if got.shape == expected.shape and torch.equal(got, ~expected):
        raise AssertionError(
            f"{what}: the {name} is inverted: True at the real tokens. In nn.Transformer a "
            f"bool key padding mask is True at PADDING (= ignore); a float one is -inf there."
        )
    if got.shape != expected.shape or not torch.equal(got, expected):
        raise AssertionError(
            f"{what}: {name} {shape_of(mask)} does not mark exactly the padding of lengths "
            f"{lengths.tolist()} (expected (B, {width}), blocked where t >= lengths[b])."
        )


def check_causal_arg(mask, name: str, width: int, what: str) -> None:
    __tracebackhide__ = True
    if mask is None:
        raise AssertionError(
            f"{what}: no {name} was given, so every position sees the later ones. Likely "
            f"mistake: forgetting the decoder-side causal mask ({name}=causal_mask(T))."
        )
    check_float_mask(mask, name, what)
    expected = torch.ones(width, width, dtype=torch.bool, device=mask.device).triu(1)
    got = blocked(mask)
    if got.shape == expected.shape and torch.equal(got, expected.T):
        raise AssertionError(
            f"{what}: the {name} blocks the past instead of the future: a causal mask of the "
            f"wrong orientation (tril where triu belongs). Position i may see j <= i, so the "
            f"blocked entries are above the diagonal: torch.ones(T, T).triu(1)."
        )
    if got.shape == expected.shape and torch.equal(got, ~expected):
        raise AssertionError(
            f"{what}: the {name} is inverted: True on and below the diagonal. In nn.Transformer "
            f"a bool mask is True where attention is NOT allowed: above the diagonal."
        )
    if got.shape != expected.shape or not torch.equal(got, expected):
        raise AssertionError(
            f"{what}: {name} {shape_of(mask)} is not the ({width}, {width}) causal mask "
            f"(blocked exactly above the diagonal)."
        )


class Capture:
    """Records the arguments of every call of a submodule and its output (forward hooks)."""

    def __init__(self, module: nn.Module) -> None:
        self.calls: list[dict] = []
        self.outputs: list = []
        signature = inspect.signature(type(module).forward)

        def pre(mod, args, kwargs):
            bound = signature.bind(mod, *args, **kwargs)
            self.calls.append(dict(bound.arguments))

        def post(mod, args, output):
            self.outputs.append(output)

        self.handles = [
            module.register_forward_pre_hook(pre, with_kwargs=True),
            module.register_forward_hook(post),
        ]

    def remove(self) -> None:
        for h in self.handles:
            h.remove()


def call_learner(model, sub: str, args, what: str):
    """model(*args) with the calls of model.<sub> recorded; (result, the one call, output)."""
    __tracebackhide__ = True
    module = getattr(model, sub)
    capture = Capture(module)
    try:
        result = model(*args)
    except Warning as err:
        raise explain_warning(err, what) from err
    finally:
        capture.remove()
    if len(capture.calls) != 1:
        raise AssertionError(
            f"{what}: model.{sub} was called {len(capture.calls)} times; expected exactly once "
            f"(the whole batch in one call)."
        )
    return result, capture.calls[0], capture.outputs[0]


def describe(name: str, *tensors, **kwargs) -> str:
    parts = [shape_of(t) for t in tensors] + [f"{k}={v}" for k, v in kwargs.items()]
    return f"{name}({', '.join(parts)})"


# ----------------------------------------------------------------------------- task 1


def causal_by_loop(size: int, dtype, device) -> torch.Tensor:
    if dtype == torch.bool:
        rows = [[j > i for j in range(size)] for i in range(size)]
    else:
        rows = [[0.0 if j <= i else -math.inf for j in range(size)] for i in range(size)]
    return torch.tensor(rows, dtype=dtype, device=device).reshape(size, size)


def call_causal(size, what, **kwargs):
    __tracebackhide__ = True
    with forbid(TORCH_CAUSAL, kata=kata, why=CAUSAL_WHY):
        return kata.causal_mask(size, **kwargs)


@pytest.mark.task(1)
@pytest.mark.parametrize("size", [1, 2, 5])
@pytest.mark.parametrize("dtype", [None, torch.float64, torch.bool], ids=["default", "f64", "bool"])
def test_causal_mask_blocks_the_future(size, dtype, device):
    kwargs = {"device": device} if dtype is None else {"dtype": dtype, "device": device}
    what = describe("causal_mask", size, **kwargs)
    got = call_causal(size, what, **kwargs)
    expected = causal_by_loop(size, dtype or torch.float32, device)
    if isinstance(got, torch.Tensor) and got.shape == expected.shape and size > 1:
        if got.dtype == torch.bool and expected.dtype == torch.bool:
            if torch.equal(got, ~expected):
                raise AssertionError(
                    f"{what}: the bool mask is inverted: True where attention IS allowed. "
                    f"nn.Transformer's bool masks are True where it is NOT: above the diagonal."
                )
            if torch.equal(got, expected.T):
                raise AssertionError(
                    f"{what}: True below the diagonal: a causal mask of the wrong orientation "
                    f"(it blocks the past). The future, j > i, is above the diagonal: triu(1)."
                )
        elif got.is_floating_point():
            if bool((got == 1).any()):
                raise AssertionError(
                    f"{what} holds 1.0 where -inf belongs: a float mask of 0/1 instead of "
                    f"-inf/0. Float masks are ADDED to the scores; only -inf blocks."
                )
            if torch.equal(got, expected.T):
                raise AssertionError(
                    f"{what}: -inf below the diagonal: a causal mask of the wrong orientation "
                    f"(it blocks the past). Put -inf above the diagonal (triu(1))."
                )
    assert_tensor_close(
        got,
        expected,
        what=f"{what} against the mask written out by a loop (0 for j <= i, -inf for j > i)",
        mistake="the causal mask of the wrong orientation or offset: blocked exactly where "
        "j > i (diagonal kept).",
    )
    if expected.dtype != torch.bool:
        assert_tensor_close(
            got,
            nn.Transformer.generate_square_subsequent_mask(size, device=device, dtype=got.dtype),
            what=f"{what} against nn.Transformer.generate_square_subsequent_mask({size})",
        )


@pytest.mark.task(1)
def test_causal_mask_defaults_to_float32_on_the_default_device():
    what = "causal_mask(3) with no dtype or device"
    got = call_causal(3, what)
    expected = causal_by_loop(3, torch.float32, torch.device("cpu"))
    assert_tensor_close(got, expected, what=f"{what} against the float32 mask on the CPU")


@pytest.mark.task(1)
def test_causal_mask_rejects_other_dtypes(device):
    for dtype in (torch.int64, torch.uint8):
        what = describe("causal_mask", 3, dtype=dtype)
        assert_raises(
            TypeError,
            lambda dtype=dtype, what=what: call_causal(3, what, dtype=dtype, device=device),
            what=what,
            mistake="only torch.bool or a floating dtype make a mask torch reads correctly "
            "(an integer mask is neither 'True = blocked' nor 'added to the scores').",
        )


# ----------------------------------------------------------------------------- task 2


def padding_by_loop(lengths, max_len: int, dtype) -> torch.Tensor:
    rows = [[t >= int(n) for t in range(max_len)] for n in lengths.tolist()]
    pad = torch.tensor(rows, dtype=torch.bool).reshape(len(rows), max_len)
    if dtype == torch.bool:
        return pad.to(lengths.device)
    return torch.zeros(pad.shape, dtype=dtype).masked_fill(pad, -math.inf).to(lengths.device)


@pytest.mark.task(2)
@pytest.mark.parametrize("dtype", [None, torch.float32, torch.float64], ids=["bool", "f32", "f64"])
def test_padding_mask_marks_positions_past_each_length(dtype, device):
    gen = torch.Generator().manual_seed(2)
    for max_len in (1, 4, 7):
        lengths = torch.randint(0, max_len + 1, (6,), generator=gen)
        lengths[:2] = torch.tensor([0, max_len])
        lengths = lengths.to(device)
        before = lengths.clone()
        kwargs = {} if dtype is None else {"dtype": dtype}
        what = describe("padding_mask", lengths, max_len, **kwargs)
        got = kata.padding_mask(lengths, max_len, **kwargs)
        expected = padding_by_loop(lengths, max_len, dtype or torch.bool)
        if isinstance(got, torch.Tensor) and got.shape == expected.shape:
            if got.dtype == torch.bool and torch.equal(got, ~expected):
                raise AssertionError(
                    f"{what}: the padding mask is inverted: True at the real tokens. A key "
                    f"padding mask is True at PADDING (= ignore), t >= lengths[b]."
                )
            if got.is_floating_point() and bool((got == 1).any()):
                raise AssertionError(
                    f"{what} holds 1.0 at padding: a float mask of 0/1 instead of -inf/0."
                )
        mistake = "True (or -inf) exactly where t >= lengths[b], False (or 0) elsewhere."
        if isinstance(got, torch.Tensor) and got.shape == expected.shape:
            bool_got = blocked(got)
            for shift, how in ((1, "t > lengths[b]"), (-1, "t >= lengths[b] - 1")):
                off = torch.arange(max_len, device=device) >= (lengths[:, None] + shift)
                if torch.equal(bool_got, off):
                    mistake = f"an off-by-one ({how}): padding starts at t = lengths[b]."
            if got.is_floating_point() and torch.equal(bool_got, ~blocked(expected)):
                mistake = "the padding mask inverted: -inf at the real tokens, 0 at padding."
        assert_tensor_close(
            got,
            expected,
            what=f"{what} against the mask written out by a loop (t >= lengths[b])",
            mistake=mistake,
        )
        if not torch.equal(lengths, before):
            raise AssertionError(f"{what} changed the caller's lengths in place.")


@pytest.mark.task(2)
def test_padding_mask_rejects_bad_lengths_and_dtypes(device):
    for lengths in ([2, -1], [2, 5]):
        t = torch.tensor(lengths, device=device)
        what = describe("padding_mask", t, 4) + f" with lengths {lengths}"
        assert_raises(
            ValueError,
            kata.padding_mask,
            t,
            4,
            what=what,
            mistake="every length must lie in 0..max_len.",
        )
    t = torch.tensor([1, 3], device=device)
    what = describe("padding_mask", t, 4, dtype=torch.int64)
    assert_raises(
        TypeError,
        kata.padding_mask,
        t,
        4,
        dtype=torch.int64,
        what=what,
        mistake="only torch.bool or a floating dtype make a mask torch reads correctly.",
    )


# ----------------------------------------------------------------------------- task 3


def classifier_by_rows(model, tokens, lengths, causal: bool) -> torch.Tensor:
    """Each row run alone, unpadded, through the model's own submodules, mean-pooled."""
    rows = []
    for b in range(tokens.shape[0]):
        n = int(lengths[b])
        x = model.embedding(tokens[b : b + 1, :n]) + model.position.weight[:n]
        mask = torch.ones(n, n, dtype=torch.bool, device=x.device).triu(1) if causal else None
        rows.append(model.encoder(x, mask=mask).mean(dim=1))
    return model.fc(torch.cat(rows))


def run_classifier(model, tokens, lengths, causal: bool, what: str):
    """(logits, the encoder's call, its output) after checking the masks it was given."""
    __tracebackhide__ = True
    logits, call, hidden = call_learner(model, "encoder", (tokens, lengths, causal), what)
    T = tokens.shape[1]
    check_padding_arg(call.get("src_key_padding_mask"), "src_key_padding_mask", lengths, T, what)
    mask = call.get("mask")
    if causal:
        check_causal_arg(mask, "mask", T, what)
    elif mask is not None:
        raise AssertionError(
            f"{what}: the encoder got mask {shape_of(mask)} with causal=False; without "
            f"causal=True every real token may see every other real token."
        )
    return logits, call, hidden


def name_the_pooling_mistake(model, logits, hidden, lengths, what: str) -> None:
    __tracebackhide__ = True
    real = (torch.arange(hidden.shape[1], device=hidden.device) < lengths[:, None]).double()
    candidates = [
        (
            hidden.mean(dim=1),
            "mean over all positions, padding included: the pooled vector "
            "then changes with the amount of padding. Average over the real tokens only.",
        ),
        ((hidden * real[..., None]).sum(dim=1), "sum over the real tokens instead of their mean."),
        (
            (hidden * real[..., None]).sum(dim=1) / hidden.shape[1],
            "sum over the real tokens divided by T (all positions) instead of by lengths[b].",
        ),
        (hidden[:, 0], "the first position's output instead of the mean over the real tokens."),
    ]
    for pooled, mistake in candidates:
        if torch.allclose(logits, model.fc(pooled), rtol=1e-7, atol=1e-9):
            raise AssertionError(f"{what}: the logits are fc of the {mistake}")


@pytest.mark.task(3)
def test_classifier_submodules_have_the_documented_names_and_sizes():
    model = build(
        "TransformerClassifier",
        VOCAB,
        D,
        NHEAD,
        LAYERS,
        CLASSES,
        FF,
        pad_idx=3,
        max_len=20,
        dropout=0.25,
    )
    call = f"TransformerClassifier({VOCAB}, {D}, {NHEAD}, {LAYERS}, {CLASSES}, {FF}, pad_idx=3, "
    call += "max_len=20, dropout=0.25)"
    checks = [
        (
            "embedding",
            nn.Embedding,
            {"num_embeddings": VOCAB, "embedding_dim": D, "padding_idx": 3},
        ),
        ("position", nn.Embedding, {"num_embeddings": 20, "embedding_dim": D}),
        ("encoder", nn.TransformerEncoder, {"num_layers": LAYERS, "enable_nested_tensor": False}),
        ("fc", nn.Linear, {"in_features": D, "out_features": CLASSES}),
    ]
    check_submodules(model, call, checks)
    check_encoder_layers(model.encoder, f"{call}.encoder", dropout=0.25)
    others = sorted({n.split(".")[0] for n, _ in model.named_parameters()} - {c[0] for c in checks})
    if others:
        raise AssertionError(f"{call} has parameters outside the four submodules: {others}.")


def check_submodules(model, call: str, checks) -> None:
    __tracebackhide__ = True
    for name, cls, attrs in checks:
        sub = getattr(model, name, None)
        if not isinstance(sub, cls):
            raise AssertionError(
                f"{call}.{name} should be an nn.{cls.__name__}, got {type(sub).__name__}: the "
                f"tests reach the submodules by the names in the class docstring."
            )
        for attr, value in attrs.items():
            if getattr(sub, attr, None) != value:
                hint = {
                    "enable_nested_tensor": NESTED_HINT,
                    "batch_first": "the batches are (B, T, D): pass batch_first=True.",
                }.get(attr, "see the class docstring.")
                raise AssertionError(
                    f"{call}.{name}.{attr} is {getattr(sub, attr, None)!r}, expected "
                    f"{value!r}. Likely mistake: {hint}"
                )


def check_encoder_layers(encoder, where: str, layers: int = LAYERS, dropout: float = 0.0) -> None:
    __tracebackhide__ = True
    if len(encoder.layers) != layers:
        raise AssertionError(f"{where} has {len(encoder.layers)} layers, expected {layers}.")
    layer = encoder.layers[0]
    found = {
        "self_attn.embed_dim": layer.self_attn.embed_dim,
        "self_attn.num_heads": layer.self_attn.num_heads,
        "self_attn.batch_first": layer.self_attn.batch_first,
        "linear1.out_features": layer.linear1.out_features,
        "dropout.p": layer.dropout.p,
    }
    expected = {
        "self_attn.embed_dim": D,
        "self_attn.num_heads": NHEAD,
        "self_attn.batch_first": True,
        "linear1.out_features": FF,
        "dropout.p": dropout,
    }
    for key, value in expected.items():
        if found[key] != value:
            hint = (
                " The batches are (B, T, D): the layer needs batch_first=True."
                if key.endswith("batch_first")
                else ""
            )
            raise AssertionError(
                f"{where}.layers[0].{key} is {found[key]!r}, expected {value!r}.{hint}"
            )


@pytest.mark.task(3)
@pytest.mark.parametrize("causal", [False, True], ids=["bidirectional", "causal"])
def test_classifier_equals_each_row_run_alone(causal, device):
    gen = torch.Generator().manual_seed(31)
    for seed in range(2):
        model = make_classifier(seed, device)
        tokens, lengths = random_batch(gen, device)
        what = describe("TransformerClassifier(...)", tokens, lengths, causal=causal)
        logits, call, hidden = run_classifier(model, tokens, lengths, causal, what)
        with torch.no_grad():
            expected = classifier_by_rows(model, tokens, lengths, causal)
            x = model.embedding(tokens) + model.position.weight[: tokens.shape[1]]
            real = torch.arange(tokens.shape[1], device=device) < lengths[:, None]
            src = call.get("src")
            input_right = (
                isinstance(src, torch.Tensor)
                and src.shape == x.shape
                and src.dtype == x.dtype
                and torch.allclose(src[real], x[real])
            )
        if logits.shape == expected.shape and not torch.allclose(logits, expected):
            name_the_pooling_mistake(model, logits, hidden, lengths, what)
        assert_tensor_close(
            logits,
            expected,
            what=f"{what}: logits against each row run alone, unpadded, mean-pooled",
            mistake="the encoder's input is right, so the pooling or what follows it: the "
            "representation is the mean over the real tokens, then fc."
            if input_right
            else "the encoder's input is not embedding(tokens) + position(arange(T)) (no "
            "scaling by sqrt(d_model), positions counted from 0).",
            **TIGHT,
        )


@pytest.mark.task(3)
@pytest.mark.parametrize("causal", [False, True], ids=["bidirectional", "causal"])
def test_classifier_logits_do_not_depend_on_padding(causal, device):
    gen = torch.Generator().manual_seed(32)
    model = make_classifier(3, device)
    tokens, lengths = random_batch(gen, device, batch=4, width=5)
    what = describe("TransformerClassifier(...)", tokens, lengths, causal=causal)
    logits, _, _ = run_classifier(model, tokens, lengths, causal, what)
    for extra, junk in ((1, False), (4, True)):
        wider = with_extra_padding(gen, tokens, extra)
        if junk:  # what sits in the padding must not matter either
            wider[torch.arange(wider.shape[1], device=device) >= lengths[:, None]] = 7
        what_wider = describe("TransformerClassifier(...)", wider, lengths, causal=causal)
        got, _, hidden = run_classifier(model, wider, lengths, causal, what_wider)
        if got.shape == logits.shape and not torch.allclose(got, logits):
            name_the_pooling_mistake(model, got, hidden, lengths, what_wider)
        assert_tensor_close(
            got,
            logits,
            what=f"{what_wider} against the same batch with {extra} fewer padding columns",
            mistake="the padding was read after the encoder (its src_key_padding_mask is "
            "right): a pooling that counts or reads padded positions.",
            **TIGHT,
        )


@pytest.mark.task(3)
def test_causal_classifier_output_t_depends_on_tokens_up_to_t_only(device):
    gen = torch.Generator().manual_seed(33)
    model = make_classifier(4, device)
    tokens, lengths = random_batch(gen, device, batch=3, width=6)
    what = describe("TransformerClassifier(...)", tokens, lengths, causal=True)
    _, call, hidden = run_classifier(model, tokens, lengths, True, what)
    x = call["src"]  # the encoder's input (B, T, D), part of the graph
    for t in range(tokens.shape[1]):
        (grad,) = torch.autograd.grad(hidden[:, t].sum(), x, retain_graph=True)
        leak = grad[:, t + 1 :].abs().max().item() if t + 1 < tokens.shape[1] else 0.0
        if leak != 0.0:
            raise AssertionError(
                f"{what}: d encoder_output[:, {t}] / d encoder_input[:, t'] reaches {leak:.3g} "
                f"for some t' > {t}: information flows backwards from later positions, "
                f"although the mask passed to the encoder is the causal one. Likely mistake: "
                f"the encoder called again, or with is_causal= or another mask that "
                f"contradicts it."
            )
        if t > 0 and grad[:, :t].abs().max().item() == 0.0:
            raise AssertionError(
                f"{what}: encoder_output[:, {t}] does not depend on any earlier position: the "
                f"mask blocks the past too (only j > i may be blocked)."
            )


@pytest.mark.task(3)
def test_classifier_rejects_an_empty_sequence(device):
    model = make_classifier(5, device)
    tokens = torch.full((2, 4), 3, device=device)
    lengths = torch.tensor([4, 0], device=device)
    what = describe("TransformerClassifier(...)", tokens, lengths) + " with a length of 0"
    assert_raises(
        ValueError,
        model,
        tokens,
        lengths,
        what=what,
        mistake="a row without real tokens has nothing to average (and attention over no "
        "key is NaN).",
    )


@pytest.mark.task(3)
def test_classifier_inputs_are_not_modified(device):
    gen = torch.Generator().manual_seed(34)
    model = make_classifier(6, device)
    tokens, lengths = random_batch(gen, device, junk=True)
    before = (tokens.clone(), lengths.clone())
    what = describe("TransformerClassifier(...)", tokens, lengths, causal=True)
    run_classifier(model, tokens, lengths, True, what)
    for name, t, b in zip(("tokens", "lengths"), (tokens, lengths), before, strict=True):
        if not torch.equal(t, b):
            raise AssertionError(
                f"{what} changed the caller's {name} in place (e.g. writing PAD into the "
                f"padded positions): make a new tensor."
            )


@pytest.mark.task(3)
def test_classifier_in_eval_under_no_grad_runs_without_warning(device):
    gen = torch.Generator().manual_seed(35)
    model = make_classifier(7, device).float()
    tokens, lengths = random_batch(gen, device)
    what = describe("TransformerClassifier(...)", tokens, lengths) + " in eval() under no_grad()"
    with torch.no_grad():
        expected = classifier_by_rows(model, tokens, lengths, causal=False)
        try:
            in_train_mode = model(tokens, lengths)  # the slow path, for the message below
        except Warning as err:
            raise explain_warning(err, what.replace("eval()", "train()")) from err
    model.eval()
    # no hooks and no forbid() here: either would switch off torch's eval fast path
    try:
        with torch.no_grad():
            got = model(tokens, lengths)
    except Warning as err:
        raise explain_warning(err, what) from err
    assert_tensor_close(
        got,
        expected,
        what=f"{what} (float32, torch's fast path) against each row run alone",
        rtol=1e-4,
        atol=1e-5,
        mistake="right in train mode, wrong on the fast path: with nested tensors the "
        "padded positions come back as zeros; pool over the real tokens only."
        if isinstance(in_train_mode, torch.Tensor)
        and in_train_mode.shape == expected.shape
        and torch.allclose(in_train_mode.to(expected.dtype), expected, rtol=1e-4, atol=1e-5)
        else "wrong in train mode too, so not the fast path: see "
        "test_classifier_equals_each_row_run_alone.",
    )
    if model.training:
        raise AssertionError(f"{what}: forward switched the model back to train mode.")


# ----------------------------------------------------------------------------- task 4


@pytest.mark.task(4)
@pytest.mark.parametrize(("B", "T"), [(3, 5), (2, 1), (1, 4)])
def test_shift_right_puts_bos_first_and_drops_the_last_token(B, T, device):
    gen = torch.Generator().manual_seed(40)
    tgt = torch.randint(2, VOCAB, (B, T), generator=gen).to(device)
    before = tgt.clone()
    what = describe("shift_right", tgt, bos_idx=BOS)
    got = kata.shift_right(tgt, BOS)
    expected = torch.cat([torch.full((B, 1), BOS, device=device), tgt[:, :-1]], dim=1)
    if isinstance(got, torch.Tensor) and got.shape == expected.shape and T > 1:
        rolled = tgt.roll(1, dims=1)
        wrong = [
            (
                tgt,
                "the decoder input is tgt itself, not shifted: at position t the decoder "
                "would see the very token it must predict.",
            ),
            (
                rolled,
                "tgt.roll(1, dims=1) without BOS: column 0 holds the LAST token of tgt; "
                "put bos_idx there.",
            ),
            (
                torch.cat([torch.full((B, 1), BOS, device=device), tgt[:, 1:]], dim=1),
                "BOS then tgt[:, 1:]: that drops the first token, tgt[:, 0], instead of the last; "
                "the shifted input is BOS, tgt[:, 0], ..., tgt[:, T-2].",
            ),
            (
                torch.cat([tgt[:, 1:], torch.full((B, 1), BOS, device=device)], dim=1),
                "shifted left, BOS last: the decoder input is the target shifted RIGHT, BOS first.",
            ),
        ]
        for candidate, mistake in wrong:
            if torch.equal(got, candidate):
                raise AssertionError(f"{what} returned {got.tolist()}. Likely mistake: {mistake}")
    assert_tensor_close(
        got,
        expected,
        what=f"{what} against torch.cat([BOS column, tgt[:, :-1]], dim=1)",
        mistake="teacher forcing: column 0 is BOS, column t is tgt[:, t - 1].",
    )
    if not torch.equal(tgt, before):
        raise AssertionError(f"{what} changed the caller's tgt in place.")


# ----------------------------------------------------------------------------- task 5


def time_first_copy(model) -> nn.Transformer:
    """An independent nn.Transformer with batch_first=False and the model's weights."""
    layer = nn.TransformerEncoderLayer(D, NHEAD, FF, 0.0)
    encoder = nn.TransformerEncoder(
        layer, ENC_LAYERS, norm=nn.LayerNorm(D), enable_nested_tensor=False
    )
    ref = nn.Transformer(D, NHEAD, ENC_LAYERS, DEC_LAYERS, FF, 0.0, custom_encoder=encoder)
    try:
        ref.load_state_dict(model.transformer.state_dict())
    except RuntimeError as err:
        raise AssertionError(
            f"the model's transformer does not hold the parameters of nn.Transformer({D}, "
            f"{NHEAD}, {ENC_LAYERS}, {DEC_LAYERS}, {FF}) with an encoder whose final norm is "
            f"nn.LayerNorm({D}): {str(err)[:300]}"
        ) from err
    device = model.out.weight.device
    return ref.to(device=device, dtype=torch.float64).train()


def embed(model, tokens):
    return model.embedding(tokens) + model.position.weight[: tokens.shape[1]]


def seq2seq_reference(model, src, src_lengths, tgt_in, tgt_lengths, time_first=True, **skip):
    """The logits written with torch's nn.Transformer and the four masks, all bool.

    time_first=True runs a batch_first=False copy on transposed inputs (an independent check
    of batch_first); skip={"tgt_key_padding_mask": True} leaves a mask out (to name one).
    """
    S, T = src.shape[1], tgt_in.shape[1]
    src_pad = torch.arange(S, device=src.device) >= src_lengths[:, None]
    masks = {
        "tgt_mask": torch.ones(T, T, dtype=torch.bool, device=src.device).triu(1),
        "src_key_padding_mask": src_pad,
        "memory_key_padding_mask": src_pad,
        "tgt_key_padding_mask": torch.arange(T, device=src.device) >= tgt_lengths[:, None],
    }
    masks = {k: v for k, v in masks.items() if not skip.get(k)}
    src_x, tgt_x = embed(model, src), embed(model, tgt_in)
    if time_first:
        out = time_first_copy(model)(src_x.transpose(0, 1), tgt_x.transpose(0, 1), **masks)
        out = out.transpose(0, 1)
    else:
        out = model.transformer(src_x, tgt_x, **masks)
    return model.out(out)


def seq2seq_batch(gen, device, batch=4, S=6, T=5, junk=True):
    src, src_lengths = random_batch(gen, device, batch, S, junk=junk)
    tgt, tgt_lengths = random_batch(gen, device, batch, T, junk=junk)
    tgt_in = torch.cat([torch.full((batch, 1), BOS, device=device), tgt[:, :-1]], dim=1)
    return src, src_lengths, tgt, tgt_in, tgt_lengths


def run_seq2seq(model, src, src_lengths, tgt_in, tgt_lengths, what: str):
    """(logits, the transformer's call, its output) after checking the four masks."""
    __tracebackhide__ = True
    logits, call, hidden = call_learner(
        model, "transformer", (src, src_lengths, tgt_in, tgt_lengths), what
    )
    S, T = src.shape[1], tgt_in.shape[1]
    check_causal_arg(call.get("tgt_mask"), "tgt_mask", T, what)
    for name, lengths, width in (
        ("src_key_padding_mask", src_lengths, S),
        ("memory_key_padding_mask", src_lengths, S),
        ("tgt_key_padding_mask", tgt_lengths, T),
    ):
        mask = call.get(name)
        if mask is None and name == "tgt_key_padding_mask":
            raise AssertionError(
                f"{what}: tgt_key_padding_mask was not given. The causal mask already hides "
                f"right padding from the real positions, but the padded positions then attend "
                f"to padding, and the docstring (like nn.Transformer's) asks for all four masks."
            )
        if mask is None and name == "memory_key_padding_mask":
            raise AssertionError(
                f"{what}: memory_key_padding_mask was not given, so the decoder's "
                f"cross-attention reads the source padding. Likely mistake: forgetting "
                f"memory_key_padding_mask=<the source padding mask> (src_key_padding_mask only "
                f"covers the encoder)."
            )
        check_padding_arg(mask, name, lengths, width, what)
    for name in ("src_mask", "memory_mask"):
        if call.get(name) is not None:
            raise AssertionError(
                f"{what}: {name} was given; the encoder and the cross-attention may see every "
                f"real source token (only tgt_mask is causal)."
            )
    return logits, call, hidden


@pytest.mark.task(5)
def test_seq2seq_submodules_have_the_documented_names_and_sizes():
    model = build(
        "Seq2SeqTransformer",
        VOCAB,
        D,
        NHEAD,
        ENC_LAYERS,
        DEC_LAYERS,
        FF,
        pad_idx=4,
        bos_idx=5,
        max_len=20,
        dropout=0.25,
    )
    call = (
        f"Seq2SeqTransformer({VOCAB}, {D}, {NHEAD}, {ENC_LAYERS}, {DEC_LAYERS}, {FF}, "
        f"pad_idx=4, bos_idx=5, max_len=20, dropout=0.25)"
    )
    checks = [
        (
            "embedding",
            nn.Embedding,
            {"num_embeddings": VOCAB, "embedding_dim": D, "padding_idx": 4},
        ),
        ("position", nn.Embedding, {"num_embeddings": 20, "embedding_dim": D}),
        ("transformer", nn.Transformer, {"d_model": D, "nhead": NHEAD, "batch_first": True}),
        ("out", nn.Linear, {"in_features": D, "out_features": VOCAB}),
    ]
    check_submodules(model, call, checks)
    encoder = model.transformer.encoder
    check_submodules(
        model.transformer,
        f"{call}.transformer",
        [("encoder", nn.TransformerEncoder, {"enable_nested_tensor": False})],
    )
    if not isinstance(encoder.norm, nn.LayerNorm):
        raise AssertionError(
            f"{call}.transformer.encoder.norm is {encoder.norm!r}; nn.Transformer's own encoder "
            f"ends with nn.LayerNorm(d_model): pass norm=nn.LayerNorm({D}) to your "
            f"custom_encoder."
        )
    check_encoder_layers(encoder, f"{call}.transformer.encoder", ENC_LAYERS, dropout=0.25)
    decoder = model.transformer.decoder
    first = decoder.layers[0]
    if len(decoder.layers) != DEC_LAYERS or not first.self_attn.batch_first:
        raise AssertionError(
            f"{call}.transformer.decoder should have {DEC_LAYERS} batch_first layers "
            f"(nn.Transformer(..., batch_first=True) builds them)."
        )
    if first.dropout.p != 0.25:
        raise AssertionError(
            f"{call}.transformer.decoder.layers[0].dropout.p is {first.dropout.p}, expected "
            f"0.25: pass dropout to nn.Transformer too."
        )
    if (model.pad_idx, model.bos_idx) != (4, 5):
        raise AssertionError(
            f"{call}: (pad_idx, bos_idx) attributes are {(model.pad_idx, model.bos_idx)}, "
            f"expected (4, 5)."
        )


@pytest.mark.task(5)
def test_seq2seq_equals_nn_transformer_run_time_first(device):
    gen = torch.Generator().manual_seed(50)
    for seed in range(2):
        model = make_seq2seq(seed, device)
        src, src_lengths, _, tgt_in, tgt_lengths = seq2seq_batch(gen, device)
        what = describe("Seq2SeqTransformer(...)", src, src_lengths, tgt_in, tgt_lengths)
        logits, call, _ = run_seq2seq(model, src, src_lengths, tgt_in, tgt_lengths, what)
        with torch.no_grad():
            expected = seq2seq_reference(model, src, src_lengths, tgt_in, tgt_lengths)
            embedded_right = all(
                isinstance(call.get(name), torch.Tensor)
                and call[name].shape == embed(model, tokens).shape
                and call[name].dtype == embed(model, tokens).dtype
                and torch.allclose(call[name], embed(model, tokens))
                for name, tokens in (("src", src), ("tgt", tgt_in))
            )
        assert_tensor_close(
            logits,
            expected,
            what=f"{what}: logits against nn.Transformer(batch_first=False) with the same "
            f"weights on transposed inputs",
            mistake="the transformer's inputs and masks are right, so: the transformer not "
            "batch first (batch_first=True on nn.Transformer), or something between it and "
            "model.out (an activation, a softmax)."
            if embedded_right
            else "the embedding is not embedding(tokens) + position(arange(length)) (no "
            "scaling by sqrt(d_model)), for the source or the target.",
            **TIGHT,
        )


@pytest.mark.task(5)
def test_decoder_position_t_sees_no_later_position(device):
    gen = torch.Generator().manual_seed(51)
    model = make_seq2seq(2, device)
    src, src_lengths, _, tgt_in, tgt_lengths = seq2seq_batch(gen, device, T=6)
    what = describe("Seq2SeqTransformer(...)", src, src_lengths, tgt_in, tgt_lengths)
    logits, call, _ = call_learner(
        model, "transformer", (src, src_lengths, tgt_in, tgt_lengths), what
    )
    tgt_x = call["tgt"]  # the decoder's input embeddings (B, T, D), part of the graph
    T = tgt_in.shape[1]
    for t in range(T):
        (grad,) = torch.autograd.grad(logits[:, t].sum(), tgt_x, retain_graph=True)
        leak = grad[:, t + 1 :].abs().max().item() if t + 1 < T else 0.0
        if leak != 0.0:
            raise AssertionError(
                f"{what}: d logits[:, {t}] / d decoder_input[:, t'] reaches {leak:.3g} for some "
                f"t' > {t}: the decoder sees later positions (it can copy the answer). Likely "
                f"mistake: forgetting the decoder-side mask (tgt_mask), a causal mask of the "
                f"wrong orientation, or a float 0/1 mask."
            )
        if t > 0 and grad[:, :t].abs().max().item() == 0.0:
            raise AssertionError(
                f"{what}: logits[:, {t}] do not depend on earlier decoder positions: the "
                f"tgt_mask blocks the past too."
            )


@pytest.mark.task(5)
def test_no_logit_depends_on_the_source_padding(device):
    gen = torch.Generator().manual_seed(52)
    model = make_seq2seq(3, device)
    src, src_lengths, _, tgt_in, tgt_lengths = seq2seq_batch(gen, device)
    what = describe("Seq2SeqTransformer(...)", src, src_lengths, tgt_in, tgt_lengths)
    capture = Capture(model.transformer.encoder)
    try:
        logits, call, _ = call_learner(
            model, "transformer", (src, src_lengths, tgt_in, tgt_lengths), what
        )
    finally:
        capture.remove()
    src_x = call["src"]
    pad = torch.arange(src.shape[1], device=device) >= src_lengths[:, None]  # (B, S)
    real_t = torch.arange(tgt_in.shape[1], device=device) < tgt_lengths[:, None]
    (grad,) = torch.autograd.grad(logits[real_t].sum(), src_x, retain_graph=True)
    leak = grad[pad].abs().max().item()
    if leak != 0.0:
        memory = capture.outputs[0]
        (enc_grad,) = torch.autograd.grad(memory[~pad].sum(), src_x, retain_graph=True)
        if enc_grad[pad].abs().max().item() != 0.0:
            mistake = "the encoder reads the padding: src_key_padding_mask is missing or wrong."
        else:
            mistake = (
                "the decoder's cross-attention reads the source padding: forgetting "
                "memory_key_padding_mask (the encoder's mask does not cover it)."
            )
        raise AssertionError(
            f"{what}: d logits / d source embeddings at padded positions reaches {leak:.3g}; "
            f"it must be exactly 0. Likely mistake: {mistake}"
        )


@pytest.mark.task(5)
def test_seq2seq_logits_do_not_depend_on_padding(device):
    gen = torch.Generator().manual_seed(53)
    model = make_seq2seq(4, device)
    src, src_lengths, _, tgt_in, tgt_lengths = seq2seq_batch(gen, device, junk=False)
    what = describe("Seq2SeqTransformer(...)", src, src_lengths, tgt_in, tgt_lengths)
    logits, _, _ = run_seq2seq(model, src, src_lengths, tgt_in, tgt_lengths, what)
    wide_src, wide_tgt = with_extra_padding(gen, src, 3), with_extra_padding(gen, tgt_in, 2)
    what_wide = describe("Seq2SeqTransformer(...)", wide_src, src_lengths, wide_tgt, tgt_lengths)
    wide, _, _ = run_seq2seq(model, wide_src, src_lengths, wide_tgt, tgt_lengths, what_wide)
    real = torch.arange(tgt_in.shape[1], device=device) < tgt_lengths[:, None]
    assert_tensor_close(
        wide[:, : tgt_in.shape[1]][real],
        logits[real],
        what=f"{what_wide}: logits at the real target positions against the narrower batch",
        mistake="padding read outside nn.Transformer (the four masks passed are right): "
        "the embedding or the output projection of a real position depends on the padded "
        "columns (positions counted from the right, a statistic over the whole batch).",
        **TIGHT,
    )


@pytest.mark.task(5)
def test_seq2seq_in_eval_under_no_grad_runs_without_warning(device):
    gen = torch.Generator().manual_seed(54)
    model = make_seq2seq(5, device).float()
    src, src_lengths, _, tgt_in, tgt_lengths = seq2seq_batch(gen, device)
    with torch.no_grad():
        expected = model(src, src_lengths, tgt_in, tgt_lengths)
    model.eval()
    what = describe("Seq2SeqTransformer(...)", src, src_lengths, tgt_in, tgt_lengths)
    what += " in eval() under no_grad()"
    # no hooks and no forbid() here: either would switch off torch's eval fast path
    try:
        with torch.no_grad():
            got = model(src, src_lengths, tgt_in, tgt_lengths)
    except Warning as err:
        raise explain_warning(err, what) from err
    real = torch.arange(tgt_in.shape[1], device=device) < tgt_lengths[:, None]
    assert_tensor_close(
        got[real],
        expected[real],
        what=f"{what} (float32, torch's fast path) against train() mode (dropout 0)",
        rtol=1e-4,
        atol=1e-5,
    )


@pytest.mark.task(5)
def test_seq2seq_inputs_are_not_modified(device):
    gen = torch.Generator().manual_seed(55)
    model = make_seq2seq(6, device)
    batch = seq2seq_batch(gen, device)
    src, src_lengths, _, tgt_in, tgt_lengths = batch
    before = [t.clone() for t in (src, src_lengths, tgt_in, tgt_lengths)]
    what = describe("Seq2SeqTransformer(...)", src, src_lengths, tgt_in, tgt_lengths)
    run_seq2seq(model, src, src_lengths, tgt_in, tgt_lengths, what)
    names = ("src", "src_lengths", "tgt_in", "tgt_lengths")
    for name, t, b in zip(names, (src, src_lengths, tgt_in, tgt_lengths), before, strict=True):
        if not torch.equal(t, b):
            raise AssertionError(f"{what} changed the caller's {name} in place.")


# ----------------------------------------------------------------------------- task 6


def reference_loss(model, src, src_lengths, tgt, tgt_lengths, tgt_in=None):
    """The docstring's loss, through the model's own nn.Transformer with the right masks."""
    if tgt_in is None:
        tgt_in = torch.cat([torch.full_like(tgt[:, :1], model.bos_idx), tgt[:, :-1]], dim=1)
    logits = seq2seq_reference(model, src, src_lengths, tgt_in, tgt_lengths, time_first=False)
    real = torch.arange(tgt.shape[1], device=tgt.device) < tgt_lengths[:, None]
    return F.cross_entropy(logits[real], tgt[real])


def name_the_loss_mistake(model, got: float, src, src_lengths, tgt, tgt_lengths, what) -> None:
    __tracebackhide__ = True
    with torch.no_grad():
        unshifted = reference_loss(model, src, src_lengths, tgt, tgt_lengths, tgt_in=tgt).item()
        tgt_in = torch.cat([torch.full_like(tgt[:, :1], model.bos_idx), tgt[:, :-1]], dim=1)
        logits = seq2seq_reference(model, src, src_lengths, tgt_in, tgt_lengths, time_first=False)
        everywhere = F.cross_entropy(logits.flatten(0, 1), tgt.flatten()).item()
        ignore_pad = F.cross_entropy(
            logits.flatten(0, 1), tgt.flatten(), ignore_index=model.pad_idx
        ).item()
    if math.isclose(got, unshifted, rel_tol=1e-7):
        raise AssertionError(
            f"{what} returned the loss of a decoder fed tgt itself: not shifted. Teacher "
            f"forcing feeds shift_right(tgt, model.bos_idx), BOS first."
        )
    if math.isclose(got, everywhere, rel_tol=1e-7) or math.isclose(got, ignore_pad, rel_tol=1e-7):
        raise AssertionError(
            f"{what} returned {got:.6g}, the loss including the padded positions. Average over "
            f"the real target tokens (t < tgt_lengths[b]); the padding here holds junk, not "
            f"pad_idx, so ignore_index=pad_idx does not find it."
        )


def step_mistake(got, initial, grad, stale, lr: float) -> str:
    """Which wrong order of zero_grad / backward / step the parameter after the step shows."""
    candidates = [
        (initial, "no optimizer.step() (or zero_grad between backward and step)."),
        (
            initial - lr * (grad + stale),
            "stale gradients added to this batch's: no zero_grad() before backward.",
        ),
        (
            initial - lr * stale,
            "optimizer.step() before loss.backward(): the step used the stale gradients.",
        ),
    ]
    for value, mistake in candidates:
        if got.shape == value.shape and torch.allclose(got, value, rtol=1e-9, atol=1e-10):
            return mistake
    return (
        "the step is not one plain SGD step on this batch's gradients: zero_grad(), "
        "backward(), step(), in that order."
    )


@pytest.mark.task(6)
def test_train_step_takes_one_exact_teacher_forced_step(device):
    gen = torch.Generator().manual_seed(60)
    model = make_seq2seq(7, device)
    reference = copy.deepcopy(model)
    src, src_lengths, tgt, _, tgt_lengths = seq2seq_batch(gen, device, junk=True)
    for p in model.parameters():  # left over from an earlier batch
        p.grad = torch.randn(p.shape, generator=gen, dtype=p.dtype).to(device)
    stale = [p.grad.clone() for p in model.parameters()]
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    what = describe("train_step(model, SGD, ...)", src, src_lengths, tgt, tgt_lengths)
    before = [t.clone() for t in (src, src_lengths, tgt, tgt_lengths)]
    try:
        got = kata.train_step(model, optimizer, src, src_lengths, tgt, tgt_lengths)
    except Warning as err:
        raise explain_warning(err, what) from err
    if type(got) is not float:
        raise AssertionError(f"{what} returned {type(got).__name__}; expected a Python float.")
    ref_loss = reference_loss(reference, src, src_lengths, tgt, tgt_lengths)
    if not math.isclose(got, ref_loss.item(), rel_tol=1e-7):
        name_the_loss_mistake(reference, got, src, src_lengths, tgt, tgt_lengths, what)
        raise AssertionError(
            f"{what} returned loss {got:.8g}; expected {ref_loss.item():.8g}, the mean "
            f"cross-entropy over the real target tokens before the update."
        )
    ref_loss.backward()
    initial = [q.detach().clone() for q in reference.parameters()]
    grads = [q.grad.clone() for q in reference.parameters()]
    torch.optim.SGD(reference.parameters(), lr=0.1).step()
    for (name, p), q, p0, g, old in zip(
        model.named_parameters(), reference.parameters(), initial, grads, stale, strict=True
    ):
        assert_tensor_close(
            p,
            q,
            what=f"{what}: parameter {name} after the step",
            mistake=step_mistake(p.detach(), p0, g, old, lr=0.1),
            **TIGHT,
        )
    for name, t, b in zip(
        ("src", "src_lengths", "tgt", "tgt_lengths"),
        (src, src_lengths, tgt, tgt_lengths),
        before,
        strict=True,
    ):
        if not torch.equal(t, b):
            raise AssertionError(f"{what} changed the caller's {name} in place.")


@pytest.mark.task(6)
def test_train_step_loss_ignores_pad_filled_padding(device):
    gen = torch.Generator().manual_seed(61)
    model = make_seq2seq(8, device)
    src, src_lengths, tgt, _, tgt_lengths = seq2seq_batch(gen, device, junk=False)
    expected = reference_loss(model, src, src_lengths, tgt, tgt_lengths).item()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.0)
    what = describe("train_step(model, SGD, ...)", src, src_lengths, tgt, tgt_lengths)
    got = kata.train_step(model, optimizer, src, src_lengths, tgt, tgt_lengths)
    if not math.isclose(got, expected, rel_tol=1e-7):
        name_the_loss_mistake(model, got, src, src_lengths, tgt, tgt_lengths, what)
        raise AssertionError(f"{what} returned loss {got:.8g}; expected {expected:.8g}.")


def copy_batch(gen, batch=32, length=6):
    """The copy task: the target is the source."""
    lengths = torch.randint(1, length + 1, (batch,), generator=gen)
    src = torch.randint(2, VOCAB, (batch, length), generator=gen)
    src[torch.arange(length) >= lengths[:, None]] = PAD
    return src, lengths


@pytest.mark.task(6)
def test_a_tiny_model_learns_to_copy(device):
    # about 0.5 s of CPU: 80 seeded steps of a one-layer model; the threshold has a wide
    # margin (seeds 0-3 end between 0.017 and 0.035)
    torch.manual_seed(0)
    model = build("Seq2SeqTransformer", VOCAB, 32, 2, 1, 1, 64).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    gen = torch.Generator().manual_seed(0)
    losses = []
    for _ in range(80):
        src, lengths = copy_batch(gen)
        src, lengths = src.to(device), lengths.to(device)
        losses.append(kata.train_step(model, optimizer, src, lengths, src, lengths))
    final = sum(losses[-10:]) / 10
    if not final < 0.5:  # about 0.05 with the reference answer; about 2.5 at the start
        raise AssertionError(
            f"80 train_step calls (Adam, lr 3e-3, batches of 32 sequences of length 1..6) on "
            f"the copy task: the mean of the last 10 losses is {final:.3g} (the first was "
            f"{losses[0]:.3g}), expected below 0.5. Likely mistake: a decoder input that is "
            f"not shift_right(tgt), masks that hide the source, or no optimizer.step()."
        )
