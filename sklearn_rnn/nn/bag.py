"""A bag of word and word n-gram embeddings (fastText, deep averaging networks)."""

import torch
from torch import nn

from .utils import step_mask

#: Multiplier and modulus of the n-gram hash: a polynomial hash of the ids,
#: reduced after every word so that it never overflows int64.
_NGRAM_HASH_MULTIPLIER, _NGRAM_HASH_MODULUS = 1_000_003, 2_147_483_647
#: Bags (``RNNSequenceModel(bag=...)``): the features alone, or joined to the pooled ones.
BAGS = ("only", "join")
#: Standard deviation of the word rows' initial values when a bag reads them.
BAG_INIT_STD = 0.1


def hash_ngrams(x, n, n_buckets):
    """Bucket of each ``n``-gram of consecutive ids: ``(batch, T - n + 1)`` int64.

    Parameters
    ----------
    x : Tensor of int64 of shape (batch, T)
        Token ids; ``T >= n``.
    n : int
        Words per n-gram.
    n_buckets : int
    """
    steps = x.shape[1] - n + 1
    hashed = x[:, :steps]
    for offset in range(1, n):
        hashed = (hashed * _NGRAM_HASH_MULTIPLIER + x[:, offset : offset + steps]) % (
            _NGRAM_HASH_MODULUS
        )
    # Mix in n, so that n-grams of different orders rarely share a bucket.
    return (hashed * n) % n_buckets


