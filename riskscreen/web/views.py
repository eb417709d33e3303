"""Route handlers of the web page. Each one reads the request, calls the library (in a worker
thread when it may take time), and renders a template; no screening logic lives here.

The library (polars, openpyxl …) is imported inside the handlers that need it, so the server
answers its first page before those imports, and loads them with the reference and model in
the background once that page is sent."""

from __future__ import annotations

import re
import sys
import traceback
from pathlib import PurePosixPath
from typing import Any

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
)

from riskscreen.errors import RiskscreenError
from riskscreen.tiers import FLAG_TIERS
from riskscreen.web.guard import csrf_ok, csrf_token
from riskscreen.web.store import ALLOWED_SUFFIXES, Upload, size_text, too_big

TIERS = FLAG_TIERS
ROLE_LABELS = {
    "name": "Supplier name", "country": "Country", "product": "Product", "hs_code": "HS code",
    "address": "Address", "spend": "Spend", "vendor_id": "Vendor number",
}
DOWNLOADS = {"report.xlsx": "_report.xlsx", "suppliers.csv": "_screened.csv"}
_FORM_OVERHEAD = 64 * 1024  # multipart boundaries and the small fields around the file


def _web(request: Request) -> Any:
    return request.app.state.web


def _session(request: Request) -> str:
    return request.scope.get("state", {}).get("session", "")


def render(request: Request, template: str, code: int = 200, **context: Any) -> HTMLResponse:
    """Render a template with what every page needs (CSRF token, limits, navigation)."""
    web = _web(request)
    context.setdefault("error", None)
    html = web.templates.get_template(template).render(
        csrf=csrf_token(web.secret, _session(request)),
        max_size=size_text(web.config.max_upload_bytes),
        max_bytes=web.config.max_upload_bytes,
        accept=",".join(ALLOWED_SUFFIXES),
        page=template.removesuffix(".html"),
        **context,
    )
    return HTMLResponse(html, status_code=code)


def _upload_form(request: Request, code: int = 200, **context: Any) -> HTMLResponse:
    return render(request, "upload.html", code, tiers=TIERS,
                  **context)


def _upload(request: Request) -> Upload | None:
    return _web(request).store.get(request.path_params["uid"], _session(request))


def _gone(request: Request) -> HTMLResponse:
    return render(request, "error.html", 404, title="Upload not found",
                  error="This upload is not here any more (uploads are deleted after an hour, "
                  "when you finish, or when the server stops). Upload the file again.")


async def _check_csrf(request: Request, form: Any) -> HTMLResponse | None:
    if csrf_ok(_web(request).secret, _session(request), form.get("csrf")):
        return None
    return render(request, "error.html", 403, title="Form expired",
                  error="This form has expired or did not come from this page. Go back, reload "
                  "the page and send it again.")


async def _posted_to_upload(request: Request, max_fields: int) -> tuple[Upload, Any] | Response:
    """The upload a POST is for and its checked form, or the page that refuses it."""
    upload = _upload(request)
    if upload is None:
        return _gone(request)
    form = await request.form(max_files=0, max_fields=max_fields)
    refused = await _check_csrf(request, form)
    return refused if refused is not None else (upload, form)


async def upload_page(request: Request) -> Response:
    deleted = request.query_params.get("deleted") == "1"
    response = _upload_form(request, deleted=deleted)
    response.background = BackgroundTask(_web(request).start_loading)
    return response


def _read_for_columns(upload: Upload) -> None:
    """Read the file as `riskscreen screen` will, and detect its columns."""
    from riskscreen.io.read import read_suppliers  # lazy: the first page comes before the library
    from riskscreen.pipeline import detect_roles  # as screening will: '<name> (input)' columns

    upload.table, upload.roles = detect_roles(read_suppliers(upload.path, sheet=upload.sheet))


def _sheet_arg(text: str) -> str | int | None:
    text = text.strip()
    return int(text) if text.isdigit() else (text or None)


