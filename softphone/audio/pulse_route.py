"""Where the headset's streams really are, when PulseAudio carries them (``pactl``).

When a headset's PulseAudio device disappears (unplugged, its module unloaded), PulseAudio does
not break the streams: it moves them to the fallback sink/source and PortAudio never notices.
When the headset comes back, nothing moves them back. ``HeadsetRoute`` watches, from the
bridge's housekeeper thread (never an audio callback), which sink and source this process's
streams are on, about once a second: four short ``pactl`` calls, ~12 ms together (the device
descriptions are only read when something moved). It remembers the devices the streams first
landed on (the chosen headset, "home"):

- home gone and the streams elsewhere → ``"unplugged"`` with a sentence naming where the call
  goes on (or that it goes on in silence when only PulseAudio's dummy device is left);
- home back → the streams are moved back (``pactl move-sink-input`` / ``move-source-output``,
  between frames: PortAudio's streams stay open) → ``"back"`` with a sentence;
- the rep moved a stream to another device on purpose (home still there) → that device becomes
  home, silently.

No PulseAudio (raw ALSA, no ``pactl``, or streams that are not ours to see) → the watcher turns
itself off after its first look and costs nothing more.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

_DUMMY = ("auto_null",)  # module-always-sink's "Dummy Output" (and its .monitor)


class PulseError(Exception):
    pass


class Pactl:
    """The few ``pactl`` queries the watcher needs (each a short subprocess)."""

    def __init__(self, pid: int | None = None, timeout: float = 2.0) -> None:
        self.pid = str(pid or os.getpid())
        self.timeout = timeout
        self.exe = shutil.which("pactl")

    def _run(self, *args: str) -> str:
        if self.exe is None:
            raise PulseError("pactl is not installed")
        try:
            out = subprocess.run(
                [self.exe, *args], capture_output=True, text=True, timeout=self.timeout, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as e:
            raise PulseError(str(e)) from e
        if out.returncode != 0:
            raise PulseError(out.stderr.strip() or f"pactl {args[0]} failed")
        return out.stdout

    def _json(self, *args: str) -> list:
        try:
            return json.loads(self._run("-f", "json", *args) or "[]")
        except ValueError as e:
            raise PulseError(f"pactl printed no JSON: {e}") from e

    def our_streams(self, kind: str) -> dict[int, int]:
        """{stream index: device index} of this process's playback ("sink") or capture
        ("source") streams."""
        listing = "sink-inputs" if kind == "sink" else "source-outputs"
        return {
            int(s["index"]): int(s[kind])
            for s in self._json("list", listing)
            if str(s.get("properties", {}).get("application.process.id")) == self.pid
        }

    def devices(self, kind: str) -> dict[int, tuple[str, str]]:
        """{device index: (name, description)} of the sinks or sources."""
        return {
            int(d["index"]): (d["name"], d.get("description") or d["name"])
            for d in self._json("list", kind + "s")
        }

    def device_names(self, kind: str) -> dict[int, str]:
        """{device index: name}: the short listing, cheaper than ``devices``."""
        names = {}
        for line in self._run("list", "short", kind + "s").splitlines():
            parts = line.split("\t")
            if len(parts) >= 2 and parts[0].isdigit():
                names[int(parts[0])] = parts[1]
        return names

    def move(self, kind: str, stream: int, device: str) -> None:
        what = "move-sink-input" if kind == "sink" else "move-source-output"
        self._run(what, str(stream), device)


class HeadsetRoute:
    """The unplug/replug state machine; ``poll()`` from the housekeeper thread.

    ``notify(state, sentence)`` is called (on the same thread) with state ``"unplugged"``,
    ``"silent"`` (unplugged and nothing but the dummy device left) or ``"back"``.
    """

    def __init__(
        self,
        notify: Callable[[str, str], None],
        *,
        interval: float = 1.0,
        pactl: Pactl | None = None,
    ) -> None:
        self.notify = notify
        self.interval = interval
        self.pactl = pactl or Pactl()
        self.enabled = self.pactl.exe is not None
        self.home: dict[str, str] = {}  # kind -> device name the streams belong on
        self.home_label = ""  # what the rep calls the headset (its sink's description)
        self.away = False  # the headset is gone and the streams play/record elsewhere
        self.where: dict[str, str] = {}  # kind -> device name the streams are on now
        self.unplugs = 0
        self.returns = 0
        self.polls = 0
        self.poll_ms = 0.0  # the last look's cost
        self._next = 0.0
        self._misses = 0
        self._pending = False  # gone at the last look: confirm once (devices go one by one)

    def summary(self) -> dict:
        return {
            "watching": self.enabled,
            "home": dict(self.home),
            "now": dict(self.where),
            "unplugged": self.away,
            "unplugs": self.unplugs,
            "returns": self.returns,
            "poll_ms": round(self.poll_ms, 2),
        }

    def poll(self, now: float | None = None) -> None:
        if not self.enabled:
            return
        now = time.monotonic() if now is None else now
        if now < self._next:
            return
        self._next = now + self.interval
        t0 = time.perf_counter()
        try:
            self._look()
        except PulseError as e:
            self._misses += 1
            if not self.home and self._misses >= 3:  # no PulseAudio here: stop looking
                log.info("Not watching the headset's PulseAudio route: %s", e)
                self.enabled = False
        self.polls += 1
        self.poll_ms = (time.perf_counter() - t0) * 1000.0

    def _look(self) -> None:
        streams = {k: self.pactl.our_streams(k) for k in ("sink", "source")}
        if not any(streams.values()):
            if not self.home:  # streams not connected yet, or not PulseAudio streams at all
                self._misses += 1
                if self._misses >= 5:
                    log.info("No PulseAudio streams of ours: not watching the headset route.")
                    self.enabled = False
            return
        self._misses = 0
        names = {k: self.pactl.device_names(k) for k in ("sink", "source")}
        on = {k: {names[k].get(dev, "") for dev in streams[k].values()} for k in streams}
        self.where = {k: min(v) for k, v in on.items() if v}
        if not self.home:
            if all(streams.values()):  # both streams up: they are where the rep chose
                self.home = dict(self.where)
                self.home_label = self._label()
            return
        present = {k: self.home.get(k) in names[k].values() for k in self.home}
        elsewhere = {k: bool(on.get(k)) and on[k] != {self.home[k]} for k in self.home}
        if not self.away:
            gone = [k for k in self.home if elsewhere[k] and not present[k]]
            if gone and not self._pending:
                # a headset's sink and source disappear a few ms apart: look again shortly,
                # then name where each stream went
                self._pending = True
                self._next = time.monotonic() + 0.3
            elif gone:
                self._pending = False
                self.away = True
                self.unplugs += 1
                self._unplugged(gone)
            else:
                self._pending = False
                for k in self.home:  # moved on purpose (home still there): follow the rep
                    if elsewhere[k] and present[k] and len(on[k]) == 1:
                        self.home[k] = next(iter(on[k]))
                        self.home_label = self._label()
            return
        # away: move back whatever stream's home is there again
        for k in self.home:
            if present[k]:
                for stream, dev in streams[k].items():
                    if names[k].get(dev) != self.home[k]:
                        self.pactl.move(k, stream, self.home[k])
        if all(present.values()):
            self.away = False
            self.returns += 1
            self.where = dict(self.home)
            self.notify("back", f"The headset is back: the call goes on through {self.home_label}.")

    def _label(self) -> str:
        try:
            sinks = self.pactl.devices("sink")
        except PulseError:
            return "the headset"
        for name, desc in sinks.values():
            if name == self.home.get("sink"):
                return desc
        return self.home.get("sink") or "the headset"

    def _unplugged(self, gone: list[str]) -> None:
        out = self.where.get("sink", "") if "sink" in gone else ""
        inp = self.where.get("source", "") if "source" in gone else ""
        if not [n for n in (out, inp) if n and not n.startswith(_DUMMY)]:
            self.notify(
                "silent",
                "The headset was unplugged and no other audio device is there: the call goes on "
                "in silence (the other side hears nothing from you). Plug the headset back in.",
            )
            return
        labels = []
        try:
            for kind, name in (("sink", out), ("source", inp)):
                if not name or name.startswith(_DUMMY):
                    continue
                desc = dict(self.pactl.devices(kind).values()).get(name, name)
                if kind == "source" and name == f"{out}.monitor":
                    continue
                if desc not in labels:
                    labels.append(desc)
        except PulseError:
            labels = [n for n in (out, inp) if n]
        self.notify(
            "unplugged",
            f"The headset was unplugged: the call goes on through {' and '.join(labels)}.",
        )
