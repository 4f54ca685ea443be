"""Settings persist as TOML and a broken file never stops the app; paths honour overrides."""

from __future__ import annotations

from pathlib import Path

from bartype.storage import paths
from bartype.storage.settings import Settings, load_settings, save_settings


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    """No settings file: the defaults, and no warning."""
    assert load_settings(tmp_path / "none.toml") == (Settings(), [])


def test_round_trip(tmp_path: Path) -> None:
    """Saved settings load back equal, creating the folder."""
    settings = Settings(
        mode="words", words=50, punctuation=True, theme="textual-light", target_cpm=210.0
    )
    path = tmp_path / "deep" / "settings.toml"
    save_settings(settings, path)
    assert load_settings(path) == (settings, [])


def test_corrupt_file_warns_and_uses_defaults(tmp_path: Path) -> None:
    """A file that is not TOML gives the defaults and a warning naming the file."""
    path = tmp_path / "settings.toml"
    path.write_bytes(b"mode = [unclosed\n\xff")
    settings, warnings = load_settings(path)
    assert settings == Settings()
    assert len(warnings) == 1 and str(path) in warnings[0]


def test_bad_values_are_ignored_one_by_one(tmp_path: Path) -> None:
    """Wrong values fall back to their default; the good ones are kept."""
    path = tmp_path / "settings.toml"
    path.write_text('mode = "marathon"\nwords = -3\nduration = 60\npunctuation = "yes"\nfoo = 1\n')
    settings, warnings = load_settings(path)
    assert settings == Settings(duration=60.0)
    assert len(warnings) == 4


def test_paths_precedence(tmp_path: Path) -> None:
    """An explicit folder beats BARTYPE_HOME, which beats the platform folders."""
    env = {"BARTYPE_HOME": str(tmp_path / "home")}
    assert paths.config_dir(tmp_path / "c", env) == tmp_path / "c"
    assert paths.config_dir(None, env) == tmp_path / "home" / "config"
    assert paths.data_dir(None, env) == tmp_path / "home" / "data"
    assert paths.history_path(None, env) == tmp_path / "home" / "data" / paths.HISTORY_FILE
    assert paths.settings_path(None, env) == tmp_path / "home" / "config" / paths.SETTINGS_FILE
    assert paths.config_dir(None, {}).name == "bartype"


def test_paths_have_no_side_effects(tmp_path: Path) -> None:
    """Asking for a path creates nothing."""
    env = {"BARTYPE_HOME": str(tmp_path / "home")}
    paths.history_path(None, env)
    paths.settings_path(None, env)
    assert not (tmp_path / "home").exists()


def test_the_tutors_goal_is_checked_and_given_as_the_tutor_takes_it(tmp_path: Path) -> None:
    """A target speed or accuracy floor out of range (or not a number) falls back to
    keybr's default with a warning; a good one reaches the tutor as cpm and a fraction."""
    path = tmp_path / "settings.toml"
    path.write_text("target_cpm = 10\nmin_accuracy = true\n")
    settings, warnings = load_settings(path)
    assert settings.tutor_goal == (175.0, 0.92) and len(warnings) == 2
    path.write_text("target_cpm = 240\nmin_accuracy = 97\n")
    settings, warnings = load_settings(path)
    assert settings.tutor_goal == (240.0, 0.97) and warnings == []
    assert isinstance(settings.target_cpm, float)
