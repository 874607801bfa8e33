"""Kata 76: a top-k mixture of experts with capacity-limited dispatch. See README.md here."""

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def top_k_route(logits: Tensor, k: int) -> tuple[Tensor, Tensor]:
    """Each token's k best experts and the weights that combine their outputs.

    logits: (T, E) float router logits, T >= 1; not modified. Returns (experts, weights):
    experts (T, k) long, the indices of each row's k largest logits, largest first; ties
    go to the lower expert index (torch.topk makes no such promise: sort with
    stable=True). weights (T, k) in logits' dtype: the softmax over the k selected logits
    only, so each row sums to 1 (the same as the softmax over all E experts renormalised
    over the selected k). weights carries the graph of logits. Raises ValueError unless
    logits is (T, E) with T >= 1 and 1 <= k <= E.
    """
    if logits.dim() != 2 or logits.shape[0] < 1:
        raise ValueError(f"logits must be (T, E) with T >= 1, got {tuple(logits.shape)}")
    if not 1 <= k <= logits.shape[1]:
        raise ValueError(f"k must be in 1 .. E = {logits.shape[1]}, got {k}")
    # a stable sort keeps tied experts in index order; torch.topk does not promise that
    order = torch.sort(logits, dim=1, descending=True, stable=True).indices
    experts = order[:, :k]  # (T, k)
    weights = torch.softmax(logits.gather(1, experts), dim=1)  # (T, k), rows sum to 1
    return experts, weights


def load_balancing_loss(logits: Tensor, experts: Tensor) -> Tensor:
    """The Switch Transformer / GShard auxiliary loss E * sum_i f_i * P_i.

    logits: (T, E) float, the router logits; experts: (T, k) long, the choices
    top_k_route made from them. f_i = (the number of (token, slot) assignments to expert
    i) / (T * k): the fraction of the hard assignments, before any capacity limit, so the
    f_i sum to 1; f is a count and carries no gradient. P_i = the mean over the T tokens
    of softmax(logits, dim=1)[:, i], over all E experts; the gradient reaches the logits
    through P. Returns a 0-d tensor in logits' dtype, exactly 1 when f and P are both
    uniform (1 / E each). Neither input is modified.
    """
    num_experts = logits.shape[1]
    counts = torch.bincount(experts.flatten(), minlength=num_experts).to(logits.dtype)
    f = counts / experts.numel()  # (E,) fraction of the T * k hard assignments
    p = torch.softmax(logits, dim=1).mean(dim=0)  # (E,) mean router probability
    return num_experts * (f * p).sum()


def expert_capacity(num_tokens: int, num_experts: int, k: int, capacity_factor: float) -> int:
    """How many assignments each expert accepts: ceil(capacity_factor * T * k / E).

    Computed as math.ceil(capacity_factor * num_tokens * k / num_experts): T tokens make
    T * k assignments, and each of the E experts takes its share times the factor.
    Returns a Python int. Raises ValueError unless num_tokens, num_experts and k are
    >= 1, k <= num_experts, and capacity_factor > 0.
    """
    if num_tokens < 1 or num_experts < 1 or not 1 <= k <= num_experts:
        raise ValueError(
            f"need num_tokens >= 1, num_experts >= 1 and 1 <= k <= num_experts, got "
            f"{num_tokens}, {num_experts}, {k}"
        )
    if capacity_factor <= 0:
        raise ValueError(f"capacity_factor must be > 0, got {capacity_factor}")
    return math.ceil(capacity_factor * num_tokens * k / num_experts)


def dispatch(x: Tensor, experts: Tensor, num_experts: int, capacity: int) -> tuple[Tensor, Tensor]:
    """Place every (token, slot) assignment in its expert's buffer; drop those over capacity.

    x: (T, D) float; experts: (T, k) long, values in 0 .. num_experts - 1; capacity >= 1.
    Neither is modified. Assignments are taken in position order: token 0's k choices
    (slot 0 first), then token 1's, and so on (the row-major order of experts). Each
    expert accepts the first `capacity` assignments that reach it and drops the rest.
    Returns (buffer, slot): buffer (num_experts, capacity, D) in x's dtype, where
    buffer[e, c] = x[t] for the c-th assignment expert e accepted and rows past its last
    accepted assignment are zeros; slot (T, k) long, slot[t, s] = the row c of
    assignment (t, s) in its expert's buffer, or -1 when it was dropped. buffer carries
    the graph of x (an expert-parallel layer would now send buffer[e] to expert e's
    device). Loop-free over tokens (a cumulative count per expert).
    """
    num_tokens, k = experts.shape
    flat = experts.reshape(-1)  # (T * k,) in position order: token-major, then slot
    one_hot = F.one_hot(flat, num_experts)  # (T * k, E)
    # how many assignments reached each expert up to and including this one
    position = (one_hot.cumsum(dim=0) * one_hot).sum(dim=1) - 1  # (T * k,)
    kept = position < capacity
    buffer = x.new_zeros(num_experts, capacity, x.shape[1])
    tokens = torch.arange(num_tokens, device=x.device).repeat_interleave(k)  # (T * k,)
    buffer = buffer.index_put((flat[kept], position[kept]), x[tokens[kept]])
    slot = torch.where(kept, position, torch.full_like(position, -1))
    return buffer, slot.reshape(num_tokens, k)


