"""Shared-memory taps: a reader in another (spawned) process gets the writer's samples; a slow
reader loses its own backlog, counted, while the writer never waits."""

from __future__ import annotations

import multiprocessing as mp
import os
import time
import uuid

import numpy as np
import pytest

from softphone.audio.shm_ring import SharedRingReader, SharedRingWriter


def _name() -> str:
    return f"cc-test-shm-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def _reader_process(name: str, total: int, sleep_s: float, out: mp.Queue) -> None:
    reader = SharedRingReader(name)
    ready_at = time.monotonic()
    out.put(("ready", ready_at))
    got = []
    starts = []
    n = 0
    deadline = time.monotonic() + 30
    while n + reader.lost < total and time.monotonic() < deadline:
        chunk = reader.read()
        if len(chunk):
            got.append(chunk)
            starts.append(reader.position - len(chunk))
            n += len(chunk)
        time.sleep(sleep_s)
    out.put(("done", got, starts, reader.lost))
    reader.close()


def _run(total: int, reader_sleep: float, capacity: int, block: int = 320, pace: float = 0.0):
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    writer = SharedRingWriter(_name(), capacity)
    proc = ctx.Process(target=_reader_process, args=(writer.name, total, reader_sleep, q))
    proc.start()
    try:
        assert q.get(timeout=30)[0] == "ready"
        seq = (np.arange(total) % 32749).astype(np.int16)  # a prime period: misplaced data shows
        write_times = []
        for i in range(0, total, block):
            t0 = time.perf_counter()
            writer.write(seq[i : i + block])
            write_times.append(time.perf_counter() - t0)
            if pace:
                time.sleep(pace)
        _, chunks, starts, lost = q.get(timeout=60)
        proc.join(timeout=10)
    finally:
        if proc.is_alive():
            proc.kill()
        writer.close()
    return seq, chunks, starts, lost, np.array(write_times)


def test_reader_in_another_process_gets_every_sample() -> None:
    seq, chunks, _, lost, _ = _run(
        total=16000 * 5, reader_sleep=0.005, capacity=16000 * 2, pace=0.002
    )
    assert lost == 0
    assert np.array_equal(np.concatenate(chunks), seq)


def test_slow_reader_loses_its_backlog_but_the_writer_never_waits() -> None:
    """The writer pushes 20 s of audio in about 1 s into a 0.5 s ring while the reader wakes
    every 50 ms: the reader loses samples (counted), every sample it does get is the right one
    for its position (nothing torn by the writer lapping it), and no write ever waits."""
    total = 16000 * 20
    seq, chunks, starts, lost, write_times = _run(
        total=total, reader_sleep=0.05, capacity=8000, pace=0.001
    )
    got = sum(len(c) for c in chunks)
    assert lost > 16000 and got + lost == total
    assert len(chunks) >= 5
    for start, chunk in zip(starts, chunks, strict=True):
        assert np.array_equal(chunk, seq[start : start + len(chunk)])
    assert np.percentile(write_times, 99) < 0.0005 and write_times.max() < 0.01


def test_reader_of_a_missing_tap_gets_a_clear_error() -> None:
    with pytest.raises(FileNotFoundError, match="No audio tap named"):
        SharedRingReader("cc-test-no-such-tap")


def test_close_marks_the_ring_and_unlinks_it() -> None:
    writer = SharedRingWriter(_name(), 1000)
    reader = SharedRingReader(writer.name)
    writer.write(np.arange(10, dtype=np.int16))
    writer.close()
    assert reader.writer_closed
    assert np.array_equal(reader.read(), np.arange(10))  # the reader's map stays valid
    reader.close()
    with pytest.raises(FileNotFoundError):
        SharedRingReader(writer.name)
