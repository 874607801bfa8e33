"""katas.toml is parsed strictly and kata names resolve as the README promises."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from torchkatas import index

ENTRY = """
[[kata]]
id = "{id}"
title = "A title"
track = "{track}"
module = "mod"
tasks = ["one"]
hints = ["a hint"]
"""


def write_index(tmp_path: Path, *entries: str) -> Path:
    (tmp_path / index.INDEX_FILE).write_text("".join(entries))
    return tmp_path


def entry(kata_id: str = "03_autograd", track: str = "Tensors", extra: str = "") -> str:
    return ENTRY.format(id=kata_id, track=track) + extra


@pytest.fixture
def katas(tmp_path):
    return index.load(
        write_index(tmp_path, entry("03_autograd"), entry("41_gradient_clipping", "Training"))
    )


@pytest.mark.parametrize("name", ["3", "03", "03_autograd", "autograd", " autograd "])
def test_find_accepts_number_id_or_short_name(katas, name):
    assert index.find(name, katas).id == "03_autograd"


def test_unknown_name_lists_close_matches(katas):
    with pytest.raises(
        index.UnknownKata, match=re.escape("no kata named 'autgrad'. Did you mean: autograd")
    ):
        index.find("autgrad", katas)


def test_unknown_name_without_close_match_points_to_list(katas):
    with pytest.raises(index.UnknownKata, match="kata list"):
        index.find("zzz", katas)


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ((entry("3_autograd"),), "not of the form NN_name"),
        ((entry(track="Tensor"),), "track 'Tensor' is not one of"),
        ((entry(extra='markers = ["gpu"]\n'),), "unknown marker"),
        ((entry(extra='colour = "red"\n'),), "unknown field"),
        ((entry(extra='warm = "torchvision"\n'),), "warm must be a list of module names"),
        ((entry(extra='warm = ["torch vision"]\n'),), "got ['torch vision']"),
        ((entry("41_clip"), entry("03_autograd")), "number order"),
        ((entry("03_autograd"), entry("03_other")), "duplicate kata numbers [3]"),
        (
            (ENTRY.format(id="03_a", track="Tensors").replace('hints = ["a hint"]', "hints = []"),),
            "hints must be a non-empty list",
        ),
        (("[[kata]\n",), "katas.toml"),
    ],
)
def test_malformed_index_says_what_to_fix(tmp_path, entries, message):
    with pytest.raises(index.IndexError_) as err:
        index.load(write_index(tmp_path, *entries))
    assert message in str(err.value)


def test_table_is_replaced_between_markers_only(katas):
    readme = f"intro\n{index.TABLE_BEGIN}\nold table\n{index.TABLE_END}\noutro\n"
    new = index.readme_with_table(readme, katas)
    assert new.startswith("intro\n") and new.endswith(f"{index.TABLE_END}\noutro\n")
    assert "old table" not in new
    assert "| 41 | [41_gradient_clipping](katas/41_gradient_clipping/README.md)" in new


def test_readme_without_markers_is_an_error(katas):
    with pytest.raises(index.IndexError_, match="lacks the markers"):
        index.readme_with_table("no markers here", katas)


def test_warm_modules_are_read_in_order(tmp_path):
    (kata,) = index.load(write_index(tmp_path, entry(extra='warm = ["b.c", "a"]\n')))
    assert kata.warm == ("b.c", "a")
    (plain,) = index.load(write_index(tmp_path, entry()))
    assert plain.warm == ()
