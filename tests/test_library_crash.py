"""kill -9 mid-call: utterances, flags and the recording survive up to the last second, and
the call shows up as interrupted on the next open (a real subprocess, a real SQLite file)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from app.db import open_database
from calling import history
from coach.library import queries, recordings

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import sys, time
import numpy as np
from app.db import open_database
from app.store_writer import StoreWriter
from calling import records
from calling import history
from softphone.audio.recorder import StereoRecorder

path, wav = sys.argv[1], sys.argv[2]
open_database(path).close()
writer = StoreWriter(path).start()
call = writer.call(history.start_call, rep="alice", remote_number="+14155550100")
uuid = writer.call(lambda db: history.get_call(db, call)["uuid"])
rec = StereoRecorder(wav)
writer.submit(history.set_recording, call, wav)  # the live WAV, converted after the call
t0 = time.monotonic()
print(f"call {call}", flush=True)
i = 0
while True:
    now = time.monotonic()
    start = now - t0
    utt = {"speaker": "rep" if i % 2 else "prospect", "start": start, "end": start + 0.05,
           "text": f"utterance {i} about the budget"}
    flags = [{"kind": "pressure", "speaker": "rep", "start": start, "end": start + 0.05,
              "text": f"flag {i}"}] if i % 4 == 0 else []
    writer.submit(records.record_live, uuid, utterances=[utt], flags=flags)
    tone = (3000 * np.sin(np.arange(1600) * 0.1)).astype(np.int16)
    rec.write(tone, tone)
    print(f"sent {i} {time.monotonic()}", flush=True)
    i += 1
    time.sleep(0.1)
"""


def test_kill_9_mid_call_keeps_everything_up_to_the_last_second(tmp_path):
    path, wav = tmp_path / "callcoach.db", tmp_path / "live.wav"
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), str(wav)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = proc.stdout.readline()
        assert first.startswith("call "), first + proc.stderr.read()
        call_id = int(first.split()[1])
        sent: list[tuple[int, float]] = []
        while len(sent) < 25:  # about 2.5 s of a running call
            _, i, t = proc.stdout.readline().split()
            sent.append((int(i), float(t)))
        # While the writer is alive, another open (say `library search`) must not call it dead.
        other = open_database(path)
        assert history.get_call(other, call_id)["status"] == "in_progress"
        other.close()
        killed_at = time.monotonic()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        rest = proc.stdout.read().split("\n")
        sent += [(int(x.split()[1]), float(x.split()[2])) for x in rest if x.startswith("sent")]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL

    db = open_database(path)
    call = history.get_call(db, call_id)
    assert call["status"] == "interrupted"
    review = queries.review(db, call_id)
    stored = {int(u["text"].split()[1]) for u in review["utterances"]}
    due = {i for i, t in sent if t <= killed_at - 1.0}  # sent a second or more before the kill
    assert len(due) >= 10
    assert due <= stored, sorted(due - stored)
    assert stored <= {i for i, _ in sent}
    flags = {int(f["text"].split()[1]) for f in review["flags"]}
    assert {i for i in due if i % 4 == 0} <= flags
    assert queries.find_calls(db, status="interrupted")[0]["id"] == call_id

    # The live WAV became the call's FLAC on reopening, up to the last second.
    flac = Path(call["recording_path"])
    assert flac.suffix == ".flac" and flac.parent == tmp_path / "recordings"
    assert not wav.exists()
    elapsed = sent[-1][1] - sent[0][1]
    assert recordings.duration(flac) >= elapsed - 1.0
    assert oct(flac.stat().st_mode & 0o777) == "0o600"
