"""Qt calls must not drop references to True, False or None (issue 11).

PySide6/shiboken6 6.12.0 on CPython 3.11 returned `True` from every `SignalInstance.emit()`
and `None` from every void or None-returning method without taking a reference. Each call
lowered the count by one; when it reached zero CPython aborted ("bool_dealloc: deallocating
True or False" / "none_dealloc") — at the end of the UI tests, or in the app after enough
emits and widget updates. 3.11 still counts references on these objects (3.12 made them
immortal), so the pinned PySide6 must get them right. These tests run the paths the app
uses thousands of times per call in a fresh interpreter and fail on a build that drops them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOOPS = 3000  # more than a bare interpreter holds on True (~600): a bad build aborts outright

_SCRIPT = textwrap.dedent(
    """
    import gc, json, sys
    from PySide6.QtCore import QObject, QSettings, Signal
    from PySide6.QtWidgets import QApplication, QLabel, QWidget

    from app.bridge import Bridge
    from softphone.ui.call_controls import CallControls

    LOOPS = int(sys.argv[1])
    app = QApplication([])

    class Emitter(QObject):
        plain = Signal()
        flag = Signal(bool)
        thing = Signal(object)

    def counts():
        gc.collect()
        return [sys.getrefcount(True), sys.getrefcount(False), sys.getrefcount(None)]

    def signals():
        e = Emitter()
        seen = []
        e.flag.connect(seen.append)
        e.thing.connect(seen.append)
        for i in range(LOOPS):
            e.plain.emit()
            e.flag.emit(i % 2 == 0)
            e.thing.emit(None)
            seen.clear()
        handler = seen.append
        for _ in range(LOOPS // 10):
            e.plain.connect(handler)
            e.plain.disconnect(handler)

    def widgets():
        w = QWidget()
        label = QLabel(w)
        controls = CallControls()
        controls.set_state("connected")
        for i in range(LOOPS):
            label.setText(str(i))          # void method
            w.setEnabled(i % 2 == 0)       # void method, bool argument
            label.parent().isEnabled()     # bool result
            w.parent()                     # None result
            controls.mute.toggle()         # toggled(bool) -> our slot -> muteToggled(bool)
        controls.deleteLater()
        w.deleteLater()
        app.processEvents()

    def settings(path):
        s = QSettings(path, QSettings.Format.IniFormat)
        s.setValue("on", True)
        s.setValue("off", False)
        for _ in range(LOOPS):
            s.value("on", type=bool)
            s.value("off", type=bool)
            s.value("missing")

    def bridge():
        b = Bridge()
        got = []
        b.problemOccurred.connect(got.append)
        for i in range(LOOPS):
            b.problem("sentence")
            if i % 100 == 0:
                app.processEvents()
        app.processEvents()
        assert len(got) == LOOPS, len(got)
        b.deleteLater()
        app.processEvents()

    result = {}
    for name, fn in (("signals", signals), ("widgets", widgets), ("bridge", bridge),
                     ("settings", lambda: settings(sys.argv[2]))):
        fn()  # warm up: first calls fill caches and legitimately hold references
        before = counts()
        fn()
        result[name] = [after - b for after, b in zip(counts(), before)]
    print(json.dumps(result), flush=True)
    """
)


def _run(tmp_path: Path) -> subprocess.CompletedProcess[str]:
    path = os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH"))))
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": path}
    return subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(LOOPS), str(tmp_path / "s.ini")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_qt_calls_keep_their_references_to_true_false_and_none(tmp_path: Path) -> None:
    r = _run(tmp_path)
    # A build that drops references aborts in this loop (exit -6) long before it can report.
    assert r.returncode == 0, f"exit {r.returncode}\n{r.stdout}\n{r.stderr[-2000:]}"
    deltas = json.loads(r.stdout.strip().splitlines()[-1])
    # Each path runs LOOPS times; a leaking call would show as -LOOPS or worse. A few
    # references may come and go with caches, never a net loss proportional to the calls.
    dropped = {
        path: dict(zip(("True", "False", "None"), d))
        for path, d in deltas.items()
        if min(d) < -LOOPS // 100
    }
    assert not dropped, f"references lost over {LOOPS} calls: {dropped}"


def test_interpreter_exits_normally_after_many_emits(tmp_path: Path) -> None:
    """The abort the suite used to hide with os._exit: it hits at the final collection."""
    code = (
        "from PySide6.QtCore import QCoreApplication, QObject, Signal\n"
        "app = QCoreApplication([])\n"
        "class E(QObject):\n"
        "    s = Signal()\n"
        "e = E()\n"
        "for _ in range(200):\n"
        "    e.s.emit()\n"
        "    e.setObjectName('x')\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert r.returncode == 0, f"exit {r.returncode}: {r.stderr[-1000:]}"
