"""Tests for kata 33: a packed BiLSTM classifier, checked against each sequence run alone."""

import pytest
import torch
from torch import nn

from torchkatas.harness import assert_tensor_close, load_kata

kata = load_kata(__file__)

VOCAB, EMBED, HIDDEN, CLASSES = 13, 5, 4, 3


def make_model(seed: int, device, num_layers: int = 1, pad_idx: int = 0) -> nn.Module:
    """The learner's model with seeded weights in [-1, 1), in eval mode, on `device`."""
    model = kata.BiLSTMClassifier(
        VOCAB, EMBED, HIDDEN, CLASSES, pad_idx=pad_idx, num_layers=num_layers
    )
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.rand(p.shape, generator=gen) * 2 - 1)
    return model.to(device).eval()


def random_batch(seed: int, device, batch: int = 5, width: int = 7, pad_idx: int = 0):
    """(tokens (B, T), lengths (B,)): random lengths in 1..T, one row of length T, one of 1,
    real tokens never equal to pad_idx, padding filled with pad_idx; lengths unsorted."""
    gen = torch.Generator().manual_seed(1000 + seed)
    lengths = torch.randint(1, width + 1, (batch,), generator=gen)
    lengths[:2] = torch.tensor([1, width])  # extremes, in increasing (unsorted) order
    lengths = lengths[torch.randperm(batch, generator=gen)]
    tokens = torch.randint(VOCAB - 1, (batch, width), generator=gen)
    tokens += tokens >= pad_idx  # skip pad_idx: real ids in 0..VOCAB-1 except pad_idx
    tokens[torch.arange(width) >= lengths[:, None]] = pad_idx
    return tokens.to(device), lengths.to(device)


def reference(model, tokens, lengths) -> tuple[torch.Tensor, torch.Tensor]:
    """(logits, representation) from the model's own submodules, one unpadded row at a time:
    the forward direction's output at the last token, the backward one's at the first."""
    rows = []
    for b in range(tokens.shape[0]):
        n = int(lengths[b])
        out, _ = model.lstm(model.embedding(tokens[b : b + 1, :n]))  # (1, n, 2H), no padding
        rows.append(torch.cat([out[0, n - 1, :HIDDEN], out[0, 0, HIDDEN:]]))
    rep = torch.stack(rows)  # (B, 2H)
    return model.fc(rep), rep


def first_layer_reference(model, tokens, lengths) -> torch.Tensor:
    """The representation the first layer alone would give (what h_n[0], h_n[1] hold)."""
    layer0 = nn.LSTM(EMBED, HIDDEN, batch_first=True, bidirectional=True).to(tokens.device)
    state = model.lstm.state_dict()
    state = {k: v for k, v in state.items() if k.endswith(("_l0", "_l0_reverse"))}
    layer0.load_state_dict(state)
    rows = []
    for b in range(tokens.shape[0]):
        n = int(lengths[b])
        out, _ = layer0(model.embedding(tokens[b : b + 1, :n]))
        rows.append(torch.cat([out[0, n - 1, :HIDDEN], out[0, 0, HIDDEN:]]))
    return torch.stack(rows)


def run(model, tokens, lengths, what: str) -> tuple[torch.Tensor, torch.Tensor]:
    """(logits, the input fc received), failing clearly if fc is not called exactly once."""
    __tracebackhide__ = True
    seen = []
    handle = model.fc.register_forward_pre_hook(lambda module, args: seen.append(args[0]))
    try:
        logits = model(tokens, lengths)
    except NotImplementedError:
        raise
    except RuntimeError as err:
        text = str(err)
        if "sorted in decreasing order" in text:
            hint = (
                "enforce_sorted=True (the default) needs lengths in decreasing order; pass "
                "enforce_sorted=False: batches come in any order."
            )
        elif "CPU" in text and "lengths" in text:
            hint = "pack_padded_sequence wants the lengths on the CPU: pass lengths.cpu()."
        elif "view" in text or "contiguous" in text:
            hint = (
                ".view(...) on a non-contiguous tensor (a sliced or transposed batch); use "
                ".reshape(...), or give nn.Embedding the (B, T) tokens as they are."
            )
        else:
            hint = (
                "pack_padded_sequence(embedded, lengths.cpu(), batch_first=True, "
                "enforce_sorted=False) packs a right-padded (B, T, E) batch."
            )
        raise AssertionError(
            f"{what} raised RuntimeError: {err} (lengths {lengths.tolist()}). "
            f"Likely mistake: {hint}"
        ) from err
    finally:
        handle.remove()
    if len(seen) != 1:
        raise AssertionError(
            f"{what}: model.fc was called {len(seen)} times, expected once, on the "
            f"(B, 2 * hidden_dim) sequence representation (see the class docstring)."
        )
    return logits, seen[0]


