"""Clock drift between the headset (PortAudio) and the SIP media clock (pjsua2): measured and
corrected on the media-clock side, never in the PortAudio callback.

``DriftEstimator`` fits one slope through (media samples elapsed, device samples minus media
samples). Two things made a plain least-squares line through every tick read thousands of ppm
where the clocks were equal (-1,900 ppm on both rings of a 90 s call, -15,000 ppm after one
300 ms output stall): a late device callback only ever makes the device look *behind* (a
one-sided error, so it biases the line), and a stall moves the difference by a step for good
(PulseAudio skips what a late output callback missed). So the estimator keeps the *upper
envelope*, one point per second (the highest difference seen in it), starts a new segment at a
step (the caller says so on an xrun, underrun or resync, or a point jumps more than ``jump``
samples off the previous one), skips the first point of a segment, and reports the pooled
within-segment slope (a common slope, one intercept per segment). Positive ppm: the headset
runs fast.

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
    """Pooled within-segment least-squares slope of the upper envelope of device minus media
    samples, one point per ``window`` media samples."""

    def __init__(
        self,
        warmup_samples: int = 32000,
        window: int = 16000,
        jump: float = 400,
        settle: int = 1,
    ) -> None:
        self.warmup = warmup_samples  # ignore start-up transients (priming, first blocks)
        self.window = window  # media samples per envelope point (1 s at 16 kHz)
        self.jump = jump  # a point this far off the previous one is a step, not drift
        self.settle = settle  # envelope points skipped after a step
        self.reset()

    def reset(self) -> None:
        self._sxx_done = self._sxy_done = 0.0  # centred sums of the closed segments
        self._points = 0
        self.segments = 0
        self._win_start: float | None = None
        self._open_segment()

    def _open_segment(self) -> None:
        self._n = 0
        self._sx = self._sy = self._sxx = self._sxy = 0.0
        self._x0: float | None = None
        self._y0 = 0.0
        self._prev: float | None = None
        self._skip = self.settle
        self._win_start = None
        self._best_x = self._best_y = 0.0

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
        if self._win_start is None:
            self._win_start = media_samples
            self._best_x, self._best_y = media_samples, accumulated
        elif accumulated > self._best_y:
            self._best_x, self._best_y = media_samples, accumulated
        if media_samples - self._win_start >= self.window:
            self._win_start = None
            self._point(self._best_x, self._best_y)

    def _point(self, x: float, y: float) -> None:
        prev = self._prev
        if prev is not None and abs(y - prev) > self.jump:
            self.break_segment()
        self._prev = y
        if self._skip > 0:
            self._skip -= 1
            return
        if self._x0 is None:  # keep the sums small for float precision
            self._x0, self._y0 = x, y
        x -= self._x0
        y -= self._y0
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
        if self._points < 5:
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
    ) -> None:
        self.target = target
        self.deadband = deadband
        self.far = far  # beyond deadband + far, correct twice as many samples a frame
        self.unit = step  # samples per correction: fewer, larger reshapes of a frame
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
        s = level if self.smoothed is None else self.smoothed + a * (level - self.smoothed)
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
