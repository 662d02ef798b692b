"""The archival and accessible PDFs: [site].pdf_variant / --pdf-variant through WeasyPrint's
own variants, checked with qpdf and poppler (pdfinfo, pdffonts, pdftotext).

The PDF/A-3u brief comes from ``publisher brief --pdf-variant pdf/a-3u`` (the shared
newsroom build); the PDF/UA-1 and plain ones from ``publisher render --pdf-variant`` of the
same brief.json, so the three differ only by the variant.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import require_tool
from site_support import newsroom, run_brief, write_inbox  # noqa: F401 - newsroom is a fixture

from publisher.cli import cli
from publisher.document import read_brief

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("newsroom"), pytest.mark.isa_neutral]

VARIANTS = ("pdf/a-3u", "pdf/ua-1", "none")
# What each variant declares in the PDF's XMP metadata (pdfinfo -meta).
MARKERS = {
    "pdf/a-3u": ('pdfaid:part="3"', 'pdfaid:conformance="U"'),
    "pdf/ua-1": ('pdfuaid:part="1"',),
    "none": (),
}
SPACE = re.compile(r"\s+")


def run(*cmd: str) -> subprocess.CompletedProcess:
    require_tool(cmd[0])
    return subprocess.run(cmd, capture_output=True, text=True)


@pytest.fixture(scope="module")
def pdfs(newsroom, tmp_path_factory) -> dict[str, Path]:
    folder = newsroom.out / "chip-factory"
    found = {"pdf/a-3u": folder / "brief.pdf"}
    for variant in ("pdf/ua-1", "none"):
        out = tmp_path_factory.mktemp("render")
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("PUBLISHER_CACHE_DIR", str(out / ".cache"))
            result = CliRunner().invoke(cli, ["render", str(folder / "brief.json"), "-o", str(out / "site"), "--pdf-variant", variant])
        assert result.exit_code == 0, result.output
        found[variant] = out / "site" / "chip-factory" / "brief.pdf"
    return found


@pytest.mark.parametrize("variant", VARIANTS)
def test_qpdf_finds_no_error(pdfs, variant):
    done = run("qpdf", "--check", str(pdfs[variant]))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No syntax or stream encoding errors found" in done.stdout


@pytest.mark.parametrize("variant", VARIANTS)
def test_pdfinfo_reports_the_variant_and_the_tags(pdfs, variant):
    info = run("pdfinfo", str(pdfs[variant])).stdout
    assert re.search(r"^Tagged:\s+yes$", info, re.M), info  # every variant keeps the structure tree
    assert re.search(r"^PDF version:\s+1\.7$", info, re.M), info
    meta = run("pdfinfo", "-meta", str(pdfs[variant])).stdout
    for marker in MARKERS[variant]:
        assert marker in meta
    others = {m for v, ms in MARKERS.items() if v != variant for m in ms}
    assert not any(m in meta for m in others), f"{variant} declares another variant"
    assert bool(re.search(r"^Metadata Stream:\s+yes$", info, re.M)) == bool(MARKERS[variant])


@pytest.mark.parametrize("variant", VARIANTS)
def test_fonts_are_embedded_and_both_languages_extract(pdfs, variant, newsroom):
    fonts = run("pdffonts", str(pdfs[variant])).stdout.splitlines()[2:]
    assert fonts and all(re.search(r"\syes\s+yes\s+(yes|no)\s+\d+\s+\d+\s*$", line) for line in fonts), fonts
    text = SPACE.sub("", run("pdftotext", str(pdfs[variant]), "-").stdout)
    assert "삼성전자는새반도체공장을짓는다." in text
    brief = read_brief(newsroom.out / "chip-factory" / "brief.json")
    english = [seg.en for _, seg in brief.article.iter_segments() if seg.en]
    assert english and all(SPACE.sub("", en) in text for en in english)  # whatever the model wrote, it extracts


def test_the_variant_is_a_freshness_input(fixture_model, tmp_path):
    inbox = write_inbox(tmp_path / "articles")
    (inbox / "seoul-office.md").unlink()  # one brief is enough
    out = tmp_path / "out"
    assert "built" in run_brief(inbox, out, "--pdf-variant", "pdf/ua-1")
    assert "unchanged, not rebuilt: chip-factory" in run_brief(inbox, out, "--pdf-variant", "pdf/ua-1")
    again = run_brief(inbox, out)  # the default: none
    assert f"built {out / 'chip-factory'}/brief.pdf" in again and "unchanged" not in again
    assert 'pdfuaid:part="1"' not in run("pdfinfo", "-meta", str(out / "chip-factory" / "brief.pdf")).stdout
