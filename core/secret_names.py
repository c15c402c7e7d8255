"""The JSON members and form fields that carry a secret (OAuth and admin credentials): masked by the recorder
(``core/masking.py``) and never shown by a scenario report (``scenarios/expect/check.py``), one list for both."""

SECRET_FIELDS = frozenset({
    "client_secret", "client_assertion", "assertion", "code", "code_verifier", "access_token", "refresh_token",
    "id_token", "token", "password", "admin_token",
})
FHIR_KEPT = frozenset({"code"})  # in a FHIR resource, Coding.code and friends are evidence, not secrets