def close(a: torch.Tensor, b: torch.Tensor) -> bool:
    return a.shape == b.shape and torch.allclose(a, b.to(a.dtype), rtol=1e-5, atol=1e-5)


FORWARD_AT_LAST_COLUMN = (
    "reading the forward direction at the last column (output[:, -1] is padding for every "
    "row shorter than T, zeros after pad_packed_sequence)"
)
FORWARD_THROUGH_PADDING = (
    "letting it run through the padding (no packing): h_n, or output[:, -1], of an unpacked "
    "batch comes after the padded steps"
)


@torch.no_grad()
def forward_mistake(model, tokens, lengths, got_fwd: torch.Tensor) -> str:
    """Why the forward half of fc's input is wrong: which wrong time step it matches."""
    rule = "it must stop at the last real token, t = lengths - 1."
    short = (lengths < tokens.shape[1]).to(got_fwd.device)
    unpacked, _ = model.lstm(model.embedding(tokens))  # (B, T, 2H), through the padding
    if close(got_fwd, unpacked[:, -1, :HIDDEN]):
        return f"{FORWARD_THROUGH_PADDING}; {rule}"
    if short.any() and not got_fwd[short].any():
        return f"{FORWARD_AT_LAST_COLUMN}; {rule}"
    return f"{FORWARD_AT_LAST_COLUMN}, or {FORWARD_THROUGH_PADDING}; {rule}"


@torch.no_grad()
def backward_mistake(model, tokens, lengths, got_bwd: torch.Tensor) -> str:
    """Why the backward half of fc's input is wrong: read at the last token, or otherwise."""
    at_last = []
    for b in range(tokens.shape[0]):
        n = int(lengths[b])
        out, _ = model.lstm(model.embedding(tokens[b : b + 1, :n]))
        at_last.append(out[0, n - 1, HIDDEN:])
    rule = (
        "the backward direction reads the sequence from its end, so its summary is its "
        "output at the first token, t = 0 (h_n[-1] of a packed run)"
    )
    if close(got_bwd, torch.stack(at_last)):
        return f"{rule}, not at t = lengths - 1 where it has seen one token."
    return (
        f"{rule}. Here it is neither that nor its output at t = lengths - 1: did it run "
        f"through the padding (no packing), starting in the padded columns?"
    )


def check_not_sorted(got, expected, lengths, what: str, name: str) -> None:
    """Fail with a clear message when `got` is `expected` with its rows sorted by length."""
    __tracebackhide__ = True
    order = torch.argsort(lengths.cpu(), descending=True, stable=True).to(expected.device)
    if close(got, expected[order]):
        raise AssertionError(
            f"{what}: the rows of {name} come back in sorted order (longest first), not in "
            f"the batch's order. "
            f"Likely mistake: sorting the batch for enforce_sorted=True without undoing the "
            f"sort; enforce_sorted=False sorts and unsorts for you."
        )


def describe(tokens, lengths, num_layers: int = 1) -> str:
    return (
        f"BiLSTMClassifier(num_layers={num_layers})(tokens {tuple(tokens.shape)}, "
        f"lengths {lengths.tolist()})"
    )


