"""The README's configuration table is the settings model (qa/config.py): every setting a row with its variable, its
flag (when a command takes one) and its default, and no row for a setting that does not exist."""

from __future__ import annotations

import re
from pathlib import Path

import typer.main

from qa.cli.app import app
from qa.config import Settings

README = Path(__file__).resolve().parent.parent / "README.md"


def _table() -> dict[str, tuple[str, str]]:
    """`QA_X` -> (flag, default) from the rows of the README's Configuration table."""
    section = README.read_text(encoding="utf-8").split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) >= 4 and cells[0].startswith("`QA_"):
            rows[cells[0].strip("`")] = (cells[1].strip("`"), cells[2])
    return rows


def _flags() -> set[str]:
    command = typer.main.get_command(app)
    return {option for sub in command.commands.values() for param in sub.params for option in param.opts}


def _shown(default: object) -> str:
    """A default as the README writes it."""
    if default is None:
        return "unset"
    if isinstance(default, bool):
        return str(default).lower()
    if isinstance(default, float) and default.is_integer():
        return f"{default:g}"
    return str(default)


def test_every_setting_has_its_row_flag_and_default() -> None:
    rows, flags = _table(), _flags()
    for name, field in Settings.model_fields.items():
        variable = f"QA_{name.upper()}"
        assert variable in rows, f"{variable} is not in the README's configuration table"
        flag, default = rows[variable]
        option = "--" + name.replace("_", "-")
        assert flag == (option if option in flags else ""), variable
        if name == "index_dir":
            assert default == "`~/.cache/qa/<folder>-<hash>`"
        elif name == "cors_origins":
            assert default.startswith("empty")
        else:
            written = re.sub(r"[`,]", "", default)
            assert written in (_shown(field.default), str(field.default)), f"{variable}: {default}"


def test_no_row_for_a_setting_that_does_not_exist() -> None:
    known = {f"QA_{name.upper()}" for name in Settings.model_fields} | {"QA_VERBOSE"}  # QA_VERBOSE: qa/logs.py
    assert set(_table()) - known == set()
