"""One meaning per option name, help on every option, the commands grouped for an editor (issue 24)."""

from __future__ import annotations

import json

import click
import pytest
from click.testing import CliRunner

from publisher.cli import PublisherGroup, cli
from publisher.cli.options import SUMMARY_COUNT


def _walk(group: click.Group, prefix=()):
    for name, cmd in sorted(group.commands.items()):
        yield prefix + (name,), cmd
        if isinstance(cmd, click.Group):
            yield from _walk(cmd, prefix + (name,))


COMMANDS = [(" ".join(path), cmd) for path, cmd in _walk(cli)]
OPTIONS = [(name, p) for name, cmd in COMMANDS for p in cmd.params if isinstance(p, click.Option) and not p.hidden]


@pytest.mark.parametrize("name,cmd", COMMANDS, ids=[n for n, _ in COMMANDS])
def test_every_command_has_help(name, cmd):
    assert (cmd.help or "").strip(), f"'publisher {name}' has no help text"


@pytest.mark.parametrize("name,param", OPTIONS, ids=[f"{n} {p.opts[0]}" for n, p in OPTIONS])
def test_every_option_has_help(name, param):
    assert (param.help or "").strip(), f"'publisher {name} {param.opts[0]}' has no help text"


def test_each_option_name_has_one_meaning():
    """-o/--out is a folder wherever it is shown; a file to write is --output FILE; --count is
    the same range everywhere."""
    for name, p in OPTIONS:
        if "-o" in p.opts or "--out" in p.opts:
            assert isinstance(p.type, click.Path) and not p.type.file_okay and p.opts == ["-o", "--out"], f"{name}: -o is a folder"
        if "--output" in p.opts:
            assert isinstance(p.type, click.Path) and not p.type.dir_okay and p.opts == ["--output"], f"{name}: --output is a file"
        if p.name == "count":
            assert (p.type.min, p.type.max) == (SUMMARY_COUNT.min, SUMMARY_COUNT.max), name
            assert p.help.startswith("Summary sentences, 1-20 "), name


@pytest.fixture
def translated(tmp_path):
    from publisher.document import document, to_dict
    from render_samples import sample_brief

    brief = sample_brief()
    path = tmp_path / "a.en.json"  # what 'publisher translate' writes: the article and its model
    path.write_text(json.dumps({**document("article", brief.article), "model": to_dict(brief.model)}), encoding="utf-8")
    return path


def test_summarize_writes_to_output_file(tmp_path, translated):
    target = tmp_path / "brief.json"
    result = CliRunner().invoke(cli, ["summarize", str(translated), "--output", str(target), "--count", "2"])
    assert result.exit_code == 0, result.output
    assert json.loads(target.read_text(encoding="utf-8"))["publisher"] == "brief"
    assert "Warning" not in result.output


def test_the_old_dash_o_file_still_works_for_a_release_with_a_warning(tmp_path, translated):
    target = tmp_path / "old.json"
    result = CliRunner().invoke(cli, ["summarize", str(translated), "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert json.loads(target.read_text(encoding="utf-8"))["publisher"] == "brief"
    assert "Warning: '-o FILE' is now '--output FILE'" in result.output
    help_text = CliRunner().invoke(cli, ["translate", "--help"]).output
    assert "--output FILE" in help_text and "-o," not in help_text


def test_top_level_help_lists_editor_commands_first_and_stage_commands_under_their_own_heading():
    out = CliRunner().invoke(cli, ["--help"]).output
    editor, service, setup, stages = (out.index(title) for title, _ in PublisherGroup.SECTIONS)
    assert editor < service < setup < stages
    assert out.index("  brief ") > editor and out.index("  brief ") < setup
    assert out.index("  segment ") > stages and out.index("  render ") > stages
    assert "Other commands" not in out  # every command is placed
