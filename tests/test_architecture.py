"""The layer contract of docs/architecture.md and the size of its modules, checked as part
of the suite."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_import_contract_holds() -> None:
    """Layers point down, core and protocol import no asyncio, and no package has a cycle."""
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint is not None, "import-linter is a test extra: pip install -e '.[test]'"
    done = subprocess.run(
        [lint, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr


MAX_MODULE_LINES = 500
"""A module longer than this holds more than one concern: split it along its seams."""


def test_no_module_is_over_500_lines() -> None:
    """Every module of the package stays at 500 lines or fewer."""
    sizes = {
        str(path.relative_to(ROOT)): len(path.read_text(encoding="utf-8").splitlines())
        for path in (ROOT / "bartype").rglob("*.py")
    }
    assert len(sizes) > 100  # the package was found
    over = {name: lines for name, lines in sizes.items() if lines > MAX_MODULE_LINES}
    assert over == {}
