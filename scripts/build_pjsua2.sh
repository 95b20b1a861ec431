#!/usr/bin/env bash
# Builds pjproject 2.17 and its SWIG Python module into a `pjsua2` 2.17 wheel, caches the
# wheel in the user cache folder by source hash + build flags, and installs it into a venv.
#
#   bash scripts/build_pjsua2.sh [VENV]        # VENV defaults to .venv in the repo root
#
# The pj libraries are linked statically into _pjsua2.so (no loader path needed); OpenSSL 3,
# libopus and libuuid come from the system. Configured for the product: no video, no sound
# device (null device + the app's media port), Opus, G.722, G.711, SRTP (SDES + DTLS-SRTP),
# TLS (OpenSSL 3), IPv6. A second run with the same source and flags only reinstalls the
# cached wheel. Source: ../shared/vendor/pjproject-2.17.tar.gz when present (or
# CALLCOACH_PJ_TARBALL), else the official tag archive; either is checked against the hash of
# its tar stream. Environment: CALLCOACH_PJ_CACHE (cache root), CALLCOACH_PJ_JOBS (make -j).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

PJ_VERSION=2.17
PJ_TAR_SHA256=a56dd79d978ce8d796969ee3f43b6e9e586d38aec7328645504f5b4e6255ad2c
PJ_URL="https://github.com/pjsip/pjproject/archive/refs/tags/${PJ_VERSION}.tar.gz"
VENV=${1:-.venv}
case "$VENV" in /*) ;; *) VENV="$ROOT/$VENV" ;; esac
PYBIN="$VENV/bin/python"
JOBS=${CALLCOACH_PJ_JOBS:-2}

say() { echo "build_pjsua2: $*"; }
die() { echo "build_pjsua2: $*" >&2; exit 1; }

[ -x "$PYBIN" ] || die "no Python at $PYBIN: create the venv first (scripts/setup.sh does)."

# Everything that changes the binary goes into the cache key.
CONFIGURE_FLAGS=(
  --disable-video --disable-sound --disable-shared
  --disable-speex-codec --disable-speex-aec --disable-ilbc-codec --disable-gsm-codec
  --disable-g7221-codec --disable-l16-codec
  --disable-sdl --disable-ffmpeg --disable-v4l2 --disable-openh264 --disable-vpx
  --disable-libyuv --disable-libwebrtc --disable-upnp --disable-opencore-amr --disable-silk
  --disable-bcg729 --disable-lyra --disable-android-mediacodec
)
CONFIG_SITE='/* Call Coach build of pjproject (scripts/build_pjsua2.sh) */
#define PJ_HAS_IPV6                 1
#define PJMEDIA_HAS_VIDEO           0
#define PJMEDIA_HAS_SRTP            1
#define PJMEDIA_SRTP_HAS_DTLS       1
#define PJSIP_HAS_TLS_TRANSPORT     1
#define PJMEDIA_HAS_OPUS_CODEC      1
#define PJMEDIA_HAS_G722_CODEC      1
#define PJMEDIA_HAS_G711_CODEC      1
#define PJSUA_MAX_CALLS             32
/* A closed socket frees its ioqueue slot only PJ_IOQUEUE_KEY_FREE_DELAY (500 ms) later: with
   the default 64 slots, ~16 calls ended in a burst (busy numbers) aborted the engine. */
#define PJ_IOQUEUE_MAX_HANDLES      256
'
BUILD_CFLAGS="-O2 -fPIC"
PY_TAG=$("$PYBIN" -c 'import sys, sysconfig; print(sys.implementation.cache_tag + "-" + sysconfig.get_platform())')
SWIG_VER=$(swig -version 2>/dev/null | awk '/SWIG Version/ {print $3}' || true)
KEY_TEXT="pjproject=$PJ_TAR_SHA256
configure=${CONFIGURE_FLAGS[*]}
cflags=$BUILD_CFLAGS
config_site=$CONFIG_SITE
python=$PY_TAG
swig=$SWIG_VER
recipe=2"
KEY=$(printf '%s' "$KEY_TEXT" | sha256sum | cut -c1-16)
CACHE_ROOT=${CALLCOACH_PJ_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/callcoach/pjsua2}
CACHE="$CACHE_ROOT/$KEY"

install_wheel() {
  local whl
  whl=$(ls "$CACHE"/pjsua2-*.whl)
  # The PyPI wheel (pjsua2-python) ships the same module files: remove it first.
  if "$PYBIN" - <<'EOF' 2>/dev/null; then
import importlib.metadata as md, sys
d = md.distribution("pjsua2-python")
sys.exit(0 if str(d.locate_file("")).startswith(sys.prefix) else 1)  # only this venv's own
EOF
    "$PYBIN" -m pip uninstall -q -y pjsua2-python
  fi
  "$PYBIN" -m pip install -q --force-reinstall --no-deps "$whl"
  local v
  v=$(cd / && "$PYBIN" -c 'import pjsua2 as pj; print(pj.Endpoint.libVersion(pj.Endpoint()).full)' 2>/dev/null | tail -1) \
    || die "the installed pjsua2 does not import: $(cd / && "$PYBIN" -c 'import pjsua2' 2>&1 | tail -1)"
  say "pjsua2 $v installed in $VENV"
}

