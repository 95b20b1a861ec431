"""A small Qt kit shared by the ui/ folders (softphone/ui, coach/ui, calling/ui) and app/.

It holds widget helpers that would otherwise be copied across packages that may not import
each other: the settings-page layout (`uikit.forms`). It imports Qt and nothing of the
project, and nothing outside a ui/ folder or app/ imports it (tests/test_arch_house_rules.py).
"""
