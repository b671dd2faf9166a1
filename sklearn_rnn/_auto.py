"""The data-dependent "auto" rules, in one place, each with its measured basis.

Every rule reads only the shape of the training data (how many sequences, how
long, how many features, tokens or numbers), never the name of a data set.
The figures that chose them are in ``benchmarks/README.md`` (the current
tables) and ``benchmarks/journal.md`` (the experiments); the user guide's
``choosing.md`` explains them to users.
"""

import numpy as np

from .components import Augmentation, ConvFrontend, RocketBranch, TextBag, TokenEmbedding

# --- front end -------------------------------------------------------------------

#: ``frontend="auto"`` uses the front end from this median length, or above
#: this many features per step. Below both, the front end blurred the step
#: order that an LSTM reads (ItalyPowerDemand, JapaneseVowels lost 1-2
#: points with it); above, it summarised long series better than the raw
#: steps (OSULeaf, ACSF1, PLAID gained 5-30 points).
AUTO_FRONTEND_MIN_LENGTH, AUTO_FRONTEND_MAX_NARROW_FEATURES = 64, 4
#: ``ConvFrontend(stride="auto")`` keeps the median length at or above this
#: many steps, with a stride of at most this: the LSTM then sees 64-127 steps,
#: where it trains fast and keeps the order (ACSF1 at 1,460 steps: stride 16).
AUTO_STRIDE_MIN_LENGTH, AUTO_STRIDE_MAX = 64, 64


def auto_frontend(sequences, cell):
    """The front end of ``frontend="auto"``: ``ConvFrontend()`` or None.

    Token sequences never get one (on small text corpora it overfit);
    without recurrent layers (``cell=None``) the front end is the network.
    """
    if cell is None:
        return ConvFrontend()
    if sequences.is_tokens:
        return None
    long = np.median(sequences.lengths) >= AUTO_FRONTEND_MIN_LENGTH
    wide = sequences.n_features > AUTO_FRONTEND_MAX_NARROW_FEATURES
    return ConvFrontend() if long or wide else None


def auto_frontend_stride(lengths):
    """Total stride of ``ConvFrontend(stride="auto")`` for training ``lengths``
    (after frame stacking): the largest power of two, at most
    :data:`AUTO_STRIDE_MAX`, that leaves the median at
    :data:`AUTO_STRIDE_MIN_LENGTH` steps or more."""
    median = float(np.median(lengths))
    stride = 1
    while stride < AUTO_STRIDE_MAX and median / (2 * stride) >= AUTO_STRIDE_MIN_LENGTH:
        stride *= 2
    return stride


# --- text ------------------------------------------------------------------------


#: ``bag="auto"`` gives a classifier's NB path word bigrams
#: (``TextBag(nb=True, nb_ngrams=2)``) up to this median length (tokens per
#: training sequence): sentence-level text. Movie sentences (median 19
#: tokens) gained 0.728 -> 0.737 with them; the reviews (Dutch 49, French
#: 82, drug reviews 90 tokens) keep words alone, the drug reviews having
#: lost 0.738 -> 0.723 with bigrams. Confirmed on the VADER amazon review
#: sentences (median 15), chosen after the rule (benchmarks/journal.md,
#: "Issue 26, text: bigrams for sentences").
AUTO_NB_BIGRAM_MAX_LENGTH = 30


#: ``bag="auto"`` gives numeric sequences MiniRocket's features beside the
#: recurrent layers (``RocketBranch()``, since 2026-12-07 with
#: ``head="auto"``: :data:`AUTO_RIDGE_MIN_CLASSES`) from this median training length,
#: the front end's threshold (above). ``--params '{"bag": {"RocketBranch":
#: {}}}'`` over every time-series set, seeds 0-2, against the defaults'
#: ``--seeds auto`` table (benchmarks/journal.md, "Issue 25, `RocketBranch`
#: made fast"): on the sets from 64 steps it won on OSULeaf 0.832 -> 0.959,
#: ACSF1 0.850 -> 0.920, ArrowHead 0.809 -> 0.830, Tecator RMSE 1.40 ->
#: 0.880, Covid3Month 0.0417 -> 0.0399, and on the confirmation sets PigCVP
#: 0.240 -> 0.817, PickupGestureWiimoteZ 0.814 -> 0.887, EyesOpenShut 0.390
#: -> 0.508; tied on BasicMotions, GunPoint, Coffee, Trace; lost on PLAID
#: 0.908 -> 0.896. Shorter sets keep no branch: there it lost on
#: ItalyPowerDemand (24 steps, 0.966 -> 0.961) and CardanoSentiment (24
#: steps, RMSE 0.322 -> 0.346). Its fit cost 1.04-1.42x the defaults' in
#: one process (PigCVP, PLAID, ItalyPowerDemand, UnitTest).
AUTO_ROCKET_MIN_LENGTH = AUTO_FRONTEND_MIN_LENGTH


