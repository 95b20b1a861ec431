#!/usr/bin/env bash
# Runs the test suite: starts the PulseAudio virtual headset the audio tests use, then pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
export CALLCOACH_MODEL="${CALLCOACH_MODEL:-$(cd .. && pwd)/shared/models/vosk-model-small-en-us-0.15}"
export CALLCOACH_ENCODER="${CALLCOACH_ENCODER:-$(cd .. && pwd)/shared/models/all-MiniLM-L6-v2}"
export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
bash scripts/virtual-headset.sh
# CALLCOACH_VENV: run the suite in another venv (e.g. one with a different pjsua2 build).
exec "${CALLCOACH_VENV:-.venv}/bin/python" -m pytest -q "$@"
