"""Calling-session benchmark: list import, disposition-to-next-INVITE latency, dials per hour.

1. Import time for a 10,000-row CSV (parse, E.164, merge, insert) into a fresh database.
2. Time from the disposition key (`DialerQueue.dispose(..., dial_next=True)`) to the next
   INVITE arriving on the wire, at a UDP socket in this process that answers every INVITE
   with 486 Busy Here (goal ≤ 300 ms).
3. Dials per hour in an auto-dialed session of N contacts (default 50) against sipp ringing
   without answer, each call given up after 5 s (the queue's ring timeout).
Prints one JSON object.

    .venv/bin/python benchmarks/bench_sessions.py                 # full run (~5 minutes)
    .venv/bin/python benchmarks/bench_sessions.py --contacts 10   # shorter dials-per-hour run
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.db import open_database
from app.store_writer import StoreWriter
from calling import calllists
from calling.calling_hours import CallingWindow
from calling.dialer_queue import DialerQueue
from tests.sip_support import engine, sipp

ALWAYS = CallingWindow.parse("0-24")


def numbers(n: int) -> list[str]:
    return [f"+1{(212, 415, 312, 617)[i % 4]}555{i % 10000:04d}" for i in range(n)]


def bench_import(tmp: Path, rows: int = 10_000) -> dict:
    path = tmp / "big.csv"
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Name", "Company", "Phone Number", "Email", "Last Action", "Last Action Date"])
        for i, num in enumerate(numbers(rows)):
            local = f"({num[2:5]}) {num[5:8]}-{num[8:]}"
            w.writerow([f"Lead {i}", f"Co {i}", local, f"l{i}@x.com", "downloaded", "2026-11-02"])
    db = open_database(tmp / "import.db")
    t0 = time.perf_counter()
    res = calllists.import_file(db, path, region="US")
    took = time.perf_counter() - t0
    db.close()
    return {"rows": rows, "imported": res.imported, "rejected": len(res.rejected), "seconds": took}


class BusyResponder:
    """A UDP SIP far end: timestamps each INVITE and answers it 486 Busy Here."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.invites: list[float] = []
        self._t = threading.Thread(target=self._run, name="busy-responder", daemon=True)
        self._t.start()

    def _run(self) -> None:
        while True:
            try:
                data, addr = self.sock.recvfrom(65535)
            except OSError:
                return
            now = time.perf_counter()
            text = data.decode(errors="replace")
            if not text.startswith("INVITE "):
                continue  # ACKs for our 486
            self.invites.append(now)
            head = text.split("\r\n\r\n", 1)[0].split("\r\n")
            keep = [h for h in head[1:] if re.match(r"(?i)(via|from|to|call-id|cseq):", h)]
            keep = [h + ";tag=bench" if re.match(r"(?i)to:", h) else h for h in keep]
            reply = "\r\n".join(["SIP/2.0 486 Busy Here", *keep, "Content-Length: 0", "", ""])
            self.sock.sendto(reply.encode(), addr)

    def close(self) -> None:
        self.sock.close()


def bench_disposition_latency(tmp: Path, client, rounds: int = 20) -> dict:
    db = open_database(tmp / "latency.db")
    text = "Name,Phone\n" + "".join(f"L{i},{n}\n" for i, n in enumerate(numbers(rounds + 1)))
    list_id = calllists.import_preview(db, calllists.parse_table(text), "latency").list_id
    far = BusyResponder()
    writer = StoreWriter(tmp / "latency.db").start()  # the queue writes through it, as in the app
    q = DialerQueue(
        writer, client, list_id, window=ALWAYS, uri_for=f"sip:{{number}}@127.0.0.1:{far.port}"
    )
    q.start()
    samples = []
    try:
        q.dial()
        q.wait_for("wrap_up", timeout=10)
        for _ in range(rounds):
            seen = len(far.invites)
            t0 = time.perf_counter()
            q.dispose("busy", dial_next=True)
            while len(far.invites) == seen and time.perf_counter() - t0 < 5:
                time.sleep(0.0005)
            samples.append((far.invites[seen] - t0) * 1000)
            q.wait_for("wrap_up", timeout=10)
    finally:
        q.stop()
        writer.stop()
        far.close()
        db.close()
    samples.sort()
    return {
        "rounds": rounds,
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(samples[int(0.95 * (len(samples) - 1))], 1),
        "max_ms": round(samples[-1], 1),
        "goal_ms": 300,
    }


def bench_dials_per_hour(tmp: Path, client, contacts: int, ring_s: float) -> dict:
    db = open_database(tmp / "dph.db")
    text = "Name,Phone\n" + "".join(f"L{i},{n}\n" for i, n in enumerate(numbers(contacts)))
    list_id = calllists.import_preview(db, calllists.parse_table(text), "dph").list_id
    limit = f"{int(contacts * (ring_s + 3) + 60)}s"
    with (
        StoreWriter(tmp / "dph.db") as writer,
        sipp("-m", str(contacts), "-timeout", limit, scenario="sessions_noanswer.xml") as peer,
    ):
        q = DialerQueue(
            writer,
            client,
            list_id,
            window=ALWAYS,
            uri_for=f"sip:{{number}}@127.0.0.1:{peer['port']}",
            ring_timeout_s=ring_s,
            auto_disposition=True,
            auto_dial=True,
        ).start()
        t0 = time.perf_counter()
        try:
            q.dial()
            q.wait_for("finished", timeout=contacts * (ring_s + 5) + 30)
            wall = time.perf_counter() - t0
            c = q.counters()
        finally:
            q.stop()
    db.close()
    return {
        "contacts": contacts,
        "ring_timeout_s": ring_s,
        "dials": c["dials"],
        "wall_seconds": round(wall, 1),
        "dials_per_hour": c["dials_per_hour"],
        "dials_per_hour_wall": round(c["dials"] * 3600 / wall, 1),
        "ceiling_dials_per_hour": round(3600 / ring_s, 1),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--contacts", type=int, default=50)
    ap.add_argument("--ring-seconds", type=float, default=5.0)
    ap.add_argument("--rounds", type=int, default=20)
    args = ap.parse_args()
    out: dict = {}
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        out["import_10000"] = bench_import(tmp)
        out["import_10000"]["seconds"] = round(out["import_10000"]["seconds"], 3)
        with engine() as (client, _log):
            out["disposition_to_invite"] = bench_disposition_latency(tmp, client, args.rounds)
            out["dials_per_hour"] = bench_dials_per_hour(
                tmp, client, args.contacts, args.ring_seconds
            )
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
