#!/usr/bin/env bash
# Create the environment if needed, install, and run the end-to-end demo.
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
python -m sklearn_rnn.demo "$@"
