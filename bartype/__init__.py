"""BARtype: a terminal typing tutor with an optional LAN server."""

__version__ = "0.1.0"
