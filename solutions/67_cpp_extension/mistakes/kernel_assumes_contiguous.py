"""Mistake: the C++ kernel indexes data_ptr() as x[i * D + j], as if x were contiguous.

data_ptr() is the first element; the others are where the strides say. A transposed,
sliced or expanded x is read in the wrong order (use accessors, or .contiguous() first).
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "non-contiguous"
REJECTED_BY = "test_cpp_op_reads_non_contiguous_inputs_through_their_strides"

solution = solution_for(__file__)

_ACCESSORS = """    // accessors index through the strides: transposed or sliced inputs need no copy
    auto X = x.accessor<scalar_t, 2>();
    auto W = weight.accessor<scalar_t, 1>();
    auto Y = out.accessor<scalar_t, 2>();"""
_POINTERS = """    // raw pointers, indexed by hand: no accessor overhead
    const scalar_t* X = x.data_ptr<scalar_t>();
    const scalar_t* W = weight.data_ptr<scalar_t>();
    scalar_t* Y = out.data_ptr<scalar_t>();"""


def cpp_source():
    source = solution.cpp_source()
    assert _ACCESSORS in source, "the solution's kernel changed: update this mistake"
    source = source.replace(_ACCESSORS, _POINTERS)
    source = source.replace(
        "double(X[i][j]) * double(X[i][j])", "double(X[i * d + j]) * double(X[i * d + j])"
    )
    return source.replace(
        "Y[i][j] = static_cast<scalar_t>(X[i][j] * r * W[j])",
        "Y[i * d + j] = static_cast<scalar_t>(X[i * d + j] * r * W[j])",
    )


def load_op(build_directory):
    # the solution's load_op, building this module's cpp_source()
    from torch.utils.cpp_extension import load_inline

    load_inline(
        name="kata67",
        cpp_sources=cpp_source(),
        is_python_module=False,
        build_directory=str(build_directory),
    )
    return solution.torch.ops.kata67.rms_norm
