"""Pro Santé Connect stand-in: OpenID Connect provider for health professionals (CPS / e-CPS)."""
