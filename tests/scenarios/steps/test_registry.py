"""scenarios/steps and scenarios/logins: each kind is one registered model, read by the loader and the schema."""

from __future__ import annotations

from scenarios import schema
from scenarios.logins import LOGINS
from scenarios.model import STEP_MODELS
from scenarios.steps import STEPS, load_kinds


def test_every_module_of_the_package_registers_its_kind():
    assert set(load_kinds()) == {"request", "await", "fault", "include", "wait"}
    assert set(STEP_MODELS) == set(STEPS)


def test_the_schema_names_every_step_and_login_kind():
    text = schema.text()
    for kind in STEPS:
        assert f'"{kind}"' in text
    for login in LOGINS:
        assert f'"const": "{login}"' in text