# ----------------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.parametrize(("num_layers", "pad_idx"), [(1, 0), (2, 3)])
def test_submodules_have_the_documented_names_and_sizes(num_layers, pad_idx):
    model = kata.BiLSTMClassifier(
        VOCAB, EMBED, HIDDEN, CLASSES, pad_idx=pad_idx, num_layers=num_layers
    )
    call = (
        f"BiLSTMClassifier({VOCAB}, {EMBED}, {HIDDEN}, {CLASSES}, pad_idx={pad_idx}, "
        f"num_layers={num_layers})"
    )
    expected = {
        "embedding": (
            nn.Embedding,
            {"num_embeddings": VOCAB, "embedding_dim": EMBED, "padding_idx": pad_idx},
        ),
        "lstm": (
            nn.LSTM,
            {
                "input_size": EMBED,
                "hidden_size": HIDDEN,
                "num_layers": num_layers,
                "batch_first": True,
                "bidirectional": True,
                "bias": True,
                "dropout": 0.0,
            },
        ),
        "fc": (nn.Linear, {"in_features": 2 * HIDDEN, "out_features": CLASSES}),
    }
    for name, (cls, attrs) in expected.items():
        sub = getattr(model, name, None)
        if not isinstance(sub, cls):
            raise AssertionError(
                f"{call}.{name} should be an nn.{cls.__name__}, got {type(sub).__name__}. "
                f"The tests reach the submodules by these names: embedding, lstm, fc."
            )
        for attr, value in attrs.items():
            if getattr(sub, attr) != value:
                raise AssertionError(
                    f"{call}.{name}.{attr} is {getattr(sub, attr)!r}, expected {value!r}. "
                    f"Likely mistake: "
                    + {
                        "padding_idx": "nn.Embedding(..., padding_idx=pad_idx) keeps the pad "
                        "row at zero and out of the gradient.",
                        "in_features": "a bidirectional LSTM gives 2 * hidden_dim features.",
                        "dropout": "nn.LSTM(..., dropout=...) drops between the stacked "
                        "layers in train mode; the documented LSTM has no dropout.",
                    }.get(attr, "see the class docstring for each submodule's arguments.")
                )


@pytest.mark.task(1)
@pytest.mark.parametrize("num_layers", [1, 2])
def test_no_other_parameters(num_layers):
    """The parameters are exactly those of embedding, lstm and fc, as documented."""
    model = kata.BiLSTMClassifier(VOCAB, EMBED, HIDDEN, CLASSES, num_layers=num_layers)
    call = f"BiLSTMClassifier({VOCAB}, {EMBED}, {HIDDEN}, {CLASSES}, num_layers={num_layers})"
    documented = {
        "embedding": nn.Embedding(VOCAB, EMBED, padding_idx=0),
        "lstm": nn.LSTM(EMBED, HIDDEN, num_layers=num_layers, batch_first=True, bidirectional=True),
        "fc": nn.Linear(2 * HIDDEN, CLASSES),
    }
    expected = {
        f"{prefix}.{name}": tuple(p.shape)
        for prefix, sub in documented.items()
        for name, p in sub.named_parameters()
    }
    got = {name: tuple(p.shape) for name, p in model.named_parameters()}
    missing = sorted(set(expected) - set(got))
    if missing:
        raise AssertionError(
            f"{call} has no parameter {', '.join(missing)}. Likely mistake: "
            + (
                "nn.Linear(..., bias=False): fc is a plain nn.Linear(2 * hidden_dim, "
                "num_classes), with its bias."
                if "fc.bias" in missing
                else "a submodule built with other arguments than the docstring's (bias=False?)."
            )
        )
    extra = sorted(set(got) - set(expected))
    if extra:
        raise AssertionError(
            f"{call} has the extra parameters {extra}; the docstring allows no other "
            "parameters than those of embedding, lstm and fc. Likely mistake: a learned "
            "initial state (h0, c0) or an extra layer."
        )
    for name, shape in expected.items():
        if got[name] != shape:
            raise AssertionError(
                f"{call}.{name} has shape {got[name]}, expected {shape}: see the class "
                "docstring for each submodule's arguments."
            )


