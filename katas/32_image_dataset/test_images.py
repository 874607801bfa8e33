"""Tests for kata 32: IDX (MNIST-format) files written by the test itself, decoded and loaded.

Every file is made here, under tmp_path, from random tensors of random sizes, so the
expected pixels and labels are known exactly. Nothing is downloaded.
"""

import ast
import struct
from pathlib import Path

import pytest
import torch
from torch.utils.data import DataLoader

from torchkatas.harness import assert_tensor_close, forbid, load_kata

kata = load_kata(__file__)

IMAGES_MAGIC = 0x00000803
LABELS_MAGIC = 0x00000801
# torchvision's own IDX readers: the kata asks for the decoding itself
TORCHVISION_READERS = (
    "torchvision.datasets.MNIST",
    "torchvision.datasets.mnist.MNIST",
    "torchvision.datasets.mnist.read_image_file",
    "torchvision.datasets.mnist.read_label_file",
    "torchvision.datasets.mnist.read_sn3_pascalvincent_tensor",
)


# ----------------------------------------------------------------------------- IDX files


def idx_bytes(magic: int, data: torch.Tensor) -> bytes:
    """An IDX file: big-endian int32 magic and sizes, then the uint8 data in row-major order."""
    sizes = struct.pack(f">{1 + data.dim()}i", magic, *data.shape)
    return sizes + bytes(data.flatten().tolist())


def random_images(gen: torch.Generator, n=None, h=None, w=None) -> torch.Tensor:
    """(N, H, W) uint8 of random sizes (1..5 images, 1..9 rows and columns), 0..255."""
    n = n or int(torch.randint(1, 6, (), generator=gen))
    h = h or int(torch.randint(1, 10, (), generator=gen))
    w = w or int(torch.randint(1, 10, (), generator=gen))
    pixels = torch.randint(0, 256, (n, h, w), generator=gen, dtype=torch.uint8)
    pixels.view(-1)[0] = 255  # always a byte above 127 (a signed read turns it negative)
    return pixels


def random_labels(gen: torch.Generator, n: int) -> torch.Tensor:
    labels = torch.randint(0, 256, (n,), generator=gen, dtype=torch.uint8)
    labels[0] = 200
    return labels


