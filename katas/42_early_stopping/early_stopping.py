"""Kata 42: early stopping with best-weight restore. See README.md in this folder."""

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
        # TODO: validate mode, patience and min_delta; set best and best_epoch to None
        raise NotImplementedError("TODO: EarlyStopping.__init__")

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
        # TODO: a strict improvement test with min_delta, a count of calls in a row
        # without improvement, and on each improvement a copy of the weights that later
        # training cannot change
        raise NotImplementedError("TODO: EarlyStopping.step(metric, model)")

    def restore(self, model: nn.Module) -> None:
        """Load the best epoch's weights (parameters and buffers) into model, in place.

        With restore_best_weights=False no weights are kept and model is left as it is.
        Raises RuntimeError if restore_best_weights is True and step was never called.
        """
        # TODO: model.load_state_dict(the kept copy)
        raise NotImplementedError("TODO: EarlyStopping.restore(model)")
