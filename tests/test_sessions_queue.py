"""The power-dialing queue against real sipp peers: answered, busy (486) and unanswered calls
give the outcomes and counters those peers produced; a session survives a restart; calling
hours and call-backs decide who comes next."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.db import open_database
from app.store_writer import StoreWriter
from calling import calllists
from calling.calling_hours import CallingWindow
from calling.dialer_queue import DialerQueue
from tests.needs import needs
from tests.sip_support import engine, sipp, sipp_result

pytestmark = [pytest.mark.sip, needs("sipp")]

ALWAYS = CallingWindow.parse("0-24")
LIST = """Name,Company,Phone,Last Action,Last Action Date
Ann Answer,Acme,+1 212 555 0101,downloaded the white paper on mobile device management,2026-11-17
Bob Busy,Globex,+1 212 555 0102,attended the payroll webinar,2026-11-10
Nia Noanswer,Initech,+1 212 555 0103,,
"""


@pytest.fixture(scope="module")
def eng():
    with engine() as (client, log):
        yield client, log


@pytest.fixture
def db(tmp_path):
    db = open_database(tmp_path / "cc.db")
    yield db
    db.close()


@pytest.fixture
def writer(db, tmp_path):
    """The single writer the queue writes through (as the app's); `db` is the test's reader."""
    with StoreWriter(tmp_path / "cc.db") as w:
        yield w


def _import(db, text: str = LIST, name: str = "week 47") -> int:
    return calllists.import_preview(db, calllists.parse_table(text), name).list_id


def _outcomes(db, list_id: int) -> dict[str, str | None]:
    return dict(
        db.execute(
            "SELECT name, outcome FROM call_list_entries WHERE list_id = ? ORDER BY position",
            [list_id],
        ).fetchall()
    )


def test_auto_session_outcomes_and_counters_match_the_peers(eng, db, writer) -> None:
    client, _ = eng
    list_id = _import(db)
    with (
        sipp("-sn", "uas", "-rtp_echo") as answer,
        sipp(scenario="uas_reject.xml", subst={"code": 486, "reason": "Busy Here"}) as busy,
        sipp(scenario="sessions_noanswer.xml") as silent,
    ):
        ports = {"+12125550101": answer, "+12125550102": busy, "+12125550103": silent}
        q = DialerQueue(
            writer,
            client,
            list_id,
            window=ALWAYS,
            uri_for=lambda n: f"sip:{n}@127.0.0.1:{ports[n]['port']}",
            ring_timeout_s=2.0,
            max_talk_s=1.6,
            conversation_s=1.0,
            auto_disposition=True,
            auto_dial=True,
        ).start()
        try:
            assert q.state == "ready" and q.card.name == "Ann Answer"
            assert "downloaded our white paper on mobile device management" in q.card.opener
            q.dial()
            q.wait_for("finished", timeout=30)
            counters = q.counters()
        finally:
            q.stop()
        for peer in (answer, busy, silent):
            rc, err = sipp_result(peer, 10)
            assert rc == 0, err
    assert _outcomes(db, list_id) == {
        "Ann Answer": "connected",
        "Bob Busy": "busy",
        "Nia Noanswer": "no_answer",
    }
    assert {k: counters[k] for k in ("dials", "connects", "conversations", "meetings")} == {
        "dials": 3,
        "connects": 1,
        "conversations": 1,
        "meetings": 0,
    }
    assert counters["voicemails"] == 0 and counters["dials_per_hour"] > 0
    calls = db.execute(
        "SELECT remote_number, sip_code, disposition, status FROM calls ORDER BY id"
    ).fetchall()
    assert [(c[0], c[2], c[3]) for c in calls] == [
        ("+12125550101", "connected", "completed"),
        ("+12125550102", "busy", "failed"),
        ("+12125550103", "no_answer", "failed"),
    ]
    assert calls[1][1] == 486


def test_disposition_during_call_and_restart_mid_call(eng, db, writer) -> None:
    client, _ = eng
    list_id = _import(db)
    with sipp("-sn", "uas", "-rtp_echo") as first, sipp("-sn", "uas", "-rtp_echo") as second:
        ports = {"+12125550101": first["port"], "+12125550102": second["port"]}
        q = DialerQueue(
            writer, client, list_id, window=ALWAYS, uri_for=lambda n: f"sip:{n}@127.0.0.1:{ports[n]}"
        ).start()
        q.dial()
        q.wait_for("connected", timeout=5)
        # "Voicemail left" pressed while the call is up: it hangs up, saves, shows the next card.
        q.dispose("voicemail_left")
        q.wait_for("ready", timeout=5)
        assert q.card.name == "Bob Busy"
        q.dial()
        q.wait_for("connected", timeout=5)
        engine_call = q.engine_call
        # The app "dies" with the call up: the worker stops, the session row says connected.
        q.stop()
        client.hangup(engine_call)
        for peer in (first, second):
            rc, err = sipp_result(peer, 10)
            assert rc == 0, err
    again = DialerQueue(writer, client, session_id=q.session_id, window=ALWAYS).start()
    try:
        assert again.state == "wrap_up" and again.suggested == "connected"
        assert again.card.name == "Bob Busy"
        again.dispose("meeting_booked", notes="Demo on Thursday")
        assert again.state == "ready" and again.card.name == "Nia Noanswer"
        again.skip()
        assert again.state == "finished"
        counters = again.counters()
        assert (counters["dials"], counters["meetings"], counters["voicemails"]) == (2, 1, 1)
    finally:
        again.stop()
    assert _outcomes(db, list_id) == {
        "Ann Answer": "voicemail_left",
        "Bob Busy": "meeting_booked",
        "Nia Noanswer": "skipped",
    }
    rows = db.execute("SELECT disposition, notes, status FROM calls ORDER BY id").fetchall()
    assert rows == [
        ("voicemail", None, "completed"),
        ("meeting_booked", "Demo on Thursday", "completed"),
    ]


def test_calling_hours_and_call_backs_decide_who_is_next(eng, db, writer) -> None:
    client, _ = eng
    text = "Name,Phone\nLa Lee,+1 415 555 0199\nSyd Sun,+61 2 9876 5432\nNy Nash,+1 212 555 0104\n"
    list_id = _import(db, text)
    now = [datetime(2026, 11, 23, 13, 30, tzinfo=UTC).timestamp()]  # 8:30 NY, 5:30 LA, 0:30 SYD
    q = DialerQueue(
        writer, client, list_id, window=CallingWindow.parse("8-20"), clock=lambda: now[0]
    ).start()
    try:
        assert q.state == "ready" and q.card.name == "Ny Nash"
        assert q.card.local_time.startswith("08:30 America/New_York")
        q.dispose("call_back", callback_at=now[0] + 3 * 3600)  # 11:30 NY
        assert q.state == "waiting" and "next at" in q.sentence
        now[0] += 3 * 3600 + 1  # 11:30 NY, 8:30 LA, 3:30 Sydney
        q.wait_for("ready", timeout=5)
        assert q.card.name == "Ny Nash"  # the due call-back comes before the list order
        q.dispose("not_interested")
        assert q.card.name == "La Lee"
        q.pause()
        assert q.state == "paused"
        q.resume()
        assert q.card.name == "La Lee"
    finally:
        q.stop()


def test_queue_run_cli_headless_against_sipp(tmp_path) -> None:
    import json
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "CALLCOACH_DATA_DIR": str(tmp_path / "data"),
        "CALLCOACH_CONFIG_DIR": str(tmp_path / "config"),
    }
    src = tmp_path / "list.csv"
    src.write_text(LIST)

    def main(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "main.py", *args],
            cwd=Path(__file__).resolve().parent.parent,
            capture_output=True,
            text=True,
            env=env,
            timeout=90,
            check=False,
        )

    assert main("lists", "import", str(src), "--name", "cli").returncode == 0
    subst = {"code": 486, "reason": "Busy Here"}
    with sipp("-m", "3", scenario="uas_reject.xml", subst=subst) as busy:
        r = main(
            "queue",
            "run",
            "cli",
            "--auto-disposition",
            "--json",
            "--bind",
            "127.0.0.1",
            "--hours",
            "0-24",
            "--uri-template",
            f"sip:{{number}}@127.0.0.1:{busy['port']}",
        )
        rc, err = sipp_result(busy, 10)
    assert r.returncode == 0, r.stderr[-2000:]
    assert rc == 0, err
    lines = [json.loads(x) for x in r.stdout.splitlines() if x.startswith("{")]
    summary = lines[-1]
    assert summary["state"] == "finished" and summary["dials"] == 3 and summary["connects"] == 0
    assert [e["contact"] for e in lines if e.get("state") == "dialing"] == [
        "Ann Answer",
        "Bob Busy",
        "Nia Noanswer",
    ]
    out = tmp_path / "out.csv"
    assert main("lists", "export", "cli", str(out)).returncode == 0
    assert out.read_text(encoding="utf-8-sig").count(",busy,") == 3
    status = json.loads(main("queue", "status", str(summary["session"])).stdout)
    assert status["session"]["dials"] == 3 and status["session"]["state"] == "finished"
    assert status["today"]["dials"] == 3
    r = main("queue", "run", "nope", "--uri-template", "sip:{number}@127.0.0.1")
    assert r.returncode == 2 and "There is no call list named 'nope'." in r.stderr


def test_a_call_that_cannot_be_placed_pauses_without_counting(eng, db, writer) -> None:
    client, _ = eng
    list_id = _import(db)
    q = DialerQueue(writer, client, list_id, window=ALWAYS, uri_for="sip:{number}@bad host").start()
    try:
        q.dial()
        assert q.state == "paused" and q.sentence.startswith("The call could not be placed:")
        assert q.counters()["dials"] == 0 and q.card.attempts == 0
        q.resume()
        assert q.state == "ready" and q.card.name == "Ann Answer"  # nothing was burned
    finally:
        q.stop()
    assert db.execute("SELECT COUNT(*) FROM calls").fetchone()[0] == 0
    assert _outcomes(db, list_id)["Ann Answer"] is None


def test_queue_run_interactive_keys(tmp_path) -> None:
    import json
    import os
    import subprocess
    import sys
    import threading

    env = {
        **os.environ,
        "CALLCOACH_DATA_DIR": str(tmp_path / "data"),
        "CALLCOACH_CONFIG_DIR": str(tmp_path / "config"),
    }
    root = Path(__file__).resolve().parent.parent
    src = tmp_path / "list.csv"
    src.write_text(LIST)
    cmd = [sys.executable, "main.py", "lists", "import", str(src), "--name", "keys"]
    subprocess.run(cmd, cwd=root, env=env, check=True, capture_output=True)
    with sipp("-sn", "uas", "-rtp_echo") as peer:
        proc = subprocess.Popen(
            [sys.executable, "main.py", "queue", "run", "keys", "--json", "--hours", "0-24",
             "--bind", "127.0.0.1", "--uri-template", f"sip:{{number}}@127.0.0.1:{peer['port']}"],
            cwd=root, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        seen: list[dict] = []
        cond = threading.Condition()

        def read() -> None:
            for line in proc.stdout:
                if line.startswith("{"):
                    with cond:
                        seen.append(json.loads(line))
                        cond.notify_all()

        threading.Thread(target=read, daemon=True).start()

        def until(pred) -> dict:
            with cond:
                assert cond.wait_for(lambda: any(pred(e) for e in seen), timeout=15), seen
                return next(e for e in seen if pred(e))

        until(lambda e: e.get("state") == "ready" and e["contact"] == "Ann Answer")
        proc.stdin.write("\n")  # Enter dials
        proc.stdin.flush()
        until(lambda e: e.get("state") == "connected")
        proc.stdin.write("m Demo on Thursday\n")  # meeting booked, with a note
        proc.stdin.flush()
        until(lambda e: e.get("state") == "ready" and e["contact"] == "Bob Busy")
        proc.stdin.write("s\nq\n")  # skip Bob, quit
        proc.stdin.flush()
        assert proc.wait(30) == 0, proc.stderr.read()
        rc, err = sipp_result(peer, 10)
        assert rc == 0, err
    summary = seen[-1]
    assert summary["state"] == "paused" and summary["meetings"] == 1 and summary["dials"] == 1
    import sqlite3

    db = sqlite3.connect(tmp_path / "data" / "callcoach.db")
    rows = db.execute("SELECT name, outcome, notes FROM call_list_entries ORDER BY position")
    assert rows.fetchall() == [
        ("Ann Answer", "meeting_booked", "Demo on Thursday"),
        ("Bob Busy", "skipped", None),
        ("Nia Noanswer", None, None),
    ]


def test_call_back_key_times() -> None:
    from app.calling_prompt import callback_time

    now = datetime(2026, 11, 23, 15, 0)
    assert callback_time("16:30", now) == datetime(2026, 11, 23, 16, 30).timestamp()
    assert callback_time("9:05", now) == datetime(2026, 11, 24, 9, 5).timestamp()  # tomorrow
    with pytest.raises(ValueError, match="give the call-back like k 14:30"):
        callback_time("soon", now)
