"""Start-up time to a usable dialer, with the engine and speech model loading in the background.

    .venv/bin/python benchmarks/bench_startup.py [--runs 5] [--model DIR]

Each run is a fresh interpreter (like `python main.py`): the parent starts the clock before
spawning it; the child builds the real window (real engine process, real Vosk model load in
the background, real SQLite), shows it, and reports when the dialer first accepts a typed
digit after the first paint — then keeps going until the engine is ready and the model has
loaded, so those times are reported too. The goal is `dialer_usable_s` < 2 s. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, sys, time
t_import = time.perf_counter()
sys.path.insert(0, {root!r})
from PySide6.QtCore import QTimer, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
from app.desktop import DesktopApp
d = DesktopApp(model_path={model!r})
d.show()
out = {{}}
def usable():
    field = d.window.phone.dialer.field
    QTest.keyClick(field, "5")
    if field.text() == "5" and field.isVisible() and field.isEnabled():
        out["dialer_usable"] = time.perf_counter()
        print("USABLE", flush=True)
        field.clear()
QTimer.singleShot(0, usable)
deadline = time.perf_counter() + 60
while time.perf_counter() < deadline:
    app.processEvents()
    if "engine_ready" not in out and d.services.engine_ready.is_set():
        out["engine_ready"] = time.perf_counter()
    if "model_ready" not in out and d.services.coach.model_state != "loading":
        out["model_ready"] = time.perf_counter()
        out["model_state"] = d.services.coach.model_state
    if "dialer_usable" in out and "engine_ready" in out and "model_ready" in out:
        break
    time.sleep(0.005)
left = d.shutdown()
print(json.dumps({{k: (v - t_import if isinstance(v, float) else v) for k, v in out.items()}}
                 | {{"leftovers": left}}), flush=True)
"""


def one_run(model: str | None) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="callcoach-start-"))
    env = dict(os.environ, CALLCOACH_CONFIG_DIR=str(tmp / "c"), CALLCOACH_DATA_DIR=str(tmp / "d"))
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD.format(root=str(ROOT), model=model)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    usable_at = None
    result: dict = {}
    for line in proc.stdout:
        if line.startswith("USABLE") and usable_at is None:
            usable_at = time.perf_counter() - t0
        elif line.startswith("{"):
            result = json.loads(line)
    proc.wait(90)
    offset = (usable_at or 0) - result.get("dialer_usable", 0)  # interpreter start + imports
    return {
        "dialer_usable_s": round(usable_at, 3) if usable_at else None,
        "engine_ready_s": round(result["engine_ready"] + offset, 3)
        if "engine_ready" in result
        else None,
        "model_ready_s": round(result["model_ready"] + offset, 3)
        if "model_ready" in result
        else None,
        "model_state": result.get("model_state"),
        "leftovers": result.get("leftovers"),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--model", default=os.environ.get("CALLCOACH_MODEL"))
    args = ap.parse_args()
    runs = [one_run(args.model) for _ in range(args.runs)]
    usable = [r["dialer_usable_s"] for r in runs if r["dialer_usable_s"] is not None]
    report = {
        "benchmark": "startup",
        "goal_dialer_usable_s": 2.0,
        "runs": runs,
        "dialer_usable_median_s": round(statistics.median(usable), 3) if usable else None,
        "dialer_usable_max_s": max(usable) if usable else None,
        "engine_ready_median_s": _median(runs, "engine_ready_s"),
        "model_ready_median_s": _median(runs, "model_ready_s"),
        "ok": bool(usable) and len(usable) == len(runs) and max(usable) < 2.0,
    }
    print(json.dumps(report, indent=2))
    return 0 if report["ok"] else 1


def _median(runs: list[dict], key: str) -> float | None:
    vals = [r[key] for r in runs if r.get(key) is not None]
    return round(statistics.median(vals), 3) if vals else None


if __name__ == "__main__":
    sys.exit(main())
