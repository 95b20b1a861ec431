"""Practice partner: a simulated prospect (a SIP peer process speaking a branching script)
that the rep calls to rehearse; the practice call lands in the library marked as practice."""
