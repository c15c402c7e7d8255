"""CIBA endpoints (spec digest §2.5): the backchannel authentication request, and the simulated e-CPS
phone where the professional approves or refuses it (sandbox-only).

``POST {issuer}/protocol/openid-connect/ext/ciba/auth`` starts a request; the client polls the token
endpoint. ``GET /ecps`` lists pending requests with their binding message; ``POST
/ecps/requests/{auth_req_id}/approve`` and ``.../deny`` decide (from the page's buttons, or from a
script). When ``SANDBOX_ADMIN_TOKEN`` is set, deciding needs it (Bearer header, or the page's field), and
the page lists one professional's requests (``?login_hint=``) unless the request carries the token.
"""

from __future__ import annotations

import hmac
import time
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from core.admin import check_admin, presented_admin_token
from core.errors import OAuthError, SandboxError
from core.oidc.endpoints import authenticated, json_response
from core.oidc.form import FORM, parse_form, read_form
from core.oidc.provider import PROTOCOL
from core.openapi import form_body, oauth_errors
from services.pro_sante_connect import pages
from services.pro_sante_connect.ciba import check_request
from services.pro_sante_connect.codes import PscCode
from services.pro_sante_connect.deps import Annuaire, CibaFlow, OidcProvider, Settings, Tenant
from services.pro_sante_connect.directory import DirectoryUnavailable, find_professional
from services.pro_sante_connect.login import login_of
from services.pro_sante_connect.pages import EcpsRequestView

SANDBOX_ONLY = "sandbox-only"
CIBA_FORM = form_body({"login_hint": {"type": "string"}, "binding_message": {"type": "string"},
                       "scope": {"type": "string"}, "acr_values": {"type": "string"},
                       "requested_expiry": {"type": "integer", "minimum": 1}, "client_id": {"type": "string"},
                       "client_secret": {"type": "string"}, "client_assertion": {"type": "string"},
                       "client_assertion_type": {"type": "string"}}, required=["login_hint", "scope"])


def backchannel_router(realm_path: str) -> APIRouter:
    router = APIRouter(prefix=realm_path, tags=["openid-connect"])

    @router.post(PROTOCOL + "/ext/ciba/auth", openapi_extra=CIBA_FORM, responses=oauth_errors(400, 401))
    async def backchannel_authentication(request: Request, tenant: Tenant, provider: OidcProvider,
                                         ciba: CibaFlow, annuaire: Annuaire, settings: Settings) -> Response:
        """CIBA backchannel authentication request (poll mode): login_hint, binding_message, channel."""
        form = await read_form(request)
        # a private_key_jwt assertion is spent even if the request fails later
        client = await provider.in_write(lambda conn: authenticated(provider, conn, tenant, form, request))
        scope, channel, binding, expires_in = check_request(client, form, max_expiry=settings.ciba_expires_in)
        try:
            pro = await find_professional(annuaire, settings.annuaire_api_key, form["login_hint"])
        except DirectoryUnavailable as exc:
            raise SandboxError(503, PscCode.DIRECTORY_UNAVAILABLE, f"The Annuaire Santé did not answer: {exc}",
                               issue="transient") from None
        if pro is None or not pro.active:
            raise OAuthError("unknown_user_id", "login_hint names no active professional of the Annuaire Santé "
                             "(send the idNat_PS, e.g. 899700218896).")
        ack = await provider.in_write(lambda conn: ciba.create(
            conn, tenant=tenant, client=client, id_nat_ps=pro.id_nat_ps, display_name=pro.display_name,
            login=login_of(pro, channel), scope=scope, channel=channel, binding=binding, expires_in=expires_in))
        return json_response(ack)

    return router


ecps = APIRouter(prefix="/ecps", tags=[SANDBOX_ONLY])