#: ``RocketBranch(head="auto")`` reads MiniRocket's features through the
#: closed-form ridge (``head="ridge"``) for a regressor and for a classifier
#: of at least this many classes, and trains a weight per feature in the
#: joint head (``head="joint"``) for two classes. Read off the table's sets
#: (``--params '{"bag": {"RocketBranch": {"head": "ridge"}}}'``, seeds 0-2,
#: 0-9 below 100 training series): the ridge won PigCVP (52 classes) 0.817
#: -> 0.941, PLAID (11) 0.896 -> 0.937, ArrowHead (3) 0.834 -> 0.863 and
#: Tecator (RMSE 0.88 -> 0.700), tied on OSULeaf, PickupGestureWiimoteZ,
#: BasicMotions and Covid3Month, and lost ACSF1 (10 classes) 0.920 -> 0.903
#: and the binary EyesOpenShut 0.517 -> 0.450 and GunPoint 0.997 -> 0.986.
#: Confirmed on six of the eight sets of tslearn's source distribution from
#: 64 steps, added afterwards (benchmarks/journal.md, "Issue 25, nine
#: confirmation sets"): with three or more classes the ridge won Lightning7
#: 0.611 -> 0.751, FaceFour 0.965 -> 0.977 and OliveOil 0.920 -> 0.933, tied
#: on Car and Plane and lost Beef 0.843 -> 0.827; with two the joint head won
#: ECG200 (0.870 -> 0.910) and was level on Lightning2 (0.751 -> 0.744).
#: ``bag="auto"`` gives ``RocketBranch(head="auto")`` since then.
AUTO_RIDGE_MIN_CLASSES = 3


def auto_rocket_head(classifier, n_classes=None):
    """The head of ``RocketBranch(head="auto")``: ``"joint"`` for a
    classifier of fewer than :data:`AUTO_RIDGE_MIN_CLASSES` classes,
    ``"ridge"`` otherwise (regressors included)."""
    if classifier and n_classes is not None and n_classes < AUTO_RIDGE_MIN_CLASSES:
        return "joint"
    return "ridge"


#: ``RocketBranch(lr_factor="auto")`` under the ridge head: the network, which
#: learns a correction to the ridge, trains at a tenth of the estimator's
#: ``lr``. Chosen on three sets the ridge head left under MiniRocket, seeds
#: 0-2 (``--params '{"lr": 0.0003}'``): PigCVP 0.941 -> 0.960, ACSF1 0.903
#: -> 0.910, Beef level (0.833, 0.800, 0.833). In the time-series table's
#: run with it, the other sets under the ridge head lost nothing beyond
#: their seed ranges (Lightning7 0.751 -> 0.758, Tecator RMSE 0.700 ->
#: 0.693, PickupGestureWiimoteZ's range 0.08 -> 0.02; Car 0.917 -> 0.908,
#: PLAID 0.937 -> 0.933 within theirs). Under the joint head a tenth of the
#: rate did not help (ECG200 0.910 -> 0.903, Lightning2 0.744 -> 0.727):
#: it keeps 1 (benchmarks/journal.md, "Issue 25: the network's learning
#: rate under the ridge").
AUTO_RIDGE_LR_FACTOR = 0.1


def auto_rocket_lr_factor(head):
    """The factor of ``RocketBranch(lr_factor="auto")`` on the estimator's
    ``lr``: :data:`AUTO_RIDGE_LR_FACTOR` under the ridge head (``head``
    resolved), 1 under the joint head."""
    return AUTO_RIDGE_LR_FACTOR if head == "ridge" else 1.0


