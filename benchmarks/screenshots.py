"""Save a PNG of every screen of the real window under Xvfb, at 1280×720 and 1920×1080.

    .venv/bin/python benchmarks/screenshots.py [--out screenshots] [--sizes 1280x720,1920x1080]

Screens: the dialer (recents, contact search), a live call against a real far end (a second
engine playing a flite line, the rep's voice a flite WAV) with transcript and coach cards, an
incoming call from another engine, each settings tab, the Calling page with a contact card, and
the review/coaching screens when this build has them, and teaching the coach: a card the
semantic layer raised, a line marked in Review and a real retrain with its before/after summary
(`--only teaching` makes just those, without a far end; `--only firstrun` the first-run steps
of a fresh install and the empty pages). Starts its own Xvfb unless DISPLAY is
set (or --offscreen). Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REP = (
    "Hi Dana, as we discussed, I am just checking in to touch base. "
    "What is driving the project for your team this year?"
)
PROSPECT = "Hello. We are looking for a new phone system for the sales team before the summer."


def start_xvfb() -> subprocess.Popen:
    """A private Xvfb on a random high display number (away from :0, which others may use)."""
    import random

    for _ in range(20):
        n = random.randint(200, 899)
        if Path(f"/tmp/.X{n}-lock").exists():
            continue
        proc = subprocess.Popen(
            ["Xvfb", f":{n}", "-screen", "0", "1920x1080x24", "-nolisten", "tcp"],
            stderr=subprocess.DEVNULL,
        )
        sock = Path(f"/tmp/.X11-unix/X{n}")
        for _ in range(100):
            if sock.exists() or proc.poll() is not None:
                break
            time.sleep(0.05)
        if proc.poll() is None and sock.exists():
            time.sleep(0.2)
            os.environ["DISPLAY"] = f":{n}"
            os.environ["QT_QPA_PLATFORM"] = "xcb"
            return proc
        proc.kill()
        proc.wait()
    raise SystemExit("Xvfb did not start; install it (apt-get install xvfb) or use --offscreen.")


def flite(text: str, out: Path) -> str:
    subprocess.run(["flite", "-voice", "kal16", "-t", text, "-o", str(out)], check=True)
    return str(out)


def seed_history(far_uri: str) -> None:
    """A few contacts and earlier calls so recents and the contact card have something."""
    from app.db import open_database
    from calling import history
    from coach.library import store as lib
    from coach.types import Flag

    db = open_database()
    now = time.time()
    dana = history.add_contact(db, "Dana Whitfield", far_uri, "Northwind Logistics")
    people = [
        ("Sam Ortiz", "+14155550123", "Fabrikam"),
        ("Priya Raman", "+442079460958", "Contoso UK"),
        ("Daniel Brooks", "+14155550177", "Adventure Works"),
        ("Mei Chen", "+16505550142", "Tailspin Toys"),
    ]
    ids = [history.add_contact(db, n, num, co) for n, num, co in people]
    cid = history.start_call(db, direction="outbound", remote_number=far_uri, contact_id=dana,
                             started_at=now - 13 * 86400, status="in_progress")  # fmt: skip
    history.call_connected(db, cid, now - 13 * 86400 + 5)
    history.finish_call(db, cid, ended_at=now - 13 * 86400 + 300)
    history.set_notes(db, cid, "Evaluating three vendors; wants pricing for 40 seats.")
    lib.add_flag(db, cid, Flag("content_dump", "rep", 40, 48, "I can send you our white papers",
                               "Ask what would help them decide", label="Content dump"))  # fmt: skip
    for i, (pid, when, direction, connected) in enumerate(
        [(ids[0], 3600, "outbound", True), (ids[1], 86400 + 50, "inbound", False),
         (ids[2], 3 * 86400, "inbound", True), (ids[3], 4 * 86400, "outbound", False)]
    ):  # fmt: skip
        num = people[i][1]
        c = history.start_call(db, direction=direction, remote_number=num, contact_id=pid,
                               started_at=now - when, status="in_progress")  # fmt: skip
        if connected:
            history.call_connected(db, c, now - when + 4)
        history.finish_call(db, c, ended_at=now - when + (250 if connected else 20))
    db.conn.commit()
    db.conn.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="screenshots")
    ap.add_argument("--sizes", default="1280x720,1920x1080")
    ap.add_argument("--model", default=os.environ.get("CALLCOACH_MODEL"), help="Vosk model dir")
    ap.add_argument("--offscreen", action="store_true", help="no Xvfb: Qt's offscreen platform")
    ap.add_argument("--only", choices=("teaching", "firstrun"), help="only these screenshots")
    args = ap.parse_args()
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    sizes = [tuple(int(x) for x in s.split("x")) for s in args.sizes.split(",")]
    xvfb = None
    if args.offscreen:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    elif not os.environ.get("DISPLAY"):
        xvfb = start_xvfb()
    tmp = Path(tempfile.mkdtemp(prefix="callcoach-shots-"))
    os.environ["CALLCOACH_CONFIG_DIR"] = str(tmp / "config")
    os.environ["CALLCOACH_DATA_DIR"] = str(tmp / "data")
    procs: list[subprocess.Popen] = []
    saved: list[str] = []
    try:
        if args.only == "teaching":
            saved = shoot_teaching_only(out, sizes)
            print(json.dumps({"out": str(out), "screenshots": saved}, indent=2))
            return 0
        if args.only == "firstrun":
            saved = shoot_first_run(out, sizes, tmp)
            print(json.dumps({"out": str(out), "screenshots": saved}, indent=2))
            return 0
        far = subprocess.Popen(
            [sys.executable, "main.py", "answer", "--port", "0", "--bind", "127.0.0.1",
             "--play", flite(PROSPECT, tmp / "prospect.wav"), "--seconds", "40", "--wait", "120"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )  # fmt: skip
        procs.append(far)
        port = re.search(r"127\.0\.0\.1:(\d+)", far.stdout.readline()).group(1)
        far_uri = f"sip:dana@127.0.0.1:{port}"
        seed_history(far_uri)
        saved = shoot(out, sizes, far_uri, flite(REP, tmp / "rep.wav"), procs, args.model)
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
                p.wait(10)
        if xvfb is not None:
            xvfb.terminate()
            xvfb.wait(5)
    print(json.dumps({"out": str(out), "screenshots": saved}, indent=2))
    return 0


def shoot(
    out: Path, sizes: list, far_uri: str, rep_wav: str, procs: list, model: str | None
) -> list[str]:
    from PySide6.QtWidgets import QApplication

    from app.desktop import DesktopApp
    from softphone.protocol import EngineConfig

    qapp = QApplication.instance() or QApplication([])
    cfg = EngineConfig(bind_address="127.0.0.1", audio="file", play_file=rep_wav)
    app = DesktopApp(engine_config=cfg, model_path=model, listen=False)
    w = app.window
    saved: list[str] = []

    def pump(seconds: float, until=None) -> bool:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            qapp.processEvents()
            if until is not None and until():
                return True
            time.sleep(0.02)
        return until is None

    def snap(name: str, widget=None) -> None:
        for wd, ht in sizes:
            w.resize(wd, ht)
            pump(0.4)
            path = out / f"{name}-{wd}x{ht}.png"
            (widget or w).grab().save(str(path))
            saved.append(path.name)

    try:
        app.show()
        pump(20, lambda: app.services.engine_ready.is_set() and app.services.model is not None)
        pump(1.0)
        snap("dialer")
        w.phone.dialer.field.setText("da")
        snap("dialer-search")
        w.phone.dialer.field.clear()
        w.show_page("settings")
        for i, name in enumerate(("phone", "audio", "model", "coach")):
            w.settings_page.tabs.setCurrentIndex(i)
            snap(f"settings-{name}")
        shoot_calling(app, pump, snap, far_uri)
        w.show_page("phone")
        w.phone.dialer.set_number(far_uri, "Dana Whitfield")
        w.phone.dialer.dial()
        pump(20, lambda: w.phone.controls.state == "connected")
        pump(30, lambda: len(w.phone.coach.feed.flag_cards()) >= 1
             and len(w.phone.transcript.texts()) >= 2)  # fmt: skip
        pump(4)
        snap("call")
        app.controller.hangup()
        pump(5, lambda: w.phone.controls.state == "disconnected")
        pump(1)
        snap("call-ended")
        for key in ("review", "coaching"):
            if key in w.nav_buttons:
                w.show_page(key)
                screen = w.pages.get(key)
                if key == "review" and screen is not None:
                    # the call just made, with its transcript and flags (as "Review this call")
                    app.controller.review_last_call()
                    uuid = app.controller.last_uuid
                    pump(
                        5,
                        lambda s=screen, u=uuid: (
                            ((getattr(s, "data", None) or {}).get("call") or {}).get("uuid") == u
                        ),
                    )
                pump(1)
                snap(key)
        shoot_teaching(app, pump, snap, out, saved)
        w.show_page("phone")
        port = app.services.engine.info.sip_port
        caller = subprocess.Popen(
            [sys.executable, "main.py", "call", f"sip:rep@127.0.0.1:{port}", "--bind",
             "127.0.0.1", "--seconds", "5"],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        procs.append(caller)
        if pump(20, lambda: w.incoming.isVisible()):
            pump(1)
            for wd, ht in sizes:
                w.resize(wd, ht)
                pump(0.3)
                path = out / f"incoming-{wd}x{ht}.png"
                screen = qapp.primaryScreen()
                if os.environ.get("QT_QPA_PLATFORM") == "xcb":
                    screen.grabWindow(0, 0, 0, wd, ht).save(str(path))
                else:
                    w.incoming.grab().save(str(path))
                saved.append(path.name)
            w.incoming.reject()
    finally:
        app.shutdown()
    return saved


SEMANTIC_FLAG = {
    "kind": "arguing", "speaker": "rep", "start": 21.0, "end": 24.0,
    "text": "with respect that is not how this works in your industry",
    "suggestion": "Ask what they have seen work, then build on it.", "trigger": "",
    "label": "Arguing", "source": "semantic", "score": 0.91,
    "resembles": "that's not what our customers tell us",
}  # fmt: skip
TEACH_CALL = [
    ("rep", 1.0, "hi dana this is alex from northwind i'm just checking in"),
    ("prospect", 5.0, "we already have a vendor for routing and it works fine"),
    ("rep", 9.0, "everyone in your space has already switched to us"),
    ("prospect", 14.0, "we have been burned by switching before"),
    ("rep", 21.0, "with respect that is not how this works in your industry"),
    ("prospect", 26.0, "well that was our experience"),
    ("rep", 30.0, "what happened the last time you switched"),
]


def seed_teaching_call() -> int:
    """A stored call whose flags include one the semantic layer raised (for Review)."""
    from app.db import open_database
    from calling import history
    from coach.library import store as lib
    from coach.types import Flag

    db = open_database()
    now = time.time() - 600
    cid = history.add_contact(db, "Dana Whitfield (teaching)", "+14155550199", "Northwind")
    call = history.start_call(db, direction="outbound", remote_number="+14155550199",
                              contact_id=cid, rep="Alex", started_at=now)  # fmt: skip
    history.call_connected(db, call, now + 3)
    for speaker, start, text in TEACH_CALL:
        lib.add_utterance(db, call, {"speaker": speaker, "start": start, "end": start + 3.5,
                                     "text": text})  # fmt: skip
    lib.add_flag(db, call, Flag("vague_language", "rep", 1.0, 4.5, TEACH_CALL[0][2],
                                "Say why you are calling: the reason, in one sentence.",
                                "just checking in", "Vague language"))  # fmt: skip
    lib.add_flag(db, call, Flag(**SEMANTIC_FLAG))
    history.finish_call(db, call, ended_at=now + 40)
    db.conn.commit()
    db.conn.close()
    return call


def shoot_teaching(app, pump, snap, out: Path, saved: list) -> None:
    """A semantic-layer card in the coach panel; Review with a line taught; a real retrain
    (progress, then the before/after summary dialog)."""
    from coach.types import Flag

    w = app.window
    call = seed_teaching_call()
    w.show_page("phone")
    feed = w.phone.coach.feed
    feed.clear()
    feed.add_flag(Flag("pressure", "rep", 12.0, 14.0, "i need an answer today",
                       "Give an easy exit: 'Would it make sense to look at this next week?'",
                       "answer today", "Pressure"))  # fmt: skip
    feed.add_flag(Flag(**SEMANTIC_FLAG))
    pump(0.5)
    snap("card-semantic")
    snap("card-semantic-panel", w.phone.coach)
    if "review" not in w.nav_buttons:
        return
    w.show_page("review")
    screen = w.pages.get("review")
    screen.open_call(call)
    pump(5, lambda: (screen.data or {}).get("call", {}).get("id") == call)
    screen.transcript.setCurrentRow(2)
    taught = []
    screen.teach.taught.connect(taught.append)
    screen.teach.teach_current("pressure")
    pump(5, lambda: bool(taught))
    pump(0.5)
    snap("review-teach")
    menu = screen.teach.flag_as_menu  # the menu as it opens under the button
    button = screen.teach.flag_as_button
    menu.popup(button.mapToGlobal(button.rect().bottomLeft()))
    pump(0.5)
    path = out / "review-teach-menu.png"
    menu.grab().save(str(path))
    saved.append(path.name)
    menu.hide()
    done = []
    screen.teach.retrained.connect(done.append)
    screen.teach.retrain()
    pump(8, lambda: screen.teach.progress.maximum() > 0)
    snap("review-retraining")
    pump(600, lambda: bool(done))
    pump(1)
    if screen.teach.dialog is not None:
        path = out / "retrain-summary.png"
        screen.teach.dialog.grab().save(str(path))
        saved.append(path.name)
        screen.teach.dialog.close()
    snap("review-retrained")


def shoot_teaching_only(out: Path, sizes: list) -> list[str]:
    """Just the teaching screenshots: the app without a phone engine or speech model."""
    from PySide6.QtWidgets import QApplication

    from app.desktop import DesktopApp

    qapp = QApplication.instance() or QApplication([])
    app = DesktopApp(use_engine=False, use_model=False, listen=False)
    w = app.window
    saved: list[str] = []

    def pump(seconds: float, until=None) -> bool:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            qapp.processEvents()
            if until is not None and until():
                return True
            time.sleep(0.02)
        return until is None

    def snap(name: str, widget=None) -> None:
        for wd, ht in sizes:
            w.resize(wd, ht)
            pump(0.4)
            path = out / f"{name}-{wd}x{ht}.png"
            (widget or w).grab().save(str(path))
            saved.append(path.name)

    try:
        app.show()
        pump(2)
        shoot_teaching(app, pump, snap, out, saved)
        w.show_page("settings")
        w.settings_page.tabs.setCurrentIndex(3)
        snap("settings-coach")
    finally:
        app.shutdown()
    return saved


def shoot_first_run(out: Path, sizes: list, tmp: Path) -> list[str]:
    """A fresh install: each first-run step (the dialog), a corrupt model zip's sentence, the
    last page, then the empty Review, Coaching and Calling pages (no engine, no model)."""
    import zipfile

    from PySide6.QtWidgets import QApplication

    from app.desktop import DesktopApp

    os.environ["CALLCOACH_MODELS_DIR"] = str(tmp / "models")
    os.environ.pop("CALLCOACH_MODEL", None)  # a laptop that has no speech model yet
    qapp = QApplication.instance() or QApplication([])
    app = DesktopApp(use_engine=False, use_model=False, listen=False)
    w = app.window
    saved: list[str] = []

    def pump(seconds: float, until=None) -> bool:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            qapp.processEvents()
            if until is not None and until():
                return True
            time.sleep(0.02)
        return until is None

    def grab(name: str, widget) -> None:
        path = out / f"{name}.png"
        widget.grab().save(str(path))
        saved.append(path.name)

    try:
        app.show()
        d = app.first_run.dialog
        pump(1.0)
        grab("firstrun-1-name", d)
        d.next.click()
        pump(0.3)
        grab("firstrun-2-model", d)
        bad = tmp / "vosk-model-small-en-us-0.15.zip"
        with zipfile.ZipFile(bad, "w") as z:
            z.writestr("vosk-model-small-en-us-0.15/README", "not a model")
        bad.write_bytes(bad.read_bytes()[:-30])
        d.model.installRequested.emit(str(bad))
        pump(10, lambda: d.model.state.property("role") == "error")
        grab("firstrun-2-model-bad-zip", d)
        d.skip.click()
        pump(3, lambda: d.headset.input.count() > 1)
        pump(1.5)  # the level meter runs while the step is shown
        grab("firstrun-3-headset", d)
        d.skip.click()
        pump(0.3)
        grab("firstrun-4-account", d)
        d.direct.click()
        pump(0.3)
        grab("firstrun-5-done", d)
        d.next.click()
        pump(0.5)

        def snap(name: str) -> None:
            for wd, ht in sizes:
                w.resize(wd, ht)
                pump(0.5)
                path = out / f"{name}-{wd}x{ht}.png"
                w.grab().save(str(path))
                saved.append(path.name)

        for key, name in (("review", "empty-review"), ("coaching", "empty-coaching"),
                          ("calling", "empty-calling")):  # fmt: skip
            w.show_page(key)
            pump(1.5)
            snap(name)
        w.show_page("coaching")
        w.pages["coaching"].tabs.setCurrentIndex(1)
        snap("empty-coaching-sessions")
    finally:
        app.shutdown()
    return saved


CALL_LIST = """Name,Company,Phone,Last Action,Last Action Date
Dana Whitfield,Acme Logistics,+1 212 555 0101,downloaded the white paper on mobile device management,2026-11-17
Lee Chan,Globex,+1 415 555 0102,attended the payroll webinar,2026-11-10
"""


def shoot_calling(app, pump, snap, far_uri: str) -> None:
    """The Calling page with a small imported list and the first contact's card (no dial: the
    far end is kept for the live call)."""
    from calling import calllists

    w = app.window
    w.show_page("calling")
    page = w.pages.get("calling")
    if page is None:
        return
    app.settings.calling_hours = "0-24"  # a card whatever the hour the shots are taken
    res = app.services.store.call(
        calllists.import_preview, calllists.parse_table(CALL_LIST), "week 47"
    )
    page.refresh_lists(res.list_id)
    pump(5, lambda: page.lists.count() > 0)
    page.uri_template = "sip:{number}@" + far_uri.split("@", 1)[1]
    page.start_session()
    pump(5, lambda: page.view is not None and page.view.name.text() != "")
    pump(0.5)
    snap("calling")
    page.end_session()


if __name__ == "__main__":
    sys.exit(main())
