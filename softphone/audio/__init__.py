"""Real-time headset audio for the softphone engine: lock-free sample rings, the shared-memory
taps that carry both call channels to the app, the PortAudio headset streams, the bridge between
the headset (or a file, or silence) and the pjsua2 media port, the stereo call recorder, and
device listing, level meter and test tone."""
