"""Stable error codes of the Pro Santé Connect stand-in's sandbox-only routes (OperationOutcome).

The OAuth/OIDC endpoints answer RFC 6749 / RFC 6750 / CIBA errors (``invalid_grant``,
``authorization_pending`` ...), whose ``error`` values are the stable codes there.
"""

from enum import StrEnum


class PscCode(StrEnum):
    UNKNOWN_CLIENT = "PSC-0001"  # 404: no client with that id in this tenant
    CLIENT_EXISTS = "PSC-0002"  # 409: POST /_admin/clients with a client_id already declared
    UNKNOWN_CIBA_REQUEST = "PSC-0003"  # 404: no CIBA request with that auth_req_id in this tenant
    CIBA_NOT_PENDING = "PSC-0004"  # 409: approve/deny of a request already decided, spent or expired
    DIRECTORY_UNAVAILABLE = "PSC-0005"  # 503: the Annuaire Santé did not answer a CIBA lookup
