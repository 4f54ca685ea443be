"""Where BARtype keeps its files, computed when asked (never at import).

Precedence, highest first: an explicit directory (``--data-dir`` /
``--config-dir``), the ``BARTYPE_HOME`` environment variable (``$BARTYPE_HOME/data``
and ``$BARTYPE_HOME/config``), then the platform's user directories.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

APP_NAME = "bartype"
HOME_ENV = "BARTYPE_HOME"
SETTINGS_FILE = "settings.toml"
HISTORY_FILE = "history.sqlite3"


def _home(environ: Mapping[str, str] | None) -> Path | None:
    value = (os.environ if environ is None else environ).get(HOME_ENV, "").strip()
    return Path(value).expanduser() if value else None


def config_dir(override: Path | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """The folder for settings."""
    if override is not None:
        return override.expanduser()
    home = _home(environ)
    if home is not None:
        return home / "config"
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def data_dir(override: Path | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """The folder for local history."""
    if override is not None:
        return override.expanduser()
    home = _home(environ)
    if home is not None:
        return home / "data"
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def settings_path(config: Path | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """The settings file (it may not exist yet)."""
    return config_dir(config, environ) / SETTINGS_FILE


def history_path(data: Path | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """The local SQLite history (it may not exist yet)."""
    return data_dir(data, environ) / HISTORY_FILE
