"""Heads: a backbone with pooling and a linear head (one output per sequence),
or a head at every frame (CTC) or every step (tagging)."""

import math

import torch
from torch import nn

from .augmentation import augment_sequences
from .backbone import POOLINGS, RNNBackbone, check_pooling, pool_sequences
from .bag import BAG_INIT_STD, BAGS, HashedNgramBag
from .branches import BRANCHES
from .utils import step_mask


def _augmentation(words, augmentation):
    """The keyword arguments of :func:`augment_sequences` a module applies in
    training: the non-zero ones, none for token input."""
    if words or not augmentation:
        return {}
    return {name: float(value) for name, value in augmentation.items() if value}


def _head_float64(head, features):
    """``head(features)`` computed in float64 and rounded back: a float32 GEMM's
    result depends on the batch size (kernel blocking), and a sample's
    prediction must not depend on its batch."""
    weight, bias = head.weight.double(), head.bias.double()
    return nn.functional.linear(features.double(), weight, bias).to(features.dtype)


class RNNSequenceModel(nn.Module):
    """Backbone, pooling and a linear head: one output vector per sequence.

    Parameters
    ----------
    n_outputs : int
        Size of the head (classes or regression targets).
    pooling : str, default="last"
        One of :data:`POOLINGS`, or several joined by "+" (concatenated).
    bag : dict or None, default=None
        For token input (``vocab_size`` given): a :class:`HashedNgramBag` over
        the backbone's word embedding, ``{"mode": "only" or "join", "ngrams":
        int, "buckets": int, "dropout": float}``. "only": the head reads the
        bag alone and the recurrent layers are not run (fastText, a deep
        averaging network); "join": the bag is concatenated to the pooled
        recurrent features (a wide-and-deep skip). Ignored for float input.
        ``"nb": True`` adds the bag's naive-Bayes path to the head's outputs
        (:meth:`HashedNgramBag.nb_logits`), over n-grams of up to
        ``"nb_ngrams"`` words in ``"nb_buckets"`` buckets of its own (absent:
        ``"ngrams"`` and ``"buckets"``). ``"subword_rows"``: character n-gram
        ids (``forward``'s ``subwords``), read by the paths ``"subwords"``
        names ("both", "mean", "nb" or None).
        With a bag, the word embedding starts from N(0, 0.1²) rather than
        N(0, 1). With "only", the backbone is built with ``recurrent=False``
        (its word embedding alone) and no attention layer is built: the
        model holds no weight that its forward pass does not read.
    augmentation : dict or None, default=None
        For float input, in training only: keyword arguments of
        :func:`~sklearn_rnn.nn.augmentation.augment_sequences` (``jitter``,
        ``scaling``, ``time_mask``). Ignored for token input.
    branch : dict or None, default=None
        For float input: a branch beside the recurrent layers, ``{"name":
        "conv", **kwargs}`` with a name of
        :data:`~sklearn_rnn.nn.branches.BRANCHES` and its keyword arguments
        besides ``input_size`` (:class:`~sklearn_rnn.nn.branches.FCNBranch`:
        LSTM-FCN; :class:`~sklearn_rnn.nn.branches.MiniRocketBranch`:
        MiniRocket's features). It reads the (augmented) input, and its
        features are concatenated to the pooled recurrent features before
        the head. A fixed branch (``branch.fixed``) may be given its features
        precomputed, as ``forward``'s ``branch_features``. ``"ridge": True``
        (MiniRocketBranch) builds the branch with ``ridge_outputs=n_outputs``:
        its ridge's scores are not read by the head but added to its
        outputs, times the buffer ``branch_scale`` (set when the estimator
        fits the ridge), and the head's weights and bias start at zero, so
        that the untrained model is the ridge. With it, ``"network_weight":
        w`` (default 1) multiplies the head's outputs at inference (never in
        training): ``w = 0.5`` predicts the average of the ridge alone and
        the trained model.
    **backbone_kwargs
        Passed to :class:`RNNBackbone` (``input_size`` included).

    Shapes
    ------
    forward(x, lengths, branch_features=None, subwords=None) -> Tensor of shape (batch, n_outputs)
        Logits or values. ``branch_features`` ``(batch, branch.output_size)``:
        a fixed branch's output, precomputed (computed from ``x`` if None).
        ``subwords`` ``(batch, S)`` int64: the bag's character n-gram ids,
        zero-padded.
    """

    def __init__(
        self,
        n_outputs,
        *,
        pooling="last",
        bag=None,
        augmentation=None,
        branch=None,
        **backbone_kwargs,
    ):
        super().__init__()
        if not check_pooling(pooling):
            raise ValueError(
                f"pooling must be one of {POOLINGS} or several joined by '+'; got {pooling!r}."
            )
        if bag is not None and bag.get("mode") not in BAGS:
            raise ValueError(f"bag's mode must be one of {BAGS}; got {bag!r}.")
        self.pooling = pooling
        words = backbone_kwargs.get("vocab_size") is not None
        bag_only = words and bag is not None and bag["mode"] == "only"
        self.backbone = RNNBackbone(**backbone_kwargs, recurrent=not bag_only)
        self.attention, features = None, 0
        if not bag_only:
            size = self.backbone.output_size
            self.attention = nn.Linear(size, 1) if "attention" in pooling.split("+") else None
            features = size * len(pooling.split("+"))
        self.bag = self.ngram_bag = None
        if bag is not None and words:
            self.bag = bag["mode"]
            embedding = self.backbone.embedding
            self.ngram_bag = HashedNgramBag(
                embedding.embedding_dim,
                bag["ngrams"],
                bag["buckets"],
                bag["dropout"],
                nb_outputs=n_outputs if bag.get("nb") else 0,
                vocab_size=backbone_kwargs["vocab_size"],
                nb_ngrams=bag.get("nb_ngrams"),
                nb_buckets=bag.get("nb_buckets"),
                subword_rows=bag.get("subword_rows", 0),
                subword_mean=bag.get("subwords") in ("both", "mean"),
                subword_nb=bag.get("subwords") in ("both", "nb"),
            )
            # Small rows, as fastText's: a mean over many words starts near zero
            # and learns the words that matter (measured: benchmarks/README.md).
            bag_tables = (self.ngram_bag.embedding, self.ngram_bag.subword_embedding)
            for table in (embedding, *bag_tables):
                if table is not None:
                    with torch.no_grad():
                        table.weight.normal_(0.0, BAG_INIT_STD)
            features += self.ngram_bag.output_size
        self.branch = None
        if branch is not None:
            branch = dict(branch)
            name = branch.pop("name", None)
            if name not in BRANCHES:
                raise ValueError(f"branch must name one of {sorted(BRANCHES)}; got {name!r}.")
            if words:
                raise ValueError("A branch reads numeric input; this model reads tokens.")
            # The weight of the network's outputs beside the ridge's scores at
            # inference (a plain attribute: modules pickled before it read 1).
            self.network_weight = float(branch.pop("network_weight", 1.0))
            if branch.pop("ridge", False):
                branch["ridge_outputs"] = n_outputs
            elif self.network_weight != 1.0:
                raise ValueError(
                    f"network_weight={self.network_weight} weighs the network beside a "
                    "ridge's scores; this branch has no ridge (network_weight must be 1)."
                )
            self.branch = BRANCHES[name](backbone_kwargs["input_size"], **branch)
            if getattr(self.branch, "ridge_outputs", None) is None:
                features += self.branch.output_size
            else:
                # The branch's ridge scores join the head's outputs at a
                # fixed scale (set when the estimator fits the ridge).
                self.register_buffer("branch_scale", torch.ones(()))
        self.augmentation = _augmentation(words, augmentation)
        self.head = nn.Linear(features, n_outputs)
        if self.branch is not None and getattr(self.branch, "ridge_outputs", None) is not None:
            # The model starts as the ridge: the network's share of the
            # outputs grows from zero.
            with torch.no_grad():
                self.head.weight.zero_()
                self.head.bias.zero_()
        if getattr(self.branch, "fixed", False) and self.branch.ridge_outputs is None:
            # A fixed branch's many features start with no weight: the head
            # grows them from zero, as a penalised linear model's path does,
            # instead of adding a random projection of them to its outputs.
            with torch.no_grad():
                self.head.weight[:, features - self.branch.output_size :] = 0.0

    def forward(self, x, lengths, branch_features=None, subwords=None):
        """Logits or values of each sequence.

        Parameters
        ----------
        x : Tensor of shape (batch, T, input_size), or (batch, T) int64 ids
            Zero-padded batch.
        lengths : Tensor of shape (batch,)
            True lengths.
        branch_features : Tensor of shape (batch, branch.output_size) or None
            A fixed branch's features, precomputed; None computes them from
            ``x``. Ignored by a branch that is not fixed.
        subwords : Tensor of int64 of shape (batch, S) or None
            Character n-gram ids of each sequence's tokens (0 pads), read by
            a bag with a subword table.
        """
        if self.training and self.augmentation:
            x = augment_sequences(x, lengths, **self.augmentation)
        parts = []
        if self.bag != "only":
            outputs, frames = self.backbone(x, lengths)
            parts.append(
                pool_sequences(
                    outputs, frames, self.pooling, self.backbone.bidirectional, self.attention
                )
            )
        if self.bag is not None:
            words = self.backbone.embedding(x)
            parts.append(self.ngram_bag(x, lengths, words, subwords))
        scores = None
        if self.branch is not None:
            if branch_features is not None and getattr(self.branch, "fixed", False):
                branch_out = branch_features.to(device=x.device, dtype=x.dtype)
            else:
                branch_out = self.branch(x, lengths)
            if getattr(self.branch, "ridge_outputs", None) is None:
                parts.append(branch_out)
            else:
                scores = branch_out
        pooled = parts[0] if len(parts) == 1 else torch.cat(parts, dim=1)
        nb = self.ngram_bag is not None and self.ngram_bag.nb_weight is not None
        if self.training:
            out = self.head(pooled)
            if scores is not None:
                out = out + self.branch_scale * scores
            if not nb:
                return out
            return out + self.ngram_bag.nb_logits(x, lengths, subwords).to(out.dtype)
        # At inference the (tiny) head runs in float64: the recurrent layers
        # already give bitwise-identical rows whatever the batch.
        if nb or scores is not None:
            weight, bias = self.head.weight.double(), self.head.bias.double()
            out = nn.functional.linear(pooled.double(), weight, bias)
            if scores is not None:
                out = getattr(self, "network_weight", 1.0) * out
            if nb:
                out = out + self.ngram_bag.nb_logits(x, lengths, subwords)
            if scores is not None:
                out = out + self.branch_scale.double() * scores.double()
            return out.to(pooled.dtype)
        return _head_float64(self.head, pooled)