def combine(expert_out: Tensor, experts: Tensor, weights: Tensor, slot: Tensor) -> Tensor:
    """Each token's output: the weighted sum of its kept assignments' expert outputs.

    expert_out: (E, C, D_out), row c of expert e's output on its buffer; experts, weights,
    slot: (T, k) from top_k_route and dispatch. out[t] = sum over slots s with
    slot[t, s] >= 0 of weights[t, s] * expert_out[experts[t, s], slot[t, s]]. A dropped
    assignment contributes nothing and the kept weights are NOT renormalised; a token
    whose every assignment was dropped gets zeros (the caller's residual connection
    carries it). Returns (T, D_out) in expert_out's dtype, carrying the graph of
    expert_out and weights. No input is modified.
    """
    kept = slot >= 0  # (T, k)
    rows = expert_out[experts, slot.clamp(min=0)]  # (T, k, D_out)
    scale = torch.where(kept, weights, torch.zeros_like(weights))  # dropped: weight 0
    return (scale.unsqueeze(-1) * rows).sum(dim=1)  # (T, D_out)


class MoE(nn.Module):
    """A top-k mixture-of-experts feed-forward layer with capacity-limited dispatch."""

    def __init__(
        self, dim: int, hidden: int, num_experts: int, k: int = 2, capacity_factor: float = 1.25
    ) -> None:
        """A router and num_experts feed-forward experts.

        Sets self.router = nn.Linear(dim, num_experts, bias=False); self.experts = an
        nn.ModuleList of num_experts nn.Sequential(nn.Linear(dim, hidden), nn.GELU(),
        nn.Linear(hidden, dim)); self.k = k; self.capacity_factor = capacity_factor.
        Raises ValueError unless 1 <= k <= num_experts and capacity_factor > 0.
        """
        super().__init__()
        if not 1 <= k <= num_experts:
            raise ValueError(f"k must be in 1 .. num_experts = {num_experts}, got {k}")
        if capacity_factor <= 0:
            raise ValueError(f"capacity_factor must be > 0, got {capacity_factor}")
        self.router = nn.Linear(dim, num_experts, bias=False)
        self.experts = nn.ModuleList(
            nn.Sequential(nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, dim))
            for _ in range(num_experts)
        )
        self.k = k
        self.capacity_factor = capacity_factor

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """x: (T, dim) float -> (output (T, dim), aux_loss 0-d, dropped (E,) long).

        logits = self.router(x); top_k_route(logits, self.k); capacity = expert_capacity(T,
        E, k, self.capacity_factor); dispatch; then each expert e is called exactly once,
        on its whole (capacity, dim) buffer, as an expert-parallel layer would; combine.
        aux_loss = load_balancing_loss(logits, experts), to be added to the task loss (it
        is what makes the router balance). dropped[e] = the number of assignments expert e
        refused for lack of capacity. output carries the graph of x and all parameters,
        the router included (through the weights); x is not modified.
        """
        num_experts = len(self.experts)
        logits = self.router(x)  # (T, E)
        experts, weights = top_k_route(logits, self.k)  # (T, k) each
        capacity = expert_capacity(x.shape[0], num_experts, self.k, self.capacity_factor)
        buffer, slot = dispatch(x, experts, num_experts, capacity)  # (E, C, D), (T, k)
        # one call per expert on its whole buffer: what each device of an
        # expert-parallel layer runs after the all-to-all
        expert_out = torch.stack([expert(buffer[e]) for e, expert in enumerate(self.experts)])
        output = combine(expert_out, experts, weights, slot)  # (T, D)
        aux_loss = load_balancing_loss(logits, experts)
        refused = experts[slot < 0]
        dropped = torch.zeros(num_experts, dtype=torch.long, device=x.device)
        dropped.index_add_(0, refused, torch.ones_like(refused))
        return output, aux_loss, dropped
