"""publisher.toml through the real commands: errors before any work, the sources of each value,
the precedence (option > environment variable > file > default), and the generated reference page."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import FIXTURE_MODEL
from publisher.cli import cli
from publisher.config import ENVIRONMENT, Config, Settings, applied, load_config

REPO = Path(__file__).resolve().parents[1]

# Written for these tests: two short articles, so the feed's size can be seen.
ARTICLE = """---
title: {title}
date: 2026-0{month}-02
author: 한지민
---

{body}
"""
BODIES = {
    "library": ("도서관, 밤까지 연다", 3, "시립도서관이 다음 달부터 밤 10시까지 문을 연다. 주민 설문에서 70%가 저녁 운영을 원했다."),
    "market": ("전통시장에 주차장 생긴다", 4, "구청이 전통시장 옆에 주차장을 짓는다. 공사는 올해 가을에 끝난다."),
}


def _run(args, env=None, **kw):
    """A real ``publisher`` process: (exit code, stdout, stderr)."""
    full = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    proc = subprocess.run([sys.executable, "-m", "publisher.cli", *args], capture_output=True, text=True, env=full, timeout=120, **kw)
    return proc.returncode, proc.stdout, proc.stderr


def _invoke(args, env=None):
    return CliRunner().invoke(cli, args, env=env)


def _tree(root: Path) -> dict[str, tuple[int, bytes]]:
    return {str(p.relative_to(root)): (p.stat().st_mtime_ns, p.read_bytes()) for p in sorted(root.rglob("*")) if p.is_file()}


def _one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), stderr
    assert "Traceback" not in stderr
    return lines[0]


# ----------------------------------------------------------------------------- errors before any work


BAD_FILES = {
    "unknown key": ('[site]\nname = "Ours"\n\n[build]\nvoice = "calm"\n', 5, "unknown key build.voice"),
    "misspelt key": ('[site]\nname = "Ours"\nfeed_entires = 20\n', 3, "unknown key site.feed_entires; did you mean 'feed_entries'?"),
    "wrong type": ('[site]\nname = "Ours"\n\n[build]\nlayout = "columns"\nbeam = "four"\n', 6, "build.beam: should be a valid integer (got 'four')"),
    "bad URL": ('# our site\n[site]\nbase_url = "javascript:alert(1)"\n', 3, "site.base_url: "),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_bad_config_is_one_line_with_file_and_line_and_nothing_is_built(case, tmp_path):
    text, line, message = BAD_FILES[case]
    config = tmp_path / "publisher.toml"
    config.write_text(text)
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "a.ko.md").write_text(ARTICLE.format(title="제목", month=3, body="한 문장이다."), encoding="utf-8")
    result = _invoke(["--config", str(config), "brief", str(tmp_path / "articles"), "--model", str(FIXTURE_MODEL), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    err = _one_error_line(result.stderr)
    assert err.startswith(f"Error: {config}:{line}: ") and message in err, err
    assert not (tmp_path / "out").exists()


def test_a_bad_config_through_a_process_found_in_the_working_directory(tmp_path):
    (tmp_path / "publisher.toml").write_text('[paths]\nout = "site"\n[sitee]\nname = "x"\n')
    code, out, err = _run(["brief"], cwd=tmp_path)
    assert code == 2 and out == ""
    assert _one_error_line(err) == f"Error: {tmp_path / 'publisher.toml'}:3: unknown section [sitee]; did you mean 'site'?"
    assert not (tmp_path / "site").exists()


def test_help_never_reads_the_config_nor_imports_pydantic(tmp_path):
    (tmp_path / "publisher.toml").write_text("[nonsense\n")
    code, out, _ = _run(["brief", "--help"], cwd=tmp_path)
    assert code == 0 and "ARTICLES" in out
    probe = "import sys, publisher.cli; print('pydantic' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)}).stdout.strip() == "False"


# ----------------------------------------------------------------------------- publisher config


def test_config_shows_each_value_and_where_it_came_from(tmp_path):
    config = tmp_path / "publisher.toml"
    config.write_text('[site]\nname = "Seoul Desk"\n\n[paths]\nout = "public"\n')
    env = {"PUBLISHER_FEED_ENTRIES": "7", "PUBLISHER_CONFIG": ""}
    text = _invoke(["--config", str(config), "config"], env=env)
    assert text.exit_code == 0, text.stderr
    rows = {line.split()[0]: line for line in text.output.splitlines() if not line.startswith("#")}
    assert rows["site.name"].endswith(f"# {config}:2") and '"Seoul Desk"' in rows["site.name"]
    assert rows["paths.out"].endswith(f"# {config}:5") and str(tmp_path / "public") in rows["paths.out"]
    assert rows["site.feed_entries"].endswith("# PUBLISHER_FEED_ENTRIES")
    assert rows["site.accent"].endswith("# default")
    assert len(rows) == sum(len(f.annotation.model_fields) for f in Settings.model_fields.values())
    as_json = json.loads(_invoke(["--config", str(config), "config", "--json"], env=env).output)
    assert as_json["file"] == str(config)
    assert as_json["settings"]["site.feed_entries"] == {"value": 7, "source": "PUBLISHER_FEED_ENTRIES"}
    assert as_json["settings"]["build.beam"] == {"value": None, "source": "default"}


def test_the_config_option_beats_the_environment_variable(tmp_path):
    (tmp_path / "a.toml").write_text('[site]\nname = "A"\n')
    (tmp_path / "b.toml").write_text('[site]\nname = "B"\n')
    env = {"PUBLISHER_CONFIG": str(tmp_path / "b.toml")}
    assert json.loads(_invoke(["config", "--json"], env=env).output)["settings"]["site.name"]["value"] == "B"
    chosen = json.loads(_invoke(["--config", str(tmp_path / "a.toml"), "config", "--json"], env=env).output)
    assert chosen["settings"]["site.name"] == {"value": "A", "source": f"{tmp_path / 'a.toml'}:2"}


def test_the_configuration_page_is_what_the_schema_generates():
    page = REPO / "docs" / "configuration.md"
    assert page.read_text(encoding="utf-8") == _invoke(["config", "--markdown"]).output, "run: publisher config --markdown > docs/configuration.md"
    for section, f in Settings.model_fields.items():
        for name, key in f.annotation.model_fields.items():
            assert key.description, f"{section}.{name} needs a description (publisher init and the docs show it)"


def test_the_options_defaults_are_the_schemas():
    """--help shows the option's default; the command falls back to the schema's: they agree."""
    from publisher.config import BuildConfig, PathsConfig
    from publisher.feed import MAX_FEED_ENTRIES
    from publisher.config import SiteConfig

    brief = cli.commands["brief"]
    defaults = {p.name: p.default for p in brief.params}
    assert defaults["out_dir"] == PathsConfig().out and defaults["layout"] == BuildConfig().layout
    assert not any(p.required for p in brief.params if p.name == "articles")
    assert [m.le for m in SiteConfig.model_fields["feed_entries"].metadata if hasattr(m, "le")] == [MAX_FEED_ENTRIES]


def test_applied_sets_what_the_file_set_and_puts_the_environment_back(tmp_path):
    (tmp_path / "publisher.toml").write_text('[paths]\ncache = "c"\nmodels = "m"\n[site]\nfeed_entries = 3\n')
    environ = {"PUBLISHER_FEED_ENTRIES": "9"}
    config = load_config(tmp_path / "publisher.toml", environ=environ)
    with applied(config, environ):
        assert environ == {"PUBLISHER_FEED_ENTRIES": "9", "PUBLISHER_CACHE_DIR": str(tmp_path / "c"), "PUBLISHER_MODELS_DIR": str(tmp_path / "m")}
    assert environ == {"PUBLISHER_FEED_ENTRIES": "9"}
    assert isinstance(config, Config) and config.site.feed_entries == 9


# ----------------------------------------------------------------------------- a built newsroom

# The tests below share one built newsroom (one worker builds it once). They run the fixture model
# but assert nothing it writes (only where files go, the feed's size and base, exit codes and error
# lines), so they do not carry ``fixture_model``: the GENERIC pass of make test would repeat the
# build for nothing.
def BUILT(test):
    return pytest.mark.slow(pytest.mark.xdist_group("config-newsroom")(test))


@pytest.fixture(scope="module")
def newsroom(tmp_path_factory):
    """A folder with publisher.toml naming the fixture model, two articles, built once."""
    root = tmp_path_factory.mktemp("newsroom")
    (root / "articles").mkdir()
    for slug, (title, month, body) in BODIES.items():
        (root / "articles" / f"{slug}.ko.md").write_text(ARTICLE.format(title=title, month=month, body=body), encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PUBLISHER_CACHE_DIR", str(root.parent / "cache"))
        mp.setenv("ARGOS_PACKAGES_DIR", str(root.parent / "packages"))
        mp.setenv("XDG_DATA_HOME", str(root.parent / "data"))
        _write_config(root)
        result = _invoke(["--config", str(root / "publisher.toml"), "brief"])
    assert result.exit_code == 0, result.output + result.stderr
    return root


def _write_config(root: Path, extra: str = "") -> Path:
    path = root / "publisher.toml"
    path.write_text(f'[build]\nmodel = "{FIXTURE_MODEL}"\n{extra}', encoding="utf-8")
    return path


def _feed(root: Path) -> str:
    return (root / "out" / "feed.xml").read_text(encoding="utf-8")


@BUILT
@pytest.mark.parametrize("value", ["99999999999999999999", "0", "-5", "abc"])
def test_a_bad_feed_size_stops_brief_before_any_work(newsroom, value):
    """Issue 25: checked with the schema's range before any brief or index is written (the first
    value was an OverflowError after index.html was written). One value runs as a process."""
    config = _write_config(newsroom)
    before = _tree(newsroom / "out")
    args = ["--config", str(config), "brief", "--model", str(FIXTURE_MODEL), "--force"]
    env = {"PUBLISHER_FEED_ENTRIES": value}
    if value == "99999999999999999999":
        code, out, err = _run(args, env=env)
    else:
        result = _invoke(args, env=env)
        code, out, err = result.exit_code, result.stdout, result.stderr
    assert code == 2 and out == ""
    assert _one_error_line(err).startswith(f"Error: PUBLISHER_FEED_ENTRIES={value!r} should be ")
    assert _tree(newsroom / "out") == before


@BUILT
def test_feed_entries_from_the_file_and_the_environment_variable_beats_it(newsroom):
    config = _write_config(newsroom, "[site]\nfeed_entries = 1\n")
    assert _invoke(["--config", str(config), "brief"]).exit_code == 0
    assert _feed(newsroom).count("<entry>") == 1
    assert _invoke(["--config", str(config), "brief"], env={"PUBLISHER_FEED_ENTRIES": "2"}).exit_code == 0
    assert _feed(newsroom).count("<entry>") == 2


@BUILT
def test_site_url_from_the_file_and_the_environment_variable_beats_it(newsroom):
    config = _write_config(newsroom, '[site]\nbase_url = "https://file.example/briefs"\n')
    assert _invoke(["--config", str(config), "brief"]).exit_code == 0
    assert 'xml:base="https://file.example/briefs/"' in _feed(newsroom)
    assert _invoke(["--config", str(config), "brief"], env={"PUBLISHER_SITE_URL": "https://env.example/"}).exit_code == 0
    assert 'xml:base="https://env.example/"' in _feed(newsroom)
    assert os.environ.get("PUBLISHER_SITE_URL") is None  # the file's value was for that run only


@BUILT
def test_cache_dir_from_the_file_and_the_environment_variable_beats_it(newsroom, tmp_path, monkeypatch):
    monkeypatch.delenv("PUBLISHER_CACHE_DIR")
    config = _write_config(newsroom, f'[paths]\ncache = "{tmp_path / "file-cache"}"\n')
    assert _invoke(["--config", str(config), "brief"]).exit_code == 0
    assert any((tmp_path / "file-cache").rglob("*.sqlite")), "the translation memory and site index go to [paths].cache"
    env_cache = tmp_path / "env-cache"
    assert _invoke(["--config", str(config), "brief"], env={"PUBLISHER_CACHE_DIR": str(env_cache)}).exit_code == 0
    assert any(env_cache.rglob("*.sqlite"))


def test_models_dir_from_the_file_and_the_environment_variable_beats_it(tmp_path):
    config = tmp_path / "publisher.toml"
    config.write_text('[paths]\nmodels = "installed-models"\n')
    said = _invoke(["--config", str(config), "models", "status"]).output
    assert f"models directory (OPUS-MT, M2M-100, NLLB): {tmp_path / 'installed-models'}" in said
    said = _invoke(["--config", str(config), "models", "status"], env={"PUBLISHER_MODELS_DIR": str(tmp_path / "env-models")}).output
    assert f"models directory (OPUS-MT, M2M-100, NLLB): {tmp_path / 'env-models'}" in said


@BUILT
def test_check_and_edits_export_take_the_model_from_the_file_and_an_option_beats_it(newsroom, tmp_path):
    config = _write_config(newsroom)
    checked = _invoke(["--config", str(config), "check"])  # no ARTICLES, no --model: [paths].inbox and [build].model
    assert checked.exit_code == 0, checked.stderr
    assert re.search(r"flagged segment\(s\) in 2 article\(s\)", checked.output)
    out = tmp_path / "library.corrections.csv"
    exported = _invoke(["--config", str(config), "edits", "export", str(newsroom / "articles" / "library.ko.md"), "-o", str(out)])
    assert exported.exit_code == 0, exported.stderr
    assert out.read_text(encoding="utf-8-sig").startswith("id,korean,machine_english,corrected_english")
    config.write_text('[build]\nmodel = "no-such-model.argosmodel"\n')
    broken = _invoke(["--config", str(config), "check"])
    assert broken.exit_code != 0 and "no-such-model.argosmodel" in broken.stderr
    fixed = _invoke(["--config", str(config), "check", "--model", str(FIXTURE_MODEL)])
    assert fixed.exit_code == 0, fixed.stderr
    config = _write_config(newsroom, "beam = 4\n")
    fast = _invoke(["--config", str(config), "check", "--fast", str(newsroom / "articles" / "market.ko.md")])
    assert fast.exit_code == 0, fast.stderr  # --fast (beam 1) beats the file's beam
    both = _invoke(["--config", str(config), "check", "--fast", "--beam", "4", str(newsroom / "articles" / "market.ko.md")])
    assert both.exit_code == 2 and "--fast is greedy decoding" in both.stderr


@BUILT
def test_an_option_beats_the_file_for_the_output_folder(newsroom, tmp_path):
    config = _write_config(newsroom, '[paths]\nout = "elsewhere"\n')
    served = tmp_path / "chosen"
    result = _invoke(["--config", str(config), "brief", "-o", str(served)])
    assert result.exit_code == 0, result.stderr
    assert (served / "index.html").is_file() and not (newsroom / "elsewhere").exists()


def test_every_environment_variable_is_in_the_schema():
    for var, (section, name) in ENVIRONMENT.items():
        assert name in Settings.model_fields[section].annotation.model_fields, var
