"""What a kata's tests use: the implementation under test, tensor checks, forbidden calls.

A test file starts with::

    from torchkatas.harness import load_kata, assert_tensor_close
    kata = load_kata(__file__)          # the module under test, loaded lazily by path

and calls `kata.derivative(...)`. Which file that is (the learner's stub, the solution, a
teacher's folder, or a planted mistake) is decided by the pytest plugin, never by the test.
"""

from __future__ import annotations

import ast
import contextlib
import importlib.util
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from torchkatas import index

# ----------------------------------------------------------------------------- where code lives


@dataclass
class _Config:
    """Set once by the pytest plugin: where implementations are read from."""

    impl_root: Path = index.ROOT / "katas"
    repo_root: Path = index.ROOT
    # kata id -> the mistake file overlaid on the solution for the running test, if any
    variant: dict[str, Path] = field(default_factory=dict)


CONFIG = _Config()


class KataImportError(Exception):
    """The module under test does not import; the message says where and why."""


class MissingFunction(Exception):
    """The module under test lacks a name the kata's tests need."""


def display(path: Path) -> str:
    """A path as the learner would type it: relative to the repository when inside it."""
    try:
        return str(path.resolve().relative_to(CONFIG.repo_root.resolve()))
    except ValueError:
        return str(path)


_loaded: dict[Path, ModuleType] = {}


def module_name_for(path: Path) -> str:
    """A unique, stable module name for a file, so equal basenames never collide."""
    parts = path.resolve().with_suffix("").parts[-4:]
    return "kata_impl." + ".".join(p.replace("-", "_").replace(".", "_") for p in parts)


def load_path(path: Path) -> ModuleType:
    """Import the file at `path` as its own module (cached); KataImportError if it fails."""
    path = path.resolve()
    if path in _loaded:
        return _loaded[path]
    if not path.is_file():
        raise KataImportError(
            f"{display(path)} does not exist (is kata {path.parent.name} missing from "
            f"{display(path.parent.parent)}?)"
        )
    name = module_name_for(path)
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # so pickling (DataLoader workers, spawn) can find classes
    try:
        spec.loader.exec_module(module)
    except SyntaxError as err:
        del sys.modules[name]
        raise KataImportError(
            f"{display(path)} has a syntax error at line {err.lineno}: {err.msg}"
        ) from None
    except BaseException as err:
        del sys.modules[name]
        lines = [f.lineno for f in _frames(err.__traceback__) if f.filename == str(path)]
        at = f" (line {lines[-1]})" if lines else ""
        raise KataImportError(
            f"{display(path)} raised {type(err).__name__} while importing{at}: {err}"
        ) from err
    _loaded[path] = module
    return module


def _frames(tb: Any) -> list[Any]:
    import traceback

    return list(traceback.extract_tb(tb))


