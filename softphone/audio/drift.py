"""Clock drift between the headset (PortAudio) and the SIP media clock (pjsua2): measured and
corrected on the media-clock side, never in the PortAudio callback.

``DriftEstimator`` fits a least-squares line through (media samples elapsed, device samples
minus media samples) — the ring level plus the corrections made so far — so the ring's
block-sized sawtooth averages out; the slope is the device clock's offset in ppm (positive:
the headset runs fast).

``DriftController`` keeps a ring's smoothed fill level inside a band around a target by asking
for a one-sample correction on a 20 ms frame: the frame is then linearly re-interpolated from
319 or 321 samples to 320 (a 0.3 % pitch change for 20 ms: no click, inaudible). One sample
per frame corrects up to 3,000 ppm, far beyond real crystals (±100 ppm); when the level is more
than a device block off (a start-up transient, PulseAudio's delivery wobbling by a few ms) it
corrects two samples a frame.
"""

from __future__ import annotations

import numpy as np


class DriftEstimator:
    """Running least-squares slope of accumulated clock difference over media samples."""

    def __init__(self, warmup_samples: int = 32000) -> None:
        self.warmup = warmup_samples  # ignore start-up transients (priming, first blocks)
        self.reset()

    def reset(self) -> None:
        self._n = 0
        self._sx = self._sy = self._sxx = self._sxy = 0.0
        self._x0: float | None = None

    def add(self, media_samples: int, accumulated: float) -> None:
        """``accumulated``: device samples minus media samples since start (level + net fixes)."""
        if media_samples < self.warmup:
            return
        if self._x0 is None:
            self._x0 = float(media_samples)
        x = media_samples - self._x0  # keep the sums small for float precision
        self._n += 1
        self._sx += x
        self._sy += accumulated
        self._sxx += x * x
        self._sxy += x * accumulated

    @property
    def ppm(self) -> float | None:
        n = self._n
        if n < 50:
            return None
        den = n * self._sxx - self._sx * self._sx
        if den <= 0:
            return None
        return (n * self._sxy - self._sx * self._sy) / den * 1e6


class DriftController:
    """Decides, once per frame, how many samples to drop (-1, -2), insert (+1, +2) or 0."""

    def __init__(
        self, target: float, deadband: float, alpha: float = 1 / 32, far: float = 160
    ) -> None:
        self.target = target
        self.deadband = deadband
        self.far = far  # beyond deadband + far, correct two samples a frame instead of one
        self.alpha = alpha
        self.smoothed: float | None = None
        self._seen = 0
        self.inserted = 0
        self.dropped = 0

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
            step = -2 if err > self.deadband + self.far else -1
            self.dropped -= step
        elif err < -self.deadband:
            step = 2 if err < -self.deadband - self.far else 1
            self.inserted += step
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