async def upload(request: Request) -> Response:
    web = _web(request)
    limit = web.config.max_upload_bytes
    length = request.headers.get("content-length", "")
    if not length.isdigit():
        return _upload_form(request, 411, error="The upload did not say how large it is; "
                            "send it again from this page.")
    if int(length) > limit + _FORM_OVERHEAD:
        return _upload_form(request, 413, error=too_big("The file", limit))
    try:
        form = await request.form(max_files=1, max_fields=10)
    except Exception:  # noqa: BLE001 — a malformed body is the sender's problem, not a crash
        return _upload_form(request, 400, error="The upload could not be read; send it again.")
    try:
        refused = await _check_csrf(request, form)
        if refused:
            return refused
        file = form.get("file")
        if not isinstance(file, UploadFile) or not file.filename:
            return _upload_form(request, 400, error="Choose a supplier file first.")
        min_tier = str(form.get("min_tier") or "").lower() or None
        if min_tier is not None and min_tier not in TIERS:
            return _upload_form(request, 400, error=f"Unknown minimum tier '{min_tier}'.")
        try:
            new = await run_in_threadpool(web.store.add, _session(request), file.filename,
                                          file.file)
        except RiskscreenError as exc:
            return _upload_form(request, 400, error=str(exc))
    finally:
        await form.close()
    new.sheet = _sheet_arg(str(form.get("sheet") or ""))
    new.min_tier = min_tier
    new.product = str(form.get("product") or "").strip() or None
    return await _read_or_refuse(request, new)


async def _read_or_refuse(request: Request, upload: Upload) -> Response:
    """Read the upload for the column page; a file the reader refuses is deleted, and its
    message shown on the upload page."""
    try:
        await run_in_threadpool(_read_for_columns, upload)
    except RiskscreenError as exc:
        _web(request).store.remove(upload.id)
        return _upload_form(request, 400, error=upload.user_message(str(exc)))
    except Exception as exc:  # noqa: BLE001 — never a traceback on the page
        _web(request).store.remove(upload.id)
        traceback.print_exc(file=sys.stderr)
        return _upload_form(request, 400, error=upload.user_message(
            f"{upload.path.name}: could not be read ({type(exc).__name__}); check that it is a "
            "supplier list saved as .xlsx, .xls, .csv or .parquet"))
    return RedirectResponse(f"/u/{upload.id}/columns", status_code=303)


def _preview(upload: Upload, n: int = 5) -> list[list[str]]:
    frame = upload.table.frame.head(n)
    return [["" if v is None else str(v) for v in row]
            for row in frame.select(upload.table.headers).iter_rows()]


async def columns_page(request: Request) -> Response:
    from riskscreen.io.columns import ROLES  # lazy: the first page comes before the library

    upload = _upload(request)
    if upload is None:
        return _gone(request)
    roles = upload.roles
    screenable = any(getattr(roles, r) for r in ("name", "country", "product"))
    return render(
        request, "columns.html", upload=upload, table=upload.table,
        roles=[(r, ROLE_LABELS[r], getattr(roles, r), roles.how.get(r, "")) for r in ROLES],
        headers=upload.table.headers, preview=_preview(upload), tiers=TIERS,
        screenable=screenable, notes=[*upload.table.notes, *roles.notes],
    )


async def change_sheet(request: Request) -> Response:
    posted = await _posted_to_upload(request, max_fields=10)
    if isinstance(posted, Response):
        return posted
    upload, form = posted
    sheet = str(form.get("sheet") or "")
    if sheet not in upload.table.sheets:
        return render(request, "error.html", 400, title="Unknown sheet",
                      error=f"'{sheet}' is not a sheet of {upload.name}.")
    upload.sheet = sheet
    return await _read_or_refuse(request, upload)


def _screen_job(web: Any, upload: Upload, columns: dict[str, str]) -> None:
    """Worker thread: screen with the library, keep the run, or keep the message."""
    from riskscreen.pipeline import run_screen  # lazy: the first page comes before the library

    upload.state = "running"
    upload.stage = "load reference and model"
    try:
        reference, model, watchlists = web.resources()
        run = run_screen(upload.path, sheet=upload.sheet, columns=columns, reference=reference,
                         model=model, watchlists=watchlists, min_tier=upload.min_tier,
                         progress=lambda stage: setattr(upload, "stage", stage),
                         product=upload.product)
        run.meta["input_file"] = upload.name  # as `riskscreen screen NAME` records it
        upload.run = run
        upload.state = "done"
    except RiskscreenError as exc:
        upload.error = upload.user_message(str(exc))
        upload.state = "failed"
    except Exception as exc:  # noqa: BLE001 — shown on the page; the server keeps serving
        traceback.print_exc(file=sys.stderr)
        upload.error = (f"unexpected {type(exc).__name__} while screening {upload.name}; "
                        "run `riskscreen --debug screen FILE -o report.xlsx` and report it")
        upload.state = "failed"