def public_api(path: Path) -> list[str]:
    """Top-level public functions and classes of a module file, read without importing it."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("_")
    ]


def solution_for(mistake_file: str | Path) -> ModuleType:
    """For a mistake module: the solution it is a variation of (solutions/NN_name/<module>.py)."""
    kata_dir = Path(mistake_file).resolve().parent.parent
    modules = [p for p in kata_dir.glob("*.py") if p.name != "__init__.py"]
    if len(modules) != 1:
        raise KataImportError(f"{display(kata_dir)} should hold exactly one solution module")
    return load_path(modules[0])


@dataclass(frozen=True)
class ImplRef:
    """A picklable pointer to a name in the implementation, for spawned processes."""

    path: Path
    overlay: Path | None
    name: str

    def resolve(self) -> Any:
        if self.overlay is not None:
            mistake = load_path(self.overlay)
            if self.name in vars(mistake):
                return getattr(mistake, self.name)
        return getattr(load_path(self.path), self.name)


class KataModule:
    """The implementation of one kata, resolved on each attribute access.

    Resolving late lets one pytest session run a kata's tests against many implementations
    (the mistakes gate) and keeps a broken learner module from breaking collection.
    """

    def __init__(self, kata_id: str, module: str) -> None:
        self._kata_id = kata_id
        self._module = module

    @property
    def path(self) -> Path:
        """The file under test (for a mistake: the solution it is overlaid on)."""
        root = self._base_root()
        return root / self._kata_id / f"{self._module}.py"

    def _base_root(self) -> Path:
        if self._kata_id in CONFIG.variant:
            return CONFIG.repo_root / "solutions"
        return CONFIG.impl_root

    @property
    def overlay(self) -> Path | None:
        return CONFIG.variant.get(self._kata_id)

    def module(self) -> ModuleType:
        return load_path(self.path)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return ImplRef(self.path, self.overlay, name).resolve()
        except AttributeError:
            raise MissingFunction(
                f"MISSING FUNCTION `{name}` in {display(self.path)}: did you rename it?"
            ) from None

    def ref(self, name: str) -> ImplRef:
        """A picklable reference to `name`, resolved the same way in a child process."""
        getattr(self, name)  # fail here, in the test, if it is missing
        return ImplRef(self.path, self.overlay, name)


def load_kata(test_file: str | Path) -> KataModule:
    """The module under test for the kata whose test file is `test_file`."""
    kata_dir = Path(test_file).resolve().parent
    stubs = [
        p
        for p in kata_dir.glob("*.py")
        if not p.name.startswith(("test_", "conftest")) and p.name != "__init__.py"
    ]
    if len(stubs) != 1:
        raise RuntimeError(f"{kata_dir} should hold exactly one stub module, found {stubs}")
    return KataModule(kata_dir.name, stubs[0].stem)


# ----------------------------------------------------------------------------- checking tensors


def _fmt_shape(shape: Any) -> str:
    return "(" + ", ".join(str(int(s)) for s in shape) + ")"


def assert_tensor_close(
    actual: Any,
    expected: Any,
    *,
    what: str,
    mistake: str = "",
    rtol: float | None = None,
    atol: float | None = None,
    check_dtype: bool = True,
    check_device: bool = True,
    equal_nan: bool = False,
) -> None:
    """Fail with a teaching message unless `actual` matches `expected` (a tensor).

    `what` names the call under test ("derivative(f, x) for x of shape (3, 4)"); `mistake`
    names the likely cause, shown when the values (not the metadata) disagree.
    Tolerances default to torch.testing.assert_close's for the dtype.
    """
    __tracebackhide__ = True
    import torch

    def fail(problem: str, why: str = "") -> None:
        __tracebackhide__ = True
        raise AssertionError(f"{what}: {problem}" + (f" Likely mistake: {why}" if why else ""))

    if not isinstance(actual, torch.Tensor):
        fail(f"expected a torch.Tensor, got {type(actual).__name__}.")
    if actual.shape != expected.shape:
        fail(
            f"expected shape {_fmt_shape(expected.shape)}, got {_fmt_shape(actual.shape)}.",
            mistake or "a wrong reduction, transpose or broadcast.",
        )
    if check_dtype and actual.dtype != expected.dtype:
        fail(
            f"expected dtype {expected.dtype}, got {actual.dtype}.",
            "a cast or a new tensor made without dtype=.",
        )
    if check_device and actual.device != expected.device:
        fail(
            f"expected device {expected.device}, got {actual.device}.",
            "a tensor made without device= (use the input's .device).",
        )
    a = actual.detach()
    e = expected.detach().to(a.device)
    if a.dtype != e.dtype:
        common = torch.promote_types(a.dtype, e.dtype)
        a, e = a.to(common), e.to(common)
    if a.is_sparse or a.layout != torch.strided:
        a = a.to_dense()
    if e.is_sparse or e.layout != torch.strided:
        e = e.to_dense()
    try:
        torch.testing.assert_close(
            a, e, rtol=rtol, atol=atol, equal_nan=equal_nan, check_dtype=False, check_device=False
        )
    except AssertionError:
        if e.numel() == 0:
            raise
        diff = (a.double() - e.double()).abs()
        diff = torch.where(torch.isnan(diff), torch.full_like(diff, float("inf")), diff)
        worst = int(diff.flatten().argmax())
        pos = tuple(int(i) for i in torch.unravel_index(torch.tensor(worst), e.shape))
        n_bad = int((diff > (atol or 0) + (rtol or 0) * e.double().abs()).sum())
        fail(
            f"values differ: largest error {diff.flatten()[worst].item():.3g} at index "
            f"{pos} (got {a.flatten()[worst].item():.6g}, expected "
            f"{e.flatten()[worst].item():.6g}); {n_bad} of {e.numel()} elements off.",
            mistake,
        )


# ----------------------------------------------------------------------------- rules on calls


class ForbiddenCall(AssertionError):
    """The learner's code called a function the kata asks them to write themselves."""


