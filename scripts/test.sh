#!/usr/bin/env bash
# Create the environment if needed, install, and run the test suite.
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
python -m pytest -n 2 --dist loadgroup -q "$@"
