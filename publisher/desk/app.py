"""The desk's web app (Starlette, served by uvicorn on 127.0.0.1).

Routes call :mod:`publisher.building` (review an article, rebuild it) and ``corrections`` (read and
edit a corrections file); this module holds only the web glue: which inbox article a URL
names, the Host and CSRF checks, the per-file write locks and the templates.

Threads: every build call runs on ONE worker thread (see state.py) (it owns the translator, its
SQLite memory connection and the Korean analyser); saving a correction runs on the
server's thread pool under a lock per corrections file.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import socket
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import jinja2
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .. import corrections as corr
from ..building import BuildSettings, corrections_path
from ..building.review import Review
from ..document import InputError, PublisherError
from ..render import CSS_DIR, FONTS_DIR
from ..serve import listening_socket
from .rows import review_rows
from .state import Desk, Entry

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})
MAX_FORM_BYTES = 64 * 1024
MAX_SAVE_ALL_BYTES = 4 * 1024 * 1024
MAX_SAVE_ALL_FIELDS = 4096
MAX_ENGLISH_CHARS = 5000
CSRF_HEADER = "x-csrf-token"

DESK_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-src 'self'; frame-ancestors 'self'; form-action 'self'; base-uri 'none'; object-src 'none'"
)
# The published briefs: no script at all (they have none), framed only by the desk.
OUT_CSP = "script-src 'none'; object-src 'none'; base-uri 'none'; frame-ancestors 'self'"


class Forbidden(Exception):
    pass


def _templates():
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(HERE / "templates")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["q"] = lambda s: quote(str(s), safe="")
    return env


# -------------------------------------------------------------------- the app


class _Routes:
    """The desk's pages and form actions (each route one method)."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.env = _templates()

    def page(self, name: str, status: int = 200, headers: dict | None = None, **context) -> HTMLResponse:
        test_model = bool(self.desk._translator is not None and self.desk._translator.info.test_fixture)
        html = self.env.get_template(name).render(csrf=self.desk.csrf, test_model_desk=test_model, **context)
        return HTMLResponse(html, status_code=status, headers=headers)

    def notice(self, status: int, text: str) -> HTMLResponse:
        # Shown in the page's status line; the row the editor is typing in stays as it is.
        return self.page("message.html.j2", status=status, headers={"HX-Reswap": "none"}, level="error", text=text)

    async def in_worker(self, fn, *args):
        return await asyncio.get_running_loop().run_in_executor(self.desk.worker, fn, *args)

    async def form_of(self, request: Request, max_bytes: int = MAX_FORM_BYTES, max_fields: int = 16) -> dict[str, str]:
        """The POSTed form, after the CSRF and Origin checks (403 otherwise)."""
        origin = request.headers.get("origin")
        if origin is not None and (urlsplit(origin).hostname or "") not in LOCAL_HOSTS:
            raise Forbidden("cross-origin request")
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype != "application/x-www-form-urlencoded":
            raise Forbidden("unexpected content type")
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > max_bytes:
                raise Forbidden("request too large")
        try:
            parsed = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=max_fields, strict_parsing=False)
        except (UnicodeDecodeError, ValueError):
            raise Forbidden("malformed form") from None
        form = {k: v[0] for k, v in parsed.items()}
        token = request.headers.get(CSRF_HEADER) or form.get("csrf", "")
        if not hmac.compare_digest(token.encode(), self.desk.csrf.encode()):
            raise Forbidden("missing or wrong CSRF token")
        return form

    async def review_of(self, slug: str) -> Review | None:
        review = self.desk.find(slug)
        if review is None:  # not reviewed yet: the file the desk page listed, else scan once
            path = self.desk.path_for(slug)
            if path is not None:
                try:
                    review = await self.in_worker(self.desk.review, path)
                except PublisherError:
                    review = None
                if review is not None and review.article.slug == slug:
                    return review
            await self.in_worker(self.desk.scan)
            review = self.desk.find(slug)
        return review

    async def home(self, request: Request) -> Response:
        # Fast: the articles as read; the state of those not reviewed yet comes from /a/<slug>/entry.
        entries = await asyncio.get_running_loop().run_in_executor(None, self.desk.listing)
        response = self.page("desk.html.j2", entries=entries, out_dir=str(self.desk.out_dir), inbox=", ".join(map(str, self.desk.articles)))
        self.desk.first_page.set()
        return response

    async def entry(self, request: Request) -> Response:
        """One row of the desk page with the article's state (reviewed on the worker)."""
        slug = request.path_params["slug"]
        path = self.desk.path_for(slug)
        if path is None:
            return PlainTextResponse("no such article in the inbox", status_code=404)
        try:
            review = await self.in_worker(self.desk.fresh_review, path)
            e = Entry(path, review=review)
        except PublisherError as exc:
            e = Entry(path, error=str(exc))
        return self.page("_entry.html.j2", e=e)

    async def review_page(self, request: Request) -> Response:
        slug = request.path_params["slug"]
        review = await self.review_of(slug)
        if review is None:
            return self.page("missing.html.j2", status=404, slug=slug)
        try:
            review = await self.in_worker(self.desk.fresh_review, review.path)
            version, loaded = self.desk.corrections_now(review.path)
        except PublisherError as exc:
            return self.page("missing.html.j2", status=409, slug=slug, error=str(exc))
        rows = review_rows(review, loaded)
        return self.page("review.html.j2", review=review, rows=rows, version=version, slug=slug)

    def _save(self, review: Review, seg_id: str, english: str | None, base: str):
        seg = next((s for _, s in review.article.iter_segments() if s.id == seg_id), None)
        if seg is None:
            raise InputError(f"no segment {seg_id!r} in this article; reload the page")
        cpath = corrections_path(review.path)
        with self.desk.lock_for(cpath):
            loaded = self.desk.snapshot(cpath, base)
            new_version = corr.edit_correction(
                cpath,
                seg_id=seg.id,
                korean=seg.text,
                machine_english=seg.en or "",
                english=english,
                base_version=base,
                loaded=loaded,
            )
            _, loaded = self.desk.corrections_now(review.path)
        # The page continues from the version this save wrote: a change made by someone
        # else in the meantime is then a conflict on the next save, never silently adopted.
        return seg, new_version, loaded

    async def change(self, request: Request, revert: bool) -> Response:
        form = await self.form_of(request)
        slug = request.path_params["slug"]
        review = await self.review_of(slug)
        if review is None:
            return PlainTextResponse("no such article in the inbox", status_code=404)
        if self.desk.changed(review):
            review = await self.in_worker(self.desk.review, review.path)
        seg_id = form.get("seg", "")
        base = form.get("base", "")
        english = None if revert else " ".join(form.get("english", "").split())
        if english is not None and not english:
            return self.notice(422, "Type the corrected English, or press Revert to go back to the machine's.")
        if english is not None and len(english) > MAX_ENGLISH_CHARS:
            return self.notice(422, f"A correction is at most {MAX_ENGLISH_CHARS} characters.")
        machine = next((s.en for _, s in review.article.iter_segments() if s.id == seg_id), None)
        if english is not None and english == (machine or "").strip():
            english = None  # saving the machine's own English is the same as reverting
        try:
            seg, version, loaded = await asyncio.get_running_loop().run_in_executor(None, self._save, review, seg_id, english, base)
        except corr.CorrectionConflict as exc:
            mine = " ".join(form.get("english", "").split()) if not revert else None
            return self.page("conflict.html.j2", status=409, headers={"HX-Reswap": "none"}, conflict=exc, seg_id=seg_id, mine=mine, revert=revert, slug=slug)
        except PublisherError as exc:
            return self.notice(422, str(exc))
        rows = review_rows(review, loaded)
        row = next(r for r in rows if r.id == seg.id)
        verb = "Reverted" if english is None else "Saved"
        return self.page("saved.html.j2", r=row, slug=slug, version=version, text=f"{verb} {seg.id}. Republish to rebuild the brief and PDF.")

    async def save(self, request: Request) -> Response:
        return await self.change(request, revert=False)

    def _save_all(self, review: Review, edits: list[tuple[str, str | None]], base: str):
        segs = {s.id: s for _, s in review.article.iter_segments()}
        unknown = [seg_id for seg_id, _ in edits if seg_id not in segs]
        if unknown:
            raise InputError(f"no segment {unknown[0]!r} in this article; reload the page")
        cpath = corrections_path(review.path)
        with self.desk.lock_for(cpath):
            loaded = self.desk.snapshot(cpath, base)
            changes = [(i, segs[i].text, segs[i].en or "", english) for i, english in edits]
            new_version = corr.edit_corrections(cpath, changes, base_version=base, loaded=loaded)
            _, loaded = self.desk.corrections_now(review.path)
        return new_version, loaded

    async def save_all(self, request: Request) -> Response:
        """Every changed row in one write (``en.<segment id>`` fields): all of them or none,
        under the same version check as one row's save."""
        form = await self.form_of(request, max_bytes=MAX_SAVE_ALL_BYTES, max_fields=MAX_SAVE_ALL_FIELDS)
        slug = request.path_params["slug"]
        review = await self.review_of(slug)
        if review is None:
            return PlainTextResponse("no such article in the inbox", status_code=404)
        if self.desk.changed(review):
            review = await self.in_worker(self.desk.review, review.path)
        machine = {s.id: (s.en or "").strip() for _, s in review.article.iter_segments()}
        edits: list[tuple[str, str | None]] = []
        for key, value in form.items():
            if not key.startswith("en."):
                continue
            seg_id, english = key[3:], " ".join(value.split())
            if not english:
                return self.notice(422, f"Nothing was saved: {seg_id} is empty; type its English, or Revert that row.")
            if len(english) > MAX_ENGLISH_CHARS:
                return self.notice(422, f"Nothing was saved: {seg_id} is longer than {MAX_ENGLISH_CHARS} characters.")
            edits.append((seg_id, None if english == machine.get(seg_id) else english))
        if not edits:
            return self.notice(422, "No changed rows to save.")
        base = form.get("base", "")
        try:
            version, loaded = await asyncio.get_running_loop().run_in_executor(None, self._save_all, review, edits, base)
        except corr.CorrectionConflict as exc:
            return self.page("conflict_all.html.j2", status=409, headers={"HX-Reswap": "none"}, conflict=exc, count=len(edits), slug=slug)
        except PublisherError as exc:
            return self.notice(422, f"Nothing was saved: {exc}")
        wanted = {seg_id for seg_id, _ in edits}
        rows = [r for r in review_rows(review, loaded) if r.id in wanted]
        names = ", ".join(r.id for r in rows)
        text = f"Saved {len(rows)} row{'' if len(rows) == 1 else 's'} ({names}). Republish to rebuild the brief and PDF."
        return self.page("saved_all.html.j2", rows=rows, slug=slug, version=version, text=text)

    async def revert(self, request: Request) -> Response:
        return await self.change(request, revert=True)

    async def republish(self, request: Request) -> Response:
        form = await self.form_of(request)
        slug = request.path_params["slug"]
        review = await self.review_of(slug)
        if review is None:
            return PlainTextResponse("no such article in the inbox", status_code=404)
        try:
            report = await self.in_worker(self.desk.republish, review.path)
        except PublisherError as exc:
            return self.notice(422, f"Not republished: {exc}")
        if report.failed:
            return self.notice(422, "Not republished: " + "; ".join(m for _, m in report.failed))
        fresh = await self.in_worker(self.desk.review, review.path)
        ids = {s.id for _, s in fresh.article.iter_segments()}
        focus = form.get("focus", "")
        if focus not in ids:
            focus = next(iter(fresh.corrected), "")
        stamp = datetime.now().strftime("%H:%M:%S")
        return self.page(
            "published.html.j2",
            review=fresh,
            slug=slug,
            focus=focus,
            stamp=stamp,
            stale=report.stale_corrections,
            test_model=report.test_model,
            unchanged=bool(report.skipped) and not report.built,
        )

    # ---------------------------------------------------------------- names (staff.csv)

    def _names(self) -> list[dict]:
        """Per inbox folder: its staff.csv, its version, and every byline name with its English now."""
        from ..byline import STAFF_FILE, english_name, load_names, read_staff

        folders: dict[Path, set[str]] = {}
        for e in self.desk.listing():
            art = e.review.article if e.review is not None else e.article
            if art is not None:
                names = folders.setdefault(Path(art.source).parent, set())
                if art.byline.author:
                    names.add(art.byline.author)
        out = []
        for folder, authors in folders.items():
            version, staff = read_staff(folder / STAFF_FILE)
            listed = load_names(folder)
            rows = [{"ko": ko, "en": staff.get(ko, ""), "now": english_name(ko, listed)} for ko in sorted(authors | set(staff))]
            out.append({"folder": folder, "file": folder / STAFF_FILE, "version": version, "rows": rows})
        return out

    async def names_page(self, request: Request) -> Response:
        groups = await asyncio.get_running_loop().run_in_executor(None, self._names)
        return self.page("names.html.j2", groups=groups)

    async def names_save(self, request: Request) -> Response:
        """Set the English of byline names in one folder's staff.csv (an empty field removes the
        name: the romanisation rule applies again); refused when the file changed since the page."""
        from ..byline import StaffConflict, write_staff

        form = await self.form_of(request, max_bytes=MAX_FORM_BYTES, max_fields=512)
        groups = await asyncio.get_running_loop().run_in_executor(None, self._names)
        group = next((g for g in groups if str(g["folder"]) == form.get("folder")), None)
        if group is None:
            return PlainTextResponse("no such inbox folder", status_code=404)
        names = {k[3:]: v for k, v in form.items() if k.startswith("en.") and k[3:] in {r["ko"] for r in group["rows"]}}
        try:
            await asyncio.get_running_loop().run_in_executor(None, write_staff, group["file"], names, form.get("base", ""))
        except StaffConflict as exc:
            return PlainTextResponse(f"Not saved: {exc}. Reload the page.", status_code=409)
        except (PublisherError, OSError) as exc:
            return PlainTextResponse(f"Not saved: {exc}", status_code=422)
        return RedirectResponse("/names", status_code=303)

    async def not_found(self, request: Request, exc) -> Response:
        return PlainTextResponse("not found", status_code=404)

    async def forbidden(self, request: Request, exc: Exception) -> Response:
        log.info("refused %s %s: %s", request.method, request.url.path, exc)
        return PlainTextResponse(f"Forbidden: {exc}", status_code=403)


