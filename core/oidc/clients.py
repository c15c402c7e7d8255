"""Relying parties: RFC 7591 client metadata, checked once when a client is declared.

A client declared through the admin API or the clients file gets the same checks, and errors are the
RFC 7591 ones (``invalid_client_metadata``, ``invalid_redirect_uri``) naming the field at fault.
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from core.errors import OAuthError

CIBA_GRANT = "urn:openid:params:grant-type:ciba"
GRANT_TYPES = ("authorization_code", "refresh_token", "client_credentials", CIBA_GRANT)
AUTH_METHODS = ("client_secret_basic", "client_secret_post", "private_key_jwt", "none")
SECRET_METHODS = ("client_secret_basic", "client_secret_post")
CLIENT_ID_RE = re.compile(r"[A-Za-z0-9._~-]{1,128}")
USER_GRANTS = ("authorization_code", "refresh_token")


@dataclass(frozen=True)
class Client:
    client_id: str
    token_endpoint_auth_method: str
    grant_types: tuple[str, ...]
    scope: tuple[str, ...]
    redirect_uris: tuple[str, ...] = ()
    post_logout_redirect_uris: tuple[str, ...] = ()
    client_secret: str | None = None
    client_name: str = ""
    jwks: dict | None = None
    userinfo_signed_response_alg: str | None = None
    client_id_issued_at: int = field(default_factory=lambda: int(time.time()))

    @property
    def public(self) -> bool:
        return self.token_endpoint_auth_method == "none"

    @property
    def display_name(self) -> str:
        return self.client_name or self.client_id

    def metadata(self) -> dict:
        """The stored client as RFC 7591 metadata, credentials included (sandbox-only answers)."""
        out: dict = {
            "client_id": self.client_id,
            "client_id_issued_at": self.client_id_issued_at,
            "client_name": self.client_name,
            "token_endpoint_auth_method": self.token_endpoint_auth_method,
            "grant_types": list(self.grant_types),
            "response_types": ["code"] if "authorization_code" in self.grant_types else [],
            "scope": " ".join(self.scope),
            "redirect_uris": list(self.redirect_uris),
            "post_logout_redirect_uris": list(self.post_logout_redirect_uris),
        }
        if self.client_secret is not None:
            out["client_secret"] = self.client_secret
            out["client_secret_expires_at"] = 0
        if self.jwks is not None:
            out["jwks"] = self.jwks
        if self.userinfo_signed_response_alg:
            out["userinfo_signed_response_alg"] = self.userinfo_signed_response_alg
        return out


def bad(field_name: str, why: str, error: str = "invalid_client_metadata") -> OAuthError:
    return OAuthError(error, f"{field_name}: {why}")


def string_list(meta: dict, name: str) -> tuple[str, ...]:
    value = meta.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise bad(name, "must be a list of non-empty strings.")
    return tuple(dict.fromkeys(value))


SCRIPT_SCHEMES = ("javascript", "data", "vbscript", "file", "blob")  # never a place to send a code


def check_uri(name: str, uri: str) -> str:
    """An absolute URI without a fragment: https, http, or a native app's own scheme (RFC 8252 7.1)."""
    parts = urlsplit(uri)
    if not parts.scheme or parts.fragment or (parts.scheme in ("http", "https") and not parts.netloc):
        raise bad(name, f"{uri[:200]!r} must be an absolute URI without a fragment.", "invalid_redirect_uri")
    if parts.scheme.lower() in SCRIPT_SCHEMES:
        raise bad(name, f"{uri[:200]!r}: a {parts.scheme} URI cannot receive an authorization response; use "
                  "https, http on a local address, or the app's own scheme.", "invalid_redirect_uri")
    return uri