# ----------------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("seed", range(3))
def test_representation_is_forward_at_last_token_and_backward_at_first(seed, num_layers, device):
    model = make_model(seed, device, num_layers)
    tokens, lengths = random_batch(seed, device)
    what = describe(tokens, lengths, num_layers)
    with torch.no_grad():
        _, rep = run(model, tokens, lengths, what)
        _, expected = reference(model, tokens, lengths)
        layer0 = first_layer_reference(model, tokens, lengths) if num_layers > 1 else None
    fwd, bwd = slice(0, HIDDEN), slice(HIDDEN, 2 * HIDDEN)
    if rep.shape == expected.shape and not close(rep, expected):
        check_not_sorted(rep, expected, lengths, what, "fc's input")
        if close(rep[:, fwd], expected[:, bwd]) and close(rep[:, bwd], expected[:, fwd]):
            raise AssertionError(
                f"{what}: the two halves of fc's input are swapped: the backward direction "
                f"came first. Likely mistake: torch.cat([h_n[-1], h_n[-2]]); the forward "
                f"direction's state h_n[-2] goes first, then the backward one's h_n[-1]."
            )
        if layer0 is not None and close(rep, layer0):
            raise AssertionError(
                f"{what}: fc's input holds the first layer's states, not the top layer's. "
                f"Likely mistake: torch.cat([h_n[0], h_n[1]]); h_n is (num_layers * 2, B, H), "
                f"layer by layer, so the top layer's directions are h_n[-2] and h_n[-1]."
            )
    assert_tensor_close(
        rep[:, fwd],
        expected[:, fwd],
        what=f"{what}: fc's input[:, :{HIDDEN}] (forward direction) against the forward "
        f"output at t = lengths - 1 of each row run alone",
        mistake=forward_mistake(model, tokens, lengths, rep[:, fwd]),
    )
    assert_tensor_close(
        rep[:, bwd],
        expected[:, bwd],
        what=f"{what}: fc's input[:, {HIDDEN}:] (backward direction) against the backward "
        f"output at t = 0 of each row run alone",
        mistake=backward_mistake(model, tokens, lengths, rep[:, bwd]),
    )


@pytest.mark.task(2)
@pytest.mark.parametrize("num_layers", [1, 2])
def test_logits_are_fc_of_the_representation(num_layers, device):
    model = make_model(7, device, num_layers)
    tokens, lengths = random_batch(7, device, batch=6)
    what = describe(tokens, lengths, num_layers)
    with torch.no_grad():
        logits, rep = run(model, tokens, lengths, what)
        expected, expected_rep = reference(model, tokens, lengths)
    if close(rep, expected_rep):
        mistake = (
            "fc's input is right, so something after fc changes it (an activation, a "
            "softmax, an extra layer): the logits are fc(representation) as they are."
        )
    else:
        mistake = (
            "fc's input is already wrong: the wrong time steps or padding read (see the "
            "representation test)."
        )
    assert_tensor_close(
        logits,
        expected,
        what=f"{what} logits against fc(reference representation)",
        mistake=mistake,
    )


@pytest.mark.task(2)
def test_train_mode_gives_the_same_representation(device):
    """In train mode fc's input is still each row's representation: the model has no dropout."""
    model = make_model(51, device, num_layers=2)
    tokens, lengths = random_batch(51, device)
    what = describe(tokens, lengths, num_layers=2)
    with torch.no_grad():
        _, expected = reference(model, tokens, lengths)  # eval mode: deterministic
        _, rep_eval = run(model, tokens, lengths, f"{what} in eval mode")
        model.train()
        _, rep_train = run(model, tokens, lengths, f"{what} in train mode")
    if close(rep_eval, expected) and not close(rep_train, expected):
        raise AssertionError(
            f"{what}: in train mode fc's input differs from each row run alone, while in eval "
            "mode it matches. Likely mistake: a dropout (nn.Dropout on the representation "
            "before fc, or nn.LSTM(dropout=...) between the layers); the documented model "
            "has none, so its representation is the same in both modes."
        )
    assert_tensor_close(
        rep_train,
        expected,
        what=f"{what} in train mode: fc's input against each row run alone",
        mistake="the wrong time steps or padding read (see the eval-mode representation "
        "test), or something that only acts in train mode.",
    )


