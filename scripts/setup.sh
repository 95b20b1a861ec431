#!/usr/bin/env bash
# Sets up Call Coach on Debian/Ubuntu: system packages, a .venv in the repo root, Python packages.
# Safe to run again: every step is idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi

# Runtime: PortAudio + PulseAudio for the headset, Qt's xcb libraries for the window.
# Test peers and tools: sipp, kamailio, baresip and linphonec (third-party phones), openssl (test
# certificates), flite/espeak-ng (TTS), sox, Xvfb, poppler (pdftoppm).
APT_PACKAGES=(
  libportaudio2 pulseaudio pulseaudio-utils alsa-utils libasound2-plugins
  libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxkbcommon-x11-0 libxcb-xinerama0
  libxcb-randr0 libxcb-render-util0 libxcb-image0 libxcb-shape0 libegl1 libgl1
  libfontconfig1 libdbus-1-3
  sip-tester kamailio baresip linphone-cli openssl flite espeak-ng sox xvfb poppler-utils strace mount
  libglib2.0-bin  # gio: the test reads the tel:/sip: handler as a desktop would
)
# Linux builds its SIP stack (pjproject 2.17, scripts/build_pjsua2.sh) unless
# CALLCOACH_BUILD_PJSUA2=0: compiler, SWIG, and the system libraries it links (OpenSSL 3, Opus,
# libuuid) plus the Python headers. Other platforms use the PyPI wheel (pyproject.toml).
BUILD_PJSUA2=${CALLCOACH_BUILD_PJSUA2:-1}
[ "$(uname -s)" = "Linux" ] || BUILD_PJSUA2=0
if [ "$BUILD_PJSUA2" = "1" ]; then
  APT_PACKAGES+=(build-essential swig libssl-dev libopus-dev uuid-dev python3-dev ca-certificates)
fi
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing system packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip 2>&1 | grep -v "is ignored" || true
.venv/bin/python -m pip install -q -e '.[test]' 2>&1 | grep -Ev "is ignored|^\s*$|\*\*\*|!!|setuptools|wheel_obj|precedence|name as your" || true
if [ "$BUILD_PJSUA2" = "1" ]; then
  # pjsua2 2.17 with OpenSSL 3, Opus and IPv6: built once (a few minutes), then reused from
  # ~/.cache/callcoach/pjsua2/ until the source or the build flags change.
  bash scripts/build_pjsua2.sh .venv || {
    echo "To use the PyPI wheel instead (pjsua2 2.15: no Opus, no IPv6, TLS 1.2 at most):" \
      "CALLCOACH_BUILD_PJSUA2=0 bash scripts/setup.sh" >&2
    exit 1
  }
elif [ "$(uname -s)" = "Linux" ]; then
  # Opted out on Linux: the PyPI wheel (pyproject.toml installs it on other platforms only).
  .venv/bin/python -m pip uninstall -q -y pjsua2 2>/dev/null || true
  .venv/bin/python -m pip install -q "pjsua2-python==2.15.1.post1" 2>&1 | grep -v "is ignored" || true
fi
.venv/bin/python -c "import pjsua2, sounddevice, vosk, PySide6" && echo "Call Coach is set up."