class RNNFrameModel(nn.Module):
    """Backbone and a linear head applied at every (subsampled) frame.

    Used for CTC: returns per-frame log-probabilities and the frame lengths.

    Parameters
    ----------
    n_outputs : int
        Size of the head (labels and the blank).
    augmentation : dict or None, default=None
        For float input, in training only: keyword arguments of
        :func:`~sklearn_rnn.nn.augmentation.augment_sequences` (SpecAugment's
        time masking for CTC). Ignored for token input.
    **backbone_kwargs
        Passed to :class:`RNNBackbone` (``input_size`` included).

    Shapes
    ------
    forward(x, lengths) -> (log_probs, lengths)
        ``log_probs`` is ``(batch, T', n_outputs)``.
    """

    def __init__(
        self,
        n_outputs,
        *,
        augmentation=None,
        **backbone_kwargs,
    ):
        super().__init__()
        self.backbone = RNNBackbone(**backbone_kwargs)
        self.head = nn.Linear(self.backbone.output_size, n_outputs)
        self.augmentation = _augmentation(
            backbone_kwargs.get("vocab_size") is not None, augmentation
        )

    def forward(self, x, lengths):
        if self.training and self.augmentation:
            x = augment_sequences(x, lengths, **self.augmentation)
        outputs, lengths = self.backbone(x, lengths)
        return torch.log_softmax(self.head(outputs), dim=-1), lengths


