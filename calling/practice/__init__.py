"""Practice partner: a simulated prospect (a SIP peer process speaking a branching script)
that the rep calls to rehearse; the practice call lands in the library marked as practice.

script (the YAML scripts, validated), peer (the prospect's process), run (one practice call:
the peer, and the rep's call to it as a CallSession — live pipeline, recording, storage
through the single writer — like any call), rows (what marks the call as practice, as writer
jobs), cli (`practice SCRIPT`, registered by the app). Its Qt view is
calling/ui/practice_view.py."""
