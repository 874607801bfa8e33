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
import functools
import importlib.machinery
import importlib.util
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FunctionType, ModuleType
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
    # True while a test runs (set by the plugin): the module under test loads only then,
    # under the test's timeout, never because pytest probed an attribute at collection
    in_test: bool = False
    current_test: str | None = None  # the running test's node id


CONFIG = _Config()


class KataImportError(Exception):
    """The module under test does not import; the message says where and why."""


class MissingFunction(AttributeError):
    """The module under test lacks a name the kata's tests need."""


class NotStarted(NotImplementedError):
    """The learner's stub raised NotImplementedError in another process (a rank, a worker).

    `function` and `path` say where, as the plugin reports it: "not implemented yet: f() in p".
    """

    def __init__(self, message: str, function: str, path: str) -> None:
        super().__init__(message)
        self.function = function
        self.path = path


def display(path: Path) -> str:
    """A path as the learner would type it: relative to the repository when inside it."""
    try:
        return str(path.resolve().relative_to(CONFIG.repo_root.resolve()))
    except ValueError:
        return str(path)


_loaded: dict[Path, ModuleType] = {}
_loaded_real: set[Path] = set()  # the same files, symlinks resolved (is_impl_file reads it)
_failed_imports: dict[Path, KataImportError] = {}  # imports that ran past a test's time limit


def _is_timeout(err: BaseException) -> bool:
    """pytest-timeout's failure (pytest's Failed, a BaseException), raised in the learner's code."""
    return type(err).__name__ == "Failed" and "Timeout" in str(err)


def module_name_for(path: Path) -> str:
    """A unique, stable module name for a file, so equal basenames never collide."""
    parts = path.resolve().with_suffix("").parts[-4:]
    return "kata_impl." + ".".join(p.replace("-", "_").replace(".", "_") for p in parts)