installed_matches() {
  [ -f "$CACHE/key" ] || return 1
  "$PYBIN" - "$CACHE/key" <<'EOF' 2>/dev/null
import importlib.metadata as md, pathlib, sys
try:
    d = md.distribution("pjsua2-python")  # installed after ours: it overwrote our module files
    if str(d.locate_file("")).startswith(sys.prefix):
        sys.exit(1)
except md.PackageNotFoundError:
    pass
d = md.distribution("pjsua2")
key = pathlib.Path(sys.argv[1]).read_text().strip()
marker = d.read_text("callcoach_build_key") if d.files else None
sys.exit(0 if marker and marker.strip() == key else 1)
EOF
}

if ls "$CACHE"/pjsua2-*.whl >/dev/null 2>&1; then
  if installed_matches; then
    say "pjsua2 $PJ_VERSION ($KEY) already installed in $VENV"
  else
    say "using the cached wheel $CACHE"
    install_wheel
  fi
  exit 0
fi

# --- what the build needs from the system: one sentence each -----------------------------
need_pkg() {  # need_pkg PACKAGE TEST-COMMAND...
  local pkg=$1; shift
  "$@" >/dev/null 2>&1 || die "cannot build pjsua2: the system package '$pkg' is missing (apt-get install $pkg)."
}
need_pkg build-essential command -v gcc
need_pkg build-essential command -v g++
need_pkg build-essential command -v make
need_pkg binutils command -v strip
need_pkg swig command -v swig
need_pkg libssl-dev test -f /usr/include/openssl/ssl.h
need_pkg libopus-dev test -f /usr/include/opus/opus.h
need_pkg uuid-dev test -f /usr/include/uuid/uuid.h
PY_INC=$("$PYBIN" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
need_pkg python3-dev test -f "$PY_INC/Python.h"  # the venv Python's headers

# --- source ---------------------------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/callcoach-pjsua2.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
TARBALL=${CALLCOACH_PJ_TARBALL:-$ROOT/../shared/vendor/pjproject-$PJ_VERSION.tar.gz}
if [ ! -f "$TARBALL" ]; then
  say "downloading $PJ_URL"
  TARBALL="$WORK/pjproject-$PJ_VERSION.tar.gz"
  if command -v curl >/dev/null; then
    curl -fsSL -o "$TARBALL" "$PJ_URL" || die "cannot download $PJ_URL (no network?)."
  else
    "$PYBIN" -c 'import sys, urllib.request; urllib.request.urlretrieve(sys.argv[1], sys.argv[2])' \
      "$PJ_URL" "$TARBALL" || die "cannot download $PJ_URL (no network?)."
  fi
fi
got=$(gzip -dc "$TARBALL" | sha256sum | cut -d' ' -f1)
[ "$got" = "$PJ_TAR_SHA256" ] || die "$TARBALL is not pjproject $PJ_VERSION (tar sha256 $got, expected $PJ_TAR_SHA256)."
tar -xzf "$TARBALL" -C "$WORK"
SRC="$WORK/pjproject-$PJ_VERSION"
[ -d "$SRC" ] || SRC=$(find "$WORK" -mindepth 1 -maxdepth 1 -type d -name 'pjproject*' | head -1)
printf '%s' "$CONFIG_SITE" >"$SRC/pjlib/include/pj/config_site.h"

# --- build ----------------------------------------------------------------------------------
LOG="$WORK/build.log"
fail() {  # explain a failed step with the missing package when the log names one
  local step=$1 hint=""
  grep -q "openssl/[a-z]*\.h: No such file\|cannot find -lssl\|cannot find -lcrypto" "$LOG" && hint=libssl-dev
  grep -q "opus/opus\.h: No such file\|cannot find -lopus" "$LOG" && hint=${hint:-libopus-dev}
  grep -q "uuid/uuid\.h: No such file\|cannot find -luuid" "$LOG" && hint=${hint:-uuid-dev}
  grep -q "Python\.h: No such file" "$LOG" && hint=${hint:-python3-dev}
  grep -q "swig: .*not found\|swig: No such" "$LOG" && hint=${hint:-swig}
  tail -25 "$LOG" >&2
  if [ -n "$hint" ]; then
    die "building pjsua2 failed at '$step': the system package '$hint' is missing (apt-get install $hint)."
  fi
  die "building pjsua2 failed at '$step' (log above; full log kept in $LOG.kept)."
}
keep_log() { cp "$LOG" "$LOG.kept" 2>/dev/null || true; }
start=$(date +%s)
say "building pjproject $PJ_VERSION ($KEY) with make -j$JOBS; takes a few minutes"
(
  cd "$SRC"
  export CFLAGS="$BUILD_CFLAGS" CXXFLAGS="$BUILD_CFLAGS"
  ./configure "${CONFIGURE_FLAGS[@]}" >"$LOG" 2>&1 || exit 11
  grep -q "Checking if libssl is available... yes\|OpenSSL.*yes\|ssl_sock_ossl" "$LOG" \
    || grep -qi "ssl.*yes" "$LOG" || exit 12
  grep -qi "opus.*yes" "$LOG" || exit 13
  # Only the libraries (the sample apps and pjsua are not needed): the top Makefile's loop.
  LIB_DIRS="pjlib/build pjlib-util/build pjnath/build third_party/build pjmedia/build pjsip/build"
  mkdir -p pjlib/lib pjlib-util/lib pjnath/lib pjmedia/lib pjsip/lib third_party/lib
  for d in $LIB_DIRS; do make -C "$d" dep >>"$LOG" 2>&1 || exit 14; done
  for d in $LIB_DIRS; do make -j"$JOBS" -C "$d" >>"$LOG" 2>&1 || exit 15; done
) || {
  rc=$?
  trap - EXIT; keep_log
  case $rc in
    12) die "cannot build pjsua2: OpenSSL was not found, the system package 'libssl-dev' is missing (apt-get install libssl-dev)." ;;
    13) die "cannot build pjsua2: Opus was not found, the system package 'libopus-dev' is missing (apt-get install libopus-dev)." ;;
    11) fail configure ;; 14) fail "make dep" ;; *) fail make ;;
  esac
}
say "pj libraries built in $(( $(date +%s) - start )) s; building the Python module"
(
  cd "$SRC/pjsip-apps/src/swig/python"
  make pjsua2_wrap.cpp >>"$LOG" 2>&1 || exit 16
  export PJDIR="$SRC"
  # Build the wheel with the venv's Python (its ABI); setuptools from an isolated build env.
  "$PYBIN" -m pip wheel -q --no-deps -w "$WORK/dist" . >>"$LOG" 2>&1 || exit 17
) || { rc=$?; trap - EXIT; keep_log; [ $rc = 16 ] && fail swig; fail "python module"; }