@ecps.get("")
def ecps_page(request: Request, tenant: Tenant, provider: OidcProvider, ciba: CibaFlow,
              login_hint: str = "", notice: str = "") -> Response:
    """The simulated e-CPS phone: pending CIBA requests with their binding message (sandbox-only).

    With ``SANDBOX_ADMIN_TOKEN`` set, the page lists one professional's requests (``login_hint``), as a phone
    would; every professional's only for a request carrying the token (a wrong one is refused).
    """
    base = provider.settings.base_url(tenant) + "/ecps"
    sandbox = provider.settings.sandbox
    hint = login_hint.strip() or None
    if sandbox.admin_token is not None and presented_admin_token(request) is not None:
        check_admin(request, sandbox)
        scoped = False
    else:
        scoped = sandbox.admin_token is not None
    now = time.time()
    with provider.db.read() as conn:
        pending = [] if scoped and hint is None else ciba.pending(conn, tenant=tenant, id_nat_ps=hint)
        names = {c.client_id: c.display_name for c in provider.store.clients(conn, tenant=tenant)}
    views = [EcpsRequestView(
        auth_req_id=r.auth_req_id, professional=r.display_name, id_nat_ps=r.id_nat_ps,
        client_name=names.get(r.client_id, r.client_id), binding_message=r.binding_message or "",
        channel=r.channel, seconds_left=max(0, int(r.expires_at - now)),
        approve_url=f"{base}/requests/{r.auth_req_id}/approve", deny_url=f"{base}/requests/{r.auth_req_id}/deny",
    ) for r in pending]
    return pages.render("ecps.html", requests=views, login_hint=login_hint, filter_url=base,
                        admin_token_required=sandbox.admin_token is not None,
                        professional_required=scoped and hint is None, notice=notice[:200] or None)


async def decide(request: Request, tenant: str, provider, ciba, auth_req_id: str, approve: bool) -> Response:  # noqa: ANN001
    from_page = request.headers.get("content-type", "").split(";")[0].strip().lower() == FORM
    form = parse_form(await request.body()) if from_page else {}
    guard(request, provider.settings.sandbox, form.get("admin_token"))
    await provider.in_write(lambda conn: settle(conn, tenant, ciba, auth_req_id, approve))
    status = "approved" if approve else "denied"
    if from_page:
        notice = urlencode({"notice": "Demande acceptée" if approve else "Demande refusée"})
        return RedirectResponse(f"{provider.settings.base_url(tenant)}/ecps?{notice}", status_code=303)
    return json_response({"auth_req_id": auth_req_id, "status": status})


def settle(conn, tenant: str, ciba, auth_req_id: str, approve: bool) -> None:  # noqa: ANN001
    """Approve or deny a pending CIBA request (404 unknown, 409 no longer pending)."""
    found = ciba.get(conn, tenant=tenant, auth_req_id=auth_req_id)
    if found is None:
        raise SandboxError(404, PscCode.UNKNOWN_CIBA_REQUEST, f"No CIBA request {auth_req_id[:80]!r} in this "
                           "tenant.", issue="not-found")
    now = time.time()
    if found.expires_at <= now or not ciba.decide(conn, tenant=tenant, request=found, approve=approve, at=now):
        raise SandboxError(409, PscCode.CIBA_NOT_PENDING, f"The CIBA request is {found.status}"
                           f"{' and expired' if found.expires_at <= now else ''}: only a pending request can be "
                           "approved or denied.", issue="conflict")


def guard(request: Request, sandbox, field: str | None) -> None:  # noqa: ANN001
    """The admin token when one is configured: Bearer header, or the e-CPS page's password field."""
    expected = sandbox.admin_token.get_secret_value() if sandbox.admin_token else None
    if expected and field and presented_admin_token(request) is None:
        if hmac.compare_digest(field.encode(), expected.encode()):
            return
    check_admin(request, sandbox)


@ecps.post("/requests/{auth_req_id}/approve")
async def approve(request: Request, auth_req_id: str, tenant: Tenant, provider: OidcProvider,
                  ciba: CibaFlow) -> Response:
    """The professional approves a CIBA request on the e-CPS phone (sandbox-only)."""
    return await decide(request, tenant, provider, ciba, auth_req_id, approve=True)


@ecps.post("/requests/{auth_req_id}/deny")
async def deny(request: Request, auth_req_id: str, tenant: Tenant, provider: OidcProvider,
               ciba: CibaFlow) -> Response:
    """The professional refuses a CIBA request on the e-CPS phone (sandbox-only)."""
    return await decide(request, tenant, provider, ciba, auth_req_id, approve=False)

