"""The single front door of the sandbox: routing, tenants, recording, metrics and the ``sandbox`` CLI."""
