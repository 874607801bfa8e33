"""Kata 42: early stopping with best-weight restore. See README.md in this folder."""

import torch
from torch import nn


class EarlyStopping:
    """Stop training when a validation metric has stopped improving; keep the best weights.

    EarlyStopping(patience=5, min_delta=0.0, mode="min", restore_best_weights=True).
    mode "min": lower is better (a loss); mode "max": higher is better (an accuracy).
    Raises ValueError if mode is neither, patience < 1 or min_delta < 0.
    Attributes: best (the best metric so far, None before the first step) and best_epoch
    (the 0-based index of the step call that gave it, None before the first step).
    """

    def __init__(
        self,
        patience: int = 5,
        min_delta: float = 0.0,
        mode: str = "min",
        restore_best_weights: bool = True,
    ) -> None:
        """Check and store the settings; nothing has been seen yet."""
        if mode not in ("min", "max"):
            raise ValueError(f'mode must be "min" or "max", got {mode!r}')
        if patience < 1:
            raise ValueError(f"patience must be at least 1, got {patience}")
        if min_delta < 0:
            raise ValueError(f"min_delta must be >= 0, got {min_delta}")
        self.patience = patience
        self.min_delta = min_delta
        self.mode = mode
        self.restore_best_weights = restore_best_weights
        self.best: float | None = None
        self.best_epoch: int | None = None
        self._calls = 0  # step calls so far
        self._bad_calls = 0  # step calls in a row without improvement
        self._best_state: dict[str, torch.Tensor] | None = None

    def _improves(self, metric: float) -> bool:
        if self.best is None:
            return True
        if self.mode == "min":
            return metric < self.best - self.min_delta
        return metric > self.best + self.min_delta

    def step(self, metric: float, model: nn.Module) -> bool:
        """Record one epoch's validation metric; return True when training should stop.

        metric: a Python float. An improvement is a metric strictly better than best by
        more than min_delta (mode "min": metric < best - min_delta; mode "max":
        metric > best + min_delta); the first call is always one. On an improvement, best
        and best_epoch are updated and (if restore_best_weights) a copy of model's weights
        is kept: a copy that later training of the model does not change. Returns True
        on the call that makes `patience` calls in a row without improvement, after
        loading the best weights into model (if restore_best_weights); False otherwise.
        """
        epoch = self._calls
        self._calls += 1
        if self._improves(metric):
            self.best, self.best_epoch = metric, epoch
            self._bad_calls = 0
            if self.restore_best_weights:
                # state_dict() holds the live tensors (parameters and buffers): clone them
                self._best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
            return False
        self._bad_calls += 1
        if self._bad_calls >= self.patience:
            self.restore(model)
            return True
        return False

    def restore(self, model: nn.Module) -> None:
        """Load the best epoch's weights (parameters and buffers) into model, in place.

        With restore_best_weights=False no weights are kept and model is left as it is.
        Raises RuntimeError if restore_best_weights is True and step was never called.
        """
        if not self.restore_best_weights:
            return
        if self._best_state is None:
            raise RuntimeError("nothing to restore: call step(metric, model) first")
        model.load_state_dict(self._best_state)
