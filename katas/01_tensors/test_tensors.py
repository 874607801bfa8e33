"""Tests for kata 01: making tensors, NumPy interop, *_like fills, reading attributes."""

import numpy as np
import pytest
import torch

from torchkatas.harness import assert_tensor_close, load_kata

kata = load_kata(__file__)

DTYPES = [torch.float32, torch.float64, torch.float16, torch.int64, torch.int32, torch.uint8]
NP_DTYPES = [np.float64, np.float32, np.int32, np.int64, np.uint8]


def random_shape(gen: torch.Generator, max_dims: int = 4) -> tuple[int, ...]:
    ndim = int(torch.randint(0, max_dims + 1, (1,), generator=gen))
    return tuple(torch.randint(1, 5, (ndim,), generator=gen).tolist())


def random_tensor(gen: torch.Generator, device, dtype, shape) -> torch.Tensor:
    values = torch.randn(shape, generator=gen) * 50
    return values.to(dtype).to(device)


# ----------------------------------------------------------------------------- task 1


def _describe(t: torch.Tensor, what: str) -> dict:
    __tracebackhide__ = True
    try:
        info = kata.describe(t)
    except TypeError as err:
        raise AssertionError(
            f"{what} raised TypeError: {err}. Likely mistake: len(t) for the number of "
            f"dimensions; a 0-d tensor has no len(). Use t.dim() or t.ndim."
        ) from err
    if not isinstance(info, dict):
        raise AssertionError(f"{what} should return a dict, got {type(info).__name__}.")
    return info


def _check_info(info: dict, t: torch.Tensor, what: str) -> None:
    __tracebackhide__ = True
    expected = {
        "shape": tuple(int(s) for s in t.shape),
        "dtype": t.dtype,
        "device": t.device,
        "layout": t.layout,
        "ndim": t.dim(),
        "numel": t.numel(),
    }
    if set(info) != set(expected):
        raise AssertionError(
            f"{what} returned keys {sorted(info)}, expected exactly {sorted(expected)}."
        )
    kinds = {"shape": tuple, "dtype": torch.dtype, "device": torch.device, "layout": torch.layout}
    for key, kind in kinds.items():
        if not isinstance(info[key], kind):
            raise AssertionError(
                f"{what}[{key!r}] is {info[key]!r} of type {type(info[key]).__name__}, expected "
                f"a {kind.__module__}.{kind.__name__} ({expected[key]!r}). Likely mistake: "
                f"str() of the attribute; report the torch.device / torch.dtype object itself."
            )
    for key in ("ndim", "numel"):
        if type(info[key]) is not int:
            raise AssertionError(
                f"{what}[{key!r}] is {info[key]!r} of type {type(info[key]).__name__}, "
                f"expected the Python int {expected[key]}."
            )
    for key, value in expected.items():
        if info[key] != value:
            raise AssertionError(
                f"{what}[{key!r}] is {info[key]!r}, expected {value!r}. Likely mistake: "
                + {
                    "layout": "a hard-coded layout; read t.layout (a sparse tensor is "
                    "torch.sparse_coo).",
                    "numel": "counting only the first dimension; numel() is the product.",
                    "ndim": "len(t) is the size of the first dimension; the number of "
                    "dimensions is t.dim() (or t.ndim).",
                }.get(key, "reading the wrong attribute.")
            )


@pytest.mark.task(1)
@pytest.mark.parametrize("seed", range(3))
def test_describe_reports_attributes_exactly(seed, device):
    gen = torch.Generator().manual_seed(seed)
    for dtype in DTYPES:
        t = random_tensor(gen, device, dtype, random_shape(gen))
        what = f"describe(t) for t of shape {tuple(t.shape)}, {dtype}"
        _check_info(_describe(t, what), t, what)


@pytest.mark.task(1)
def test_describe_zero_dim_tensor(device):
    t = torch.tensor(3.5, device=device)
    what = "describe(torch.tensor(3.5)), a 0-d tensor"
    _check_info(_describe(t, what), t, what)


@pytest.mark.task(1)
def test_describe_non_contiguous_and_sparse(device):
    gen = torch.Generator().manual_seed(7)
    dense = random_tensor(gen, device, torch.float32, (3, 5))
    mask = torch.rand(3, 5, generator=gen).to(device) < 0.4
    for t, name in [
        (dense.t(), "a transposed tensor"),
        ((dense * mask).to_sparse(), "a COO tensor"),
    ]:
        what = f"describe(t) for {name} of shape {tuple(t.shape)}"
        _check_info(_describe(t, what), t, what)


