"""The kernel's stable error codes (``details.coding.code`` of every OperationOutcome it emits).

Services define their own prefixes (``INS-``, ``PSC-`` ...). Codes never change meaning once published;
docs/kernel.md (and each service's page in docs/) lists them.
"""

from enum import StrEnum


class Code(StrEnum):
    # HTTP / request shape
    NOT_FOUND = "HTTP-0404"  # no such route
    METHOD_NOT_ALLOWED = "HTTP-0405"  # route exists, method does not
    BODY_TOO_LARGE = "HTTP-0413"  # request body over SANDBOX_MAX_BODY_BYTES
    UNSUPPORTED_MEDIA_TYPE = "HTTP-0415"  # content type not accepted by the route
    BAD_PARAMETER = "HTTP-0400"  # query/path parameter failed validation
    # FHIR REST
    MALFORMED_JSON = "FHIR-0001"  # body is not JSON (or not a JSON object)
    UNKNOWN_RESOURCE_TYPE = "FHIR-0002"  # resourceType not a FHIR R4 type / not served here
    INVALID_RESOURCE = "FHIR-0003"  # resource fails FHIR R4 validation (expression names the element)
    TYPE_MISMATCH = "FHIR-0004"  # resourceType of the body differs from the URL
    ID_MISMATCH = "FHIR-0005"  # id of the body differs from the URL on update
    RESOURCE_NOT_FOUND = "FHIR-0006"  # no resource with that id
    RESOURCE_GONE = "FHIR-0007"  # the resource was deleted
    VERSION_NOT_FOUND = "FHIR-0008"  # vread of a version that does not exist
    VERSION_CONFLICT = "FHIR-0009"  # If-Match does not name the current version
    IF_MATCH_REQUIRED = "FHIR-0010"  # update/patch/delete without If-Match where the type requires it
    BAD_IF_MATCH = "FHIR-0011"  # If-Match is not an ETag like W/"3"
    MULTIPLE_MATCHES = "FHIR-0012"  # conditional create matched several resources
    UNKNOWN_SEARCH_PARAM = "FHIR-0013"  # search parameter not supported for this type
    BAD_SEARCH_VALUE = "FHIR-0014"  # search value malformed (date, prefix, modifier, _count ...)
    BAD_PATCH = "FHIR-0015"  # JSON Patch / FHIRPath Patch document invalid or failing
    BAD_BUNDLE = "FHIR-0016"  # batch/transaction Bundle malformed
    TRANSACTION_FAILED = "FHIR-0017"  # an entry of a transaction failed; nothing was written
    BAD_REFERENCE = "FHIR-0018"  # unresolvable urn:uuid or malformed reference in a transaction
    BAD_ID = "FHIR-0019"  # logical id does not match [A-Za-z0-9\-\.]{1,64}
    WRITE_CONFLICT = "FHIR-0020"  # a concurrent write created the same resource first
    JSON_TOO_DEEP = "FHIR-0021"  # JSON body nested deeper than SANDBOX_MAX_JSON_DEPTH (core/jsonbody.py)
    TOO_MANY_VALUES = "FHIR-0022"  # search with more values or criteria than core/fhir/search.py accepts
    BAD_PAGE_LINK = "FHIR-0023"  # 400: _page id missing, altered, from another service/tenant/run (core/fhir/paging.py)
    PAGE_EXPIRED = "FHIR-0024"  # 410: _page id older than SANDBOX_PAGE_TTL
    # gateway and tenants
    BAD_TENANT = "GW-0001"  # tenant name does not match [a-z0-9-]{1,40}
    UNKNOWN_TENANT = "GW-0002"  # admin action on a tenant that does not exist
    PROTECTED_TENANT = "GW-0003"  # the default tenant cannot be deleted
    UNKNOWN_EXCHANGE = "GW-0004"  # no recorded exchange with that id
    SERVICE_UNAVAILABLE = "GW-0005"  # the service behind the slug did not answer
    ADMIN_TOKEN_REQUIRED = "GW-0006"  # /_admin called without the right SANDBOX_ADMIN_TOKEN
    TENANT_EXISTS = "GW-0007"  # POST /_admin/tenants for a name already taken
    TENANT_NOT_CREATED = "GW-0008"  # 404: unknown tenant, no creation on first use (admin token set)
    TENANT_LIMIT = "GW-0009"  # 409: SANDBOX_MAX_TENANTS tenants exist already (first use or admin create)
    TENANT_UNCHANGED = "GW-0010"  # 503: reset/delete refused before changing anything (a service failed)
    TENANT_PARTIAL = "GW-0011"  # 502: reset/delete done on some services only; the issues name them; retry it
    BAD_FAULT_RULE = "GW-0012"  # 400: a fault rule that is malformed (the expression names the member)
    UNKNOWN_FAULT_RULE = "GW-0013"  # 404: no fault rule with that id in the tenant (used up, expired or deleted)
    FAULT_INJECTED = "GW-0014"  # an error answered by a fault rule of the tenant (gateway/faults.py), not the service
    FAULT_RULE_LIMIT = "GW-0015"  # 409: the tenant has MAX_RULES (100) fault rules already
    # bearer tokens (core/oidc/verifier.py): 401 with WWW-Authenticate, unless said otherwise
    MISSING_BEARER = "AUTH-0001"  # no Authorization: Bearer header
    MALFORMED_TOKEN = "AUTH-0002"  # not a compact JWS, or its header/claims are not usable JSON
    BAD_SIGNATURE = "AUTH-0003"  # signature does not verify, or no published key has the token's kid
    TOKEN_EXPIRED = "AUTH-0004"  # exp passed, or nbf/iat still in the future (beyond the leeway)
    WRONG_ISSUER = "AUTH-0005"  # iss is not the issuer of the caller's tenant
    WRONG_AUDIENCE = "AUTH-0006"  # aud names none of the accepted audiences
    ALG_NOT_ALLOWED = "AUTH-0007"  # alg outside the allow-list (none, HS256 ...)
    WRONG_PRINCIPAL = "AUTH-0008"  # 403: a valid token of the wrong kind (software where a professional is needed)
    ISSUER_UNREACHABLE = "AUTH-0009"  # 503: the issuer's JWKS could not be fetched
