"""Kata 53: torch.export with torch.cond and a dynamic batch, saved and reloaded. See README.md."""

from pathlib import Path

import torch
from torch import Tensor, nn
from torch.export import Dim, ExportedProgram


class Gate(nn.Module):
    """Scores (B, dim) -> (B, dim) through one of two layers, chosen by the data."""

    def __init__(self, dim: int, p_drop: float = 0.2) -> None:
        """Submodules, with these names: norm = nn.BatchNorm1d(dim), drop = nn.Dropout(p_drop),
        high = nn.Linear(dim, dim), low = nn.Linear(dim, dim)."""
        super().__init__()
        self.norm = nn.BatchNorm1d(dim)
        self.drop = nn.Dropout(p_drop)
        self.high = nn.Linear(dim, dim)
        self.low = nn.Linear(dim, dim)

    def forward(self, x: Tensor) -> Tensor:
        """x: (B, dim) float. With h = drop(norm(x)): high(h) if h.mean() > 0, else low(h).

        One branch for the whole batch, decided by the value of h.mean(), and written with
        torch.cond (not a Python `if`), so that torch.export captures both branches in the
        graph instead of failing on a data-dependent condition. Returns (B, dim).
        """
        h = self.drop(self.norm(x))  # (B, dim)
        # torch.cond(pred, true_fn, false_fn, operands): both branches become subgraphs
        return torch.cond(h.mean() > 0, self.high, self.low, (h,))


def export_gate(model: nn.Module, example: Tensor) -> ExportedProgram:
    """model (a Gate) exported with torch.export.export for any batch size.

    example: (B, dim) with B >= 2; raises ValueError when B < 2 (export specialises a
    dimension whose example size is 0 or 1, so a batch-1 example cannot mark the batch
    dynamic). The batch dimension is dynamic (a torch.export.Dim, minimum 1), so the
    program runs at batch sizes other than the example's, 1 included; dim stays fixed.
    The model is exported in eval mode (dropout off, batch norm on its running
    statistics), and the caller's model is left in the training mode it was in; its
    parameters and buffers are not changed.
    """
    if example.dim() != 2 or example.shape[0] < 2:
        raise ValueError(
            f"export_gate: the example must be (B, dim) with B >= 2, got {tuple(example.shape)}"
            f" (export specialises a batch of size 1)"
        )
    was_training = model.training
    model.eval()  # dropout and batch norm are exported as they behave at inference
    try:
        batch = Dim("batch", min=1)
        return torch.export.export(model, (example,), dynamic_shapes=({0: batch},))
    finally:
        model.train(was_training)


def save_exported(program: ExportedProgram, path: str | Path) -> None:
    """Write program to path (conventionally *.pt2) with torch.export.save.

    The file holds the graph, the weights and the dynamic-shape ranges; torch.export.load
    reads it back (torch.save would pickle the Python object instead, a file that
    torch.export.load cannot read and torch.load(weights_only=True) refuses).
    """
    torch.export.save(program, path)


def load_exported(path: str | Path) -> ExportedProgram:
    """Read an ExportedProgram written by torch.export.save (save_exported).

    The result's .module() computes what the saved program computed, at every batch size
    the saved program accepted. torch.load cannot read this format.
    """
    return torch.export.load(path)