#: ``RocketBranch(network_weight="auto")`` under the ridge head: at
#: prediction the trained network's outputs count half beside the ridge's
#: scores, the average of MiniRocket's ridge alone and the model trained on
#: top of it. Split offline into its two parts over seeds 0-2 (the table's
#: default pipeline), half the network was better than the whole on 8 of the
#: 10 ridge-head classification sets (ACSF1 0.903 -> 0.917, Beef 0.822 ->
#: 0.833, PLAID 0.940 -> 0.945, Lightning7 0.767 -> 0.776; lost
#: PickupGestureWiimoteZ 0.880 -> 0.873 and ArrowHead 0.865 -> 0.863) and
#: level on the two regression sets; through the package over the table's
#: seeds it met five more MiniRocket targets (ACSF1, Beef, Lightning7, PLAID,
#: Covid3Month) and lost none. Choosing the weight on held-out training
#: rows chose worse at 1.7 times the fit time (benchmarks/journal.md, "the
#: network's weight beside the ridge"). The joint head has no ridge: 1.
AUTO_RIDGE_NETWORK_WEIGHT = 0.5


def auto_rocket_network_weight(head):
    """The weight of ``RocketBranch(network_weight="auto")``:
    :data:`AUTO_RIDGE_NETWORK_WEIGHT` under the ridge head (``head``
    resolved), 1 under the joint head."""
    return AUTO_RIDGE_NETWORK_WEIGHT if head == "ridge" else 1.0


def auto_bag(sequences, classifier=False, partial=False):
    """The bag of ``bag="auto"``: for token sequences with more distinct
    tokens than training sequences, for a classifier ``TextBag(nb=True,
    nb_ngrams=2)`` when the median sequence holds at most
    :data:`AUTO_NB_BIGRAM_MAX_LENGTH` tokens (sentences) and
    ``TextBag(nb=True)`` otherwise, for a regressor ``TextBag()``; for
    numeric sequences of a median length of at least
    :data:`AUTO_ROCKET_MIN_LENGTH` steps, ``RocketBranch(head="auto")``
    (the closed-form ridge for a regressor and three or more classes, the
    joint head for two: :func:`auto_rocket_head`; not in ``partial_fit``,
    whose first batch would fit its biases alone); else None.

    There most words occur in a handful of sequences: the recurrent layers
    memorise them, a mean of embeddings generalises (drug reviews 0.69 ->
    0.73, Dutch book reviews 0.88 -> 0.92 against the recurrent layers
    alone). A classifier adds NBSVM's naive-Bayes-weighted path to it (Wang
    & Manning 2012): movie sentences 0.717 -> 0.728 (chosen there), then
    drug reviews 0.734 -> 0.738, Dutch book reviews 0.917 -> 0.927, French
    book reviews 0.773 -> 0.793 (seeds 0-2; benchmarks/journal.md, "Issue
    26"). Regressors have no class labels to weigh words by. Bigrams in the
    NB path (a table of their own) gained on movie sentences (0.728 ->
    0.737) and French book reviews (0.793 -> 0.800) but cost the drug
    reviews (0.738 -> 0.723): only short sequences get them.
    """
    if not sequences.is_tokens:
        if partial or np.median(sequences.lengths) < AUTO_ROCKET_MIN_LENGTH:
            return None
        return RocketBranch(head="auto")
    if len(np.unique(sequences.data)) <= len(sequences):
        return None
    if not classifier:
        return TextBag()
    if np.median(sequences.lengths) <= AUTO_NB_BIGRAM_MAX_LENGTH:
        return TextBag(nb=True, nb_ngrams=2)
    return TextBag(nb=True)


#: ``embedding=None`` under the sentence bag of ``bag="auto"`` (above): word
#: vectors of this size instead of ``TokenEmbedding()``'s 64.
AUTO_SENTENCE_EMBEDDING_DIM = 16


def auto_embedding(bag, classifier=False):
    """The embedding of ``embedding=None``: ``TokenEmbedding(dim=16)`` where
    ``bag="auto"`` gave a classifier the sentence bag (``bag``: the bag
    ``bag="auto"`` resolved to, None when ``bag`` was set), else
    ``TokenEmbedding()``.

    With the bag alone the embedding feeds nothing but the bag's mean, beside
    the NB path. On movie sentences (median 19 tokens) narrower vectors
    scored higher: 0.737 (64), 0.741 (32), 0.746 (16), seeds 0-2; on the
    reviews (medians 49-90) they cost accuracy (32: drug reviews 0.738 ->
    0.728, Dutch book reviews 0.927 -> 0.921), so only the sentence rule
    takes them (benchmarks/journal.md, "Issue 26, text: sentences").
    """
    sentence_bag = classifier and isinstance(bag, TextBag) and bag.nb and bag.nb_ngrams > 1
    return TokenEmbedding(dim=AUTO_SENTENCE_EMBEDDING_DIM) if sentence_bag else TokenEmbedding()


