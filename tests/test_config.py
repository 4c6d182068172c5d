"""Settings: file and environment, one-line errors, tokens only from the environment, docs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import ConfigError, load_settings, settings_table

ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "briefbot.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_file_values_and_environment_overrides(tmp_path, monkeypatch):
    path = write(tmp_path, "[answers]\nmin_coverage = 0.7\nmax_bullets = 3\n")
    assert load_settings(path).answers.min_coverage == 0.7
    monkeypatch.setenv("BRIEFBOT_ANSWERS__MAX_BULLETS", "4")
    assert load_settings(path).answers.max_bullets == 4


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("[answers]\nmin_coverage = 7\n", r"answers\.min_coverage: .*less than or equal"),
        ("[answers]\nmax_bullets = 'many'\n", r"answers\.max_bullets"),
        ("[answers\n", r"not valid TOML"),
        ("[store]\nfrobnicate = 1\n", r"store\.frobnicate"),
        ("[telegram]\ntoken = 'x'\n", r"telegram\.token: tokens are read from the environment"),
    ],
)
def test_invalid_config_is_one_clear_line(tmp_path, text, pattern):
    with pytest.raises(ConfigError, match=pattern) as info:
        load_settings(write(tmp_path, text))
    assert "\n" not in str(info.value)


def test_a_typo_names_the_key_the_line_and_the_closest_setting(tmp_path, capsys):
    text = "# my settings\n[store]\nbundled_sources = true\n\n[answers]\nmax_bulets = 3\n"
    path = write(tmp_path, text)
    assert main(["sources", "--config", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        f"config error: unknown setting `answers.max_bulets` in {path} line 6 "
        "— did you mean `max_bullets`?"
    )
    assert "extra fields" not in err.lower()


def test_an_unknown_key_with_no_close_name_lists_the_known_ones(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_settings(write(tmp_path, "answers.zzz = 1\n"))
    assert str(info.value).startswith(f"unknown setting `answers.zzz` in {tmp_path}")
    assert "line 1" in str(info.value)
    assert "`max_bullets`" in str(info.value)


def test_cli_exits_2_on_bad_config_with_one_line(tmp_path, capsys):
    path = write(tmp_path, "[answers]\nmin_coverage = 'high'\n")
    assert main(["ask", "--config", str(path), "what does Kim want?"]) == 2
    err = capsys.readouterr().err.strip()
    assert "answers.min_coverage" in err
    assert len(err.splitlines()) == 1


def test_tokens_come_from_the_environment_and_are_never_printed(monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:secret-value")
    settings = load_settings(None)
    assert settings.tokens["telegram"].get_secret_value() == "123:secret-value"
    assert "secret-value" not in repr(settings)
    assert "secret-value" not in str(settings)


def test_every_setting_is_documented_in_config_example():
    example = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    sections = {}
    current = ""
    for line in example.splitlines():
        if match := re.match(r"^\[(\w+)\]", line):
            current = match.group(1)
        elif match := re.match(r"^#?\s*(\w+) = ", line):
            sections.setdefault(current, set()).add(match.group(1))
    documented = {f"{section}.{key}" for section, keys in sections.items() for key in keys}
    assert documented == {key for key, _ in settings_table()}
    assert all(description for _, description in settings_table())
    load_settings(ROOT / "config.example.toml")  # and the example itself is valid


def test_max_bullets_setting_limits_the_answer(tmp_path, capsys):
    path = write(tmp_path, "[answers]\nmax_bullets = 2\n")
    db = str(tmp_path / "b.sqlite3")
    assert main(["ask", "--config", str(path), "--db", db, "--json", "what does Kim want?"]) == 0
    assert len(json.loads(capsys.readouterr().out)["bullets"]) == 2
