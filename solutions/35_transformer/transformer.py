"""Kata 35: a Transformer encoder classifier and an encoder-decoder, with masks. See README.md."""

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def causal_mask(size: int, *, dtype: torch.dtype = torch.float32, device=None) -> Tensor:
    """The (size, size) mask that lets position i attend to positions j <= i only.

    In nn.Transformer's conventions (the ones its tgt_mask / mask arguments take):
      - floating dtype: 0.0 on and below the diagonal, -inf above it (what
        nn.Transformer.generate_square_subsequent_mask returns); -inf, not 1, is what
        blocks: a float mask is ADDED to the attention scores.
      - dtype=torch.bool: True above the diagonal (True = may NOT attend), False elsewhere.
    Any other dtype raises TypeError. On `device` (None: the default device).
    Do not call nn.Transformer.generate_square_subsequent_mask.
    """
    blocked = torch.ones(size, size, dtype=torch.bool, device=device).triu(1)  # j > i
    if dtype == torch.bool:
        return blocked
    if not dtype.is_floating_point:
        raise TypeError(f"causal_mask: dtype must be torch.bool or floating, got {dtype}")
    zeros = torch.zeros(size, size, dtype=dtype, device=device)
    return zeros.masked_fill(blocked, float("-inf"))


def padding_mask(lengths: Tensor, max_len: int, *, dtype: torch.dtype = torch.bool) -> Tensor:
    """The (B, max_len) key padding mask of right-padded sequences of these lengths.

    lengths: (B,) integer, each in 0..max_len; position t of row b is padding when
    t >= lengths[b]. In nn.Transformer's convention (its *_key_padding_mask arguments):
      - dtype=torch.bool: True at PADDING (= ignore), False at real tokens.
      - floating dtype: -inf at padding, 0.0 at real tokens.
    Any other dtype raises TypeError; a length below 0 or above max_len raises ValueError.
    On lengths' device; lengths is not modified.
    """
    if dtype != torch.bool and not dtype.is_floating_point:
        raise TypeError(f"padding_mask: dtype must be torch.bool or floating, got {dtype}")
    if bool((lengths < 0).any()) or bool((lengths > max_len).any()):
        raise ValueError(f"padding_mask: lengths {lengths.tolist()} must lie in 0..{max_len}")
    pad = torch.arange(max_len, device=lengths.device) >= lengths[:, None]  # (B, max_len)
    if dtype == torch.bool:
        return pad
    zeros = torch.zeros(pad.shape, dtype=dtype, device=lengths.device)
    return zeros.masked_fill(pad, float("-inf"))


class TransformerClassifier(nn.Module):
    """Classify right-padded token sequences with an nn.TransformerEncoder.

    Submodules, by these names (the tests read and copy their weights):
      embedding: nn.Embedding(vocab_size, d_model, padding_idx=pad_idx)
      position:  nn.Embedding(max_len, d_model), a learned position embedding
      encoder:   nn.TransformerEncoder of num_layers
                 nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout,
                 batch_first=True), with enable_nested_tensor=False (see forward)
      fc:        nn.Linear(d_model, num_classes)
    No other parameters.
    """

    def __init__(
        self,
        vocab_size: int,
        d_model: int,
        nhead: int,
        num_layers: int,
        num_classes: int,
        dim_feedforward: int,
        pad_idx: int = 0,
        max_len: int = 64,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, d_model, padding_idx=pad_idx)
        self.position = nn.Embedding(max_len, d_model)
        layer = nn.TransformerEncoderLayer(
            d_model, nhead, dim_feedforward, dropout, batch_first=True
        )
        # nested tensors would make eval() + no_grad() warn (a prototype API) on padded input
        self.encoder = nn.TransformerEncoder(layer, num_layers, enable_nested_tensor=False)
        self.fc = nn.Linear(d_model, num_classes)

    def forward(self, tokens: Tensor, lengths: Tensor, causal: bool = False) -> Tensor:
        """Logits (B, num_classes) for a right-padded batch.

        tokens: (B, T) long; row b holds its tokens in columns 0..lengths[b]-1, and anything
        at all in the later columns. lengths: (B,) long on tokens' device, each in 1..T;
        a length of 0 (nothing to pool) raises ValueError.
        The encoder's input is embedding(tokens) + position(arange(T)) (no other scaling).
        The encoder gets src_key_padding_mask marking each row's padding, and with
        causal=True also a causal mask (position t sees positions <= t only); give both
        masks the same type (all bool or all float), since torch warns for a mix.
        The sequence representation is the MEAN of the encoder's outputs over the real
        tokens only (t < lengths[b]), never over padded positions; fc maps it to logits.
        So the logits of a sequence do not depend on how much padding its batch carries.
        Works in train() and in eval() under torch.no_grad() alike, without a warning
        (that is what enable_nested_tensor=False is for). Inputs are not modified.
        """
        T = tokens.size(1)
        if bool((lengths < 1).any()):
            raise ValueError(f"lengths {lengths.tolist()}: every sequence needs a real token")
        positions = torch.arange(T, device=tokens.device)
        x = self.embedding(tokens) + self.position(positions)  # (B, T, D)
        pad = padding_mask(lengths, T)  # (B, T) bool, True = padding
        mask = causal_mask(T, dtype=torch.bool, device=tokens.device) if causal else None
        hidden = self.encoder(x, mask=mask, src_key_padding_mask=pad)  # (B, T, D)
        real = (~pad).unsqueeze(-1).to(hidden.dtype)  # (B, T, 1)
        pooled = (hidden * real).sum(dim=1) / lengths[:, None].to(hidden.dtype)  # (B, D)
        return self.fc(pooled)


