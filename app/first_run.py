"""The first run, headless: whether it is due, the rep name to offer, and its steps.

The window shows these steps (app/first_run_dialog.py) but every decision lives here, so a
test, the command line and the window agree: the flow is due when no settings file existed
(a settings file written before the flow existed counts as done, see `Settings.from_json`),
each step is done or skipped independently, and finishing — or closing the flow — marks it
done so it never comes back; everything it asks can be changed later in Settings.
"""

from __future__ import annotations

import getpass
import os
import sys
from dataclasses import dataclass, field

from app.settings import Settings, save_settings

STEPS = ("name", "model", "headset", "account")
STEP_TITLES = {
    "name": "Your name",
    "model": "Speech model",
    "headset": "Headset",
    "account": "Phone account",
}


def default_rep_name() -> str:
    """The OS user's full name (the GECOS field on Linux/macOS, before the first comma),
    falling back to the login name; '' if neither is known."""
    if sys.platform != "win32":
        try:
            import pwd

            gecos = pwd.getpwuid(os.getuid()).pw_gecos.split(",")[0].strip()
            if gecos:
                return gecos
        except (ImportError, KeyError, OSError):
            pass
    try:
        return getpass.getuser()
    except (KeyError, OSError, ImportError):  # no passwd entry and no LOGNAME/USER
        return ""


def is_due(settings: Settings) -> bool:
    """Should the first-run flow open at start-up?"""
    return not settings.first_run_done


@dataclass
class FirstRun:
    """One pass through the steps: which were done, which skipped, in order."""

    settings: Settings
    done: dict[str, bool] = field(default_factory=dict)  # step -> True done / False skipped
    direct_calls: bool = False  # chose "Direct calls only" instead of a SIP account

    def record(self, step: str, completed: bool) -> str | None:
        """Note a step as done or skipped; returns the next step, None after the last."""
        if step not in STEPS:
            raise ValueError(f"{step} is not a first-run step")
        self.done[step] = completed
        i = STEPS.index(step)
        return STEPS[i + 1] if i + 1 < len(STEPS) else None

    def set_rep_name(self, name: str) -> None:
        self.settings.rep_name = " ".join(name.split())

    def finish(self, save: bool = True) -> None:
        """Mark the flow done (also when closed half-way) and write the settings."""
        self.settings.first_run_done = True
        if save:
            save_settings(self.settings)

    def summary(self) -> list[str]:
        """One line per step for the last page: what is set, what is left for Settings."""
        lines = []
        for step in STEPS:
            title = STEP_TITLES[step]
            if step == "account" and self.direct_calls:
                lines.append(f"{title}: direct calls only (sip: addresses); add an account "
                             "any time in Settings.")  # fmt: skip
            elif self.done.get(step):
                lines.append(f"{title}: done.")
            else:
                lines.append(f"{title}: skipped — set it up any time in Settings.")
        return lines
