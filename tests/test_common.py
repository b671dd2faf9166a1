"""sklearn's estimator checks, with the package's default training settings."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_rnn import RNNClassifier, RNNRegressor

# The one table of expected failures: check name -> reason.
EXPECTED_FAILED_CHECKS = {
    "check_sample_weight_equivalence_on_dense_data": (
        "minibatch training cannot equal training on repeated rows (sklearn expects "
        "the same of its SGD estimators)"
    ),
}


def _expected_failed_checks(estimator):
    return EXPECTED_FAILED_CHECKS


ESTIMATORS = [
    RNNClassifier(random_state=0, device="cpu"),
    RNNRegressor(random_state=0, device="cpu"),
]


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
