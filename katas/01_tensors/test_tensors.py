"""Tests for kata 01: making tensors, NumPy interop, *_like fills, reading attributes."""

import numpy as np
import pytest
import torch

from torchkatas.harness import assert_tensor_close, load_kata, not_started_site

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
    before = _snapshot(t)
    try:
        info = kata.describe(t)
    except NotImplementedError:
        raise
    except RuntimeError as err:
        if "view size is not compatible" not in str(err):
            raise
        raise AssertionError(
            f"{what} raised RuntimeError: {err}. Likely mistake: t.view(...) (to count the "
            f"elements, say) on a non-contiguous tensor, which view() refuses; t.numel() and "
            f"t.dim() work on any tensor."
        ) from err
    except TypeError as err:
        if "len() of a 0-d tensor" not in str(err):
            raise
        raise AssertionError(
            f"{what} raised TypeError: {err}. Likely mistake: len(t) for the number of "
            f"dimensions or elements; a 0-d tensor has no len(). Use t.dim() and t.numel()."
        ) from err
    if not isinstance(info, dict):
        raise AssertionError(f"{what} should return a dict, got {type(info).__name__}.")
    changed = [key for key, value in _snapshot(t).items() if value != before[key]]
    if changed:
        raise AssertionError(
            f"{what} changed the caller's t: its {', '.join(changed)}. describe() only reads "
            f"attributes. Likely mistake: an in-place call on t (a method ending in _, such as "
            f"unsqueeze_ or requires_grad_)."
        )
    return info


def _snapshot(t: torch.Tensor) -> dict:
    """What describe(t) must leave as it was: t's metadata, flags and values."""
    dense = t if t.layout == torch.strided else t.to_dense()
    return {
        "shape": tuple(t.shape),
        "strides": t.stride() if t.layout == torch.strided else None,
        "dtype": t.dtype,
        "device": t.device,
        "requires_grad": t.requires_grad,
        "values": dense.detach().cpu().tolist(),
    }


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
            got = info[key]
            raise AssertionError(
                f"{what}[{key!r}] is {got!r} of type {type(got).__name__}, expected "
                f"a {kind.__module__}.{kind.__name__} ({expected[key]!r}). Likely mistake: "
                + (
                    "str() of the attribute (or t.device.type, t.type()); report the "
                    "torch.device / torch.dtype / torch.layout object itself."
                    if isinstance(got, str)
                    else "list(t.shape), a list; tuple(t.shape) is the tuple asked for."
                    if key == "shape" and isinstance(got, list)
                    else f"reading the wrong attribute; t.{key} is the {kind.__name__}."
                )
            )
    for key in ("ndim", "numel"):
        got = info[key]
        if type(got) is not int:
            method = {"ndim": "dim", "numel": "numel"}[key]
            raise AssertionError(
                f"{what}[{key!r}] is {got!r} of type {type(got).__name__}, "
                f"expected the Python int {expected[key]}."
                + (
                    f" Likely mistake: t.{method} without the call parentheses: the bound "
                    f"method, not its result; t.{method}() is the int."
                    if callable(got)
                    else " Likely mistake: np.prod(t.shape) (or another NumPy call), which gives "
                    "a NumPy scalar, and the float 1.0 for a 0-d tensor's shape (); "
                    "t.numel() is a Python int."
                    if type(got).__module__ == "numpy"
                    else " Likely mistake: a tensor (torch.tensor(t.shape).prod(), say); "
                    "t.numel() is a Python int."
                    if isinstance(got, torch.Tensor)
                    else ""
                )
            )
    first = int(t.shape[0]) if t.dim() else None  # what len(t) gives
    for key, value in expected.items():
        if info[key] != value:
            raise AssertionError(
                f"{what}[{key!r}] is {info[key]!r}, expected {value!r}. Likely mistake: "
                + {
                    "layout": "a hard-coded layout (or one chosen by t.is_sparse, which is "
                    "False for CSR); read t.layout.",
                    "numel": "counting only the first dimension (len(t) is "
                    f"{first}); numel() is the product of the sizes."
                    if info[key] == first
                    else "a count other than the product of the sizes (the storage's size, "
                    "a sparse tensor's stored values); t.numel() is the product.",
                    "ndim": "len(t) is the size of the first dimension; the number of "
                    "dimensions is t.dim() (or t.ndim)."
                    if info[key] == first
                    else "reading the wrong attribute; the number of dimensions is t.dim().",
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
        (dense[:, ::2], "a strided slice"),
        (dense[:0], "an empty tensor"),
        ((dense * mask).to_sparse(), "a COO tensor"),
        ((dense * mask).to_sparse_csr(), "a CSR tensor"),  # t.is_sparse is False for CSR
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
                "torch.Tensor(data), which always makes float32 (the default dtype), or a "
                "dtype=torch.float32; torch.tensor(data) infers the dtype from the values."
                if got.dtype == torch.float32
                else "a detour through NumPy (NumPy infers float64 for Python floats, and "
                "torch.from_numpy / torch.as_tensor keep it), or a dtype=torch.float64; "
                "torch.tensor(data) gives the default float dtype."
                if got.dtype == torch.float64
                else "a dtype= or a cast that should be left to torch's inference."
            )
        )
    assert_tensor_close(got, torch.tensor(data, device=device), what=what)


