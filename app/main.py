"""Application factory: settings, catalog, database, middleware, routers and error pages."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from app import __version__, log_lines
from app.api.assignment_routes import router as api_assignment_router
from app.api.key_pages import router as api_key_pages_router
from app.api.problems import problem_response, unreadable_body, validation_fields
from app.api.routes import router as api_router
from app.api.spec import docs_router
from app.auth.account_routes import router as account_router
from app.auth.cookies import set_kept_cookie
from app.auth.deps import SIGN_IN_READ, LoginRequired
from app.auth.factor_account_routes import router as factor_account_router
from app.auth.factor_routes import router as factor_router
from app.auth.invite_routes import router as invite_router
from app.auth.kept_forms import keep_for_sign_in
from app.auth.link_mail import SIGN_IN_LINKS
from app.auth.routes import router as auth_router
from app.auth.session_time import session_seconds_left
from app.auth.sso_admin import router as sso_admin_router
from app.auth.sso_routes import router as sso_router
from app.config import PROJECT_ROOT, Settings, get_settings
from app.content.catalog import load_catalog
from app.db import SAFE_METHODS, WriteBatches, limit_threads, loop_reader, make_engine
from app.db.migrate import newer_release, revision_gaps, shown
from app.db.reads import database_state
from app.errors import DomainError
from app.events.routes import router as webhooks_router
from app.events.sender import WebhookSender
from app.help import router as help_router
from app.hr.routes import router as hr_router
from app.lasting.routes import router as lasting_router
from app.learning.module_html import ModuleHtml
from app.learning.reopened_routes import router as reopened_router
from app.learning.routes import router as learning_router
from app.live.facilitator_routes import router as live_router
from app.mail.outbox_sender import OutboxSender
from app.measures.routes import router as measures_router
from app.org.current import ORG_READ, org_of
from app.org.routes import router as org_router
from app.org.routes import theme_version
from app.org.slots import text_with_slots
from app.recert.routes import router as recert_router
from app.refreshers.routes import router as refreshers_router
from app.scim.errors import PREFIX as SCIM_PREFIX
from app.scim.errors import ScimError, error_response
from app.scim.routes import router as scim_router
from app.team.routes import router as team_router
from app.web.field_limit import advice_for
from app.web.forms import page_again, request_problems
from app.web.limits import BodySizeLimit
from app.web.middleware import RequestHeaders
from app.web.request_checks import CheckedRoute, require_checked
from app.web.templating import is_htmx, render, templates

log = logging.getLogger("allyship")

# Matched in this order, so the learner's pages (most of the traffic) come first; no two
# routers share a path.
ROUTERS = [
    learning_router,
    auth_router,
    account_router,
    invite_router,
    factor_router,
    factor_account_router,
    live_router,
    hr_router,
    api_key_pages_router,
    recert_router,
    api_router,
    api_assignment_router,
    docs_router,
    help_router,
    org_router,
    team_router,
    webhooks_router,
    sso_router,
    sso_admin_router,
    reopened_router,
    measures_router,
    scim_router,
    lasting_router,
    refreshers_router,
]


class DatabaseNotMigrated(RuntimeError):
    pass


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; refuses to start on invalid content (ContentError lists every problem)."""
    # Pages warn before a sign-in ends (base.html); the web kit knows no feature, so it is
    # handed the sign-in's clock here.
    templates.env.globals["session_seconds_left"] = session_seconds_left
    # The organisation's name, logo and colour in every page's header (app/org/current.py).
    templates.env.globals["org_of"] = org_of
    templates.env.globals["theme_version"] = theme_version
    templates.env.globals["text_with_slots"] = text_with_slots  # facilitator notes' slots
    settings = settings or get_settings()
    catalog = load_catalog(settings.content_dir)
    engine = make_engine(settings.database_url, settings.database_pool_size)
    reader = loop_reader(engine)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        missing, newer = revision_gaps(engine)
        if missing:
            if newer:
                raise DatabaseNotMigrated(newer_release(shown(settings.database_url), newer))
            raise DatabaseNotMigrated(
                f"The database is not up to date (missing {sorted(missing)}); run `allyship db upgrade`."
            )
        limit_threads(engine)
        if reader is not None:  # a SQLite file: one writer thread batches the hot writes
            app.state.write_batches = WriteBatches(engine, deadline=settings.write_deadline_seconds)
        if settings.outbox_sender:
            app.state.outbox_sender = OutboxSender(engine, settings, links=SIGN_IN_LINKS)
            app.state.outbox_sender.start()
        if settings.webhook_sender:
            app.state.webhook_sender = WebhookSender(engine, settings)
            app.state.webhook_sender.start()
        yield
        if app.state.webhook_sender is not None:
            app.state.webhook_sender.close()
            app.state.webhook_sender = None
        if app.state.outbox_sender is not None:
            app.state.outbox_sender.close()
            app.state.outbox_sender = None
        if app.state.write_batches is not None:
            app.state.write_batches.close()
            app.state.write_batches = None
        engine.dispose()
        if reader is not None:
            reader.dispose()

    app = FastAPI(
        title="Allies in Practice",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings, app.state.catalog, app.state.engine = settings, catalog, engine
    app.state.loop_reader = reader
    # Read before every route by the web kit's request checks, in this order, in one visit.
    app.state.request_reads = (SIGN_IN_READ, ORG_READ)
    app.state.write_batches = None
    app.state.outbox_sender = None
    app.state.webhook_sender = None
    app.state.module_html = ModuleHtml(catalog)
    app.mount("/static", StaticFiles(directory=PROJECT_ROOT / "static"), name="static")
    app.router.route_class = CheckedRoute
    for router in ROUTERS:
        app.include_router(router)
    _add_health(app)
    require_checked(app.routes)
    _add_middleware(app, settings)
    app.add_middleware(BodySizeLimit)
    _add_error_handlers(app)
    log_lines.configure(log)
    return app


async def healthz(request: Request) -> JSONResponse:
    """A module-level endpoint reading `request.app`: FastAPI's callable caches are global,
    so a closure over an app would keep every app a process ever made (test suites)."""
    modules = len(request.app.state.catalog.modules)
    try:
        database = await database_state(request)
    except Exception as exc:
        reason = f"unreachable: {type(exc).__name__}"
        return JSONResponse(
            {"status": "error", "database": reason, "modules": modules}, status_code=503
        )
    return JSONResponse({"status": "ok", "database": database, "modules": modules})


def _add_health(app: FastAPI) -> None:
    app.add_api_route("/healthz", healthz, methods=["GET"], tags=["ops"])


def _add_middleware(app: FastAPI, settings: Settings) -> None:
    app.add_middleware(RequestHeaders, settings=settings, error_page=server_error_page)


def server_error_page(request: Request) -> Response:
    """The plain 500 page; the middleware logs the error and sends this with every header."""
    request_id = getattr(request.state, "request_id", "")
    return _error_page(
        request,
        500,
        "Something went wrong",
        f"Sorry, something went wrong on our side. If it keeps happening, quote reference {request_id}.",
    )


def _error_page(
    request: Request,
    status: int,
    title: str,
    message: str,
    *,
    headers: Mapping[str, str] | None = None,
    fields: Mapping[str, str] | None = None,
    back: tuple[str, str] = ("/", "Back to my course"),
) -> Response:
    if request.scope["path"].startswith(SCIM_PREFIX):  # SCIM clients read SCIM Error messages
        return error_response(
            status, message, None if status == 404 else "invalidValue" if status == 400 else None
        )
    if request.url.path.startswith("/api/"):
        return problem_response(status, title, message, headers=headers, fields=fields)
    context = {
        "title": title,
        "message": message,
        "status": status,
        "request_id": getattr(request.state, "request_id", ""),
        "back": back,
    }
    return render(request, "errors/error.html", context, status_code=status)


TITLES = {
    400: "Bad request",
    403: "Not allowed",
    404: "Not found",
    405: "Not allowed",
    401: "Unauthorized",
    409: "Changed",
    412: "Changed since you read it",
    413: "Too large",
    422: "Please check your input",
    429: "Too many requests",
    503: "Not saved",
}


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, _exc: LoginRequired) -> Response:
        # A form sent after the sign-in ended is kept, and the person comes back to its page
        # after signing in (app/auth/kept_forms.py). htmx gets a redirect of the whole window,
        # never a sign-in form swapped into the part of the page that sent the request.
        kept = await keep_for_sign_in(request)
        page = kept.page if kept else request.url.path if request.method in SAFE_METHODS else "/"
        target = "/login?next=" + quote(page, safe="/")
        response: Response
        if is_htmx(request):
            response = Response(status_code=401, headers={"HX-Redirect": target})
        else:
            response = RedirectResponse(target, status_code=303)
        if kept and kept.token:
            set_kept_cookie(response, request.app.state.settings, kept.token)
        return response

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        if isinstance(exc, ScimError):
            return error_response(exc.status_code, exc.message, exc.scim_type)
        return _error_page(
            request,
            exc.status_code,
            TITLES.get(exc.status_code, "Error"),
            exc.message,
            headers=exc.headers,
            fields=exc.fields,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/api/") and (found := unreadable_body(exc)):
            return found
        if exc.status_code == 400 and (advice := advice_for(request.url.path, exc.detail)):
            return _error_page(
                request, 400, advice.title, advice.message,
                back=(advice.back_href, advice.back_label),
            )  # fmt: skip
        message = (
            exc.detail
            if isinstance(exc.detail, str) and exc.status_code != 404
            else ("We could not find that page. Check the address, or go back to your dashboard.")
        )
        return _error_page(
            request,
            exc.status_code,
            TITLES.get(exc.status_code, "Error"),
            message,
            headers=exc.headers if exc.status_code == 405 else None,
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        api = request.url.path.startswith(("/api/", SCIM_PREFIX))
        if request.url.path.startswith(SCIM_PREFIX):
            problems = " ".join(
                request_problems(request.scope.get("route"), exc.errors(), api=True)
            )
            return error_response(
                400, problems or "The request could not be read.", "invalidSyntax"
            )
        if not api and any(e["loc"][0] == "path" for e in exc.errors()):
            return await http_error(request, StarletteHTTPException(404))
        try:
            page = None if api else await page_again(request, exc)
        except DomainError as problem:  # the page itself is gone: an unknown id, an ended session
            return await domain_error(request, problem)
        if page is not None:
            return page
        route = request.scope.get("route")
        problems = " ".join(request_problems(route, exc.errors(), api=api))
        fields = validation_fields(route, exc.errors()) if api else None
        return _error_page(request, 422, TITLES[422], problems, fields=fields)
