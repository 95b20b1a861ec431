"""`callcoach desktop install|remove`: the launcher entry and the tel:/sip: link handler for a
pipx/pip install, written into the user's own folders (no root, no checkout needed).

Linux (XDG): the desktop entry from resources/desktop with Exec pointing at the command that
is running now, the icon and the AppStream metadata under $XDG_DATA_HOME (~/.local/share),
and callcoach.desktop as the default handler of x-scheme-handler/tel, sip, sips and callto
in $XDG_CONFIG_HOME/mimeapps.list (what `xdg-mime default` writes; done here so it works
without xdg-utils). Files already there and equal are left alone. Windows: per-user URL
protocol keys under HKCU\\Software\\Classes that open links with callcoach-gui (written, not
tested here). macOS: links are registered by the app bundle's Info.plist, so this command
writes nothing and says so. The desktop bundle ships its own install-desktop-entry.sh.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

import resources

SCHEMES = ("tel", "sip", "sips", "callto")
DESKTOP_ID = "callcoach.desktop"
EXIT_UNSUPPORTED = 1


def launcher() -> list[str]:
    """The command line that starts this Call Coach, as absolute paths."""
    if getattr(sys, "frozen", False):  # the desktop bundle
        return [sys.executable]
    argv0 = Path(sys.argv[0]) if sys.argv and sys.argv[0] else Path()
    if argv0.name == "main.py":  # a checkout
        return [sys.executable, str(argv0.resolve())]
    if argv0.name.startswith("callcoach") and argv0.exists():
        return [str(argv0.resolve().with_name("callcoach"))]
    found = shutil.which("callcoach")
    if found:
        return [str(Path(found).resolve())]
    raise SystemExit("No callcoach command was found on PATH: install Call Coach with pipx first.")


def _quote(arg: str) -> str:
    """Quote one Exec argument the way the Desktop Entry spec asks."""
    if not any(c in arg for c in ' \t\n"\'\\><~|&;$*?#()`'):
        return arg
    return '"' + "".join("\\" + c if c in '"`$\\' else c for c in arg) + '"'


def desktop_entry(command: list[str]) -> str:
    """resources/desktop/callcoach.desktop with Exec and TryExec pointing at `command`."""
    text = resources.path("desktop", DESKTOP_ID).read_text(encoding="utf-8")
    lines = []
    for line in text.splitlines():
        if line.startswith("Exec="):
            line = "Exec=" + " ".join(_quote(a) for a in command) + " %u"
        elif line.startswith("TryExec="):
            line = "TryExec=" + command[0]
        lines.append(line)
    return "\n".join(lines) + "\n"


def _xdg(name: str, default: str) -> Path:
    value = os.environ.get(name, "")
    return Path(value) if value and os.path.isabs(value) else Path.home() / default


def xdg_files(command: list[str]) -> dict[Path, bytes]:
    """Every file the Linux install writes, with its content."""
    data = _xdg("XDG_DATA_HOME", ".local/share")
    desktop = resources.path("desktop")
    return {
        data / "applications" / DESKTOP_ID: desktop_entry(command).encode(),
        data / "icons/hicolor/scalable/apps/callcoach.svg": (desktop / "callcoach.svg").read_bytes(),
        data / "metainfo/callcoach.metainfo.xml": (desktop / "callcoach.metainfo.xml").read_bytes(),
    }  # fmt: skip


def mimeapps_path() -> Path:
    return _xdg("XDG_CONFIG_HOME", ".config") / "mimeapps.list"


def set_handlers(text: str, remove: bool = False) -> str:
    """mimeapps.list with callcoach.desktop as (or no longer) the default for the schemes;
    every other line is kept as it was."""
    keys = {f"x-scheme-handler/{s}" for s in SCHEMES}
    out: list[str] = []
    section, seen = "", False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            if section == "[Default Applications]" and not seen and not remove:
                blanks = 0
                while out and not out[-1].strip():  # the keys go before the blank lines
                    out.pop()
                    blanks += 1
                out.extend(f"{k}={DESKTOP_ID}" for k in sorted(keys))
                out.extend([""] * blanks)
                seen = True
            section = stripped
        elif section == "[Default Applications]" and stripped.split("=", 1)[0] in keys:
            continue  # rewritten below (or dropped when removing)
        out.append(line)
    if not remove and not seen:
        if section != "[Default Applications]":
            if out and out[-1].strip():
                out.append("")
            out.append("[Default Applications]")
        out.extend(f"{k}={DESKTOP_ID}" for k in sorted(keys))
    return "\n".join(out) + "\n"


def install_xdg(command: list[str], dry_run: bool = False) -> list[str]:
    """Write what is missing or different; returns one line per file, as done."""
    report = []
    for path, content in xdg_files(command).items():
        if path.exists() and path.read_bytes() == content:
            report.append(f"already there: {path}")
            continue
        report.append(f"{'would write' if dry_run else 'wrote'}: {path}")
        if not dry_run:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
    mimeapps = mimeapps_path()
    before = mimeapps.read_text(encoding="utf-8") if mimeapps.exists() else ""
    after = set_handlers(before)
    if after == before:
        report.append(f"already the tel:/sip: handler: {mimeapps}")
    else:
        report.append(f"{'would set' if dry_run else 'set'} the tel:/sip: handler: {mimeapps}")
        if not dry_run:
            mimeapps.parent.mkdir(parents=True, exist_ok=True)
            mimeapps.write_text(after, encoding="utf-8")
    if not dry_run and shutil.which("update-desktop-database"):
        apps = next(iter(xdg_files(command))).parent
        subprocess.run(["update-desktop-database", str(apps)], check=False, capture_output=True)
    return report


def remove_xdg() -> list[str]:
    report = []
    for path in xdg_files(["callcoach"]):
        if path.exists():
            path.unlink()
            report.append(f"removed: {path}")
    mimeapps = mimeapps_path()
    if mimeapps.exists():
        before = mimeapps.read_text(encoding="utf-8")
        after = set_handlers(before, remove=True)
        if after != before:
            mimeapps.write_text(after, encoding="utf-8")
            report.append(f"no longer the tel:/sip: handler: {mimeapps}")
    return report or ["Nothing to remove: no desktop entry was installed."]


def install_windows(command: list[str], remove: bool = False) -> list[str]:
    """Per-user URL protocol keys (HKCU, no administrator rights); untested here."""
    import winreg  # type: ignore[import-not-found]

    target = ""
    if command:
        exe = Path(command[0])
        gui = exe.with_name("callcoach-gui.exe")
        target = f'"{gui if gui.exists() else exe}" "%1"'
    report = []
    for scheme in SCHEMES:
        key = rf"Software\Classes\{scheme}"
        if remove:
            for sub in (r"\shell\open\command", r"\shell\open", r"\shell", r"\DefaultIcon", ""):
                try:
                    winreg.DeleteKey(winreg.HKEY_CURRENT_USER, key + sub)
                except OSError:
                    pass
            report.append(f"removed: HKCU\\{key}")
            continue
        with winreg.CreateKey(winreg.HKEY_CURRENT_USER, key) as k:
            winreg.SetValueEx(k, "", 0, winreg.REG_SZ, f"URL:{scheme}")
            winreg.SetValueEx(k, "URL Protocol", 0, winreg.REG_SZ, "")
        with winreg.CreateKey(winreg.HKEY_CURRENT_USER, key + r"\shell\open\command") as k:
            winreg.SetValueEx(k, "", 0, winreg.REG_SZ, target)
        report.append(f"set: HKCU\\{key} -> {target}")
    return report


def cmd_desktop(args: argparse.Namespace) -> int:
    remove = args.action == "remove"
    if sys.platform == "darwin":
        print("On macOS the app bundle registers tel: and sip: links itself: build it with "
              "scripts/build_bundle.py and move Call Coach.app to Applications; nothing was "
              "written.", file=sys.stderr)  # fmt: skip
        return EXIT_UNSUPPORTED
    if sys.platform == "win32":
        lines = install_windows([] if remove else launcher(), remove=remove)
    elif remove:
        lines = remove_xdg()
    else:
        lines = install_xdg(launcher(), dry_run=args.dry_run)
    print("\n".join(lines))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "desktop",
        help="add (or remove) the launcher and the tel:/sip: link handler for this user",
        description=__doc__.splitlines()[0],
    )
    p.add_argument("action", choices=("install", "remove"))
    p.add_argument("--dry-run", action="store_true", help="say what would be written")
    p.set_defaults(func=cmd_desktop)