async def start_screen(request: Request) -> Response:
    from riskscreen.io.columns import ROLES  # lazy: the first page comes before the library

    posted = await _posted_to_upload(request, max_fields=30)
    if isinstance(posted, Response):
        return posted
    upload, form = posted
    if upload.state in ("queued", "running"):
        return RedirectResponse(f"/u/{upload.id}/progress", status_code=303)
    columns: dict[str, str] = {}
    for role in ROLES:
        wanted = str(form.get(f"role_{role}") or "")
        if wanted and wanted not in upload.table.headers:
            return render(request, "error.html", 400, title="Unknown column",
                          error=f"'{wanted}' is not a column of {upload.name}.")
        columns[role] = wanted
    min_tier = str(form.get("min_tier") or "").lower() or upload.min_tier
    if min_tier is not None and min_tier not in TIERS:
        return render(request, "error.html", 400, title="Unknown tier",
                      error=f"Unknown minimum tier '{min_tier}'.")
    upload.min_tier = min_tier
    if form.get("product") is not None:
        upload.product = str(form.get("product")).strip() or None
    with upload.lock:  # a new screening of the same file: earlier downloads are stale
        for path in upload.files.values():
            path.unlink(missing_ok=True)
        upload.files.clear()
        upload.error, upload.run, upload.state, upload.stage = None, None, "queued", "queued"
    _web(request).pool.submit(_screen_job, _web(request), upload, columns)
    return RedirectResponse(f"/u/{upload.id}/progress", status_code=303)


def _status(upload: Upload) -> dict[str, Any]:
    from riskscreen.web import present  # lazy: the first page comes before the library

    names = [s for s, _ in present.STAGES]
    # a stage this page does not know yet (a newer library) counts as the last one
    step = names.index(upload.stage) if upload.stage in names else len(names) - 1
    return {
        "state": upload.state,
        "stage": upload.stage,
        "label": dict(present.STAGES).get(upload.stage, upload.stage),
        "step": step,
        "steps": len(names) - 1,
        "rows": upload.table.n_rows if upload.table is not None else None,
        "error": upload.error,
        "next": f"/u/{upload.id}/results",
    }


async def progress_page(request: Request) -> Response:
    upload = _upload(request)
    if upload is None:
        return _gone(request)
    if upload.state == "done":
        return RedirectResponse(f"/u/{upload.id}/results", status_code=303)
    if upload.state == "uploaded":
        return RedirectResponse(f"/u/{upload.id}/columns", status_code=303)
    from riskscreen.web import present  # lazy: the first page comes before the library

    return render(request, "progress.html", upload=upload, status=_status(upload),
                  stages=present.STAGES)


async def status(request: Request) -> Response:
    upload = _upload(request)
    if upload is None:
        return JSONResponse({"state": "gone"}, status_code=404)
    return JSONResponse(_status(upload))


def _screened_upload(request: Request) -> Upload | Response:
    """The upload whose screening is done, or the page to show instead (gone, progress)."""
    upload = _upload(request)
    if upload is None:
        return _gone(request)
    if upload.state != "done":
        return RedirectResponse(f"/u/{upload.id}/progress", status_code=303)
    return upload


async def results_page(request: Request) -> Response:
    upload = _screened_upload(request)
    if isinstance(upload, Response):
        return upload
    from riskscreen.web import present  # lazy: the first page comes before the library

    run = upload.run
    cap = _web(request).config.max_table_rows
    flagged, review = present.flagged_rows(run), present.review_rows(run)
    return render(request, "results.html", upload=upload, summary=present.summary(run),
                  flagged=flagged[:cap], review=review[:cap], cap=cap,
                  flagged_total=len(flagged), review_total=len(review),
                  countries=sorted({r["country"] for r in flagged if r["country"]}),
                  tiers=[t for t in TIERS if any(r["risk_tier"] == t for r in flagged)])


def _explain_text(web: Any, country: str | None, product: str | None) -> tuple[str | None,
                                                                              str | None]:
    """(text of `riskscreen explain`, or the message it would print). A lone value is read as
    what its form field says it is."""
    from riskscreen.lookup import explain  # lazy: the first page comes before the library

    reference, model, watchlists = web.resources()
    read_as = None if country and product else ("country" if country else "product")
    try:
        return explain(country or None, product or None, read_as=read_as, reference=reference,
                       model=model, watchlists=watchlists), None
    except RiskscreenError as exc:
        return None, str(exc)


