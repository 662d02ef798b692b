"""Command-line interface. Click only: parse options, call the library, report.

One error boundary (:class:`PublisherGroup`) turns a PublisherError into ``Error: <message>``
on stderr and the exit code its class carries; each command calls one library function.
Heavy libraries are imported inside the commands so that ``publisher --help`` is
instant.

The commands live one job per module: :mod:`.brief` (the build), :mod:`.stages` (one
stage at a time), :mod:`.models` (the models and cache groups), :mod:`.editor` (check,
edits, serve, desk); :mod:`.options` holds the options they share and :mod:`.output` what
they print. This module is the group and registers them all.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import click

from .. import __version__
from ..document import PublisherError
from . import brief, editor, models, newsroom, sources, stages
from .context import remember_config_file
from .service import service as service_command

EXIT_INTERNAL = 70


def _fail(message: str, code: int) -> None:
    click.echo(f"Error: {message}", err=True)
    raise click.exceptions.Exit(code)


class PublisherGroup(click.Group):
    """The one error boundary of the command line.

    A :class:`PublisherError` becomes ``Error: <first line>`` on stderr and its class's
    ``exit_code``; Ctrl-C exits 130; an OSError names its file; anything unforeseen is one
    line too (the traceback with ``PUBLISHER_DEBUG=1``), exit 70. The library never
    mentions click, and no command catches errors itself.
    """

    # ``publisher --help`` lists the editor's commands first and the one-stage commands
    # (for developers and scripts) under their own heading; a command not named here is
    # listed last, under "Other commands".
    SECTIONS = (
        ("Editor's commands", ("brief", "fetch", "desk", "check", "edits", "serve")),
        ("Publishing service", ("service",)),
        ("Setup", ("init", "config", "models", "cache")),
        ("Stage commands (one step at a time, for developers)", ("segment", "split-sentences", "translate", "summarize", "summarize-lines", "render")),
    )

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        commands = {name: cmd for name in self.list_commands(ctx) if (cmd := self.get_command(ctx, name)) is not None and not cmd.hidden}
        listed = {name for _, names in self.SECTIONS for name in names}
        sections = [*self.SECTIONS, ("Other commands", tuple(n for n in commands if n not in listed))]
        width = formatter.width - 6 - max((len(n) for n in commands), default=0)
        for title, names in sections:
            rows = [(n, commands[n].get_short_help_str(width)) for n in names if n in commands]
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except PublisherError as exc:
            _fail(str(exc).splitlines()[0] if str(exc) else type(exc).__name__, exc.exit_code)
        except KeyboardInterrupt:
            _fail("interrupted", 130)
        except OSError as exc:
            where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
            _fail(f"{where}{exc.strerror or exc}", 1)
        except Exception as exc:  # an unforeseen bug: one line, the traceback only on request
            if os.environ.get("PUBLISHER_DEBUG"):
                raise
            _fail(f"internal error ({type(exc).__name__}: {exc}); rerun with PUBLISHER_DEBUG=1 for details", EXIT_INTERNAL)


@click.group(cls=PublisherGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="publisher")
@click.option("-v", "--verbose", is_flag=True, help="Show diagnostic logging on stderr.")
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The newsroom's settings file (default: $PUBLISHER_CONFIG, else ./publisher.toml if present).",
)
@click.pass_context
def cli(ctx: click.Context, verbose: bool, config_file: Path | None) -> None:
    """Offline bilingual (Korean -> English) news briefs.

    \b
    Example:
        publisher brief articles/ -o out
        publisher models install --file translate-ko_en-1_1.argosmodel
    """
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    remember_config_file(ctx, config_file)  # loaded by the first command that needs a setting


for _command in (
    brief.brief,
    stages.segment,
    stages.split_sentences_command,
    stages.translate,
    stages.summarize,
    stages.summarize_lines,
    stages.render,
    models.models,
    models.cache,
    editor.check,
    editor.edits,
    editor.serve,
    editor.desk,
    newsroom.config,
    newsroom.init,
    sources.fetch,
    service_command,
):
    cli.add_command(_command)
del _command


def main() -> None:
    cli(prog_name="publisher")
