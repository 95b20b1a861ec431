"""Build the one-folder desktop bundle of Call Coach with PyInstaller (issue 14).

    .venv/bin/python scripts/build_bundle.py [--out build/bundle] [--smoke]

Output: OUT/dist/callcoach/ — the `callcoach` program (the window, or any command, exactly as
`python main.py`), everything it imports, resources/ (rule packs, semantic layer, styles,
practice scripts, openers, desktop entry and icon), and on Linux `install-desktop-entry.sh`
that registers the bundle's launcher, icon and tel:/sip:/sips:/callto: handler for the current
user. PyInstaller runs in a venv of its own (OUT/venv) that sees .venv's packages, so .venv is
never changed. `--smoke` then runs the bundle from another folder: `--help`, a headless call
to a second bundled engine, and the window (under Xvfb on Linux, else offscreen) stopped by
SIGTERM.

Windows and macOS: the same command, guarded by platform (`;`-free add-data, .ico/.icns icons
rendered from the SVG with Qt, a windowed app without a console, no desktop-entry script, no
apt or PulseAudio assumptions); only the Linux build is run and tested here.
"""

from __future__ import annotations

import argparse
import os
import shutil
import site
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYINSTALLER = "pyinstaller==6.22.3"
PACKAGES = ("app", "calling", "coach", "models", "softphone", "uikit", "resources")
LINUX, WINDOWS, MACOS = (
    sys.platform.startswith("linux"),
    sys.platform == "win32",
    sys.platform == "darwin",
)


def _venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if WINDOWS else "bin/python")


def build_venv(out: Path) -> Path:
    """A venv with PyInstaller that sees this interpreter's packages (one .pth line)."""
    venv = out / "venv"
    py = _venv_python(venv)
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    own = Path(subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                              check=True, capture_output=True, text=True).stdout.strip())  # fmt: skip
    (own / "_callcoach_deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    extra = ["pillow"] if (WINDOWS or MACOS) else []  # PyInstaller converts the PNG icon with it
    subprocess.run([str(py), "-m", "pip", "install", "-q", PYINSTALLER, *extra], check=True)
    return py


def render_icon(out: Path) -> Path | None:
    """The SVG icon as a 256 px PNG (Windows and macOS want a raster icon)."""
    if LINUX:
        return None
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([])
    img = QImage(256, 256, QImage.Format.Format_ARGB32)
    img.fill(0)
    painter = QPainter(img)
    QSvgRenderer(str(ROOT / "resources" / "desktop" / "callcoach.svg")).render(painter)
    painter.end()
    png = out / "callcoach.png"
    img.save(str(png))
    return png


def project_modules() -> list[str]:
    """Every module of the project's packages, from the files (nothing imported)."""
    names = []
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")) if (ROOT / pkg).is_dir() else ():
            if "__pycache__" not in path.parts:
                parts = path.relative_to(ROOT).with_suffix("").parts
                names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def pyinstaller_args(out: Path, icon: Path | None) -> list[str]:
    args = [
        "--noconfirm", "--clean", "--onedir", "--name", "callcoach",
        "--distpath", str(out / "dist"), "--workpath", str(out / "work"),
        "--specpath", str(out), "--paths", str(ROOT),
        "--add-data", f"{ROOT / 'resources'}{os.pathsep}resources",
        "--add-data", f"{ROOT / 'models' / 'catalog.json'}{os.pathsep}models",
        "--exclude-module", "tests", "--exclude-module", "pytest",
    ]  # fmt: skip
    for module in project_modules():  # also those only reached by name or `python -m`
        args += ["--hidden-import", module]
    for pkg in ("vosk", "pjsua2"):  # native libraries and bindings loaded at run time
        args += ["--collect-all", pkg]
    if WINDOWS or MACOS:
        args += ["--windowed"]
        if icon is not None:
            args += ["--icon", str(icon)]
    if MACOS:
        args += ["--osx-bundle-identifier", "com.callcoach.CallCoach"]
    return [*args, str(ROOT / "main.py")]


def add_desktop_files(bundle: Path) -> None:
    """Linux: the desktop entry, icon, metadata and an installer that points them here."""
    if not LINUX:
        return
    share = bundle / "share"
    share.mkdir(exist_ok=True)
    for name in ("callcoach.desktop", "callcoach.svg", "callcoach.metainfo.xml"):
        shutil.copy2(ROOT / "resources" / "desktop" / name, share / name)
    script = bundle / "install-desktop-entry.sh"
    script.write_text(
        "#!/usr/bin/env bash\n"
        "# Registers this Call Coach bundle for the current user: a `callcoach` launcher in\n"
        "# ~/.local/bin, the desktop entry (tel:, sip:, sips:, callto: links), icon, metadata.\n"
        "set -euo pipefail\n"
        'HERE="$(cd "$(dirname "$0")" && pwd)"\n'
        'BIN="${XDG_BIN_HOME:-$HOME/.local/bin}"\n'
        'DATA="${XDG_DATA_HOME:-$HOME/.local/share}"\n'
        'mkdir -p "$BIN" "$DATA/applications" "$DATA/icons/hicolor/scalable/apps" "$DATA/metainfo"\n'
        'ln -sf "$HERE/callcoach" "$BIN/callcoach"\n'
        'sed "s|^Exec=callcoach|Exec=$HERE/callcoach|; s|^TryExec=callcoach|TryExec=$HERE/callcoach|" \\\n'
        '  "$HERE/share/callcoach.desktop" > "$DATA/applications/callcoach.desktop"\n'
        'cp "$HERE/share/callcoach.svg" "$DATA/icons/hicolor/scalable/apps/callcoach.svg"\n'
        'cp "$HERE/share/callcoach.metainfo.xml" "$DATA/metainfo/callcoach.metainfo.xml"\n'
        'command -v update-desktop-database >/dev/null && update-desktop-database "$DATA/applications" || true\n'
        "if command -v xdg-mime >/dev/null; then\n"
        '  for s in tel sip sips callto; do xdg-mime default callcoach.desktop "x-scheme-handler/$s" || true; done\n'
        "fi\n"
        'echo "Installed: $BIN/callcoach and $DATA/applications/callcoach.desktop"\n'
    )  # fmt: skip
    script.chmod(0o755)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "bundle")
    parser.add_argument("--smoke", action="store_true", help="then run the bundle: --help, a call, the window")
    args = parser.parse_args(argv)
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    py = build_venv(out)
    icon = render_icon(out)
    subprocess.run([str(py), "-m", "PyInstaller", "--log-level", "WARN",
                    *pyinstaller_args(out, icon)], check=True, cwd=out)  # fmt: skip
    bundle = out / "dist" / "callcoach"
    add_desktop_files(bundle)
    exe = bundle / ("callcoach.exe" if WINDOWS else "callcoach")
    print(f"Bundle: {bundle} (run {exe})")
    return smoke(exe) if args.smoke else 0


