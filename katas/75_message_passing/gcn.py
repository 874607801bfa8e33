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
    # TODO: check the arguments; append the self-loops, count degrees over the targets
    # (index_add_ or bincount), then deg^-1/2 of both ends of every edge
    raise NotImplementedError("TODO: gcn_norm(edge_index, num_nodes, dtype)")


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
    # TODO: messages x[source] * weight, summed into their targets with index_add_
    raise NotImplementedError("TODO: propagate(x, edge_index, edge_weight)")


class GCNConv(nn.Module):
    """One graph convolution (Kipf & Welling, 2017): D^-1/2 (A + I) D^-1/2 x W^T + b."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True) -> None:
        """self.weight: Parameter (out_features, in_features), nn.init.xavier_uniform_.

        self.bias: Parameter (out_features,) of zeros, or None when bias is False
        (registered as None, so it is not among the parameters).
        """
        super().__init__()
        # TODO: the weight and the bias as Parameters (or register_parameter("bias", None))
        raise NotImplementedError("TODO: GCNConv.__init__(in_features, out_features, bias)")

    def forward(self, x: Tensor, edge_index: Tensor) -> Tensor:
        """x: (N, in_features) float, edge_index: (2, E) long -> (N, out_features).

        D^-1/2 (A + I) D^-1/2 (x W^T) + b, with gcn_norm (in x's dtype) and propagate;
        N = x.shape[0]. The bias is added after the propagation, once per node. Same dtype
        and device as x; carries the graph of x, weight and bias; builds no (N, N) tensor;
        x and edge_index are not modified.
        """
        # TODO: x @ W^T first, then propagate with gcn_norm's weights, then the bias
        raise NotImplementedError("TODO: GCNConv.forward(x, edge_index)")