# --- augmentation ----------------------------------------------------------------

#: A classifier trained on fewer numeric sequences than this is augmented with
#: this jitter and scaling (Coffee, ArrowHead, GunPoint, UnitTest: small sets
#: whose networks overfit; from 100 sequences it no longer helped).
AUTO_AUGMENT_MAX_SAMPLES, AUTO_AUGMENT_JITTER, AUTO_AUGMENT_SCALING = 100, 0.1, 0.2
#: Mixup's Beta concentration on the same small data when its sequences have
#: one length (ArrowHead 0.783 -> 0.813); ragged partners must first be
#: resampled to a common length, which lost on the ragged gestures.
AUTO_AUGMENT_MIXUP = 0.2


def auto_augmentation(augmentation, sequences, augments):
    """``augmentation`` ("auto", None or an Augmentation) with its "auto"
    settings resolved for the training sequences; None when nothing augments.

    ``augments`` is whether the estimator's "auto" augments at all (a
    classifier's full ``fit``; not regressors, CTC, taggers or
    ``partial_fit``, whose first batch says nothing of the data's size).
    Token input is never augmented.
    """
    if augmentation is None or sequences.is_tokens:
        return None
    if augmentation == "auto":
        augmentation = Augmentation()
    small = augments and len(sequences) < AUTO_AUGMENT_MAX_SAMPLES
    one_length = len(sequences) > 0 and sequences.lengths.min() == sequences.lengths.max()
    auto = {
        "jitter": AUTO_AUGMENT_JITTER if small else 0.0,
        "scaling": AUTO_AUGMENT_SCALING if small else 0.0,
        "mixup": AUTO_AUGMENT_MIXUP if small and one_length else 0.0,
    }
    settings = {
        name: float(auto[name] if value == "auto" else value)
        for name, value in augmentation.get_params().items()
    }
    resolved = Augmentation(**settings)
    return resolved if resolved.is_active() else None


# --- training budget -------------------------------------------------------------

#: The optimizer steps that ``max_epochs="auto"`` aims for, and its epoch
#: bounds: small sets train long enough (50 samples: 300 epochs), large ones
#: stop at 20 epochs with early stopping on.
AUTO_STEPS, AUTO_MIN_EPOCHS, AUTO_MAX_EPOCHS = 1000, 20, 300
#: Mixup trains on a new blend of the data every epoch, a harder task that
#: takes longer to fit: with it, "auto" gives this many times the steps and
#: the epoch cap (ArrowHead over nine seeds 0.790 -> 0.811).
AUTO_MIXUP_BUDGET = 2


