"""One common test module: sklearn's checks and the package's own, over every
estimator and transformer.

- ``parametrize_with_checks`` runs sklearn's checks over the four estimators
  (default parameters but ``max_epochs=20``) and over the padder and scaler;
  the one table of expected failures, each with its reason, is
  :data:`EXPECTED_FAILED_CHECKS`. sklearn's checks that the estimators learn
  (``check_classifiers_train``, ``check_regressors_train``) run again with
  the default training budget, also at ``hidden_size=16``.
- The tokenizer and ``LongToSequences`` take text and long-format frames
  (``two_d_array=False``, as sklearn's ``CountVectorizer``), so sklearn
  yields none of its data checks for them; its data-free API checks run here.
- The package's sequence invariants (:mod:`sklearn_rnn.estimator_checks`:
  padding invariance, order restoration, determinism, clone/pickle) run over
  every estimator.
"""

import pytest
from sklearn.linear_model import Ridge
from sklearn.utils.estimator_checks import (
    check_classifiers_train,
    check_do_not_raise_errors_in_init_or_set_params,
    check_estimator_repr,
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_regressors_train,
    check_set_params,
    parametrize_with_checks,
)

from sklearn_rnn import (
    CTCTranscriber,
    ResidualForecaster,
    RNNClassifier,
    RNNRegressor,
    RNNTagger,
)
from sklearn_rnn.components import ConvFrontend
from sklearn_rnn.estimator_checks import SEQUENCE_CHECKS
from sklearn_rnn.preprocessing import (
    LongToSequences,
    SequencePadder,
    SequenceScaler,
    SequenceTokenizer,
)

_SAMPLE_WEIGHT_EQUIVALENCE = (
    "minibatch training cannot equal training on repeated rows (sklearn expects "
    "the same of its SGD estimators)"
)
_SHORT_BUDGET = (
    "max_epochs=20 here is too short a budget to reach its R^2 >= 0.5; it passes "
    "with the default budget in test_default_training_passes_sklearns_learning_checks"
)
# y of a transcriber is one label *sequence* per sample (declared in
# __sklearn_tags__: neither 1-D nor 2-D labels), so the checks that fit on a
# numeric 1-D y (each refused with "y[0] is int64 ... must be a string or a
# sequence of labels") cannot apply; the tests of tests/test_ctc.py named in
# each reason cover their intent instead.
_CTC_Y = "fits on a numeric 1-D y"
# y of a tagger holds one label per *step* of each sample (declared in
# __sklearn_tags__: neither 1-D nor 2-D labels), so the checks that fit on a
# numeric 1-D y, one label per sample, cannot apply: the tagger refuses that
# y with a ValueError that says so ("a 1-D array of int64 values, one per
# sample; RNNTagger needs one value per time step"). The tests of
# tests/test_tagger.py, or the sequence checks below, named in each reason
# cover their intent instead.
_TAGGER_Y = "fits on a numeric 1-D y, one label per sample (y is not a 1-D label vector)"