@pytest.mark.task(2)
@pytest.mark.parametrize("layout", ["sliced", "transposed"])
def test_non_contiguous_tokens_and_lengths(layout, device):
    """A batch sliced out of a wider one, or stored transposed, gives the same logits."""
    model = make_model(61, device)
    tokens, lengths = random_batch(61, device)
    if layout == "sliced":  # (B, T) columns of a wider (B, T + 3) batch
        wide = torch.cat([tokens, torch.full_like(tokens[:, :3], 5)], dim=1)
        odd_tokens = wide[:, : tokens.shape[1]]
    else:  # stored as (T, B), read through .t()
        odd_tokens = tokens.t().contiguous().t()
    odd_lengths = torch.stack([lengths, lengths], dim=1)[:, 0]  # stride 2
    assert not odd_tokens.is_contiguous() and not odd_lengths.is_contiguous()
    what = f"{describe(odd_tokens, odd_lengths)} with {layout} non-contiguous tokens and lengths"
    with torch.no_grad():
        logits, _ = run(model, odd_tokens, odd_lengths, what)
        expected, _ = reference(model, tokens, lengths)
        plain, _ = run(model, tokens, lengths, describe(tokens, lengths))
    if close(plain, expected):
        mistake = (
            "right for contiguous tokens and lengths, wrong for these: reading the storage "
            "directly (data_ptr, as_strided, .view on the flat memory) instead of through "
            "the tensor's indexing."
        )
    else:
        mistake = (
            "wrong for contiguous tokens and lengths too, so the layout is not the cause: "
            "see the representation and padding tests."
        )
    assert_tensor_close(
        logits, expected, what=f"{what}, against each row run alone", mistake=mistake
    )


# ----------------------------------------------------------------------------- task 3


@pytest.mark.task(3)
@pytest.mark.parametrize("extra", [1, 4])
@pytest.mark.parametrize("fill", ["pad_idx", "junk"])
def test_logits_do_not_depend_on_padding(extra, fill, device):
    model = make_model(11, device)
    tokens, lengths = random_batch(11, device, batch=4, width=5)
    gen = torch.Generator().manual_seed(extra)
    junked = tokens.clone()
    if fill == "pad_idx":
        columns = torch.zeros(4, extra, dtype=torch.long)
    else:  # padding positions may hold anything: they are never read
        columns = torch.randint(1, VOCAB, (4, extra), generator=gen)
        junked[torch.arange(5, device=device) >= lengths[:, None]] = 5
    wider = torch.cat([junked, columns.to(device)], dim=1)
    with torch.no_grad():
        logits, _ = run(model, tokens, lengths, describe(tokens, lengths))
        logits_wider, _ = run(model, wider, lengths, describe(wider, lengths))
    assert_tensor_close(
        logits_wider,
        logits,
        what=f"logits after adding {extra} padding columns (filled with {fill}) to "
        f"{describe(tokens, lengths)}",
        mistake="the LSTM read padding: h_n of an unpacked batch, or output[:, -1], comes "
        "after the padded steps. Pack the embedded batch with pack_padded_sequence first.",
    )


@pytest.mark.task(3)
@pytest.mark.parametrize("num_layers", [1, 2])
def test_each_row_equals_the_sequence_run_alone(num_layers, device):
    model = make_model(21, device, num_layers)
    tokens, lengths = random_batch(21, device, batch=5)
    what = describe(tokens, lengths, num_layers)
    with torch.no_grad():
        logits, _ = run(model, tokens, lengths, what)
        for b in range(tokens.shape[0]):
            n = int(lengths[b])
            alone, _ = run(model, tokens[b : b + 1, :n], lengths[b : b + 1], f"row {b} alone")
            assert_tensor_close(
                logits[b : b + 1],
                alone,
                what=f"{what}: row {b} (length {n}) against running it alone, unpadded",
                mistake="padding read by the LSTM (no packing), or rows mixed up.",
            )