def write(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def write_pair(tmp_path: Path, images: torch.Tensor, labels: torch.Tensor) -> tuple[Path, Path]:
    return (
        write(tmp_path, "images-idx3-ubyte", idx_bytes(IMAGES_MAGIC, images)),
        write(tmp_path, "labels-idx1-ubyte", idx_bytes(LABELS_MAGIC, labels)),
    )


def shape_of(t) -> str:
    return "(" + ", ".join(str(s) for s in t.shape) + ")"


def decode(name: str, path, what: str):
    """kata.<name>(path) on a valid file: a ValueError or a crash here is explained."""
    __tracebackhide__ = True
    try:
        return getattr(kata, name)(path)
    except NotImplementedError:
        raise
    except ValueError as err:
        raise AssertionError(
            f"{what} raised ValueError on a valid file: {err}. Likely mistake: the magic "
            f"number or the sizes read little-endian (IDX stores them big-endian: struct "
            f"'>i', byteorder='big'), or the header length wrong (16 bytes for images, 8 for "
            f"labels)."
        ) from err
    except RuntimeError as err:
        raise AssertionError(
            f"{what} raised {type(err).__name__} on a valid file: {err}; expected the decoded "
            f"tensor. Likely mistake: sizes hard-coded (MNIST's 28 x 28) instead of read from "
            f"the header, sizes read little-endian, or the data taken from the wrong offset."
        ) from err


def expect_value_error(call, what: str, mistake: str) -> None:
    """The call must raise ValueError with a message; other exceptions are explained."""
    __tracebackhide__ = True
    try:
        call()
    except NotImplementedError:
        raise
    except ValueError as err:
        if not str(err).strip():
            raise AssertionError(
                f"{what} raised ValueError without a message; say what is wrong with the file."
            ) from err
        return
    except Exception as err:
        raise AssertionError(
            f"{what} raised {type(err).__name__}: {err}; expected a ValueError with a clear "
            f"message. Likely mistake: {mistake}"
        ) from err
    raise AssertionError(f"{what} did not raise ValueError. Likely mistake: {mistake}")


# ----------------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.parametrize(
    ("seed", "sizes"),
    [
        (0, None),
        (1, None),
        (2, None),
        (3, (1, 4, 7)),
        (4, (3, 28, 28)),
        (5, (2, 1, 9)),
        (6, (1, 1, 1)),
    ],
    ids=["random-a", "random-b", "random-c", "one-image", "mnist-size", "one-row", "one-pixel"],
)
def test_images_are_decoded_exactly(seed, sizes, tmp_path):
    gen = torch.Generator().manual_seed(seed)
    images = random_images(gen, *(sizes or ()))
    if sizes is None and images.shape[1] == images.shape[2]:  # random ones are never square
        images = random_images(gen, images.shape[0], images.shape[1], images.shape[2] + 1)
    path = write(tmp_path, "images-idx3-ubyte", idx_bytes(IMAGES_MAGIC, images))
    n, h, w = images.shape
    what = f"read_idx_images(a file of {n} images of {h} rows x {w} columns)"
    got = decode("read_idx_images", str(path) if n % 2 else path, what)
    if not isinstance(got, torch.Tensor):
        raise AssertionError(f"{what} returned {type(got).__name__}, expected a torch.Tensor.")
    if got.dtype == torch.int8:
        raise AssertionError(
            f"{what} returned torch.int8: pixels above 127 come back negative. Likely "
            f"mistake: a signed byte type (np.int8, torch.int8, struct 'b'); IDX pixels are "
            f"unsigned bytes, torch.uint8."
        )
    if tuple(got.shape) == (n, w, h) and h != w:
        raise AssertionError(
            f"{what} returned shape {shape_of(got)}, expected {shape_of(images)}: rows and "
            f"columns swapped. The header gives N, then H (rows), then W (columns)."
        )
    if tuple(got.shape[1:]) == (28, 28) and (h, w) != (28, 28):
        raise AssertionError(
            f"{what} returned shape {shape_of(got)}: sizes hard-coded to MNIST's 28 x 28; "
            f"read N, H and W from the header."
        )
    assert_tensor_close(
        got,
        images,
        what=what,
        mistake="the data taken from the wrong offset (it starts after the 16-byte header), "
        "or the sizes read in the wrong order.",
    )


@pytest.mark.task(1)
@pytest.mark.parametrize("n", [1, 2, 9, 60])
def test_labels_are_decoded_exactly_as_long(n, tmp_path):
    labels = random_labels(torch.Generator().manual_seed(n), n)
    path = write(tmp_path, "labels-idx1-ubyte", idx_bytes(LABELS_MAGIC, labels))
    what = f"read_idx_labels(a file of {n} labels)"
    got = decode("read_idx_labels", path, what)
    if isinstance(got, torch.Tensor) and tuple(got.shape) == (max(n - 8, 0),):
        offset = (
            "the labels taken from offset 16, as for images; they start after the 8-byte header."
        )
    else:
        offset = "the labels are the n bytes after the 8-byte header, one per label, as torch.long."
    if isinstance(got, torch.Tensor) and got.dtype != torch.long and got.shape == labels.shape:
        raise AssertionError(
            f"{what} returned dtype {got.dtype}; expected torch.long, the dtype "
            f"cross-entropy wants for class targets. Likely mistake: returning the raw "
            f"uint8 (or int8) bytes without .long()."
        )
    assert_tensor_close(
        got,
        labels.long(),
        what=what,
        mistake=offset,
    )


