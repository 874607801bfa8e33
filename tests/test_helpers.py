"""The helpers kata tests use: tensor comparison, forbidden calls, call counting."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
import torch

from torchkatas import harness


def test_shape_mismatch_reports_both_shapes_and_the_mistake():
    with pytest.raises(AssertionError) as err:
        harness.assert_tensor_close(
            torch.ones(3, 2), torch.ones(2, 3), what="f(x)", mistake="a transpose"
        )
    assert str(err.value) == (
        "f(x): expected shape (2, 3), got (3, 2). Likely mistake: a transpose"
    )


def test_dtype_and_device_mismatch_are_named():
    with pytest.raises(
        AssertionError, match=re.escape("expected dtype torch.float64, got torch.float32")
    ):
        harness.assert_tensor_close(torch.ones(2), torch.ones(2, dtype=torch.float64), what="f")
    with pytest.raises(AssertionError, match="expected device meta, got cpu"):
        harness.assert_tensor_close(torch.ones(2), torch.ones(2, device="meta"), what="f")


def test_value_mismatch_reports_largest_error_and_where():
    expected = torch.zeros(2, 3)
    actual = expected.clone()
    actual[1, 2] = 0.5
    with pytest.raises(AssertionError) as err:
        harness.assert_tensor_close(actual, expected, what="f(x)", mistake="off by half")
    message = str(err.value)
    assert "largest error 0.5 at index (1, 2) (got 0.5, expected 0); 1 of 6 elements off" in message
    assert message.endswith("Likely mistake: off by half")


def test_non_tensor_is_reported():
    with pytest.raises(AssertionError, match=re.escape("expected a torch.Tensor, got list")):
        harness.assert_tensor_close([1.0], torch.ones(1), what="f")


def test_close_values_pass():
    harness.assert_tensor_close(torch.ones(3) + 1e-9, torch.ones(3), what="f")


def test_comparison_is_hidden_from_tracebacks():
    assert harness.assert_tensor_close.__code__.co_varnames[0] == "actual"
    import inspect

    assert "__tracebackhide__ = True" in inspect.getsource(harness.assert_tensor_close)


def test_forbid_catches_torch_function_alias_and_learner_import(tmp_path):
    module = tmp_path / "clip.py"
    module.write_text(
        "from torch.nn.utils import clip_grad_norm_\n\n"
        "def clip(params):\n    return clip_grad_norm_(params, 1.0)\n"
    )
    learner = harness.load_path(module)
    kata = SimpleNamespace(module=lambda: learner, overlay=None)  # a KataModule's two parts
    params = [torch.ones(2, requires_grad=True)]
    params[0].grad = torch.ones(2)
    with harness.forbid("torch.nn.utils.clip_grad_norm_", kata=kata):
        with pytest.raises(
            harness.ForbiddenCall, match=re.escape("called torch.nn.utils.clip_grad_norm_")
        ):
            learner.clip(params)
        with pytest.raises(harness.ForbiddenCall):
            torch.nn.utils.clip_grad_norm_(params, 1.0)
    assert float(learner.clip(params)) > 0  # restored afterwards


def test_forbid_catches_torch_operators_by_any_name():
    x, w = torch.ones(1, 1, 3, 3), torch.ones(1, 1, 2, 2)
    with harness.forbid("torch.nn.functional.conv2d"):
        with pytest.raises(harness.ForbiddenCall):
            torch.conv2d(x, w)
    assert torch.nn.functional.conv2d(x, w).shape == (1, 1, 2, 2)


def test_count_torch_calls_counts_functions_and_methods():
    a = torch.ones(2, 2)
    with harness.count_torch_calls() as calls:
        torch.einsum("ij,jk->ik", a, a)
        a.t()
        _ = a @ a
        _ = a.mT
    assert dict(calls) == {"einsum": 1, "t": 1, "matmul": 1, "mT": 1}


def test_forbid_restores_a_static_method_as_a_static_method():
    import torch
    from torch import nn

    from torchkatas.harness import ForbiddenCall, forbid

    with forbid("torch.nn.Transformer.generate_square_subsequent_mask"):
        with pytest.raises(ForbiddenCall):
            nn.Transformer.generate_square_subsequent_mask(3)
    mask = nn.Transformer(
        d_model=8,
        nhead=2,
        num_encoder_layers=1,
        num_decoder_layers=1,
        dim_feedforward=8,
        batch_first=True,
    ).generate_square_subsequent_mask(3)
    assert mask.shape == (3, 3) and torch.isinf(mask[0, 1])


def test_forbid_can_say_why_an_api_is_forbidden():
    import torch

    from torchkatas.harness import ForbiddenCall, forbid

    with forbid("torch.flip", reason="which is deprecated here"):
        with pytest.raises(
            ForbiddenCall, match=r"your code called torch\.flip, which is deprecated here"
        ):
            torch.flip(torch.ones(2), [0])


def test_assert_raises_lets_the_stubs_not_implemented_through_even_for_runtime_error(tmp_path):
    from torchkatas import harness

    stub = tmp_path / "stub.py"
    stub.write_text("def f():\n    raise NotImplementedError('TODO: f()')\n")
    module = harness.load_path(stub)
    with pytest.raises(NotImplementedError, match="TODO"):
        harness.assert_raises(RuntimeError, module.f, what="f()")
    err = harness.assert_raises(RuntimeError, _raises_runtime_error, what="g()")
    assert isinstance(err, RuntimeError)


def _raises_runtime_error():
    raise RuntimeError("expected")
