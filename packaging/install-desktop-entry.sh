#!/usr/bin/env bash
# Installs Call Coach for the current user: a `callcoach` launcher in ~/.local/bin, the desktop
# entry (tel:, sip:, sips:, callto: links open the running window and dial), the icon and the
# AppStream metadata. Run from a checkout after scripts/setup.sh. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
BIN="${XDG_BIN_HOME:-$HOME/.local/bin}"
DATA="${XDG_DATA_HOME:-$HOME/.local/share}"
mkdir -p "$BIN" "$DATA/applications" "$DATA/icons/hicolor/scalable/apps" "$DATA/metainfo"
cat > "$BIN/callcoach" <<LAUNCHER
#!/usr/bin/env bash
exec "$ROOT/.venv/bin/python" "$ROOT/main.py" "\$@"
LAUNCHER
chmod 755 "$BIN/callcoach"
sed "s|^Exec=callcoach|Exec=$BIN/callcoach|; s|^TryExec=callcoach|TryExec=$BIN/callcoach|" \
  resources/desktop/callcoach.desktop > "$DATA/applications/callcoach.desktop"
cp resources/desktop/callcoach.svg "$DATA/icons/hicolor/scalable/apps/callcoach.svg"
cp resources/desktop/callcoach.metainfo.xml "$DATA/metainfo/callcoach.metainfo.xml"
if command -v update-desktop-database >/dev/null; then
  update-desktop-database "$DATA/applications" || true
fi
if command -v xdg-mime >/dev/null; then
  for scheme in tel sip sips callto; do
    xdg-mime default callcoach.desktop "x-scheme-handler/$scheme" || true
  done
fi
echo "Installed: $BIN/callcoach and $DATA/applications/callcoach.desktop"