def auto_max_epochs(n_samples, batch_size, mixup=False):
    """Epochs of ``max_epochs="auto"`` for ``n_samples`` training samples;
    with ``mixup`` the steps and the epoch cap are ``AUTO_MIXUP_BUDGET`` times
    as many."""
    scale = AUTO_MIXUP_BUDGET if mixup else 1
    steps_per_epoch = -(-n_samples // batch_size)
    epochs = -(-AUTO_STEPS * scale // steps_per_epoch)
    return int(min(max(epochs, AUTO_MIN_EPOCHS), AUTO_MAX_EPOCHS * scale))


# --- validation and batching -----------------------------------------------------

#: From this many samples ``early_stopping="auto"`` stops early on a held-out set.
EARLY_STOPPING_AUTO_MIN_SAMPLES = 2000
#: Estimators that select the best epoch (the regressor) do so under
#: ``early_stopping="auto"`` from this many samples up to
#: ``EARLY_STOPPING_AUTO_MIN_SAMPLES``: a held-out set of at least 5.
BEST_EPOCH_AUTO_MIN_SAMPLES = 50
#: From this many training sequences the sequence-level estimators draw
#: length-bucketed batches; below, random ones. On a few hundred ragged
#: sequences, bucketed batches repeat nearly the same length groups every
#: epoch and random ones learned better, while padding costs little at that
#: size. Frame-level estimators (CTC, tagger) always bucket: on digit lines
#: random batches read worse (CER 0.027 -> 0.030).
BUCKETING_AUTO_MIN_SAMPLES = 2000


def auto_bucketing(n_samples, always):
    """Whether a fit on ``n_samples`` sequences draws length-bucketed batches."""
    return bool(always or n_samples >= BUCKETING_AUTO_MIN_SAMPLES)


# --- forecasting -----------------------------------------------------------------

#: The simple forecasts ``ResidualForecaster(baseline="auto")`` weighs, in
#: order of preference when they tie: every named baseline of the forecaster
#: but ``"seasonal_bic"`` (a variant of ``"seasonal"``): the naive forecast,
#: the drift, a direct ridge autoregression of the window, a recursive AR(p),
#: the AR on the differences, Holt's damped trend, the Theta method and the AR
#: on the windows less their seasonal profile (left out where no period is
#: found). No one of them is best on every series (RMSE on the issue-26
#: series: AR(p) on Lynx 852 against the ridge's 1393, the ridge on Airline
#: 19.7 against AR(p)'s 23.7, the damped trend on the Australian residents
#: 24.8 against the drift's 31.9), and a validation on the training windows
#: weighs them (stacked, :func:`sklearn_rnn.forecasting._convex_weights`).
#: Until 2026-12-07 the pool was the first four: each of the others, added to
#: it alone, had gained some series and lost others (damped and Theta: US CPI
#: 2.79 -> 2.90; ``"ar_diff"``: Lynx +13 %; ``"seasonal"``: CO2 +1.6 %,
#: residents +1.4 %; benchmarks/journal.md). All eight together, the
#: baselines alone on the 30 series used before (a seed-free diagnostic):
#: geometric mean of the RMSE ratios 0.948, 16 series better by more than
#: 1 %, 5 worse by 2.7-4.6 % (Sunspots, US CPI, US production change,
#: electricity demand; US unemployment by 1 %), the targets of the
#: electrical equipment, the residents and the US consumption change newly
#: met, none lost. Confirmed with the network (seeds 0-2) on seven series
#: added unused for it (benchmarks/journal.md, "the whole pool",
#: 2026-12-07): US population 0.108 -> 0.079, heart rate 0.750 -> 0.702, US
#: real government spending 24.3 -> 23.4, income change 1.12 -> 1.11, none
#: worse beyond the seed range (M1 47.4 (46.8-48.5) -> 48.0). The pool
#: before: ``baseline=["last", "drift", "linear", "ar"]``.
AUTO_FORECAST_BASELINES = (
    "last", "drift", "linear", "ar", "ar_diff", "damped", "theta", "seasonal",
)  # fmt: skip
#: Rolling-origin validation of ``baseline="auto"`` and ``correction="auto"``:
#: the last ``AUTO_FORECAST_VALIDATION`` of the training windows (in their
#: order, which is time order for windows cut from one series) are split into
#: ``AUTO_FORECAST_FOLDS`` consecutive blocks; each block is forecast by a
#: baseline fitted on the windows before it, less the ``horizon - 1`` windows
#: whose targets overlap the block's. The network's correction is weighed on
#: all three blocks, by a network fitted on the windows before the first
#: (on the last block alone, by a network fitted on 5/6 of the windows, the
#: factor was noisier: Nile 127 (124-134) against 124, Lynx 865 against 830,
#: M1Yearly 17.5 against 17.2, for a longer fit).
AUTO_FORECAST_FOLDS, AUTO_FORECAST_VALIDATION = 3, 0.5
#: Below this many training windows ``"auto"`` does not validate: the
#: baseline is ``"last"`` and the correction 1 (the network's whole residual).
AUTO_FORECAST_MIN_WINDOWS = 12
#: ``correction="auto"`` keeps none of the network (``correction_ = 0``)
#: when the network it weighs would be fitted on fewer windows than this
#: (those before the first validation block): fitted on 26-34 windows
#: (Airline, Lynx, Nile) it never helped on the test windows, and on
#: Airline the factor the validation chose (0.65-0.77) cost RMSE 16.9 ->
#: 18.1-19.8; from 118 windows (Sunspots, CO2, ElNino, M1Yearly) it was kept
#: where it helped.
AUTO_FORECAST_MIN_CORRECTION_WINDOWS = 50
#: ``correction="auto"`` shrinks the least-squares factor toward 0 as a ridge
#: penalty worth this many validation windows would: ``factor * n / (n +
#: AUTO_FORECAST_CORRECTION_PRIOR)`` for ``n`` validation windows, clipped to
#: [0, 1] (a prior that the network adds nothing). The factor of a network
#: fitted on half the windows is noisy: on the selection series where it was
#: above 0 the unshrunk factor (``correction="unshrunk"``) gave Sunspots 15.5
#: (15.2-16.1), ElNino 0.4948 (0.4909-0.4987), M1Yearly sMAPE 17.26
#: (16.8-17.5), the shrunk one 15.4 (15.2-15.5), 0.4939 (0.4916-0.4959),
#: 17.26 (16.9-17.5); any prior from 50 to 200 windows did about as well
#: (benchmarks/journal.md, "Issue 26, forecasting: the correction and the
#: blend", 2026-12-07). The other selection series had a factor of 0.
AUTO_FORECAST_CORRECTION_PRIOR = 100
#: ``ResidualForecaster(baseline="seasonal")`` takes the lag from 2 to half
#: the shortest window at which the differenced training windows (each
#: followed by its targets) have the largest pooled autocorrelation as the
#: period, if that autocorrelation is at least this. Read off the 28
#: forecasting series of benchmarks/quality.py (every one used for choosing):
#: the series whose sampling has a season reach 0.42-0.73 (El Nino, Airline,
#: CO2, electrical equipment, housing starts, wine, wool, beer), Seatbelts
#: 0.295 and Rennes temperature 0.308; the largest among the others are the
#: lynx's and the sunspots' 10-year cycles (0.274, 0.265), the Australian
#: residents' (0.275 at 4, nearly no season) and the US CPI's (0.271 at 3);
#: Rennes rainfall and PBS (intermittent) stay below 0.09. At 0.25 the
#: candidate in the pool (the baselines alone, no network) gained on Lynx
#: (851 -> 679) and Seatbelts (164 -> 160) and lost 1.3 % on the residents;
#: at 0.30 it found none of the three (benchmarks/journal.md, "Issue 26,
#: forecasting: a seasonal candidate", 2026-12-07). On three series added
#: afterwards, unused: hourly electricity demand 0.616 at 24 (found),
#: Microsoft's monthly close 0.212 at 3 (none, as for a price), and the
#: Rennes monthly temperature range 0.207 at 12 (a season, missed).
SEASONAL_MIN_AUTOCORRELATION = 0.25


#: ``ResidualForecaster(scale="auto")`` divides each window (its ``target``
#: feature) and its targets by the window's mean absolute value when every
#: training value of that feature is positive and the windows' means span at
#: least this factor (levels an order of magnitude apart: several series of
#: different units, or one that grew tenfold); otherwise the windows keep
#: their units. Squared errors in the units of the data weigh a window by
#: its level squared: M1's yearly series (0.1 to 10^8) fed in their units
#: gave the pool's validation to the largest series (an AR of weight 0.8;
#: the defaults' sMAPE 125, seeds 0-2); divided by their means, 16.1
#: (16.07-16.17), under the drift forecast's 16.7 (benchmarks/journal.md,
#: "M1 in its units", 2026-12-07). Of the 37 single series of
#: benchmarks/quality.py only Microsoft's monthly close (159-fold) spans as
#: much (RMSE 2.838 -> 2.837); the next are US money stock (7.9) and the
#: S&P 500 (7.2), and the other 36 reproduce their figures to the digit.
AUTO_FORECAST_SCALE_SPAN = 10.0


def auto_forecast_scale(windows):
    """``ResidualForecaster(scale="auto")``'s choice for the training windows
    (1-D arrays of the target feature): ``"mean"`` or None."""
    if not all(np.all(window > 0) for window in windows):
        return None
    means = np.array([np.mean(window) for window in windows])
    return "mean" if means.max() >= AUTO_FORECAST_SCALE_SPAN * means.min() else None


def auto_forecast_folds(n_windows, horizon):
    """The rolling-origin folds of ``ResidualForecaster``'s "auto" rules:
    ``[(n_fit, start, stop), ...]``, each block ``start:stop`` of the windows
    forecast from the first ``n_fit``; empty when there are too few windows."""
    if n_windows < AUTO_FORECAST_MIN_WINDOWS:
        return []
    size = max(1, int(round(AUTO_FORECAST_VALIDATION * n_windows / AUTO_FORECAST_FOLDS)))
    folds = []
    for fold in range(AUTO_FORECAST_FOLDS):
        start = n_windows - (AUTO_FORECAST_FOLDS - fold) * size
        n_fit = start - (horizon - 1)
        if n_fit >= 2:
            folds.append((n_fit, start, start + size))
    return folds
