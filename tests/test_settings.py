import re
from pathlib import Path

import pytest

from ecokg.settings import SETTINGS, Settings

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.name)
def test_every_setting_is_documented_in_readme_with_its_default(setting):
    row = re.search(rf"^\| `{re.escape(setting.flag)}` \| `{setting.envvar}` \| ([^|]*) \|.*$", README, re.M)
    assert row, f"README.md's settings table lacks {setting.flag} / {setting.envvar}"
    assert row.group(1).strip() == setting.shown_default, (
        f"README.md gives {setting.flag} the default {row.group(1).strip()}, the code {setting.shown_default}")


def test_defaults_are_the_settings_defaults():
    s = Settings()
    for setting in SETTINGS:
        assert getattr(s, setting.name) == setting.default


def test_secrets_are_not_printed():
    s = Settings(load_password="hunter2")
    assert "hunter2" not in repr(s.describe())


def test_environment_then_overrides():
    s = Settings.from_env({"ECOKG_PORT": "9000", "ECOKG_TIMEOUT": "2.5", "ECOKG_DATA": "a.ttl b.nt"})
    assert (s.port, s.timeout, s.data) == (9000, 2.5, ("a.ttl", "b.nt"))
    s = Settings.from_env({"ECOKG_PORT": "9000"}, port=9100, max_rows="7")
    assert (s.port, s.max_rows) == (9100, 7)


def test_base_uri_gets_trailing_slash():
    assert Settings(base_uri="http://example.org/kg").base_uri == "http://example.org/kg/"


def test_unknown_setting_is_refused():
    with pytest.raises(TypeError):
        Settings.from_env({}, colour="red")
