"""benchmarks/charts.py, the command the README gives to redraw its speed charts: `--help` answers without drawing
(or needing matplotlib), and a chart draws the results the README's commands write, not the runs kept beside them."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_help_draws_nothing(tmp_path: Path) -> None:
    (tmp_path / "benchmarks").mkdir()
    (tmp_path / "docs").mkdir()
    shutil.copy(ROOT / "benchmarks" / "charts.py", tmp_path / "benchmarks" / "charts.py")
    shutil.copytree(ROOT / "benchmarks" / "results", tmp_path / "benchmarks" / "results")
    done = subprocess.run([sys.executable, str(tmp_path / "benchmarks" / "charts.py"), "--help"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: charts.py")
    assert list((tmp_path / "docs").iterdir()) == []


def test_charts_draw_the_files_the_readme_commands_write(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("charts", ROOT / "benchmarks" / "charts.py")
    assert spec is not None and spec.loader is not None
    charts = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(charts)
    for name in ("http-1m.json", "http-1m-3ec74b5.json", "http-100k.json", "engine-1m-zipf.json",
                 "engine-100k-real.json", "engine-1m-zipf-old.json", "index-size-1m.json"):
        (tmp_path / name).write_text("{}")
    assert [path.name for path in charts.drawn("http", tmp_path)] == ["http-100k.json", "http-1m.json"]
    assert [path.name for path in charts.drawn("engine", tmp_path)] == ["engine-100k-real.json", "engine-1m-zipf.json"]