def create_app(desk: Desk) -> Starlette:
    r = _Routes(desk)
    routes = [
        Route("/", r.home),
        Route("/a/{slug}", r.review_page),
        Route("/a/{slug}/entry", r.entry),
        Route("/a/{slug}/save", r.save, methods=["POST"]),
        Route("/a/{slug}/save-all", r.save_all, methods=["POST"]),
        Route("/a/{slug}/revert", r.revert, methods=["POST"]),
        Route("/a/{slug}/republish", r.republish, methods=["POST"]),
        Route("/names", r.names_page),
        Route("/names/save", r.names_save, methods=["POST"]),
        Route("/out", lambda request: RedirectResponse("/out/index.html")),
        # follow_symlink=False: a link inside out/ that leads out of it is not served.
        Mount("/out", app=StaticFiles(directory=str(desk.out_dir), check_dir=False, follow_symlink=False), name="out"),
        Mount("/static", app=StaticFiles(directory=str(HERE / "static"), follow_symlink=False), name="static"),
        # The briefs' own fonts (fonts.css and the bundled files it names, ../fonts/ from it):
        # Korean, Hanja and emoji show on a machine without any Korean system font.
        Mount("/assets/css", app=StaticFiles(directory=str(CSS_DIR), follow_symlink=False), name="brief-css"),
        Mount("/assets/fonts", app=StaticFiles(directory=str(FONTS_DIR), follow_symlink=False), name="brief-fonts"),
    ]
    app = Starlette(routes=routes, exception_handlers={404: r.not_found, Forbidden: r.forbidden})
    return guard(app, desk)