@pytest.mark.task(2)
def test_from_list_puts_the_tensor_on_the_device_asked_for():
    """from_list(data, device) makes the tensor on device, here the meta device"""
    device = torch.device("meta")  # a device no tensor lands on by default, even on a CPU box
    data = [[1, 2, 3], [4, 5, 6]]
    got = kata.from_list(data, device)
    what = f"from_list({data}, {device})"
    if not isinstance(got, torch.Tensor):
        raise AssertionError(f"{what} returned {type(got).__name__}, expected a tensor.")
    if got.device != device:
        raise AssertionError(
            f"{what} gave a tensor on {got.device}, expected {device}. Likely mistake: "
            f"device= left out (or a fixed device): the tensor lands on the default device; "
            f"torch.tensor(data, device=device) makes it where asked."
        )
    if got.shape != (2, 3) or got.dtype != torch.int64:
        raise AssertionError(
            f"{what} gave shape {tuple(got.shape)}, {got.dtype}; expected (2, 3), torch.int64."
        )


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
            f"{expected.dtype}. Likely mistake: "
            + (
                "torch.Tensor(array) or dtype=torch.float, which convert to float32, or a "
                "round trip through array.tolist(), after which torch infers float32 "
                "for floats; "
                if got.dtype == torch.float32
                else "a round trip through array.tolist(), after which torch infers int64 "
                "for ints, or a dtype= / .long(); "
                if got.dtype == torch.int64
                else "a dtype= or a cast; "
            )
            + "torch.from_numpy and torch.tensor(array) keep NumPy's dtype."
        )
    assert_tensor_close(got, expected, what=what)


def _check_shared(got: torch.Tensor, array: np.ndarray, what: str, mistake: str) -> None:
    """A write through NumPy shows in the tensor, and one through torch shows in the array."""
    __tracebackhide__ = True
    array.flat[0] = array.flat[0] + 1  # write through NumPy...
    if got.flatten()[0].item() != array.flat[0]:
        raise AssertionError(
            f"{what}: a write to array[0] did not show through in the tensor (it holds "
            f"{got.flatten()[0].item()}, array holds {array.flat[0]}). Likely mistake: "
            f"{mistake}"
        )
    got[(-1,) * got.dim()] = 7  # ...and through torch
    if array.flat[-1] != 7:
        raise AssertionError(f"{what}: a write to the tensor did not show through in array.")


@pytest.mark.task(3)
@pytest.mark.parametrize("np_dtype", NP_DTYPES, ids=lambda d: d.__name__)
def test_shared_from_numpy_shares_memory(np_dtype):
    array = random_array(1, np_dtype)
    what = f"shared_from_numpy(array) for a {array.dtype} array of shape {array.shape}"
    got = kata.shared_from_numpy(array)
    _check_numpy_result(got, array, torch.device("cpu"), what)
    _check_shared(
        got,
        array,
        what,
        "a copy on the way (torch.tensor(array) and array.copy() copy); torch.from_numpy(array) "
        "shares the memory.",
    )
    # torch.as_tensor wraps a CPU array of a torch dtype without a copy too: the same address
    if torch.as_tensor(array).data_ptr() != got.data_ptr():
        raise AssertionError(
            f"{what}: the tensor does not start at the array's memory (torch.as_tensor(array), "
            f"which shares it, starts at {torch.as_tensor(array).data_ptr():#x}, yours at "
            f"{got.data_ptr():#x}). Likely mistake: a copy of the array."
        )