class HashedNgramBag(nn.Module):
    """Mean embedding of each sequence's words and word n-grams (fastText).

    Words take their rows from a word embedding passed to :meth:`forward`
    (the backbone's, so that pretrained vectors serve both); each n-gram of
    2 to ``ngrams`` consecutive words is hashed into one of ``n_buckets``
    rows of this module's own table (Joulin et al., 2017). A sequence becomes
    the mean of the rows of its words and n-grams. Only words and n-grams
    within a sequence's true length enter the mean: padding never does.

    In training, each word and n-gram is left out of the mean with
    probability ``dropout`` (word dropout, as in the deep averaging networks
    of Iyyer et al., 2015).

    Parameters
    ----------
    embedding_dim : int
    ngrams : int, default=1
        Longest n-gram; 1 keeps the words alone (no table).
    n_buckets : int, default=2**14
        Rows of the n-gram table, shared by hashing.
    dropout : float, default=0.0
        Word dropout.
    nb_outputs : int, default=0
        With outputs (classes), a linear path from the presence of each word
        and n-gram bucket, scaled by the ``nb_ratio`` buffer (naive-Bayes
        log-count ratios, filled by the estimator): :meth:`nb_logits`.
    vocab_size : int, default=0
        Word ids of the NB path (``nb_outputs > 0``).
    nb_ngrams : int or None, default=None
        Longest n-gram of the NB path; None: ``ngrams``.
    nb_buckets : int or None, default=None
        Hash buckets of the NB path's n-grams (rows of ``nb_weight`` and
        ``nb_ratio`` after the words: one weight and one ratio per bucket and
        output, independent of ``embedding_dim``); None: ``n_buckets``, the
        buckets the embedding path hashes into.
    subword_rows : int, default=0
        Character n-gram ids (``forward``'s ``subwords``, 0 padding): with
        ``subword_mean``, a table of their own rows enters the mean beside the
        words' (fastText's subwords); with ``subword_nb`` and an NB path, one
        NB row each after the word n-gram buckets. 0: none.
    subword_mean : bool, default=True
    subword_nb : bool, default=True

    Shapes
    ------
    forward(x, lengths, words) -> Tensor of shape (batch, embedding_dim)
        ``x`` is ``(batch, T)`` int64, zero-padded; ``words`` is its word
        embedding, ``(batch, T, embedding_dim)``.
    """

    def __init__(
        self,
        embedding_dim,
        ngrams=1,
        n_buckets=2**14,
        dropout=0.0,
        nb_outputs=0,
        vocab_size=0,
        nb_ngrams=None,
        nb_buckets=None,
        subword_rows=0,
        subword_mean=True,
        subword_nb=True,
    ):
        super().__init__()
        self.ngrams = int(ngrams)
        self.n_buckets = int(n_buckets)
        self.dropout = float(dropout)
        self.embedding = nn.Embedding(n_buckets, embedding_dim) if self.ngrams > 1 else None
        self.output_size = embedding_dim
        self.vocab_size = int(vocab_size)
        self.nb_ngrams = self.ngrams if nb_ngrams is None else int(nb_ngrams)
        self.nb_buckets = self.n_buckets if nb_buckets is None else int(nb_buckets)
        self.subword_rows = int(subword_rows)
        self.subword_embedding = None
        if self.subword_rows and subword_mean:
            self.subword_embedding = nn.Embedding(self.subword_rows, embedding_dim)
        self.subword_nb = bool(self.subword_rows and subword_nb and nb_outputs)
        # The NB rows of the character n-grams follow the words' and the word n-grams'.
        self.subword_offset = self.vocab_size + (self.nb_buckets if self.nb_ngrams > 1 else 0)
        self.nb_weight = None
        if nb_outputs:
            # NBSVM's path (Wang & Manning 2012): logits from the presence of
            # each word and n-gram bucket, scaled by its naive-Bayes log-count
            # ratio (a buffer the estimator fills from the training labels).
            # Its own table: a bucket costs a weight and a ratio per output,
            # so that it can hold many more buckets than the embedding rows.
            rows = self.subword_offset + (self.subword_rows if self.subword_nb else 0)
            self.register_buffer("nb_ratio", torch.zeros(rows, int(nb_outputs)))
            self.nb_weight = nn.Parameter(torch.zeros(rows, int(nb_outputs)))

    def nb_features(self, x, lengths, subwords=None):
        """The distinct words and n-gram buckets of each sequence, for the NB
        path: ``(rows, keep)``, both ``(batch, L)``: the row of each word id
        and n-gram bucket of 2 to ``nb_ngrams`` words (buckets follow the
        words), and of each character n-gram (after them, with
        ``subword_nb``), sorted, and whether the row counts (its first
        occurrence in the sequence, not padding). Padding never counts, nor
        the padding id.

        Parameters
        ----------
        x : Tensor of int64 of shape (batch, T)
        lengths : Tensor of shape (batch,)
        subwords : Tensor of int64 of shape (batch, S) or None
            Character n-gram ids, zero-padded.
        """
        lengths = lengths.to(x.device)
        parts = []
        for n in range(1, min(self.nb_ngrams, x.shape[1]) + 1):
            ids = x if n == 1 else hash_ngrams(x, n, self.nb_buckets) + self.vocab_size
            mask = step_mask((lengths - n + 1).clamp(min=0), ids.shape[1])
            parts.append(torch.where(mask, ids, torch.zeros_like(ids)))
        if self.subword_nb and subwords is not None:
            subwords = subwords.to(x.device)
            parts.append(torch.where(subwords != 0, subwords + self.subword_offset, 0))
        rows = torch.sort(torch.cat(parts, dim=1), dim=1).values
        first = torch.cat(
            [torch.ones_like(rows[:, :1], dtype=torch.bool), rows[:, 1:] != rows[:, :-1]], dim=1
        )
        return rows, first & (rows != 0)

    def nb_logits(self, x, lengths, subwords=None):
        """The NB path's logits, ``(batch, nb_outputs)``, in float64: the sum,
        over the distinct words and n-gram buckets of each sequence, of their
        ratio times their weight.

        Parameters
        ----------
        x : Tensor of int64 of shape (batch, T)
        lengths : Tensor of shape (batch,)
        subwords : Tensor of int64 of shape (batch, S) or None
        """
        rows, keep = self.nb_features(x, lengths, subwords)
        # Gather the rows the batch reads (not the whole table): the forward
        # and backward passes grow with the words, not with the buckets (the
        # optimizer still steps every row).
        weight = nn.functional.embedding(rows, self.nb_weight).double()
        ratio = nn.functional.embedding(rows, self.nb_ratio).double()
        return (weight * ratio * keep.unsqueeze(-1).double()).sum(1)

    def forward(self, x, lengths, words, subwords=None):
        """The mean embedding of each sequence.

        Parameters
        ----------
        x : Tensor of int64 of shape (batch, T)
        lengths : Tensor of shape (batch,)
        words : Tensor of shape (batch, T, embedding_dim)
        subwords : Tensor of int64 of shape (batch, S) or None
            Character n-gram ids of the sequence's tokens, zero-padded: with
            a subword table, their rows enter the mean as the words' do.
        """
        lengths = lengths.to(x.device)
        total, count = 0, 0
        for n in range(1, min(self.ngrams, x.shape[1]) + 1):
            rows = words if n == 1 else self.embedding(hash_ngrams(x, n, self.n_buckets))
            # An n-gram is real when its last word is: it starts before length - n + 1.
            mask = step_mask((lengths - n + 1).clamp(min=0), rows.shape[1])
            if self.training and self.dropout > 0:
                mask = mask & (torch.rand(mask.shape, device=mask.device) >= self.dropout)
            total = total + (rows * mask.unsqueeze(-1).to(rows.dtype)).sum(1)
            count = count + mask.sum(1)
        if self.subword_embedding is not None and subwords is not None:
            subwords = subwords.to(x.device)
            mask = subwords != 0
            if self.training and self.dropout > 0:
                mask = mask & (torch.rand(mask.shape, device=mask.device) >= self.dropout)
            rows = self.subword_embedding(subwords)
            total = total + (rows * mask.unsqueeze(-1).to(rows.dtype)).sum(1)
            count = count + mask.sum(1)
        # A sequence whose every word was dropped gets the zero vector.
        return total / count.clamp(min=1).unsqueeze(1).to(total.dtype)
