"""Practice partner: a simulated prospect (a SIP peer process speaking a branching script)
that the rep calls to rehearse; the practice call lands in the library marked as practice.

script (the YAML scripts, validated), peer (the prospect's process), run (one practice call:
the peer, the rep's call through the EngineClient, the live pipeline, storage through the
single writer), cli (`practice SCRIPT`, registered by the app). Its Qt view is
calling/ui/practice_view.py."""