@pytest.mark.task(3)
@pytest.mark.parametrize("layout", ["transposed", "strided slice"])
def test_shared_from_numpy_shares_a_non_contiguous_array(layout):
    """shared_from_numpy shares memory with a transposed or sliced array too (no copy)"""
    base = np.random.default_rng(3).standard_normal((4, 6))  # no size-1 dimension
    array = base.T if layout == "transposed" else base[:, ::2]
    what = f"shared_from_numpy(array) for a {layout} array of shape {array.shape}"
    got = kata.shared_from_numpy(array)
    _check_numpy_result(got, array, torch.device("cpu"), what)
    _check_shared(
        got,
        array,
        what,
        "a contiguous copy first (np.ascontiguousarray, .copy(), torch.tensor): "
        "torch.from_numpy wraps any array with non-negative strides, keeping its strides.",
    )


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
        if not_started_site(err) is not None:
            raise  # the stub's own TODO: not started
        raise AssertionError(
            f"{what} raised NotImplementedError: {err}. Likely mistake: torch.rand_like(t) on "
            f"an integer tensor (or a bool one), or uniform_ on one: random floats need a "
            f"floating dtype=."
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
                "dtype=torch.float, or a .float() of t: torch.float is float32; dtype=float "
                "(Python's float) is torch.float64."
                if got.dtype == torch.float32 and not dtype.is_floating_point
                else "a fixed dtype= (or a cast) for every t; a floating t keeps its own dtype."
            )
        )
    if not (got.min() >= 0 and got.max() < 1):
        raise AssertionError(
            f"{what} should hold uniform values in [0, 1), got min {got.min().item()}, max "
            f"{got.max().item()}. Likely mistake: randn (normal, unbounded) instead of rand."
        )
    if got.unique().numel() < got.numel() // 2:
        raise AssertionError(
            f"{what} should hold distinct random values, got {got.unique().numel()} distinct "
            f"values in {got.numel()}. Likely mistake: a constant fill instead of rand_like."
        )
    assert_tensor_close(
        t,
        t_before,
        what=f"t after {what}",
        mistake="t was changed in place (t.uniform_() or t.copy_(...) writes into the caller's "
        "t); torch.rand_like makes a new tensor.",
    )


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
        t_before = t.clone()
        got = kata.filled_like(t, value)
        if not torch.equal(t, t_before):
            raise AssertionError(
                f"filled_like(t, {value:.4f}) changed the caller's t (its values are now "
                f"{t.flatten()[:3].tolist()}...). Likely mistake: t.fill_(value), which writes "
                f"into t and returns it; torch.full_like makes a new tensor."
            )
        if isinstance(got, torch.Tensor) and got.dtype != dtype:
            raise AssertionError(
                f"filled_like(t, {value:.4f}) for a {dtype} t gave dtype {got.dtype}, expected "
                f"{dtype}. Likely mistake: torch.full(t.shape, value) without dtype= (it infers "
                f"the dtype from value), or arithmetic such as torch.ones_like(t) * value (an "
                f"integer tensor times a float is promoted to float); torch.full_like(t, value) "
                f"keeps t's dtype."
            )
        expected = torch.full(t.shape, value, device=device).to(dtype)
        assert_tensor_close(
            got,
            expected,
            what=f"filled_like(t, {value:.4f}) for t of shape {tuple(t.shape)}, {dtype}",
            mistake="torch.full(t.shape, value) infers the dtype from value and uses the default "
            "device; torch.full_like follows t.",
        )


# ----------------------------------------------------------------------------- task 5


NUMPY_DTYPES = [
    torch.float32,
    torch.float64,
    torch.float16,
    torch.int64,
    torch.int32,
    torch.uint8,
    torch.bool,
    torch.complex64,
]


