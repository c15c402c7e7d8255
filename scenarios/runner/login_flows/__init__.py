"""The login flows, one module per login kind, each registered in ``scenarios.runner.logins.FLOWS`` on import."""

from scenarios.runner.login_flows import client_credentials, psc_ciba, psc_code  # noqa: F401