def guard(app, desk: Desk):
    """ASGI middleware: 403 for a foreign Host (DNS rebinding); security headers on every
    response. (The CSRF check is ``form_of``, which every POST route calls first.)"""

    async def asgi(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        host = headers.get("host", "")
        hostname = urlsplit(f"//{host}").hostname or ""
        if hostname not in LOCAL_HOSTS:
            return await PlainTextResponse("Forbidden: this desk answers only to 127.0.0.1", status_code=403)(scope, receive, send)
        out = scope.get("path", "").startswith("/out/")
        extra = [
            (b"content-security-policy", (OUT_CSP if out else DESK_CSP).encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            (b"cache-control", b"no-store"),
        ]

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message = dict(message)
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        return await app(scope, receive, send_with_headers)

    return asgi


# -------------------------------------------------------------------- running


def bind(port: int) -> socket.socket:
    return listening_socket("127.0.0.1", port)


def run(articles, settings: BuildSettings, port: int = 8765, announce=print) -> None:
    import uvicorn

    desk = Desk(list(articles), settings)
    try:
        desk.worker.submit(desk.open).result()  # model and inbox errors before anything listens
        sock = bind(port)
        desk.port = sock.getsockname()[1]
        desk.worker.submit(desk.warm)  # reviews ready before the editor's first click, not during it
        app = create_app(desk)
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", server_header=False)
        server = uvicorn.Server(config)
        announce(f"http://127.0.0.1:{desk.port}/")
        server.run(sockets=[sock])
    finally:
        desk.worker.shutdown(wait=False, cancel_futures=True)