@pytest.mark.task(1)
def test_wrong_magic_number_raises_value_error(tmp_path):
    gen = torch.Generator().manual_seed(5)
    images = random_images(gen, 3, 4, 5)
    labels = random_labels(gen, 3)
    cases = [
        ("read_idx_images", LABELS_MAGIC, images, "a label magic number on image data"),
        ("read_idx_images", 0x00000903, images, "magic 0x00000903 (type byte 0x09)"),
        ("read_idx_images", 0x03080000, images, "the magic number stored little-endian"),
        ("read_idx_labels", IMAGES_MAGIC, labels, "an image magic number on label data"),
        ("read_idx_labels", 0x00000000, labels, "magic 0x00000000"),
    ]
    for name, magic, data, how in cases:
        content = struct.pack(">i", magic) + idx_bytes(IMAGES_MAGIC, data)[4:]
        if data.dim() == 1:
            content = struct.pack(">i", magic) + idx_bytes(LABELS_MAGIC, data)[4:]
        path = write(tmp_path, "bad-magic", content)
        expect_value_error(
            lambda name=name, path=path: getattr(kata, name)(path),
            f"{name}(a file with {how})",
            "the magic number is not checked (or read little-endian, so that this one "
            "passes); a wrong file would be decoded as garbage."
            if magic == 0x03080000
            else "the magic number is not checked; a wrong file would be decoded as garbage.",
        )
    # each reader refuses the other kind of file (20 labels: longer than an image header)
    image_file, label_file = write_pair(tmp_path, images, random_labels(gen, 20))
    expect_value_error(
        lambda: kata.read_idx_labels(image_file),
        "read_idx_labels(an image file)",
        "the magic number is not checked against LABELS_MAGIC.",
    )
    expect_value_error(
        lambda: kata.read_idx_images(label_file),
        "read_idx_images(a label file)",
        "the magic number is not checked against IMAGES_MAGIC.",
    )


LENGTH_MISTAKE = (
    "no check of the file's length against the header's sizes before decoding (a short "
    "buffer makes reshape fail with a confusing RuntimeError, or slicing silently returns "
    "less)."
)


def length_mistake(kind: str) -> str:
    if kind == "extra":
        return (
            "no check of the file's length against the header's sizes, or one that only "
            "rejects short files: extra bytes after the data mean a damaged or wrong file "
            "(check len(data) == header + N * H * W, not >=)."
        )
    return LENGTH_MISTAKE


def damaged(content: bytes, kind: str, amount: int) -> tuple[bytes, str]:
    """The file cut to its first `amount` bytes, short of `amount` bytes, or with extras."""
    if kind == "first":
        return content[:amount], f"only its first {amount} bytes"
    if kind == "short":
        return content[:-amount], f"its last {amount} data bytes missing"
    return content + bytes(amount), f"{amount} extra bytes after the data"


@pytest.mark.task(1)
@pytest.mark.parametrize(
    ("kind", "amount"),
    [
        ("first", 0),
        ("first", 3),
        ("first", 10),
        ("first", 16),
        ("short", 1),
        ("short", 7),
        ("extra", 1),
        ("extra", 5),
    ],
    ids=lambda v: str(v),
)
def test_truncated_or_overlong_image_file_raises_value_error(kind, amount, tmp_path):
    images = random_images(torch.Generator().manual_seed(6), 2, 3, 4)  # 16 + 24 bytes
    content, how = damaged(idx_bytes(IMAGES_MAGIC, images), kind, amount)
    path = write(tmp_path, "images-idx3-ubyte", content)
    expect_value_error(
        lambda: kata.read_idx_images(path),
        f"read_idx_images(a file of 2 images of 3 x 4 with {how})",
        length_mistake(kind),
    )