#: The one table of expected failures: estimator -> {check: reason}.
EXPECTED_FAILED_CHECKS = {
    "RNNClassifier": {"check_sample_weight_equivalence_on_dense_data": _SAMPLE_WEIGHT_EQUIVALENCE},
    "RNNRegressor": {
        "check_sample_weight_equivalence_on_dense_data": _SAMPLE_WEIGHT_EQUIVALENCE,
        "check_regressors_train": _SHORT_BUDGET,
        "check_regressors_train(readonly_memmap=True)": _SHORT_BUDGET,
        "check_regressors_train(readonly_memmap=True,X_dtype=float32)": _SHORT_BUDGET,
    },
    "CTCTranscriber": {
        "check_fit_score_takes_y": _CTC_Y
        + " (test_fitted_attributes_and_not_fitted_errors, test_labels_at_predict_and_score_time_never_matter)",
        "check_estimators_overwrite_params": _CTC_Y + " (test_get_set_params_and_no_state_in_init)",
        "check_dont_overwrite_parameters": _CTC_Y
        + " (test_fitted_attributes_and_not_fitted_errors)",
        "check_estimators_fit_returns_self": _CTC_Y + " (every fit here chains .fit(...).predict)",
        "check_readonly_memmap_input": _CTC_Y,
        "check_n_features_in_after_fitting": _CTC_Y
        + " (test_fitted_attributes_and_not_fitted_errors)",
        "check_positive_only_tag_during_fit": _CTC_Y
        + " (negative X is fine: test_pipeline_with_sequence_scaler_and_grid_search)",
        "check_estimators_dtypes": _CTC_Y,
        "check_sample_weights_pandas_series": _CTC_Y,
        "check_sample_weights_not_an_array": _CTC_Y,
        "check_sample_weights_list": _CTC_Y,
        "check_all_zero_sample_weights_error": _CTC_Y,
        "check_sample_weights_shape": _CTC_Y,
        "check_sample_weights_not_overwritten": _CTC_Y,
        "check_sample_weight_equivalence_on_dense_data": _CTC_Y
        + " (and minibatch training cannot equal repeated rows, as in test_common.py)",
        "check_dtype_object": _CTC_Y,
        "check_pipeline_consistency": _CTC_Y
        + " (test_pipeline_with_sequence_scaler_and_grid_search)",
        "check_estimators_nan_inf": _CTC_Y + " (NaN/inf in X are refused by the shared validation)",
        "check_estimators_pickle": _CTC_Y + " (test_clone_pickle_and_determinism)",
        "check_f_contiguous_array_estimator": _CTC_Y,
        "check_methods_sample_order_invariance": _CTC_Y,
        "check_methods_subset_invariance": _CTC_Y,
        "check_fit2d_1sample": _CTC_Y,
        "check_fit2d_1feature": _CTC_Y,
        "check_dict_unchanged": _CTC_Y,
        "check_fit_idempotent": _CTC_Y + " (test_clone_pickle_and_determinism)",
        "check_fit_check_is_fitted": _CTC_Y + " (test_fitted_attributes_and_not_fitted_errors)",
        "check_n_features_in": _CTC_Y + " (test_fitted_attributes_and_not_fitted_errors)",
        "check_fit2d_predict1d": _CTC_Y,
    },
    "RNNTagger": {
        "check_fit_score_takes_y": _TAGGER_Y + " (test_predict_form_order_and_lengths)",
        "check_estimators_overwrite_params": _TAGGER_Y + " (check_clone_and_pickle)",
        "check_dont_overwrite_parameters": _TAGGER_Y + " (check_clone_and_pickle)",
        "check_estimators_fit_returns_self": _TAGGER_Y
        + " (every fit in test_tagger.py chains .fit(...).predict)",
        "check_readonly_memmap_input": _TAGGER_Y,
        "check_n_features_in_after_fitting": _TAGGER_Y,
        "check_positive_only_tag_during_fit": _TAGGER_Y
        + " (negative X is fine: every test's data)",
        "check_estimators_dtypes": _TAGGER_Y,
        "check_sample_weights_pandas_series": _TAGGER_Y,
        "check_sample_weights_not_an_array": _TAGGER_Y,
        "check_sample_weights_list": _TAGGER_Y,
        "check_all_zero_sample_weights_error": _TAGGER_Y,
        "check_sample_weights_shape": _TAGGER_Y,
        "check_sample_weights_not_overwritten": _TAGGER_Y,
        "check_sample_weight_equivalence_on_dense_data": _TAGGER_Y
        + " (and minibatch training cannot equal repeated rows, as for the others)",
        "check_dtype_object": _TAGGER_Y,
        "check_pipeline_consistency": _TAGGER_Y
        + " (test_pipeline_grid_search_and_cross_validation)",
        "check_estimators_nan_inf": _TAGGER_Y
        + " (NaN/inf in X are refused by the shared validation)",
        "check_estimators_pickle": _TAGGER_Y + " (check_clone_and_pickle)",
        "check_f_contiguous_array_estimator": _TAGGER_Y,
        "check_methods_sample_order_invariance": _TAGGER_Y + " (check_order_restoration)",
        "check_methods_subset_invariance": _TAGGER_Y + " (check_padding_invariance)",
        "check_fit2d_1sample": _TAGGER_Y,
        "check_fit2d_1feature": _TAGGER_Y,
        "check_dict_unchanged": _TAGGER_Y,
        "check_fit_idempotent": _TAGGER_Y + " (check_determinism)",
        "check_fit_check_is_fitted": _TAGGER_Y,
        "check_n_features_in": _TAGGER_Y,
        "check_fit2d_predict1d": _TAGGER_Y,
    },
    "SequencePadder": {},
    "SequenceScaler": {},
    # Its own contract, checked with a fast linear regressor inside (the
    # default network is tested in tests/test_forecasting.py).
    "ResidualForecaster": {},
}

