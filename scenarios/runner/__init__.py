"""The scenario runner: a loaded plan run against a sandbox over HTTP (docs/scenarios.md, "Running")."""
