"""What the live coach says as a call goes, as typed events (STYLE.md 3).

`FlagRaised` carries a flag the rep may see; `PositiveMarked` a good move counted in the rep's
favour (an open or probing question). `LiveCoach.on_utterance`, `on_tick` and `on_finish`
return them in the order they happened; calling/ adds the call they belong to and publishes
them to its listeners. Which kinds the rep sees live is the coach panel's choice, not the
coach's: every flag is an event.
"""

from __future__ import annotations

from dataclasses import dataclass

from coach.results import PositiveMark
from coach.types import Flag


@dataclass(frozen=True)
class FlagRaised:
    flag: Flag


@dataclass(frozen=True)
class PositiveMarked:
    mark: PositiveMark


CoachEvent = FlagRaised | PositiveMarked