def parse_client(meta: object, *, supported_scopes: tuple[str, ...], default_scope: tuple[str, ...]) -> Client:
    """A :class:`Client` from RFC 7591 metadata, generating ``client_id``/``client_secret`` when absent."""
    if not isinstance(meta, dict):
        raise OAuthError("invalid_client_metadata", "The body must be a JSON object of RFC 7591 client metadata.")
    client_id = meta.get("client_id") or f"sandbox-{secrets.token_hex(8)}"
    if not isinstance(client_id, str) or not CLIENT_ID_RE.fullmatch(client_id):
        raise bad("client_id", "use 1 to 128 characters among A-Z a-z 0-9 . _ ~ -.")
    method = meta.get("token_endpoint_auth_method", "client_secret_basic")
    if method not in AUTH_METHODS:
        raise bad("token_endpoint_auth_method", f"{str(method)[:60]!r} is not one of {', '.join(AUTH_METHODS)}.")
    grants = string_list(meta, "grant_types") if "grant_types" in meta else USER_GRANTS
    unknown = [g for g in grants if g not in GRANT_TYPES]
    if unknown or not grants:
        raise bad("grant_types", f"supported grant types are {', '.join(GRANT_TYPES)}.")
    if method == "none" and set(grants) - set(USER_GRANTS):
        raise bad("grant_types", "a public client (token_endpoint_auth_method none) can only use "
                  "authorization_code and refresh_token.")
    redirects = tuple(check_uri("redirect_uris", u) for u in string_list(meta, "redirect_uris"))
    if "authorization_code" in grants and not redirects:
        raise bad("redirect_uris", "required for the authorization_code grant.", "invalid_redirect_uri")
    logouts = tuple(check_uri("post_logout_redirect_uris", u) for u in string_list(meta, "post_logout_redirect_uris"))
    scope = meta.get("scope", " ".join(default_scope))
    if not isinstance(scope, str):
        raise bad("scope", "must be a space-separated string.")
    scopes = tuple(dict.fromkeys(scope.split()))
    if extra := [s for s in scopes if s not in supported_scopes]:
        raise bad("scope", f"unsupported scope(s) {' '.join(extra)}; supported: {' '.join(supported_scopes)}.")
    secret = meta.get("client_secret")
    if method in SECRET_METHODS:
        secret = secret or secrets.token_urlsafe(32)
        if not isinstance(secret, str):
            raise bad("client_secret", "must be a string.")
    elif secret is not None:
        raise bad("client_secret", f"a client using {method} has no secret.")
    jwks = meta.get("jwks")
    if method == "private_key_jwt":
        check_jwks(jwks)
    elif jwks is not None:
        raise bad("jwks", "only clients using private_key_jwt declare keys.")
    alg = meta.get("userinfo_signed_response_alg")
    if alg not in (None, "RS256"):
        raise bad("userinfo_signed_response_alg", "only RS256 is supported (or leave it out for JSON).")
    name = meta.get("client_name", "")
    if not isinstance(name, str):
        raise bad("client_name", "must be a string.")
    return Client(client_id=client_id, token_endpoint_auth_method=method, grant_types=grants, scope=scopes,
                  redirect_uris=redirects, post_logout_redirect_uris=logouts, client_secret=secret,
                  client_name=name[:200], jwks=jwks, userinfo_signed_response_alg=alg)


def check_jwks(jwks: object) -> KeySet:
    if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list) or not jwks["keys"]:
        raise bad("jwks", 'private_key_jwt needs the client\'s public keys as {"keys": [...]}.')
    if any(not isinstance(k, dict) or "d" in k for k in jwks["keys"]):
        raise bad("jwks", "publish public keys only (no private parameters).")
    try:
        return KeySet.import_key_set(jwks)
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise bad("jwks", f"a key cannot be read ({exc}).") from None


def client_from_row(meta: dict) -> Client:
    """A stored client (already checked when it was declared)."""
    return Client(
        client_id=meta["client_id"], token_endpoint_auth_method=meta["token_endpoint_auth_method"],
        grant_types=tuple(meta["grant_types"]), scope=tuple(meta["scope"].split()),
        redirect_uris=tuple(meta.get("redirect_uris", ())),
        post_logout_redirect_uris=tuple(meta.get("post_logout_redirect_uris", ())),
        client_secret=meta.get("client_secret"), client_name=meta.get("client_name", ""), jwks=meta.get("jwks"),
        userinfo_signed_response_alg=meta.get("userinfo_signed_response_alg"),
        client_id_issued_at=meta.get("client_id_issued_at", 0),
    )
