"""What the machine must provide beyond the Python packages, checked at start-up.

Linux: the PortAudio library (sounddevice loads the system's libportaudio; PulseAudio or
PipeWire then gives it the headset) and, for the window on X11, libxcb-cursor (Qt's xcb
plugin will not load without it). Windows and macOS: nothing; sounddevice's wheels carry
PortAudio and PySide6's carry Qt. A missing need is one sentence that says what to install,
never a traceback.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys


def _linux_install(debian: str, fedora: str, arch: str) -> str:
    return (
        f"on Debian/Ubuntu `sudo apt install {debian}`, on Fedora `sudo dnf install {fedora}`, "
        f"on Arch `sudo pacman -S {arch}`"
    )


def portaudio_problem() -> str | None:
    """None when the headset's audio library loads, else what to install."""
    try:
        if sys.platform.startswith("linux"):
            # Find and load the library the way sounddevice does, without importing it:
            # that initialises PortAudio (~20 MB resident) in the app process, whose
            # headset streams live in the engine process.
            found = ctypes.util.find_library("portaudio")
            if found is None:
                raise OSError("PortAudio library not found")
            ctypes.CDLL(found)
        else:
            import sounddevice  # noqa: F401
    except OSError:
        if sys.platform.startswith("linux"):
            how = _linux_install("libportaudio2", "portaudio", "portaudio")
            return (
                "Call Coach needs the PortAudio library for the headset and did not find it: "
                f"install it ({how}) and start Call Coach again."
            )
        return (
            "Call Coach could not load the PortAudio library that comes with its sounddevice "
            "package: reinstall Call Coach (pipx reinstall callcoach) and start it again."
        )
    return None


def window_problem() -> str | None:
    """None when Qt can open a window here, else what is missing (checked on Linux/X11 only)."""
    if not sys.platform.startswith("linux"):
        return None
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform and not platform.startswith("xcb"):
        return None  # offscreen, wayland, vnc...: Qt's own plugins, nothing from the system
    if not platform and os.environ.get("WAYLAND_DISPLAY"):
        return None
    if not platform and not os.environ.get("DISPLAY"):
        return (
            "There is no display to open the Call Coach window on: start it from a desktop "
            "session, or use its commands without a window (callcoach --help)."
        )
    if ctypes.util.find_library("xcb-cursor") is None:
        how = _linux_install("libxcb-cursor0", "xcb-util-cursor", "xcb-util-cursor")
        return (
            "The Call Coach window needs the libxcb-cursor library and did not find it: "
            f"install it ({how}) and start Call Coach again."
        )
    return None


def desktop_problems() -> list[str]:
    """Everything the desktop app needs that this machine lacks, one sentence each."""
    return [p for p in (portaudio_problem(), window_problem()) if p]