def _to_numpy(t: torch.Tensor, what: str) -> np.ndarray:
    """Call to_numpy(t); explain torch's and NumPy's refusals the docstring asks to avoid."""
    __tracebackhide__ = True
    try:
        got = kata.to_numpy(t)
    except NotImplementedError:
        raise
    except RuntimeError as err:
        if "requires grad" not in str(err):
            raise
        raise AssertionError(
            f"{what} raised RuntimeError: {str(err).rstrip('.')}. Expected an array of t's "
            f"values. Likely mistake: .numpy() on a tensor that requires grad: detach() first "
            f"(t.detach() shares t's memory, so the array still does)."
        ) from err
    except TypeError as err:
        if "BFloat16" in str(err):
            raise AssertionError(
                f"{what} raised TypeError: {err}. Expected a float32 array: NumPy has no "
                f"bfloat16, so convert with .float() first (float32 holds every bfloat16 "
                f"value exactly)."
            ) from err
        if "cuda" in str(err).lower():
            raise AssertionError(
                f"{what} raised TypeError: {err}. Expected a CPU copy. Likely mistake: "
                f".numpy() on a CUDA tensor; copy it to the CPU with .cpu() first."
            ) from err
        raise
    except DeprecationWarning as err:
        if "__array__" not in str(err):
            raise
        raise AssertionError(
            f"{what}: NumPy warned (warnings are errors here): {str(err).split(',')[0]}. Likely "
            f"mistake: np.array(t), which copies through torch's __array__ (and warns under "
            f"NumPy 2); t.numpy() gives the array without a copy."
        ) from err
    if not isinstance(got, np.ndarray):
        raise AssertionError(f"{what} returned {type(got).__name__}, expected a numpy.ndarray.")
    return got


def _expected_numpy_dtype(dtype: torch.dtype) -> np.dtype:
    if dtype == torch.bfloat16:
        return np.dtype(np.float32)
    return torch.empty(0, dtype=dtype).numpy().dtype


def _check_array(got: np.ndarray, t: torch.Tensor, what: str) -> None:
    __tracebackhide__ = True
    want = _expected_numpy_dtype(t.dtype)
    if got.shape != tuple(t.shape):
        raise AssertionError(
            f"{what} gave an array of shape {got.shape}, expected {tuple(t.shape)}. Likely "
            f"mistake: a flatten, squeeze or tolist() on the way."
        )
    if got.dtype != want:
        raise AssertionError(
            f"{what} gave dtype {got.dtype}, expected {want} (NumPy's {t.dtype}). Likely "
            f"mistake: a cast (.float(), .double(), tolist() and back); t.numpy() keeps the "
            f"dtype."
        )
    expected = torch.from_numpy(got.copy())  # a C-ordered copy, 0-d kept 0-d
    if not torch.equal(expected, t.detach().cpu().to(expected.dtype)):
        raise AssertionError(f"{what} gave an array whose values differ from t's.")


def _random_for(dtype: torch.dtype, shape, seed: int) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    if dtype == torch.bool:
        return torch.rand(shape, generator=gen) < 0.5
    if dtype.is_complex:
        return torch.randn(shape, generator=gen, dtype=dtype)
    return (torch.randn(shape, generator=gen) * 50).to(dtype)


LAYOUTS = {
    "contiguous": lambda t: t,
    "0-d": lambda t: t[0, 0],
    "transposed": lambda t: t.t(),
    "strided slice": lambda t: t[::2, 1:],
}


@pytest.mark.task(5)
@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("dtype", NUMPY_DTYPES, ids=str)
def test_to_numpy_shares_a_cpu_tensors_memory(dtype, layout):
    """to_numpy of a CPU tensor shares its memory: a write to either shows in the other"""
    t = LAYOUTS[layout](_random_for(dtype, (4, 3), seed=len(layout)))
    what = f"to_numpy(t) for a {layout} CPU tensor of shape {tuple(t.shape)}, {dtype}"
    got = _to_numpy(t, what)
    _check_array(got, t, what)
    first = (0,) * t.dim()
    new = (not t[first].item()) if dtype == torch.bool else t[first].item() + 1
    got[first] = new  # write through NumPy...
    if t[first].item() != got[first].item():
        raise AssertionError(
            f"{what}: a write to the array did not show in t: the result is a copy. Likely "
            f"mistake: a copy on the way (.copy(), .clone(), .contiguous(), np.array(t), "
            f"tolist()); t.numpy() shares t's memory."
        )
    last = (-1,) * t.dim()
    t[last] = t[first]  # ...and through torch
    if got[last].item() != t[last].item():
        raise AssertionError(f"{what}: a write to t did not show in the array.")
    # torch.as_tensor wraps an array of a torch dtype without a copy: back at t's own memory
    if torch.as_tensor(got).data_ptr() != t.data_ptr():
        raise AssertionError(
            f"{what}: torch.as_tensor(result) (which shares the array's memory) does not start "
            f"at t's memory. Likely mistake: a copy on the way."
        )


