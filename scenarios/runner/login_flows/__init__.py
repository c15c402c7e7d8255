"""The login flows, one module per login kind, each registered in ``scenarios.runner.logins.FLOWS`` on import."""

from scenarios.runner.login_flows import client_credentials, code_pkce, psc_ciba  # noqa: F401