@pytest.mark.task(3)
@pytest.mark.parametrize(
    "lengths_list",
    [[2, 6, 1, 4, 3], [1, 2, 3, 4, 6], [6, 6, 1, 1, 3]],
    ids=["shuffled", "increasing", "ties"],
)
def test_unsorted_batches_keep_their_order(lengths_list, device):
    model = make_model(31, device)
    gen = torch.Generator().manual_seed(31)
    lengths = torch.tensor(lengths_list, device=device)
    tokens = torch.randint(1, VOCAB, (5, 6), generator=gen).to(device)
    tokens[torch.arange(6, device=device) >= lengths[:, None]] = 0
    what = describe(tokens, lengths)
    with torch.no_grad():
        logits, _ = run(model, tokens, lengths, what)
        expected, _ = reference(model, tokens, lengths)
    if logits.shape == expected.shape and not close(logits, expected):
        check_not_sorted(logits, expected, lengths, what, "the logits")
    found = logits.shape == expected.shape and all(
        any(close(row, other) for other in expected) for row in logits
    )
    assert_tensor_close(
        logits,
        expected,
        what=f"{what} logits against each row run alone",
        mistake="rows mixed up when the batch is not sorted by length: each row's logits "
        "are there, in another order."
        if found
        else "the rows' values are wrong, not only their order (see the representation "
        "and padding tests).",
    )


@pytest.mark.task(3)
@pytest.mark.parametrize("num_layers", [1, 2])
def test_gradients_reach_every_real_token_and_no_padding(num_layers, device):
    model = make_model(41, device, num_layers, pad_idx=0).train()
    tokens, lengths = random_batch(41, device)
    what = describe(tokens, lengths, num_layers)
    embedded = []

    def keep(module, args, out):
        out.retain_grad()
        embedded.append(out)

    handle = model.embedding.register_forward_hook(keep)
    try:
        logits, _ = run(model, tokens, lengths, what)
    finally:
        handle.remove()
    weights = torch.randn(logits.shape, generator=torch.Generator().manual_seed(0))
    (logits * weights.to(device)).sum().backward()
    if len(embedded) != 1 or embedded[0].grad is None:
        raise AssertionError(f"{what}: model.embedding should be called once, on tokens.")
    grad = embedded[0].grad.norm(dim=-1)  # (B, T): how much each position moved the logits
    real = torch.arange(tokens.shape[1], device=device) < lengths[:, None]
    pad_hit = (grad > 0) & ~real
    if pad_hit.any():
        b, t = (int(i) for i in pad_hit.nonzero()[0])
        raise AssertionError(
            f"{what}: the gradient reached padding position (row {b}, t={t}) beyond its "
            f"length {int(lengths[b])}: padding influenced the logits. Likely mistake: the "
            f"LSTM ran over padding columns (no pack_padded_sequence)."
        )
    missed = (grad == 0) & real
    if missed.any():
        b, t = (int(i) for i in missed.nonzero()[0])
        raise AssertionError(
            f"{what}: real token (row {b}, t={t}, length {int(lengths[b])}) got no gradient: "
            f"the logits ignore it. Likely mistake: reading the states at the wrong time step, "
            f"or lengths shortened before packing (the last real token treated as padding)."
        )


@pytest.mark.task(3)
def test_forward_leaves_tokens_and_lengths_untouched(device):
    """Padded places are ignored, not rewritten: the caller's tokens and lengths stay as given."""
    model = make_model(71, device)
    tokens, lengths = random_batch(71, device)
    tokens[torch.arange(tokens.shape[1], device=device) >= lengths[:, None]] = 5  # junk
    before_tokens, before_lengths = tokens.clone(), lengths.clone()
    what = describe(tokens, lengths)
    with torch.no_grad():
        run(model, tokens, lengths, what)
    assert_tensor_close(
        tokens,
        before_tokens,
        what=f"tokens after {what}: forward changed the caller's tokens",
        mistake="writing pad_idx into the padded places in place (tokens[mask] = pad_idx, "
        "masked_fill_); packing never reads them, so leave them as they are.",
    )
    assert_tensor_close(
        lengths,
        before_lengths,
        what=f"lengths after {what}: forward changed the caller's lengths",
        mistake="sorting or editing lengths in place (lengths[:] = ..., .sub_, .clamp_); "
        "enforce_sorted=False sorts a copy for you.",
    )
