"""Clock drift between the headset (PortAudio) and the SIP media clock (pjsua2): measured and
corrected on the media-clock side, never in the PortAudio callback.

``DriftEstimator`` fits one least-squares slope through (media samples elapsed, device samples
minus media samples), the device position interpolated to the tick with the time since its
latest callback. What made it read -1,900 ppm on both rings of a clean 90 s call was a step,
not drift: resetting the stats zeroed the device's sample counter under it (now the counter is
never reset), and under load a stall moves the difference by a step for good (PulseAudio skips
what a late output callback missed). So the estimator works in segments: a new one starts at
a known discontinuity (the caller says so on an xrun, underrun or resync) or when a point is
more than ``jump`` samples off the segment's recent level, its first ``settle`` points are
skipped, and the slope is the pooled within-segment one (a common slope, one intercept per
segment). PulseAudio's delivery wanders by ±5 ms for a second now and then and comes back:
that is noise to a long fit, not a step, so ``jump`` is a stall's size (60 ms). Positive ppm:
the headset runs fast. (PulseAudio's null sinks are timer-driven and measured here 0-400 ppm
off the system clock, so a correction every second or two is real, not an estimator error.)

``DriftController`` keeps a ring's smoothed fill inside a band around a target by asking for a
one-sample correction on a 20 ms frame: the frame is then linearly re-interpolated from 319 or
321 samples to 320 (a 0.3 % pitch change for 20 ms: no click, inaudible). One sample per frame
corrects up to 3,000 ppm, far beyond real crystals (±100 ppm); when the fill is more than a
device block off it corrects two samples a frame. The fill it is fed is phase-compensated by
the caller (``headset_path``), so the device-block sawtooth and the phase between device
callbacks and media ticks do not look like drift: with equal clocks it makes no correction.
"""

from __future__ import annotations

import numpy as np


class DriftEstimator:
    """Pooled within-segment least-squares slope of device minus media samples."""

    def __init__(self, warmup_samples: int = 32000, jump: float = 960, settle: int = 25) -> None:
        self.warmup = warmup_samples  # ignore start-up transients (priming, first blocks)
        self.jump = jump  # a point this far off the segment's recent level is a step
        self.settle = settle  # points skipped after a step (the stall's own ramp, bursts)
        self.reset()

    def reset(self) -> None:
        self._sxx_done = self._sxy_done = 0.0  # centred sums of the closed segments
        self._points = 0
        self.segments = 0
        self._open_segment()

    def _open_segment(self) -> None:
        self._n = 0
        self._sx = self._sy = self._sxx = self._sxy = 0.0
        self._x0: float | None = None
        self._y0 = 0.0
        self._ref: float | None = None
        self._skip = self.settle

    def break_segment(self) -> None:
        """A known discontinuity (xrun, underrun, resync): what follows starts a new segment."""
        if self._n > 1:
            self._sxx_done += self._sxx - self._sx * self._sx / self._n
            self._sxy_done += self._sxy - self._sx * self._sy / self._n
            self.segments += 1
        self._open_segment()

    def add(self, media_samples: float, accumulated: float) -> None:
        """``accumulated``: device samples minus media samples since start."""
        if media_samples < self.warmup:
            return
        ref = self._ref
        if ref is not None and abs(accumulated - ref) > self.jump:
            self.break_segment()
            ref = None
        # the recent level follows slowly, so a block sawtooth or real drift never trips it
        self._ref = accumulated if ref is None else ref + (accumulated - ref) / 16
        if self._skip > 0:
            self._skip -= 1
            return
        if self._x0 is None:  # keep the sums small for float precision
            self._x0, self._y0 = float(media_samples), float(accumulated)
        x = media_samples - self._x0
        y = accumulated - self._y0
        self._n += 1
        self._points += 1
        self._sx += x
        self._sy += y
        self._sxx += x * x
        self._sxy += x * y

    @property
    def points(self) -> int:
        return self._points

    @property
    def ppm(self) -> float | None:
        if self._points < 50:
            return None
        sxx, sxy = self._sxx_done, self._sxy_done
        if self._n > 1:
            sxx += self._sxx - self._sx * self._sx / self._n
            sxy += self._sxy - self._sx * self._sy / self._n
        if sxx <= 0:
            return None
        return sxy / sxx * 1e6


class DriftController:
    """Decides, once per frame, how many samples to drop (-step, -2 step), insert (+step,
    +2 step) or 0."""

    def __init__(
        self,
        target: float,
        deadband: float,
        alpha: float = 1 / 32,
        far: float = 160,
        step: int = 1,
        clip: float | None = None,
    ) -> None:
        self.target = target
        self.deadband = deadband
        self.far = far  # beyond deadband + far, correct twice as many samples a frame
        self.unit = step  # samples per correction: fewer, larger reshapes of a frame
        # a single reading further than this from the smoothed fill moves it only this far: one
        # late callback or media tick is an outlier, not a level (a lasting step still gets in)
        self.clip = clip
        self.alpha = alpha
        self.smoothed: float | None = None
        self._seen = 0
        self.inserted = 0
        self.dropped = 0
        self.reshaped = 0  # frames re-interpolated: each is one (inaudible) correction

    def reset(self) -> None:
        self.smoothed = None
        self._seen = 0

    def update(self, level: int) -> int:
        """Feed the ring level seen this frame; return the correction to apply to it.

        The sign is from the ring's point of view: negative means take samples out of the
        ring (it is too full), positive means put more in (too empty).
        """
        self._seen += 1
        # a plain running mean until alpha takes over, so the start does not look like drift
        a = max(self.alpha, 1.0 / self._seen)
        if self.smoothed is None:
            s = level
        else:
            d = level - self.smoothed
            if self.clip is not None and self._seen > 16:
                d = max(-self.clip, min(self.clip, d))
            s = self.smoothed + a * d
        if self._seen < 16:  # too few frames to tell drift from the device-block sawtooth
            self.smoothed = s
            return 0
        step = 0
        err = s - self.target
        if err > self.deadband:
            step = -self.unit * (2 if err > self.deadband + self.far else 1)
            self.dropped -= step
        elif err < -self.deadband:
            step = self.unit * (2 if err < -self.deadband - self.far else 1)
            self.inserted += step
        if step:
            self.reshaped += 1
        self.smoothed = s + step  # the correction moves the level by as many samples
        return step

    @property
    def corrections(self) -> int:
        return self.inserted + self.dropped


_GRIDS: dict[tuple[int, int], np.ndarray] = {}


def stretch(samples: np.ndarray, n_out: int) -> np.ndarray:
    """Linearly re-interpolate ``samples`` to ``n_out`` samples (both ends kept in place)."""
    n_in = len(samples)
    grid = _GRIDS.get((n_in, n_out))
    if grid is None:
        grid = np.linspace(0.0, n_in - 1, n_out)
        _GRIDS[(n_in, n_out)] = grid
    out = np.interp(grid, np.arange(n_in, dtype=np.float64), samples)
    return np.round(out).astype(np.int16)