# Short training keeps the ~100 fits of sklearn's checks fast; the checks of
# learning run with the default budget below.
_CHECK_SETTINGS = {"max_epochs": 20, "random_state": 0, "device": "cpu"}
ESTIMATORS = [
    RNNClassifier(**_CHECK_SETTINGS),
    RNNRegressor(**_CHECK_SETTINGS),
    CTCTranscriber(**_CHECK_SETTINGS),
    RNNTagger(**_CHECK_SETTINGS),
    ResidualForecaster(Ridge()),
    # The unshrunk factor: sklearn's regression data are not windows of a
    # series, and the shrunk one keeps about half of Ridge's fit there.
    ResidualForecaster(Ridge(), baseline="drift", correction="unshrunk"),
    ResidualForecaster(Ridge(), baseline="linear"),
    ResidualForecaster(Ridge(), baseline="ar", correction=0.5),
    ResidualForecaster(Ridge(), baseline="damped"),
    ResidualForecaster(Ridge(), baseline=["theta", "damped", "last"]),
]
TRANSFORMERS = [
    SequencePadder(),
    SequencePadder(maxlen=2, padding="pre", truncating="post"),
    SequenceScaler(),
    SequenceScaler(method="minmax"),
    SequenceScaler(method="robust"),
]


@parametrize_with_checks(
    ESTIMATORS + TRANSFORMERS,
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS[type(est).__name__],
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.mark.parametrize(
    "estimator, check",
    [
        pytest.param(estimator, check, id=f"{estimator!r}-{check.__name__}")
        for hidden_size in (64, 16)
        for estimator, check in [
            (RNNClassifier(hidden_size=hidden_size, random_state=0), check_classifiers_train),
            (RNNRegressor(hidden_size=hidden_size, random_state=0), check_regressors_train),
        ]
    ],
)
def test_default_training_passes_sklearns_learning_checks(estimator, check):
    check(type(estimator).__name__, estimator.set_params(device="cpu"))


DATA_FREE_CHECKS = [
    check_parameters_default_constructible,
    check_no_attributes_set_in_init,
    check_get_params_invariance,
    check_set_params,
    check_estimator_repr,
    check_do_not_raise_errors_in_init_or_set_params,
]


@pytest.mark.parametrize("estimator", [SequenceTokenizer(), LongToSequences()], ids=repr)
@pytest.mark.parametrize("check", DATA_FREE_CHECKS, ids=lambda check: check.__name__)
def test_data_free_api_checks_for_text_and_long_format(estimator, check):
    assert not estimator.__sklearn_tags__().input_tags.two_d_array
    check(type(estimator).__name__, estimator)


FAST = {"hidden_size": 8, "max_epochs": 2, "random_state": 0, "device": "cpu"}


@pytest.mark.parametrize(
    "estimator",
    [RNNClassifier(**FAST), RNNRegressor(**FAST), CTCTranscriber(**FAST), RNNTagger(**FAST)]
    + [RNNClassifier(**FAST, bidirectional=True, num_layers=2, pooling=p) for p in ("mean", "max")]
    + [RNNTagger(**FAST, bidirectional=False, frontend=ConvFrontend(stride=2))],
    ids=repr,
)
@pytest.mark.parametrize("check", SEQUENCE_CHECKS, ids=lambda check: check.__name__)
def test_sequence_invariants(estimator, check):
    check(type(estimator).__name__, estimator)