def smoke(exe: Path) -> int:
    """The bundled program from another folder: --help, a headless call to a second bundled
    engine, and the window (under Xvfb on Linux, else offscreen) stopped in order by SIGTERM. Returns 0 when all pass."""
    import json
    import re
    import signal
    import tempfile
    import time

    tmp = Path(tempfile.mkdtemp(prefix="callcoach-smoke-"))
    env = dict(os.environ, CALLCOACH_CONFIG_DIR=str(tmp / "config"),
               CALLCOACH_DATA_DIR=str(tmp / "data"), QT_QPA_PLATFORM="offscreen")  # fmt: skip
    env.pop("PYTHONPATH", None)
    run = {"cwd": tmp, "env": env, "capture_output": True, "text": True, "timeout": 120}
    r = subprocess.run([str(exe), "--help"], check=False, **run)
    ok = r.returncode == 0 and "analyze" in r.stdout
    print(f"--help: {'ok' if ok else 'FAILED ' + r.stderr[-1500:]}")
    far = subprocess.Popen([str(exe), "answer", "--port", "0", "--bind", "127.0.0.1", "--seconds",
                            "5", "--wait", "60"], cwd=tmp, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)  # fmt: skip
    m = re.search(r"127\.0\.0\.1:(\d+)", far.stdout.readline())
    if m:
        r = subprocess.run([str(exe), "call", f"sip:far@127.0.0.1:{m.group(1)}", "--bind",
                            "127.0.0.1", "--seconds", "1", "--json"], check=False, **run)  # fmt: skip
        lines = r.stdout.strip().splitlines()
        call_ok = r.returncode == 0 and bool(lines) and json.loads(lines[-1])["connected"]
    else:
        call_ok = False
    if far.poll() is None:
        far.kill()
    print(f"call to a second engine: {'ok' if call_ok else 'FAILED ' + far.stderr.read()[-1500:]}")
    # Under a real X server where there is one to start (Xvfb on Linux): the bundle must carry
    # Qt's xcb plugin and what it loads, which offscreen never touches.
    xvfb = shutil.which("Xvfb") if LINUX else None
    server, win_env = None, env
    if xvfb:
        rfd, wfd = os.pipe()  # Xvfb writes the display number it took: no fixed :99 to clash
        server = subprocess.Popen([xvfb, "-displayfd", str(wfd), "-nolisten", "tcp", "-screen",
                                   "0", "1280x800x24"], pass_fds=(wfd,), stderr=subprocess.DEVNULL)  # fmt: skip
        os.close(wfd)
        # Xvfb writes the number and the newline in two writes and dies (SIGPIPE) if the pipe
        # is closed in between: read up to the newline (or its exit), then close
        got = b""
        while not got.endswith(b"\n") and (chunk := os.read(rfd, 16)):
            got += chunk
        display = got.decode().strip()
        os.close(rfd)
        win_env = dict(env, DISPLAY=f":{display}", QT_QPA_PLATFORM="xcb")
    app = subprocess.Popen([str(exe), "-v"], cwd=tmp, env=win_env, stderr=subprocess.PIPE, text=True)
    time.sleep(10)
    up = app.poll() is None
    app.send_signal(signal.SIGTERM)
    try:
        code = app.wait(30)
    except subprocess.TimeoutExpired:
        app.kill()
        code = -9
    err = app.stderr.read()
    if server is not None:
        server.terminate()
        server.wait(10)
    win_ok = up and code == 0 and "Traceback" not in err
    where = "Xvfb" if xvfb else "offscreen"
    print(f"window ({where}): {'ok' if win_ok else 'FAILED ' + err[-1500:]}")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0 if ok and call_ok and win_ok else 1


if __name__ == "__main__":
    sys.exit(main())
