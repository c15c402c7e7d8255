"""OpenID Connect in one place (DESIGN.md "Auth"): the provider engine and the resource-server side.

Provider side, used by Pro Santé Connect (and later by the Mon espace santé citizen login): per-tenant
signing keys (:mod:`keys`), clients (:mod:`clients`, :mod:`client_auth`), authorization requests
(:mod:`authorize`) and how their answer travels (:mod:`response_modes`: query, fragment, form_post),
grants and tokens (:mod:`grants`, :mod:`tokens`) and the realm's endpoints (:mod:`endpoints`).
Resource-server side, used by every other service: :mod:`verifier` checks a bearer token against the
issuer's published keys and :mod:`principals` types who is calling.
"""
