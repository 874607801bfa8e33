"""Kata 36: a Child-Sum Tree-LSTM (Tai et al., 2015) over trees built with Python control flow.

See README.md in this folder.

A tree is a pair `(x, children)`: x a (input_size,) float tensor, the input at this node,
and children a list of trees (empty for a leaf). Every node, leaf or not, has an input.
"""

import torch
from torch import Tensor, nn

Tree = tuple[Tensor, list]  # (x, [child trees])


class ChildSumTreeLSTMCell(nn.Module):
    """One node of a Child-Sum Tree-LSTM: its state from its input and its children's states.

    Submodules (exactly these names and shapes; the tests copy their weights):
      W_iou = nn.Linear(input_size, 3 * hidden_size)             (with bias)
      U_iou = nn.Linear(hidden_size, 3 * hidden_size, bias=False)
      W_f   = nn.Linear(input_size, hidden_size)                 (with bias)
      U_f   = nn.Linear(hidden_size, hidden_size, bias=False)
    The 3 * hidden_size outputs of W_iou and U_iou are, in this order, the i, o and u parts
    (torch.chunk(..., 3, dim=-1)).

    For a node with input x and K >= 0 children with states (h_k, c_k), k = 1..K:
      h_sum = sum_k h_k                                  (zeros when K = 0)
      i, o, u = chunks of W_iou(x) + U_iou(h_sum)
      i = sigmoid(i), o = sigmoid(o), u = tanh(u)
      f_k = sigmoid(W_f(x) + U_f(h_k))                   one forget gate PER CHILD
      c = i * u + sum_k f_k * c_k
      h = o * tanh(c)
    The children are summed, so the result does not depend on their order.
    """

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__()
        self.W_iou = nn.Linear(input_size, 3 * hidden_size)
        self.U_iou = nn.Linear(hidden_size, 3 * hidden_size, bias=False)
        self.W_f = nn.Linear(input_size, hidden_size)
        self.U_f = nn.Linear(hidden_size, hidden_size, bias=False)

    def forward(self, x: Tensor, child_h: Tensor, child_c: Tensor) -> tuple[Tensor, Tensor]:
        """(h, c) of one node, each (hidden_size,).

        x: (input_size,); child_h, child_c: (K, hidden_size), K >= 0 (K = 0 for a leaf),
        possibly non-contiguous. All of one dtype and device, which the results keep. The
        inputs are not changed, and the results stay connected to them in the autograd
        graph (no .detach(), .item() or .data).
        """
        h_sum = child_h.sum(dim=0)  # (H,); zeros for a leaf (a sum over K = 0 rows)
        i, o, u = torch.chunk(self.W_iou(x) + self.U_iou(h_sum), 3, dim=-1)  # 3 x (H,)
        i, o, u = torch.sigmoid(i), torch.sigmoid(o), torch.tanh(u)
        # one forget gate per child: row k looks at that child's own h_k
        f = torch.sigmoid(self.W_f(x) + self.U_f(child_h))  # (K, H), W_f(x) broadcast
        c = i * u + (f * child_c).sum(dim=0)  # (H,)
        h = o * torch.tanh(c)
        return h, c


class TreeLSTM(nn.Module):
    """A Child-Sum Tree-LSTM over whole trees: `self.cell` applied bottom-up.

    __init__ makes one submodule, self.cell = ChildSumTreeLSTMCell(input_size, hidden_size),
    shared by every node of every tree.
    """

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.cell = ChildSumTreeLSTMCell(input_size, hidden_size)

    def forward(self, tree: Tree) -> tuple[Tensor, Tensor]:
        """(h, c) of the root, each (hidden_size,), of the dtype and device of the inputs.

        Each node's state is self.cell(x, child_h, child_c), child_h and child_c stacking
        its children's states (K rows, in any order: the result is the same). self.cell is
        called exactly once per node: a subtree is computed once, never again for h and for
        c. The result is connected in the autograd graph to the x of every node, so a
        backward from the root reaches every leaf. The caller's tree is not changed: not its
        lists, not its tensors (values, requires_grad, .grad).
        Raises ValueError if a node is not a pair (x, list of children) or its x is not of
        shape (input_size,).
        """
        return self._node(tree)

    def _node(self, tree: Tree) -> tuple[Tensor, Tensor]:
        """The state of one node, its children's computed first (once each)."""
        if not (isinstance(tree, tuple | list) and len(tree) == 2 and isinstance(tree[1], list)):
            raise ValueError(f"a node must be a pair (x, [children]), got {type(tree).__name__}")
        x, children = tree
        if not isinstance(x, Tensor) or x.shape != (self.input_size,):
            shape = tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__
            raise ValueError(f"a node's x must have shape ({self.input_size},), got {shape}")
        states = [self._node(child) for child in children]  # each subtree once
        if states:
            child_h = torch.stack([h for h, _ in states])  # (K, H)
            child_c = torch.stack([c for _, c in states])
        else:  # a leaf: K = 0 children
            child_h = x.new_zeros(0, self.hidden_size)
            child_c = x.new_zeros(0, self.hidden_size)
        return self.cell(x, child_h, child_c)

    def encode(self, trees: list[Tree]) -> Tensor:
        """The roots' hidden states of a batch of trees, (B, hidden_size), row b for trees[b].

        Trees may differ in shape and size (a single leaf included). Raises ValueError for
        an empty list.
        """
        if len(trees) == 0:
            raise ValueError("encode needs at least one tree")
        return torch.stack([self(tree)[0] for tree in trees])  # (B, H)
