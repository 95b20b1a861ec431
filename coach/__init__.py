"""Coach core: transcription (Vosk), rule packs, the live coach, metrics, scorecards and the
call library. Never imports Qt outside coach/ui/, never imports softphone/."""
