"""publisher init: a newsroom folder that builds as it is, whose publisher.toml is the schema's defaults, never overwriting."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import FIXTURE_MODEL
from publisher.cli import cli
from publisher.config import CONFIG_NAME, Settings, load_config
from publisher.newsroom import SAMPLE_NAME, config_template

FILES = (CONFIG_NAME, f"articles/{SAMPLE_NAME}", "templates/README.md", "templates/brief.html.j2.example", ".gitignore")


def _tree(root: Path) -> dict[str, tuple[int, bytes]]:
    return {str(p.relative_to(root)): (p.stat().st_mtime_ns, p.read_bytes()) for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def newsroom(tmp_path_factory):
    """A folder made by ``publisher init``: (folder, the command's result, its files as made)."""
    folder = tmp_path_factory.mktemp("init") / "newsroom"
    init = CliRunner().invoke(cli, ["init", str(folder)])
    assert init.exit_code == 0, init.output + init.stderr
    return folder, init, _tree(folder)


def test_init_makes_every_file_of_a_newsroom(newsroom):
    folder, init, made = newsroom
    assert sorted(made) == sorted(FILES)
    for rel in FILES:
        assert f"created {folder / rel}" in init.output
    assert (folder / ".gitignore").read_text().splitlines()[-1] == "out/"
    article = (folder / "articles" / SAMPLE_NAME).read_text(encoding="utf-8")
    front, body = article.split("---\n")[1:3]
    assert {line.split(":")[0] for line in front.splitlines()} >= {"title", "date", "author"}
    assert 6 <= body.count("다.") <= 10
    readme = (folder / "templates" / "README.md").read_text()
    assert "override" in readme and "templates/static/" in readme
    example = (folder / "templates" / "brief.html.j2.example").read_text()
    assert example.startswith("{#-") and "rename this file to brief.html.j2" in example


@pytest.mark.slow
@pytest.mark.fixture_model
def test_init_then_brief_in_the_folder_builds_the_sample(tmp_path, monkeypatch):
    folder = tmp_path / "newsroom"
    assert CliRunner().invoke(cli, ["init", str(folder)]).exit_code == 0
    monkeypatch.chdir(folder)  # no --config and no ARTICLES: ./publisher.toml and its [paths].inbox
    built = CliRunner().invoke(cli, ["brief", "--model", str(FIXTURE_MODEL)])
    assert built.exit_code == 0, built.output + built.stderr
    assert f"built {folder / 'out' / 'sample'}/brief.pdf" in built.output
    assert (folder / "out" / "sample" / "brief.pdf").stat().st_size > 0
    assert (folder / "out" / "index.html").is_file() and (folder / "out" / "feed.xml").is_file()
    assert "sample" in (folder / "out" / "feed.xml").read_text()


def test_init_twice_changes_nothing_and_names_what_it_kept(newsroom, tmp_path):
    folder, _, made = newsroom
    before = {k: v for k, v in _tree(folder).items() if k in made}
    again = CliRunner().invoke(cli, ["init", str(folder)])
    assert again.exit_code == 0, again.stderr
    assert {k: v for k, v in _tree(folder).items() if k in made} == before
    lines = again.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kept as they were (never overwritten): ")
    assert all(str(folder / rel) in lines[0] for rel in FILES)


def test_init_never_overwrites_an_editors_file(tmp_path):
    folder = tmp_path / "desk"
    (folder / "articles").mkdir(parents=True)
    (folder / CONFIG_NAME).write_text('[site]\nname = "Ours"\n')
    result = CliRunner().invoke(cli, ["init", str(folder)])
    assert result.exit_code == 0
    assert (folder / CONFIG_NAME).read_text() == '[site]\nname = "Ours"\n'
    assert f"kept as they were (never overwritten): {folder / CONFIG_NAME}" in result.output
    assert (folder / "articles" / SAMPLE_NAME).is_file()


def test_init_into_a_file_is_one_error_line(tmp_path):
    target = tmp_path / "taken"
    target.write_text("not a folder")
    proc = subprocess.run([sys.executable, "-m", "publisher.cli", "init", str(target)], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])})
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [f"Error: {target} is a file, not a folder; give 'publisher init' a new or existing folder"]
    assert target.read_text() == "not a folder"


def test_the_generated_toml_uncommented_is_valid_and_is_the_defaults(tmp_path):
    text = config_template()
    keys = re.findall(r"^# ([a-z_]+) = ", text, flags=re.M)
    every = [f"{s}.{k}" for s, f in Settings.model_fields.items() for k in f.annotation.model_fields]
    assert len(keys) == len(every)  # every key is there, once
    (tmp_path / CONFIG_NAME).write_text(re.sub(r"^# ([a-z_]+ = )", r"\1", text, flags=re.M), encoding="utf-8")
    (tmp_path / "empty.toml").write_text("")
    loaded = load_config(tmp_path / CONFIG_NAME, environ={})
    assert loaded.settings == load_config(tmp_path / "empty.toml", environ={}).settings
    assert all(source.startswith(f"{tmp_path / CONFIG_NAME}:") for _, _, source in loaded.effective())
    # every explanation line is a comment, so the file as written is valid TOML with empty sections
    assert tomllib.loads(text) == {s: {} for s in Settings.model_fields}