@pytest.mark.task(1)
@pytest.mark.parametrize(
    ("kind", "amount"),
    [("first", 2), ("first", 6), ("first", 8), ("short", 1), ("extra", 2)],
    ids=lambda v: str(v),
)
def test_truncated_or_overlong_label_file_raises_value_error(kind, amount, tmp_path):
    labels = random_labels(torch.Generator().manual_seed(7), 5)  # 8 + 5 bytes
    content, how = damaged(idx_bytes(LABELS_MAGIC, labels), kind, amount)
    path = write(tmp_path, "labels-idx1-ubyte", content)
    expect_value_error(
        lambda: kata.read_idx_labels(path),
        f"read_idx_labels(a file of 5 labels with {how})",
        length_mistake(kind),
    )


@pytest.mark.task(1)
def test_decoding_uses_no_torchvision_reader(tmp_path):
    images = random_images(torch.Generator().manual_seed(8), 2, 5, 3)
    labels = random_labels(torch.Generator().manual_seed(8), 2)
    image_file, label_file = write_pair(tmp_path, images, labels)
    # any call of torchvision's MNIST class or IDX readers inside raises ForbiddenCall
    with forbid(
        *TORCHVISION_READERS,
        kata=kata,
        why="torchvision.datasets.MNIST looks for (and downloads) its own files; decode the "
        "IDX bytes yourself.",
    ):
        got_images = kata.read_idx_images(image_file)
        got_labels = kata.read_idx_labels(label_file)
    assert_tensor_close(got_images, images, what="read_idx_images(a file of 2 images of 5 x 3)")
    assert_tensor_close(got_labels, labels.long(), what="read_idx_labels(a file of 2 labels)")


# ----------------------------------------------------------------------------- task 2


def make_dataset(tmp_path: Path, seed: int, **kwargs):
    gen = torch.Generator().manual_seed(seed)
    images = random_images(gen)
    labels = random_labels(gen, len(images))
    image_file, label_file = write_pair(tmp_path, images, labels)
    return kata.IdxDataset(image_file, label_file, **kwargs), images, labels


def check_label(label, expected: int, what: str) -> None:
    __tracebackhide__ = True
    if type(label) is not int or label != expected:
        if isinstance(label, torch.Tensor):
            why = "returning the label tensor (int(labels[i]) or .item() gives the int)."
        elif type(label) is int:
            why = "the label of another index (an off-by-one?): item i pairs with labels[i]."
        else:
            why = "convert the label with int(...): it must be a Python int."
        raise AssertionError(
            f"{what} label is {label!r} ({type(label).__name__}), expected the Python int "
            f"{expected}. Likely mistake: {why}"
        )


@pytest.mark.task(2)
@pytest.mark.parametrize("seed", range(4))
def test_items_are_channel_first_uint8_images_and_int_labels(seed, tmp_path):
    dataset, images, labels = make_dataset(tmp_path, seed)
    n, h, w = images.shape
    what = f"IdxDataset(a file of {n} images of {h} x {w}, {n} labels)"
    if len(dataset) != n:
        raise AssertionError(f"len({what}) is {len(dataset)}, expected {n}.")
    for i in range(n):
        image, label = dataset[i]
        if isinstance(image, torch.Tensor) and tuple(image.shape) == (h, w):
            raise AssertionError(
                f"{what}[{i}] image has shape {shape_of(image)}, expected (1, {h}, {w}): "
                f"no channel dimension. torchvision transforms expect (C, H, W); "
                f"unsqueeze(0) adds the single grey channel."
            )
        others = [
            j
            for j in range(n)
            if j != i
            and isinstance(image, torch.Tensor)
            and image.shape == (1, h, w)
            and torch.equal(image.cpu(), images[j].unsqueeze(0))
        ]
        assert_tensor_close(
            image,
            images[i].unsqueeze(0),
            what=f"{what}[{i}] image",
            mistake=f"the image of another index ({others[0]}): item i is images[i]."
            if others
            else "the pixels are not images[i] as stored (a cast, a scaling or a reshape "
            "that reorders them); the raw image stays uint8, shape (1, H, W).",
        )
        check_label(label, int(labels[i]), f"{what}[{i}]")


