"""Widgets of the typing tutor: each in its own module, imported where used."""
