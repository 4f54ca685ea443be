"""The core imports without the UI or network libraries (it is headless)."""

from __future__ import annotations

import subprocess
import sys


def test_core_imports_without_textual_or_websockets() -> None:
    """Importing every core module loads neither textual nor websockets."""
    code = (
        "import sys, bartype.core.analyzer, bartype.core.metrics, bartype.core.session, "
        "bartype.core.state, bartype.core.keystrokes, bartype.core.tutor, bartype.core.ngram, "
        "bartype.core.layouts; "
        "print('textual' in sys.modules or 'websockets' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_help_is_fast_to_import() -> None:
    """`bartype --help` does not import textual or websockets."""
    code = (
        "import sys, contextlib, io\n"
        "from bartype.cli import main\n"
        "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['--help'])\n"
        "print('textual' in sys.modules or 'websockets' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
