"""Mistake: SinusoidalPositions does not check dim and lets torch fail on an odd one.

An odd dim leaves the last sin column without its cos partner; torch's shape error
(RuntimeError) deep in the table code says nothing about dim, where ValueError should.
"""

import math

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "odd dim"
REJECTED_BY = "test_rejects_odd_dim_and_long_input"
solution = solution_for(__file__)


class SinusoidalPositions(solution.SinusoidalPositions):
    def __init__(self, max_len, dim):
        torch.nn.Module.__init__(self)
        position = torch.arange(max_len, dtype=torch.float64)[:, None]
        freq = torch.exp(torch.arange(0, dim, 2, dtype=torch.float64) * (-math.log(1e4) / dim))
        table = torch.empty(max_len, dim, dtype=torch.float64)
        table[:, 0::2] = torch.sin(position * freq)
        table[:, 1::2] = torch.cos(position * freq)
        self.register_buffer("table", table.float(), persistent=False)
