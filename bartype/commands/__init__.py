"""Commands that print to the terminal: ``bartype stats`` and ``bartype history``.

Beside the TUI and the server, and like them called by ``bartype.cli``: each
reads the local history (``bartype.storage``), computes with ``bartype.core``
and renders with Rich. Everything read from the history file is data: it is
shown as ``rich.text.Text`` through ``bartype.core.normalize.visible``.
"""