class RNNTaggerModel(nn.Module):
    """Backbone and a linear head at every step: one row of logits per input step.

    When the backbone shortens the sequence (frame stacking by ``subsample``,
    front-end strides), each of its frames stands for ``factor`` consecutive
    input steps, and the head outputs ``factor * n_outputs`` logits per frame:
    one row per step it stands for ("unstacking", as sub-pixel convolution
    does for images). Every input step keeps its own prediction.

    Parameters
    ----------
    n_outputs : int
        Classes per step.
    word_features : {"spelling", "id"} or None, default=None
        For word input: the resolved ``word_features`` of the tagger (None
        for numeric and token-id input, where the next two are None).
    word_vocab_size : int or None, default=None
        Ids of the word vocabulary (column 0 of the input holds them).
    spelling_vocab_size : int or None, default=None
        Ids of the spelling features (the other columns), or None for word
        ids only.
    **backbone_kwargs
        Passed to :class:`~sklearn_rnn.nn.backbone.RNNBackbone` (``input_size``
        included).

    Shapes
    ------
    forward(x, lengths) -> (logits, lengths)
        ``logits`` is ``(batch, T, n_outputs)``, ``T`` the padded input
        length; rows past a sample's length are meaningless.
    """

    def __init__(
        self,
        n_outputs,
        word_features=None,
        word_vocab_size=None,
        spelling_vocab_size=None,
        **backbone_kwargs,
    ):
        super().__init__()
        self.words = self.spelling = None
        if word_vocab_size is not None:
            # Word input: ids per step (as floats), embedded here; the backbone
            # reads the embeddings as float steps.
            dim = backbone_kwargs.get("embedding_dim", 64)
            self.words = nn.Embedding(word_vocab_size, dim, padding_idx=0)
            if spelling_vocab_size is not None:
                self.spelling = nn.Embedding(spelling_vocab_size, dim, padding_idx=0)
            width = dim * (1 if self.spelling is None else 2)
            backbone_kwargs = {**backbone_kwargs, "input_size": width, "vocab_size": None}
        self.backbone = RNNBackbone(**backbone_kwargs)
        strides = self.backbone.frontend.strides if self.backbone.frontend is not None else ()
        self.n_outputs = n_outputs
        self.factor = int(self.backbone.subsample * math.prod(strides))
        self.head = nn.Linear(self.backbone.output_size, n_outputs * self.factor)

    def forward(self, x, lengths):
        """Per-step logits.

        Parameters
        ----------
        x : Tensor of shape (batch, T, input_size) float, or (batch, T) int64
            Zero-padded batch.
        lengths : Tensor of shape (batch,)
            True lengths.
        """
        steps = x.shape[1]
        if self.words is not None:
            ids = x.long()
            embedded = self.words(ids[..., 0])
            if self.spelling is not None:
                # The features' sum, scaled to keep a unit variance (ids of
                # padded steps are 0, whose embeddings are zero).
                features = self.spelling(ids[..., 1:]).sum(dim=2) / math.sqrt(ids.shape[2] - 1)
                embedded = torch.cat([embedded, features], dim=2)
            x = embedded
        outputs, frame_lengths = self.backbone(x, lengths)
        if self.training:
            logits = self.head(outputs)
        else:
            # Padded frames are zeroed: their rows are padding either way, and
            # this step between the recurrent layer and the float64 head keeps
            # ONNX Runtime's full graph optimisation from crashing on a causal
            # tagger's exported graph (LSTM, Transpose, Cast, MatMul).
            real = step_mask(frame_lengths.to(outputs.device), outputs.shape[1])
            outputs = outputs * real.unsqueeze(-1).to(outputs.dtype)
            # float64 at inference, as RNNSequenceModel's head.
            logits = _head_float64(self.head, outputs)
        batch, frames, _ = logits.shape
        logits = logits.reshape(batch, frames * self.factor, self.n_outputs)[:, :steps]
        return logits, lengths