@pytest.mark.task(2)
def test_items_are_copies(tmp_path):
    dataset, images, _ = make_dataset(tmp_path, 10)
    what = f"IdxDataset(...)[0] (images of shape {shape_of(images)})"
    image, _ = dataset[0]
    image.zero_()  # the caller (or a transform) edits the image in place
    again, _ = dataset[0]
    assert_tensor_close(
        again,
        images[0].unsqueeze(0),
        what=f"{what} read again after the caller zeroed the first one in place",
        mistake="the item is a view of the dataset's own tensor; return a copy (.clone()), "
        "or one in-place edit corrupts the dataset for every later epoch.",
    )


@pytest.mark.task(2)
def test_files_are_read_once_in_init(tmp_path):
    gen = torch.Generator().manual_seed(11)
    images = random_images(gen, 3, 5, 6)
    labels = random_labels(gen, 3)
    image_file, label_file = write_pair(tmp_path, images, labels)
    dataset = kata.IdxDataset(str(image_file), str(label_file))  # paths as str, too
    image_file.unlink()
    label_file.unlink()
    what = "IdxDataset(image file, label file)[2], after both files were deleted"
    try:
        image, label = dataset[2]
    except (FileNotFoundError, OSError) as err:
        raise AssertionError(
            f"{what} raised {type(err).__name__}: {err}. The files must be read once, in "
            f"__init__: reading them in every __getitem__ costs a whole file per item."
        ) from err
    assert_tensor_close(image, images[2].unsqueeze(0), what=f"{what}: image")
    check_label(label, int(labels[2]), what)


@pytest.mark.task(2)
@pytest.mark.parametrize("n_labels", [3, 5])
def test_different_counts_raise_value_error(n_labels, tmp_path):
    gen = torch.Generator().manual_seed(12)
    images = random_images(gen, 4, 3, 3)
    labels = random_labels(gen, n_labels)
    image_file, label_file = write_pair(tmp_path, images, labels)
    expect_value_error(
        lambda: kata.IdxDataset(image_file, label_file),
        f"IdxDataset(a file of 4 images, a file of {n_labels} labels)",
        "no check that the files hold different numbers of items: the dataset would "
        "pair images with wrong labels, or fail only at the last index.",
    )


@pytest.mark.task(2)
def test_transform_is_applied_to_the_image_only(tmp_path):
    seen: list[torch.Tensor] = []

    def transform(image):
        seen.append(image.clone())
        return ("transformed", image.float() * 2)

    dataset, images, labels = make_dataset(tmp_path, 13, transform=transform)
    what = "IdxDataset(..., transform=f)[i]"
    for i in range(len(images)):
        image, label = dataset[i]
        if not (isinstance(image, tuple) and image[0] == "transformed"):
            raise AssertionError(
                f"{what} returned image {type(image).__name__}, not what transform returned. "
                f"Likely mistake: the transform is stored but never applied, or its result "
                f"is not the image returned."
            )
        assert_tensor_close(
            seen[-1],
            images[i].unsqueeze(0),
            what=f"{what}: the image the transform received",
            mistake="the transform must get the (1, H, W) uint8 image.",
        )
        assert_tensor_close(image[1], images[i].unsqueeze(0).float() * 2, what=f"{what} image")
        check_label(label, int(labels[i]), what)


# ----------------------------------------------------------------------------- task 3


def reference(x: torch.Tensor, mean: float, std: float) -> torch.Tensor:
    return ((x.double() / 255 - mean) / std).float()