WHEEL=$(ls "$WORK"/dist/pjsua2-*.whl)
# Strip the module (36 MB of debug info and local symbols -> ~7 MB; the dynamic symbols that
# softphone/engine/unhandled.py and stack.py look up stay) and mark the wheel with its build
# key so a later run can tell it is already installed. RECORD gets the stripped file's hash.
"$PYBIN" - "$WHEEL" "$KEY" "$WORK/strip" <<'EOF' || { trap - EXIT; keep_log; die "stripping the built module failed (strip --strip-unneeded)."; }
import base64, hashlib, os, subprocess, sys, zipfile
whl, key, scratch = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(scratch, exist_ok=True)


def digest(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


zin = zipfile.ZipFile(whl)
distinfo = next(n.split("/")[0] for n in zin.namelist() if n.split("/")[0].endswith(".dist-info"))
tmp = whl + ".tmp"
stripped = {}
with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
    record = None
    for item in zin.infolist():
        if item.filename == f"{distinfo}/RECORD":
            record = zin.read(item).decode()
            continue
        data = zin.read(item)
        if item.filename.startswith("_pjsua2") and item.filename.endswith(".so"):
            path = os.path.join(scratch, os.path.basename(item.filename))
            with open(path, "wb") as f:
                f.write(data)
            subprocess.run(["strip", "--strip-unneeded", path], check=True)
            with open(path, "rb") as f:
                data = f.read()
            stripped[item.filename] = data
            print(f"build_pjsua2: {item.filename} stripped: {item.file_size >> 20} -> {len(data) >> 20} MB")
        zout.writestr(item, data)
    if not stripped:
        sys.exit("no _pjsua2 module in the wheel")
    lines = []
    for line in record.splitlines():
        name = line.rsplit(",", 2)[0]
        if name in stripped:
            line = f"{name},sha256={digest(stripped[name])},{len(stripped[name])}"
        lines.append(line)
    record = "\n".join(lines) + "\n"
    data = (key + "\n").encode()
    name = f"{distinfo}/callcoach_build_key"
    zout.writestr(name, data)
    record = record.rstrip("\n") + f"\n{name},sha256={digest(data)},{len(data)}\n"
    zout.writestr(f"{distinfo}/RECORD", record)
zin.close()
os.replace(tmp, whl)
EOF
# Static pj libraries: the module must not need any libpj*.so on the loader path.
unzip -o -q "$WHEEL" '_pjsua2*.so' -d "$WORK/check" 2>/dev/null \
  || "$PYBIN" -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); [z.extract(n, sys.argv[2]) for n in z.namelist() if n.startswith("_pjsua2")]' "$WHEEL" "$WORK/check"
if ldd "$WORK"/check/_pjsua2*.so | grep -q "libpj\|not found"; then
  ldd "$WORK"/check/_pjsua2*.so >&2
  die "the built module links pj libraries dynamically or misses a library (ldd above)."
fi

mkdir -p "$CACHE"
cp "$WHEEL" "$CACHE/"
printf '%s\n' "$KEY" >"$CACHE/key"
printf '%s\n' "$KEY_TEXT" >"$CACHE/flags.txt"
say "built $(basename "$WHEEL") in $(( $(date +%s) - start )) s, cached in $CACHE"
install_wheel