@pytest.mark.task(5)
@pytest.mark.parametrize("kind", ["leaf", "non-leaf"])
def test_to_numpy_detaches_a_tensor_that_requires_grad(kind, device):
    """to_numpy of a tensor that requires grad: its values, without touching its flags"""
    leaf = _random_for(torch.float32, (3, 4), seed=5).to(device).requires_grad_(True)
    t = leaf if kind == "leaf" else leaf * 2
    what = f"to_numpy(t) for a {kind} tensor on {device.type} that requires grad"
    got = _to_numpy(t, what)
    if not t.requires_grad:
        raise AssertionError(
            f"{what} changed the caller's t: it no longer requires grad. Likely mistake: "
            f"t.detach_() or t.requires_grad_(False) on the caller's tensor; t.detach() is a "
            f"new tensor and leaves t as it was."
        )
    _check_array(got, t, what)
    if device.type == "cpu":
        got[0, 0] += 1
        if t[0, 0].item() != got[0, 0].item():
            raise AssertionError(
                f"{what}: a write to the array did not show in t: the result is a copy. Likely "
                f"mistake: a copy on the way (.clone(), .copy()); t.detach() shares t's memory."
            )


@pytest.mark.task(5)
def test_to_numpy_of_bfloat16_is_an_exact_float32_array(device):
    """to_numpy of a bfloat16 tensor: float32 (NumPy has no bfloat16), every value exact"""
    values = [1.5, -0.0078125, 3.0e38, -1.0e-38, 65536.0, float("inf"), float("nan"), 0.0]
    t = torch.tensor(values, dtype=torch.bfloat16, device=device)
    what = f"to_numpy(t) for a bfloat16 tensor on {device.type} holding {values}"
    got = _to_numpy(t, what)
    if got.dtype != np.float32:
        raise AssertionError(
            f"{what} gave dtype {got.dtype}, expected float32. Likely mistake: "
            + {
                "float16": "float16 cannot hold bfloat16's range (its largest value is "
                "65504, so 3e38 becomes inf and 1e-38 becomes 0); float32 holds every "
                "bfloat16 value.",
                "float64": "float64 holds every value too, but the docstring promises float32, "
                "half the memory and still exact.",
            }.get(str(got.dtype), "a conversion to the wrong dtype; .float() gives float32.")
        )
    expected = t.float().cpu().numpy()
    if got.shape != expected.shape or not np.array_equal(got, expected, equal_nan=True):
        raise AssertionError(
            f"{what} gave {got.tolist()}, expected {expected.tolist()} (each bfloat16 value "
            f"exactly, in float32)."
        )
    if t.dtype != torch.bfloat16 or t.device != device:
        raise AssertionError(
            f"{what} changed the caller's t (now {t.dtype} on {t.device}). Likely mistake: an "
            f"in-place conversion on the caller's tensor."
        )


@pytest.mark.task(5)
def test_to_numpy_leaves_the_callers_tensor_untouched(device):
    t = _random_for(torch.float64, (2, 5), seed=6).to(device).requires_grad_(True)
    t.grad = torch.full_like(t, 7.0)
    before, grad_before = t.detach().clone(), t.grad.clone()
    what = f"to_numpy(t) for a leaf on {device.type} that requires grad and holds a .grad"
    got = _to_numpy(t, what)
    changed = [
        name
        for name, same in [
            ("requires_grad", t.requires_grad),
            ("is_leaf", t.is_leaf),
            ("device", t.device == before.device),
            ("dtype", t.dtype == before.dtype),
            (".grad", t.grad is not None and torch.equal(t.grad, grad_before)),
            ("values", torch.equal(t.detach(), before)),
        ]
        if not same
    ]
    if changed:
        raise AssertionError(
            f"{what} changed the caller's t: its {', '.join(changed)}. Likely mistake: an "
            f"in-place call on t (t.detach_(), t.requires_grad_(False), t.grad = None); work "
            f"on t.detach(), a new tensor over the same memory."
        )
    _check_array(got, t, what)


@pytest.mark.task(5)
@pytest.mark.cuda
def test_to_numpy_copies_a_cuda_tensor_to_the_cpu(device):
    """to_numpy of a CUDA tensor: a CPU copy; a write to it leaves t unchanged"""
    t = _random_for(torch.float32, (3, 4), seed=7).to(device)
    before = t.clone()
    what = f"to_numpy(t) for a tensor on {t.device}"
    got = _to_numpy(t, what)
    _check_array(got, t, what)
    got += 1
    if not torch.equal(t, before) or t.device != before.device:
        raise AssertionError(f"{what}: t changed after a write to the array, or moved device.")
