"""Mistake: split_by_sizes() builds a list of slices instead of returning a tuple."""

CAUGHT_BY = "expected a tuple"
REJECTED_BY = "test_split_by_sizes_of_a_transposed_x_gives_a_tuple_of_views"


def split_by_sizes(x, sizes):
    if sum(sizes) != x.shape[0]:
        raise ValueError("sizes do not sum to N")
    pieces, start = [], 0
    for size in sizes:
        pieces.append(x[start : start + size])
        start += size
    return pieces