# ----------------------------------------------------------------------------- task 2


def random_nested(gen: torch.Generator, kind: str, shape: tuple[int, ...]):
    flat = torch.randn(shape, generator=gen)
    if kind == "int":
        return (flat * 100).long().tolist()
    if kind == "bool":
        return (flat > 0).tolist()
    if kind == "mixed":  # ints with one float: torch promotes everything to float
        values = (flat * 100).long().tolist()
        row = values
        while isinstance(row[0], list):
            row = row[0]
        row[0] = float(row[0]) + 0.5
        return values
    return flat.tolist()


@pytest.mark.task(2)
@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize(
    "kind, dtype",
    [
        ("int", torch.int64),
        ("float", torch.float32),
        ("bool", torch.bool),
        ("mixed", torch.float32),
    ],
)
def test_from_list_infers_dtype_and_keeps_values(seed, kind, dtype, device):
    gen = torch.Generator().manual_seed(seed)
    shape = random_shape(gen, 3) or (1,)
    data = random_nested(gen, kind, shape)
    got = kata.from_list(data, device)
    what = f"from_list(data, device) for a {kind} list of shape {shape}"
    if isinstance(got, torch.Tensor) and got.dtype != dtype:
        raise AssertionError(
            f"{what} gave dtype {got.dtype}, expected {dtype}. Likely mistake: "
            + (
                "torch.Tensor(data), which always makes float32 (the default dtype); "
                "torch.tensor(data) infers the dtype from the values."
                if got.dtype == torch.float32
                else "a dtype= that should be left to torch's inference."
            )
        )
    assert_tensor_close(got, torch.tensor(data, device=device), what=what)


# ----------------------------------------------------------------------------- task 3


def random_array(seed: int, np_dtype) -> np.ndarray:
    rng = np.random.default_rng(seed)
    shape = tuple(int(s) for s in rng.integers(1, 5, size=int(rng.integers(1, 4))))
    return (rng.standard_normal(shape) * 50).astype(np_dtype)


def _check_numpy_result(got, array: np.ndarray, device, what: str) -> None:
    __tracebackhide__ = True
    expected = torch.from_numpy(array.copy()).to(device)
    if isinstance(got, torch.Tensor) and got.dtype != expected.dtype:
        raise AssertionError(
            f"{what} gave dtype {got.dtype} for a NumPy {array.dtype} array, expected "
            f"{expected.dtype}. Likely mistake: torch.Tensor(array) or dtype=torch.float, which "
            f"convert; torch.from_numpy and torch.tensor keep NumPy's dtype."
        )
    assert_tensor_close(got, expected, what=what)


@pytest.mark.task(3)
@pytest.mark.parametrize("np_dtype", NP_DTYPES, ids=lambda d: d.__name__)
def test_shared_from_numpy_shares_memory(np_dtype):
    array = random_array(1, np_dtype)
    what = f"shared_from_numpy(array) for a {array.dtype} array of shape {array.shape}"
    got = kata.shared_from_numpy(array)
    _check_numpy_result(got, array, torch.device("cpu"), what)
    array.flat[0] = array.flat[0] + 1  # write through NumPy...
    if got.flatten()[0].item() != array.flat[0]:
        raise AssertionError(
            f"{what}: a write to array[0] did not show through in the tensor (it holds "
            f"{got.flatten()[0].item()}, array holds {array.flat[0]}). Likely mistake: "
            f"torch.tensor(array) copies; torch.from_numpy(array) shares the memory."
        )
    got.view(-1)[-1] = 7  # ...and through torch
    if array.flat[-1] != 7:
        raise AssertionError(f"{what}: a write to the tensor did not show through in array.")


