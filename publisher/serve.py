"""The preview server: ``out/`` over HTTP on 127.0.0.1 only (``publisher serve``).

``out/`` holds, beside what readers get, files for the newsroom only: each brief's QA page
(``editor.html``, the quality flags), the build's lock (``.publisher.lock``) and, while a
build runs, its staging folders and temporary files (``.staging-*``, ``.*.tmp``). They stay
in ``out/`` (a brief folder, QA page included, is swapped in whole by one writer), and
:data:`INTERNAL` names them: the preview server answers 404 for them, and the same patterns
are the exclude list for uploading ``out/`` (``rsync -a --exclude='.*' --exclude=editor.html
out/ host:site/``, see docs/operations.md).
"""

from __future__ import annotations

import logging
import os
import socket
from fnmatch import fnmatchcase
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .document import OutputError

log = logging.getLogger(__name__)

INTERNAL = (".*", "editor.html")  # path components readers never get (rsync --exclude patterns)


def listening_socket(host: str, port: int, backlog: int = 128) -> socket.socket:
    """A non-blocking socket listening on ``host:port`` (port 0: any free port), for uvicorn;
    OutputError in one line when the port cannot be had. The desk and the service use it."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named, not 0: asyncio then sets TCP_NODELAY on each accepted connection
    # (it checks the protocol number); without it every answer on a kept-alive connection
    # waited ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(backlog)
    except OSError as exc:
        sock.close()
        raise OutputError(f"cannot listen on {host}:{port}: {exc.strerror or exc}; try another --port (0: any free port)") from None
    sock.setblocking(False)
    return sock


def is_internal(relative_path: str) -> bool:
    """Whether a path under ``out/`` is for the newsroom only: any of its components (a
    hidden file or folder, a brief's QA page) matches a pattern of :data:`INTERNAL`."""
    parts = [p for p in relative_path.replace(os.sep, "/").split("/") if p not in ("", ".")]
    return any(fnmatchcase(part, pattern) for part in parts for pattern in INTERNAL)


def make_server(out_dir: Path, port: int = 8000):
    """A threading HTTP server for ``out_dir`` bound to 127.0.0.1 only (port 0: any free port)."""
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise OutputError(f"{out_dir} is not a folder; build some briefs first ('make brief')")

    class Handler(SimpleHTTPRequestHandler):
        extensions_map = {
            **SimpleHTTPRequestHandler.extensions_map,
            ".pdf": "application/pdf",
            ".html": "text/html; charset=utf-8",
            ".css": "text/css; charset=utf-8",
            ".json": "application/json",
            ".xml": "application/atom+xml; charset=utf-8",
            ".ttf": "font/ttf",
            ".txt": "text/plain; charset=utf-8",
            ".md": "text/markdown; charset=utf-8",
        }

        def log_message(self, format, *args):  # noqa: A002 - the stdlib's name
            log.debug("%s %s", self.address_string(), format % args)

        def end_headers(self):
            self.send_header("X-Content-Type-Options", "nosniff")
            super().end_headers()

        def send_head(self):
            # A symlink inside out/ that leads out of it is not followed: 404, as if absent.
            root = os.path.realpath(self.directory)
            real = os.path.realpath(self.translate_path(self.path))
            if real != root and not real.startswith(root + os.sep):
                self.send_error(404, "File not found")
                return None
            # The newsroom's files (QA pages, the lock, staging folders) are not for readers:
            # 404 whether asked for by name or reached through a link inside out/.
            asked = os.path.relpath(self.translate_path(self.path), self.directory)
            if is_internal(asked) or is_internal(os.path.relpath(real, root)):
                self.send_error(404, "File not found")
                return None
            return super().send_head()

        def list_directory(self, path):
            # No folder listings: readers follow the index's links, and a listing would name
            # the internal files.
            self.send_error(404, "File not found")
            return None


    try:
        return ThreadingHTTPServer(("127.0.0.1", port), partial(Handler, directory=os.fspath(out_dir)))
    except OSError as exc:
        raise OutputError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}; try another --port") from None


def serve(out_dir: Path, port: int = 8000, announce=None) -> None:
    """Serve ``out_dir`` on http://127.0.0.1:<port>/ until interrupted. ``announce(url)`` is
    called with the address actually bound (the real port when ``port`` is 0)."""
    server = make_server(out_dir, port)
    host, real_port = server.server_address[:2]
    log.info("serving %s on http://%s:%d/", out_dir, host, real_port)
    if announce is not None:
        announce(f"http://{host}:{real_port}/")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