def shift_right(tgt: Tensor, bos_idx: int) -> Tensor:
    """The decoder input for teacher forcing: the target shifted right by one, BOS first.

    tgt: (B, T) long. Returns (B, T) long: column 0 is bos_idx, column t is tgt[:, t - 1],
    so the last column of tgt is dropped: torch.cat([bos column, tgt[:, :-1]], dim=1).
    The decoder then predicts tgt[:, t] at position t having seen tgt[:, :t] only.
    tgt is not modified.
    """
    bos = torch.full_like(tgt[:, :1], bos_idx)  # (B, 1)
    return torch.cat([bos, tgt[:, :-1]], dim=1)  # (B, T)


class Seq2SeqTransformer(nn.Module):
    """An nn.Transformer encoder-decoder over token sequences (here: a copy task).

    Submodules, by these names:
      embedding: nn.Embedding(vocab_size, d_model, padding_idx=pad_idx), shared by source
                 and target tokens
      position:  nn.Embedding(max_len, d_model), shared too
      transformer: nn.Transformer(d_model, nhead, num_encoder_layers, num_decoder_layers,
                 dim_feedforward, dropout, batch_first=True) whose encoder is passed as
                 custom_encoder=nn.TransformerEncoder(nn.TransformerEncoderLayer(d_model,
                 nhead, dim_feedforward, dropout, batch_first=True), num_encoder_layers,
                 norm=nn.LayerNorm(d_model), enable_nested_tensor=False): the layers torch
                 builds by default, without the nested-tensor fast path that warns in eval()
      out:       nn.Linear(d_model, vocab_size), the logits
    Attributes pad_idx and bos_idx hold the constructor's values.
    """

    def __init__(
        self,
        vocab_size: int,
        d_model: int,
        nhead: int,
        num_encoder_layers: int,
        num_decoder_layers: int,
        dim_feedforward: int,
        pad_idx: int = 0,
        bos_idx: int = 1,
        max_len: int = 64,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        self.pad_idx, self.bos_idx = pad_idx, bos_idx
        self.embedding = nn.Embedding(vocab_size, d_model, padding_idx=pad_idx)
        self.position = nn.Embedding(max_len, d_model)
        layer = nn.TransformerEncoderLayer(
            d_model, nhead, dim_feedforward, dropout, batch_first=True
        )
        encoder = nn.TransformerEncoder(
            layer, num_encoder_layers, norm=nn.LayerNorm(d_model), enable_nested_tensor=False
        )
        self.transformer = nn.Transformer(
            d_model,
            nhead,
            num_encoder_layers,
            num_decoder_layers,
            dim_feedforward,
            dropout,
            custom_encoder=encoder,
            batch_first=True,
        )
        self.out = nn.Linear(d_model, vocab_size)

    def forward(
        self, src: Tensor, src_lengths: Tensor, tgt_in: Tensor, tgt_lengths: Tensor
    ) -> Tensor:
        """Logits (B, T, vocab_size) for every decoder position.

        src: (B, S) long, right-padded, src_lengths (B,) in 1..S; tgt_in: (B, T) long, the
        decoder input (shift_right of the target), right-padded, tgt_lengths (B,) in 1..T;
        all on one device. Calls self.transformer once, batch first, with:
          tgt_mask:                causal_mask(T): decoder position t sees tgt_in[:, :t+1]
          src_key_padding_mask:    the source padding (the encoder ignores it)
          memory_key_padding_mask: the source padding again (so the decoder ignores it)
          tgt_key_padding_mask:    the target padding
        all four of one type (bool, or float), since torch warns for a mix. Source and
        target tokens both enter as embedding(tokens) + position(arange(length)).
        So no logit depends on a later decoder position (d logits[:, t] / d (decoder input
        embeddings)[:, t'] is 0 for t' > t) or on anything in the source padding.
        Works in train() and in eval() under torch.no_grad(), without a warning.
        Inputs are not modified.
        """
        S, T = src.size(1), tgt_in.size(1)
        src_pad = padding_mask(src_lengths, S)  # (B, S) bool, True = padding
        tgt_pad = padding_mask(tgt_lengths, T)  # (B, T) bool
        src_x = self.embedding(src) + self.position(torch.arange(S, device=src.device))
        tgt_x = self.embedding(tgt_in) + self.position(torch.arange(T, device=src.device))
        hidden = self.transformer(
            src_x,  # (B, S, D)
            tgt_x,  # (B, T, D)
            tgt_mask=causal_mask(T, dtype=torch.bool, device=src.device),  # (T, T)
            src_key_padding_mask=src_pad,
            memory_key_padding_mask=src_pad,
            tgt_key_padding_mask=tgt_pad,
        )  # (B, T, D)
        return self.out(hidden)  # (B, T, V)


def train_step(
    model: Seq2SeqTransformer,
    optimizer: torch.optim.Optimizer,
    src: Tensor,
    src_lengths: Tensor,
    tgt: Tensor,
    tgt_lengths: Tensor,
) -> float:
    """One teacher-forced optimisation step; returns the loss before the update, a float.

    The decoder input is shift_right(tgt, model.bos_idx) with the same tgt_lengths; the
    loss is the cross-entropy of model(...)'s logits against tgt, averaged over the REAL
    target tokens only (t < tgt_lengths[b]), whatever the padded positions of tgt hold.
    Clears old gradients first, then backward and one optimizer.step(). Inputs are not
    modified.
    """
    tgt_in = shift_right(tgt, model.bos_idx)  # (B, T)
    logits = model(src, src_lengths, tgt_in, tgt_lengths)  # (B, T, V)
    real = ~padding_mask(tgt_lengths, tgt.size(1))  # (B, T) bool, True = real token
    loss = F.cross_entropy(logits[real], tgt[real])  # mean over the real tokens
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()
