"""Composition layer used by main.py: lifecycle, wiring softphone events and audio taps into
the coach, the Qt bridge and the main window that composes the packages' panels."""