async def row_page(request: Request) -> Response:
    upload = _screened_upload(request)
    if isinstance(upload, Response):
        return upload
    from riskscreen.web import present  # lazy: the first page comes before the library

    web = _web(request)
    _, _, watchlists = await run_in_threadpool(web.resources)
    detail = present.row_detail(upload.run, request.path_params["row_id"], watchlists)
    if detail is None:
        return render(request, "error.html", 404, title="Row not found",
                      error="There is no such row in this file.")
    row = detail["row"]
    text = message = None
    roles = upload.run.roles
    product = row.get("good") or (row.get(roles.product) if roles.product else None)
    if row.get("country_iso3") or product:  # explain reads the row's country and good
        text, message = await run_in_threadpool(_explain_text, web, row.get("country_iso3"),
                                                product)
    name = row.get(roles.name) if roles.name else None
    return render(request, "row.html", upload=upload, detail=detail, row=row, name=name or "",
                  listing=row.get("listing_edition"),
                  blocks=present.explain_blocks(text) if text else [], explain_error=message)


def _download_name(upload: Upload, kind: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", PurePosixPath(upload.name).stem).strip("._")
    return f"{(stem or 'suppliers')[:80]}{DOWNLOADS[kind]}"


def _write(upload: Upload, kind: str) -> Any:
    from riskscreen.pipeline import write_outputs  # lazy: the first page comes before the library

    with upload.lock:
        if kind not in upload.files:
            target = upload.folder / f"output-{kind}"
            write_outputs(upload.run, target)
            upload.files[kind] = target
        return upload.files[kind]


async def download(request: Request) -> Response:
    upload = _upload(request)
    kind = request.path_params["kind"]
    if upload is None or kind not in DOWNLOADS:
        return _gone(request)
    if upload.state != "done":
        return RedirectResponse(f"/u/{upload.id}/progress", status_code=303)
    try:
        path = await run_in_threadpool(_write, upload, kind)
    except RiskscreenError as exc:
        return render(request, "error.html", 500, title="Download failed",
                      error=upload.user_message(str(exc)))
    media = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
             if kind.endswith(".xlsx") else "text/csv; charset=utf-8")
    return FileResponse(path, media_type=media, filename=_download_name(upload, kind))


async def delete(request: Request) -> Response:
    upload = _upload(request)
    if upload is not None:
        form = await request.form(max_files=0, max_fields=5)
        refused = await _check_csrf(request, form)
        if refused:
            return refused
        _web(request).store.remove(upload.id)
    return RedirectResponse("/?deleted=1", status_code=303)


async def explain_page(request: Request) -> Response:
    from riskscreen.web import present  # lazy: the first page comes before the library

    country = request.query_params.get("country", "").strip()[:200]
    product = request.query_params.get("product", "").strip()[:200]
    text = message = None
    if country or product:
        text, message = await run_in_threadpool(_explain_text, _web(request), country, product)
    return render(request, "explain.html", country=country, product=product,
                  blocks=present.explain_blocks(text) if text else [], explain_error=message)


async def about_page(request: Request) -> Response:
    from riskscreen.io.report_method import NOTE  # lazy: the first page comes before the library
    from riskscreen.run_meta import model_summary  # lazy: the first page comes before the library
    from riskscreen.scoring import list_label, load_thresholds  # lazy: first page first
    from riskscreen.tables import read_table  # lazy: the first page comes before the library

    reference, model, watchlists = await run_in_threadpool(_web(request).resources)
    manifest = reference.manifest or {}
    links = {r["key"]: r for r in read_table("source_links").iter_rows(named=True)}
    thresholds = read_table("thresholds").filter(
        read_table("thresholds")["key"].is_in(list(load_thresholds().values))
    ).select("key", "value", "note").rows()
    return render(request, "about.html", manifest=manifest, links=links,
                  lists=watchlists.describe(), note=NOTE, model=model_summary(model),
                  thresholds=thresholds, sources=manifest.get("sources") or [],
                  newest=list_label(reference), edition=reference.newest_edition,
                  editions=[list_label(reference, e)
                            for e in manifest.get("listing_editions") or []])


async def tiers_css(request: Request) -> Response:
    from riskscreen.web import present  # lazy: the first page comes before the library

    return Response(present.tier_css(), media_type="text/css")


async def not_found(request: Request, exc: Exception) -> Response:
    return render(request, "error.html", 404, title="Not found",
                  error="There is no such page here.")


async def server_error(request: Request, exc: Exception) -> Response:
    traceback.print_exception(exc, file=sys.stderr)
    return render(request, "error.html", 500, title="Something went wrong",
                  error=f"Unexpected {type(exc).__name__}; the server is still running. Go back "
                  "and try again; if it happens again, report it with the server's output.")
