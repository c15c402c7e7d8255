"""The citizen side's login: an OpenID provider for patients, issuer ``{public}/ms-espace-sante/citizen``.

provider.py configures the kernel's engine (core/oidc) and says what a patient's login establishes;
routes.py mounts discovery, JWKS, token, userinfo, revocation, the persona picker and the sandbox-only
client administration. Its tokens carry the patient's INS in ``ins``: core/oidc makes them a ``Patient``.
"""