def load_path(path: Path) -> ModuleType:
    """Import the file at `path` as its own module (cached); KataImportError if it fails."""
    path = path.absolute()
    if path in _loaded:
        return _loaded[path]
    if path in _failed_imports:
        raise _failed_imports[path]
    if not path.is_file():
        raise KataImportError(
            f"{display(path)} does not exist (is kata {path.parent.name} missing from "
            f"{display(path.parent.parent)}?)"
        )
    name = module_name_for(path)
    # an explicit source loader: a module that is a link to a file not named .py still loads
    loader = importlib.machinery.SourceFileLoader(name, str(path))
    spec = importlib.util.spec_from_file_location(name, path, loader=loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # so pickling (DataLoader workers, spawn) can find classes
    try:
        loader.exec_module(module)
    except SyntaxError as err:
        del sys.modules[name]
        raise KataImportError(
            f"{display(path)} has a syntax error at line {err.lineno}: {err.msg}"
        ) from None
    except (KeyboardInterrupt, SystemExit):
        del sys.modules[name]
        raise  # Ctrl-C stops the run; it is not the learner's import failing
    except BaseException as err:
        del sys.modules[name]
        lines = [f.lineno for f in _frames(err.__traceback__) if f.filename == str(path)]
        at = f" (line {lines[-1]})" if lines else ""
        if _is_timeout(err):
            # every later test would wait as long again: fail them at once with this message
            _failed_imports[path] = KataImportError(
                f"{display(path)} took longer than the time limit while importing{at}: an "
                f"endless loop or a long wait at module level? Put work inside functions."
            )
            raise _failed_imports[path] from None
        raise KataImportError(
            f"{display(path)} raised {type(err).__name__} while importing{at}: {err}"
        ) from err
    _loaded[path] = module
    _loaded_real.add(path.resolve())
    return module


def _frames(tb: Any) -> list[Any]:
    import traceback

    return list(traceback.extract_tb(tb))


def is_impl_file(filename: str) -> bool:
    """Whether a traceback's file name is an implementation (the learner's, a solution or a
    mistake): loaded here, or a module file under the tree being tested (a DataLoader
    worker or a rank may have loaded it where this process never did)."""
    path = Path(filename).absolute()
    if path in _loaded or _real(path) in _loaded_real:
        return True
    trees = (CONFIG.impl_root, CONFIG.repo_root / "solutions")
    return (
        path.suffix == ".py"
        and not path.name.startswith("test_")
        and any(path.is_relative_to(tree.absolute()) for tree in trees)
    )


@functools.lru_cache(maxsize=4096)
def _real(path: Path) -> Path:
    """path with its symlinks resolved (a traceback names the same few files again and again)."""
    return path.resolve()


def _raise_lines(filename: str) -> set[int]:
    """The line numbers that belong to a `raise` statement in a source file."""
    try:
        tree = ast.parse(Path(filename).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
        return set()
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise):
            lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    return lines


def not_started_site(err: BaseException) -> tuple[str, str] | None:
    """(function, absolute file) when `err` is the stub's own NotImplementedError, else None.

    "Not started" means the learner's file raised it itself, in a `raise` statement (the
    stub's TODO); a NotImplementedError from inside torch, called by the learner, is a
    wrong answer like any other error.
    """
    if not isinstance(err, NotImplementedError):
        return None
    tb = err.__traceback__
    if tb is None:
        return None
    while tb.tb_next is not None:
        tb = tb.tb_next
    code = tb.tb_frame.f_code
    if not is_impl_file(code.co_filename) or tb.tb_lineno not in _raise_lines(code.co_filename):
        return None
    return getattr(code, "co_qualname", code.co_name), str(Path(code.co_filename).absolute())


def public_api(path: Path) -> list[str]:
    """Top-level public functions and classes of a module file, read without importing it."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("_")
    ]


def defined_names(path: Path) -> set[str] | None:
    """Names a module file defines at top level, read without importing (running) it.

    Functions, classes, assignments and imports, also inside top-level if/try/with blocks.
    None when that cannot be known from the text: a star import, or a file that does not
    parse or read (the import error is then reported by the tests themselves).
    """
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
        return None
    names: set[str] = set()

    def visit(body: list[ast.stmt]) -> bool:
        for node in body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
            elif isinstance(node, ast.Import | ast.ImportFrom):
                for alias in node.names:
                    if alias.name == "*":
                        return False
                    names.add((alias.asname or alias.name).split(".")[0])
            elif isinstance(node, ast.If | ast.Try | ast.With | ast.For | ast.While):
                blocks = [node.body, getattr(node, "orelse", []), getattr(node, "finalbody", [])]
                blocks += [h.body for h in getattr(node, "handlers", [])]
                if not all(visit(block) for block in blocks):
                    return False
        return True

    return names if visit(tree.body) else None


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
        if name.startswith("__") or not CONFIG.in_test:
            # dunder probes, and any probe outside a running test (pytest inspects module
            # attributes while collecting): never import the learner's file for them
            raise AttributeError(name)
        try:
            value = ImplRef(self.path, self.overlay, name).resolve()
        except AttributeError:
            raise MissingFunction(
                f"MISSING FUNCTION `{name}` in {display(self.path)}: did you rename it?"
            ) from None
        if isinstance(value, FunctionType):
            return Traced(value, (self.path, self.overlay, name))
        return value

    def ref(self, name: str) -> ImplRef:
        """A picklable reference to `name`, resolved the same way in a child process.

        A mistake that does not define `name` gets the solution's reference: the solution's
        function calls the solution's helpers, never the mistake's, so both refer to the
        same code, and caches keyed by the reference (one spawn of ranks per implementation)
        are shared instead of repeated.
        """
        getattr(self, name)  # fail here, in the test, if it is missing
        overlay = self.overlay
        if overlay is not None and name not in (defined_names(overlay) or {name}):
            overlay = None
        return ImplRef(self.path, overlay, name)


# ----------------------------------------------------------------------------- calls, for reports


@dataclass
class Call:
    """One call of a kata function by a test, as a report describes it."""

    text: str  # "derivative(f, x=tensor (3, 4) float64 cpu)"
    returned: str | None = None  # what came back, once it returned


@dataclass
class _Trace:
    calls: list[Call] = field(default_factory=list)  # this test's calls, in order
    hung: dict[tuple[Any, ...], str] = field(default_factory=dict)  # function -> test that hung


TRACE = _Trace()


def start_test() -> None:
    """Forget the previous test's calls (the plugin calls this as each test starts)."""
    TRACE.calls.clear()


def describe(value: Any) -> str:
    """A short account of a value for a report: a tensor's shape, dtype and device, ..."""
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(value, torch.Tensor):
        text = f"tensor {_fmt_shape(value.shape)} {str(value.dtype).removeprefix('torch.')}"
        text += f" {value.device}"
        if value.layout != torch.strided:
            text += f" {str(value.layout).removeprefix('torch.')}"
        if value.requires_grad:
            text += " requires_grad"
        return text
    if torch is not None and isinstance(value, torch.nn.Module):
        return f"{type(value).__name__}(...)"
    if isinstance(value, list | tuple):
        if len(value) > 4:
            return f"{type(value).__name__} of {len(value)}"
        inner = ", ".join(describe(v) for v in value)
        return (
            f"[{inner}]"
            if isinstance(value, list)
            else f"({inner}{',' if len(value) == 1 else ''})"
        )
    if isinstance(value, dict):
        keys = list(value)[:4]
        more = ", ..." if len(value) > 4 else ""
        return "{" + ", ".join(f"{k!r}: {describe(value[k])}" for k in keys) + more + "}"
    if value is None or isinstance(value, bool | int | float | complex | str | bytes):
        text = repr(value)
        return text if len(text) <= 40 else text[:37] + "..."
    if callable(value):
        name = getattr(value, "__name__", "")
        return name if name and not name.startswith("<") else "a function"
    return f"a {type(value).__name__}"


def _call_text(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    parts = [describe(a) for a in args] + [f"{k}={describe(v)}" for k, v in kwargs.items()]
    return f"{name}({', '.join(parts)})"


def _identity(value: Any) -> Any:
    return value


class Traced:
    """A function of the module under test, called through the harness.

    Behaves as the function (same name, signature, docstring; pickles as it), and records
    each call for the report of a failing test: what was called with what, and what came
    back. After a call ran past the test's time limit, later calls of the same function
    fail at once with the same message instead of waiting as long again.
    """

    def __init__(self, fn: FunctionType, key: tuple[Any, ...]) -> None:
        functools.update_wrapper(self, fn)
        self._fn = fn
        self._key = key

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True
        name = self._fn.__name__
        if self._key in TRACE.hung:
            raise Hung(
                f"{name}() already ran past the time limit in {TRACE.hung[self._key]}, so it "
                f"is not run again here: an endless loop, or a wait that never ends?"
            )
        call = Call(_call_text(name, args, kwargs))
        TRACE.calls.append(call)
        try:
            result = self._fn(*args, **kwargs)
        except BaseException as err:
            if _is_timeout(err):
                TRACE.hung[self._key] = CONFIG.current_test or "an earlier test"
            with contextlib.suppress(AttributeError, TypeError):
                if not hasattr(err, "kata_call"):
                    err.kata_call = call  # type: ignore[attr-defined]
            raise
        call.returned = describe(result)
        return result

    def __get__(self, obj: Any, objtype: Any = None) -> Any:
        return self if obj is None else functools.partial(self, obj)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_identity, (self._fn,))

    def __repr__(self) -> str:
        return repr(self._fn)


class Hung(AssertionError):
    """A kata function that already ran past a time limit was called again."""


def assert_raises(
    expected: type[BaseException] | tuple[type[BaseException], ...],
    fn: Callable[..., Any],
    *args: Any,
    what: str,
    mistake: str = "",
    match: str | None = None,
    **kwargs: Any,
) -> BaseException:
    """Call fn(*args, **kwargs) and fail with a teaching message unless it raises `expected`.

    `what` names the call and why it should fail ("one_hot(labels, 3) with a label of 3,
    out of range"); `mistake` names the likely cause when nothing or the wrong error comes.
    `match` is a regular expression the error's message must contain. Returns the error.
    NotImplementedError from the stub passes through untouched (not started).
    """
    __tracebackhide__ = True
    import re

    names = expected if isinstance(expected, tuple) else (expected,)
    wanted = " or ".join(e.__name__ for e in names)
    why = f" Likely mistake: {mistake}" if mistake else ""
    try:
        result = fn(*args, **kwargs)
    except NotImplementedError as err:
        # the stub's own TODO is "not started", even where RuntimeError (its base) is expected
        if not_started_site(err) is not None or not issubclass(NotImplementedError, names):
            raise
        return err
    except names as err:
        if match is not None and not re.search(match, str(err)):
            raise AssertionError(
                f"{what}: raised {type(err).__name__} as it should, but its message "
                f"{str(err)!r} does not say {match!r}." + why
            ) from None
        return err
    except Exception as err:
        raise AssertionError(
            f"{what}: expected {wanted}, but got {type(err).__name__}: {err}." + why
        ) from err
    raise AssertionError(f"{what}: expected {wanted}, but it returned {describe(result)}." + why)


def stub_files(kata_dir: Path) -> list[Path]:
    """The module files of a kata folder: every .py that is not a test or conftest."""
    return sorted(
        p
        for p in kata_dir.glob("*.py")
        if not p.name.startswith(("test_", "conftest")) and p.name != "__init__.py"
    )


def load_kata(test_file: str | Path) -> KataModule:
    """The module under test for the kata whose test file is `test_file`."""
    kata_dir = Path(test_file).resolve().parent
    stubs = stub_files(kata_dir)
    if len(stubs) != 1:
        raise RuntimeError(f"{kata_dir} should hold exactly one stub module, found {stubs}")
    return KataModule(kata_dir.name, stubs[0].stem)


# ----------------------------------------------------------------------------- checking tensors


def _default_tolerances(dtype: Any) -> tuple[float, float]:
    """(rtol, atol) by dtype, the defaults of torch.testing.assert_close.

    Written out here: torch.testing.assert_close imports torch's distributed-tensor package
    on its first call (over a second of every kata run's start-up).
    """
    import torch

    return {
        torch.float16: (1e-3, 1e-5),
        torch.bfloat16: (1.6e-2, 1e-5),
        torch.float32: (1.3e-6, 1e-5),
        torch.float64: (1e-7, 1e-7),
        torch.complex32: (1e-3, 1e-5),
        torch.complex64: (1.3e-6, 1e-5),
        torch.complex128: (1e-7, 1e-7),
    }.get(dtype, (0.0, 0.0))


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
    if (rtol is None) != (atol is None):
        raise ValueError("give both rtol and atol, or neither (as torch.testing.assert_close)")
    if rtol is None or atol is None:
        rtol, atol = _default_tolerances(a.dtype)
    if a.dtype.is_floating_point or a.dtype.is_complex:
        close = torch.isclose(a, e, rtol=rtol, atol=atol, equal_nan=equal_nan)
    else:  # integers and bools: exact
        close = a == e
    if not bool(close.all()):
        wide = torch.complex128 if a.dtype.is_complex else torch.float64
        diff = (a.to(wide) - e.to(wide)).abs()
        diff = torch.where(torch.isnan(diff), torch.full_like(diff, float("inf")), diff)
        diff = torch.where(close, torch.zeros_like(diff), diff)  # the worst of those off
        worst = int(diff.flatten().argmax())
        pos = tuple(int(i) for i in torch.unravel_index(torch.tensor(worst), e.shape))
        n_bad = int((~close).sum())
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
def forbid(
    *dotted: str, kata: KataModule | None = None, why: str = "", reason: str = ""
) -> Iterator[None]:
    """Make calls to the named functions fail with ForbiddenCall inside the block.

    `forbid("torch.nn.utils.clip_grad_norm_", kata=kata)` patches the function where torch
    defines it, any alias in the learner's module globals, and (for torch operators) catches
    the call through a TorchFunctionMode, so `from torch.nn.utils import clip_grad_norm_`
    does not slip through. Static and class methods are patched and restored as such.
    The message says the kata asks the learner to write the function; `reason` replaces
    that clause (for an API that is forbidden because it is deprecated, say), `why` adds a
    sentence after it.
    """
    from torch.overrides import TorchFunctionMode

    originals: dict[int, str] = {}
    patches: list[tuple[Any, str, Any, Any]] = []  # owner, attribute, value, raw descriptor
    because = reason or "which this kata asks you to write yourself"

    def make_guard(name: str) -> Callable[..., Any]:
        def guard(*args: Any, **kwargs: Any) -> Any:
            raise ForbiddenCall(
                f"your code called {name}, {because}. "
                + (why or ("" if reason else "Implement it from simpler tensor operations."))
            )

        return guard

    def raw(owner: Any, attr: str, value: Any) -> Any:
        return vars(owner).get(attr, value) if isinstance(owner, type) else value

    for name in dotted:
        owner, attr, fn = _resolve_dotted(name)
        originals[id(fn)] = name
        patches.append((owner, attr, fn, raw(owner, attr, fn)))
    if kata is not None:
        modules = [kata.module()]
        if kata.overlay is not None:  # a mistake overlaid on the solution has names too
            modules.append(load_path(kata.overlay))
        for module in modules:
            for attr, value in list(vars(module).items()):
                if id(value) in originals:
                    patches.append((module, attr, value, value))

    class Guard(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):  # type: ignore[override]
            if id(func) in originals:
                make_guard(originals[id(func)])()
            return func(*args, **(kwargs or {}))

    for owner, attr, fn, descriptor in patches:
        guard: Any = make_guard(originals[id(fn)])
        if isinstance(descriptor, staticmethod | classmethod):
            guard = type(descriptor)(guard)
        setattr(owner, attr, guard)
    try:
        with Guard():
            yield
    finally:
        for owner, attr, _fn, descriptor in reversed(patches):
            setattr(owner, attr, descriptor)


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