def _resolve_dotted(dotted: str) -> tuple[Any, str, Any]:
    owner_name, _, attr = dotted.rpartition(".")
    owner: Any = importlib.import_module(owner_name.split(".")[0])
    for part in owner_name.split(".")[1:]:
        owner = getattr(owner, part)
    return owner, attr, getattr(owner, attr)


@contextlib.contextmanager
def forbid(*dotted: str, kata: KataModule | None = None, why: str = "") -> Iterator[None]:
    """Make calls to the named functions fail with ForbiddenCall inside the block.

    `forbid("torch.nn.utils.clip_grad_norm_", kata=kata)` patches the function where torch
    defines it, any alias in the learner's module globals, and (for torch operators) catches
    the call through a TorchFunctionMode, so `from torch.nn.utils import clip_grad_norm_`
    does not slip through.
    """
    from torch.overrides import TorchFunctionMode

    originals: dict[int, str] = {}
    patches: list[tuple[Any, str, Any]] = []

    def make_guard(name: str) -> Callable[..., Any]:
        def guard(*args: Any, **kwargs: Any) -> Any:
            raise ForbiddenCall(
                f"your code called {name}, which this kata asks you to write yourself. "
                + (why or "Implement it from simpler tensor operations.")
            )

        return guard

    for name in dotted:
        owner, attr, fn = _resolve_dotted(name)
        originals[id(fn)] = name
        patches.append((owner, attr, fn))
    if kata is not None:
        modules = [kata.module()]
        if kata.overlay is not None:  # a mistake overlaid on the solution has names too
            modules.append(load_path(kata.overlay))
        for module in modules:
            for attr, value in list(vars(module).items()):
                if id(value) in originals:
                    patches.append((module, attr, value))

    class Guard(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):  # type: ignore[override]
            if id(func) in originals:
                make_guard(originals[id(func)])()
            return func(*args, **(kwargs or {}))

    for owner, attr, fn in patches:
        setattr(owner, attr, make_guard(originals[id(fn)]))
    try:
        with Guard():
            yield
    finally:
        for owner, attr, fn in patches:
            setattr(owner, attr, fn)


@contextlib.contextmanager
def count_torch_calls() -> Iterator[Counter[str]]:
    """Count torch functions and Tensor methods called inside the block, by name.

    The counter fills in as the block runs: `calls["einsum"]`, `calls["matmul"]` (also
    counts `a @ b`), `calls["mT"]` (properties by their name), ...
    """
    from torch.overrides import TorchFunctionMode, resolve_name

    calls: Counter[str] = Counter()

    class Counting(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):  # type: ignore[override]
            name = resolve_name(func) or getattr(func, "__name__", repr(func))
            name = name.removesuffix(".__get__")  # properties: Tensor.mT.__get__ -> mT
            calls[name.rsplit(".", 1)[-1]] += 1
            return func(*args, **(kwargs or {}))

    with Counting():
        yield calls