@pytest.mark.task(3)
@pytest.mark.parametrize("np_dtype", NP_DTYPES, ids=lambda d: d.__name__)
def test_copied_from_numpy_is_independent(np_dtype, device):
    array = random_array(2, np_dtype)
    before = array.copy()
    what = f"copied_from_numpy(array, {device}) for a {array.dtype} array of shape {array.shape}"
    got = kata.copied_from_numpy(array, device)
    _check_numpy_result(got, array, device, what)
    array += 3  # write through NumPy: the copy must not see it
    assert_tensor_close(
        got,
        torch.from_numpy(before).to(device),
        what=f"{what}, after adding 3 to array",
        mistake="the tensor shares memory with array (torch.from_numpy or torch.as_tensor on "
        "CPU); torch.tensor(array) makes a copy.",
    )


# ----------------------------------------------------------------------------- task 4


def _noise_like(t: torch.Tensor, what: str) -> torch.Tensor:
    __tracebackhide__ = True
    try:
        return kata.noise_like(t)
    except NotImplementedError as err:
        if str(err).startswith("TODO"):
            raise  # the stub: not started
        raise AssertionError(
            f"{what} raised NotImplementedError: {err}. Likely mistake: torch.rand_like(t) on "
            f"an integer tensor (or a bool one); random floats need a floating dtype=."
        ) from err


@pytest.mark.task(4)
@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize(
    "dtype, expected",
    [
        (torch.float32, torch.float32),
        (torch.float16, torch.float16),
        (torch.float64, torch.float64),
        (torch.int64, torch.float64),
        (torch.int32, torch.float64),
        (torch.bool, torch.float64),
    ],
)
def test_noise_like_shape_dtype_device_range(seed, dtype, expected, device):
    gen = torch.Generator().manual_seed(seed)
    shape = (int(torch.randint(20, 40, (1,), generator=gen)), 3)
    t = random_tensor(gen, device, dtype, shape)
    t_before = t.clone()
    what = f"noise_like(t) for t of shape {shape}, {dtype}"
    got = _noise_like(t, what)
    if not isinstance(got, torch.Tensor) or got.shape != t.shape or got.device != t.device:
        raise AssertionError(
            f"{what} returned {got!r:.80}, expected a tensor of shape {shape} on {device}."
        )
    if got.dtype != expected:
        raise AssertionError(
            f"{what} gave dtype {got.dtype}, expected {expected}. Likely mistake: "
            + (
                "torch.float is float32; dtype=float (Python's float) is torch.float64."
                if got.dtype == torch.float32
                else "a fixed dtype= for every t; a floating t keeps its own dtype."
            )
        )
    if not (got.min() >= 0 and got.max() < 1) or got.unique().numel() < got.numel() // 2:
        raise AssertionError(
            f"{what} should hold distinct uniform values in [0, 1), got min {got.min().item()}, "
            f"max {got.max().item()}. Likely mistake: randn (normal) or a constant fill."
        )
    assert_tensor_close(t, t_before, what=f"t after {what}", mistake="t was changed in place.")


@pytest.mark.task(4)
def test_noise_like_keeps_device_on_meta():
    t = torch.empty(4, 5, dtype=torch.int64, device="meta")
    what = "noise_like(t) for an int64 t on the meta device"
    got = _noise_like(t, what)
    if not isinstance(got, torch.Tensor) or got.device != t.device:
        where = got.device if isinstance(got, torch.Tensor) else type(got).__name__
        raise AssertionError(
            f"{what} gave a result on {where}, expected meta. Likely mistake: "
            f"torch.rand(t.shape), which makes a new tensor on the default device; rand_like "
            f"follows t."
        )
    if got.dtype != torch.float64:
        raise AssertionError(
            f"{what} gave dtype {got.dtype}, expected torch.float64. Likely mistake: "
            f"dtype=torch.float (float32) or no dtype= at all; Python's float means float64."
        )


@pytest.mark.task(4)
@pytest.mark.parametrize("seed", range(3))
def test_filled_like_keeps_dtype_and_device(seed, device):
    gen = torch.Generator().manual_seed(seed)
    for dtype in [torch.float32, torch.float64, torch.int64, torch.int32]:
        t = random_tensor(gen, device, dtype, random_shape(gen))
        value = float(torch.randn((), generator=gen) * 10)
        got = kata.filled_like(t, value)
        expected = torch.full(t.shape, value, device=device).to(dtype)
        assert_tensor_close(
            got,
            expected,
            what=f"filled_like(t, {value:.4f}) for t of shape {tuple(t.shape)}, {dtype}",
            mistake="torch.full(t.shape, value) infers the dtype from value and uses the default "
            "device; torch.full_like follows t.",
        )
