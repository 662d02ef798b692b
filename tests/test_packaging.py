"""The package works when installed from a wheel, not only as an editable checkout.

A wheel is built from this checkout, installed into a fresh virtual environment outside the
repository (argostranslate with --no-deps, as the Makefile does), and that environment's
``publisher`` builds a brief with the test fixture from a temporary directory. If the
templates, stylesheets or fonts were left out of the package data, the render fails here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import FIXTURE_MODEL, REPO

# one worker builds the wheel once for the module's tests
pytestmark = [pytest.mark.slow, pytest.mark.wheel, pytest.mark.xdist_group("wheel")]

ARGOS = "argostranslate==1.11.0"  # the Makefile's pin


def _run(cmd, **kw):
    result = subprocess.run(cmd, capture_output=True, text=True, **kw)
    assert result.returncode == 0, f"{cmd[:3]} failed ({result.returncode}):\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A fresh venv with publisher installed from a wheel built from this checkout."""
    base = tmp_path_factory.mktemp("wheel")
    assert REPO not in base.parents, "the venv must live outside the repository"
    wheels = base / "dist"
    # Built from a copy: setuptools writes build/ and *.egg-info/ into the folder it builds.
    source = base / "source"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(".git", ".venv*", "out", "build", "*.egg-info", "__pycache__", ".pytest_cache", ".hypothesis", "bench-tmp"))
    pip = [sys.executable, "-m", "pip"]
    _run([*pip, "wheel", str(source), "--no-deps", "--quiet", "-w", str(wheels)], timeout=600)
    (wheel,) = wheels.glob("publisher-*.whl")
    venv = base / "venv"
    # The base interpreter, not this venv's: the new environment must not see this one's packages.
    _run([getattr(sys, "_base_executable", sys.executable), "-m", "venv", str(venv)], timeout=300)
    vpip = [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check"]
    _run([*vpip, "install", "--quiet", str(wheel)], timeout=900)
    _run([*vpip, "install", "--quiet", "--no-deps", ARGOS], timeout=300)
    return venv


def test_the_wheel_carries_templates_css_and_fonts(installed):
    py = installed / "bin" / "python"
    code = (
        "import publisher.render as r, publisher.desk as d, pathlib;"
        "print(r.TEMPLATES_DIR);"
        "print(sorted(p.name for p in r.TEMPLATES_DIR.rglob('*') if p.is_file()))"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}  # the installed package, not this checkout
    out = _run([str(py), "-c", code], cwd=installed, env=env).stdout.splitlines()
    where = Path(out[0])
    assert REPO not in where.parents and installed in where.parents, f"templates found at {where}, not in the installed package"
    names = set(eval(out[1]))  # a list literal printed by the child
    assert {"brief.html.j2", "brief_pdf.html.j2", "index.html.j2", "print.css", "fonts.css", "BriefGothic-Regular.ttf", "OFL.txt"} <= names
    assert "make_fonts.py" not in names  # a maintainer tool, not package data


def test_the_installed_wheel_builds_a_brief_from_a_temporary_directory(installed, tmp_path):
    work = tmp_path / "work"
    inbox = work / "articles"
    inbox.mkdir(parents=True)
    # Corpus sentences of the fixture (tests/fixture/corpus.tsv): a title and a body line.
    (inbox / "seoul.ko.txt").write_text("OpenAI는 서울에 새 사무소를 열었다.\n\nOpenAI는 한국에서 사용자가 빠르게 늘고 있다고 밝혔다.\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{installed / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    exe = str(installed / "bin" / "publisher")
    result = _run([exe, "brief", "articles", "-o", "out", "--model", str(FIXTURE_MODEL)], cwd=work, env=env, timeout=600)
    folder = work / "out" / "seoul"
    assert {"brief.html", "editor.html", "brief.pdf", "brief.json"} <= {p.name for p in folder.iterdir()}
    assert (folder / "brief.pdf").read_bytes().startswith(b"%PDF-")
    assert "Test model, not a translation" in (folder / "brief.html").read_text(encoding="utf-8")
    data = json.loads((folder / "brief.json").read_text(encoding="utf-8"))["data"]
    assert any(n.startswith("Test model, not a translation") for n in data["notices"])
    assert (work / "out" / "assets" / "fonts" / "BriefGothic-Regular.ttf").is_file()
    assert (work / "out" / "index.html").is_file()
    assert "Traceback" not in result.stderr

    # The installed entry point answers --help quickly (best of three; the budget is 0.5 s).
    times = []
    for _ in range(3):
        start = time.perf_counter()
        _run([exe, "--help"], cwd=work, env=env, timeout=60)
        times.append(time.perf_counter() - start)
    assert min(times) < 0.5, f"installed publisher --help took {min(times):.2f}s"
