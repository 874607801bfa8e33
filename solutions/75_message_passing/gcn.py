"""Kata 75: a graph convolution (GCN) layer by message passing. See README.md in this folder."""

import torch
from torch import Tensor, nn


def gcn_norm(
    edge_index: Tensor, num_nodes: int, dtype: torch.dtype = torch.float32
) -> tuple[Tensor, Tensor]:
    """The edges of A + I and their weights in D^-1/2 (A + I) D^-1/2.

    edge_index: (2, E) long or int32, E >= 0, on any device; not modified. Row 0 holds the
    source j and row 1 the target i of each edge j -> i: messages flow from source to
    target. The graph is directed as given (for an undirected graph, pass both
    directions). A is the dense (N, N) matrix with A[i, j] = the number of edges j -> i:
    duplicate edges add up (as an edge of weight 2 would), and an edge i -> i in
    edge_index is an ordinary edge (A + I then holds 2 there). deg[i] = 1 + the number of
    edges INTO i, the sum of row i of A + I, so an isolated node has deg 1.
    Returns (edges, weight) on edge_index's device: edges (2, E + N) long, the E edges as
    given followed by one self-loop i -> i for each node i = 0 .. N - 1; weight (E + N,)
    in dtype, 1 / sqrt(deg[i] * deg[j]) for an edge j -> i. Builds no (N, N) tensor.
    Raises ValueError when edge_index is not (2, E) of an integer dtype, or holds a node
    id outside 0 .. num_nodes - 1.
    """
    if edge_index.dim() != 2 or edge_index.shape[0] != 2:
        raise ValueError(f"edge_index must be (2, E), got {tuple(edge_index.shape)}")
    if (
        edge_index.dtype.is_floating_point
        or edge_index.dtype.is_complex
        or edge_index.dtype == torch.bool
    ):
        raise ValueError(f"edge_index must hold integer node ids, got {edge_index.dtype}")
    if edge_index.numel() and (int(edge_index.min()) < 0 or int(edge_index.max()) >= num_nodes):
        raise ValueError(f"edge_index holds node ids outside 0 .. {num_nodes - 1}")
    device = edge_index.device
    loops = torch.arange(num_nodes, device=device).repeat(2, 1)  # (2, N): i -> i
    edges = torch.cat([edge_index.long(), loops], dim=1)  # (2, E + N)
    source, target = edges[0], edges[1]
    ones = torch.ones(edges.shape[1], dtype=dtype, device=device)
    # row sums of A + I: count the edges into each node (the targets)
    deg = torch.zeros(num_nodes, dtype=dtype, device=device).index_add_(0, target, ones)
    inv_sqrt = deg.rsqrt()  # every deg >= 1 thanks to the self-loops
    return edges, inv_sqrt[target] * inv_sqrt[source]


def propagate(x: Tensor, edge_index: Tensor, edge_weight: Tensor) -> Tensor:
    """Sum weighted messages along the edges: out[i] = sum over edges j -> i of w * x[j].

    x: (N, F) float, N >= 1; edge_index: (2, E) long, row 0 sources, row 1 targets, as in
    gcn_norm; edge_weight: (E,) in x's dtype. All on one device; none is modified (x may
    be non-contiguous). Equals A_w @ x for the dense A_w[i, j] = the total weight of the
    edges j -> i, without building it: gather x at the sources (E, F), scale each row by
    its weight, and add the rows into zeros (N, F) at the targets with index_add_ (or
    scatter_add_). A node that no edge enters gets a row of zeros. Returns a new (N, F)
    tensor in x's dtype, carrying the graph of x and edge_weight. Builds no (N, N) tensor.
    """
    source, target = edge_index[0], edge_index[1]
    messages = x[source] * edge_weight.unsqueeze(1)  # (E, F)
    return torch.zeros_like(x).index_add_(0, target, messages)  # (N, F), a new tensor


class GCNConv(nn.Module):
    """One graph convolution (Kipf & Welling, 2017): D^-1/2 (A + I) D^-1/2 x W^T + b."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True) -> None:
        """self.weight: Parameter (out_features, in_features), nn.init.xavier_uniform_.

        self.bias: Parameter (out_features,) of zeros, or None when bias is False
        (registered as None, so it is not among the parameters).
        """
        super().__init__()
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        nn.init.xavier_uniform_(self.weight)
        if bias:
            self.bias = nn.Parameter(torch.zeros(out_features))
        else:
            self.register_parameter("bias", None)

    def forward(self, x: Tensor, edge_index: Tensor) -> Tensor:
        """x: (N, in_features) float, edge_index: (2, E) long -> (N, out_features).

        D^-1/2 (A + I) D^-1/2 (x W^T) + b, with gcn_norm (in x's dtype) and propagate;
        N = x.shape[0]. The bias is added after the propagation, once per node. Same dtype
        and device as x; carries the graph of x, weight and bias; builds no (N, N) tensor;
        x and edge_index are not modified.
        """
        edges, weight = gcn_norm(edge_index, x.shape[0], dtype=x.dtype)
        out = propagate(x @ self.weight.T, edges, weight)  # (N, out_features)
        if self.bias is not None:
            out = out + self.bias
        return out