@pytest.mark.task(3)
@pytest.mark.parametrize(
    ("mean", "std"), [(0.1307, 0.3081), (0.5, 0.25), (0.0, 1.0)], ids=["mnist", "half", "none"]
)
def test_transform_normalises_like_the_formula(mean, std, device):
    from torchvision import tv_tensors

    gen = torch.Generator().manual_seed(int(mean * 1000))
    x = random_images(gen, 1).to(device)  # (1, H, W): one grey image
    before = x.clone()
    transform = kata.mnist_transform(mean, std)
    out = transform(x)
    what = f"mnist_transform({mean}, {std}) applied to a (1, H, W) uint8 image {shape_of(x)}"
    if not isinstance(out, tv_tensors.Image):
        raise AssertionError(
            f"{what} returned {type(out).__name__}, expected a torchvision.tv_tensors.Image. "
            f"Likely mistake: no v2.ToImage() at the start of the pipeline."
        )
    expected = reference(x, mean, std)
    if out.shape == expected.shape and out.dtype == torch.float32:
        unscaled = ((x.double() - mean) / std).float()
        swapped = ((x.double() / 255 - std) / mean).float() if mean else None
        if torch.allclose(out.as_subclass(torch.Tensor), unscaled, rtol=1e-4):
            raise AssertionError(
                f"{what} gave values up to {float(out.max()):.4g}: the pixels were not "
                f"scaled to 0..1. Likely mistake: v2.ToDtype(torch.float32) without "
                f"scale=True."
            )
        if swapped is not None and torch.allclose(out.as_subclass(torch.Tensor), swapped):
            raise AssertionError(
                f"{what}: the values are (x / 255 - std) / mean. Likely mistake: mean and "
                f"std swapped in Normalize."
            )
    assert_tensor_close(
        out.as_subclass(torch.Tensor),
        expected,
        what=f"{what} against (x / 255 - mean) / std",
        mistake="Normalize missing, or before ToDtype, or mean/std not as one-element lists.",
    )
    assert_tensor_close(x, before, what=f"{what}: the input image afterwards")


@pytest.mark.task(3)
def test_transform_is_a_transforms_v2_pipeline():
    from torchvision.transforms import v2

    transform = kata.mnist_transform(0.1307, 0.3081)
    if not isinstance(transform, v2.Transform):
        raise AssertionError(
            f"mnist_transform(0.1307, 0.3081) returned {type(transform).__name__} from "
            f"{type(transform).__module__}, expected a torchvision.transforms.v2 transform "
            f"(v2.Compose). Likely mistake: torchvision.transforms (v1) instead of "
            f"torchvision.transforms.v2."
        )


@pytest.mark.task(3)
def test_dataset_batches_through_a_dataloader(tmp_path):
    gen = torch.Generator().manual_seed(14)
    images = random_images(gen, 5, 6, 4)
    labels = random_labels(gen, 5)
    image_file, label_file = write_pair(tmp_path, images, labels)
    dataset = kata.IdxDataset(
        image_file, label_file, transform=kata.mnist_transform(0.1307, 0.3081)
    )
    batches = list(DataLoader(dataset, batch_size=3))
    what = "DataLoader(IdxDataset(5 images of 6 x 4, transform=mnist_transform(...)), 3)"
    if len(batches) != 2:
        raise AssertionError(f"{what} gave {len(batches)} batches, expected 2 (3 + 2 items).")
    for b, (x, y) in enumerate(batches):
        idx = slice(3 * b, 3 * b + len(y))
        assert_tensor_close(
            x.as_subclass(torch.Tensor),
            reference(images[idx].unsqueeze(1), 0.1307, 0.3081),
            what=f"{what}: batch {b} images, expected shape (B, 1, 6, 4) float32",
        )
        assert_tensor_close(y, labels[idx].long(), what=f"{what}: batch {b} labels")


@pytest.mark.task(3)
def test_torchvision_is_imported_inside_the_function_only():
    kata.mnist_transform(0.5, 0.5)  # the function works (and imports what it needs)
    files = [kata.path] + ([kata.overlay] if kata.overlay is not None else [])
    for path in files:
        for node in ast.parse(path.read_text(encoding="utf-8")).body:  # top level only
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(name.split(".")[0] == "torchvision" for name in names):
                raise AssertionError(
                    f"{path.name} line {node.lineno} imports torchvision at import time of "
                    f"the module; import it inside mnist_transform, so that code reading "
                    f"only IDX files does not pay for loading torchvision."
                )
