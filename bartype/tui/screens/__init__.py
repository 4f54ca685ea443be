"""Screens of the typing tutor: one per module, imported when first shown."""
