"""What a run tells whoever watches it (the console progress, a test): a no-op base to subclass.

The runner calls these in order for each scenario: ``scenario_started``, then per step ``step_started``,
``instruction`` (an ``await`` step: what the operator must do now), ``step_finished``; then
``scenario_finished``. Several scenarios may run at once (``-j``): calls of different scenarios interleave.
"""

from __future__ import annotations

from scenarios.results import ScenarioResult, StepResult


class Events:
    def scenario_started(self, scenario: ScenarioResult) -> None:
        pass

    def step_started(self, scenario: ScenarioResult, step: StepResult) -> None:
        pass

    def instruction(self, scenario: ScenarioResult, step: StepResult, text: str) -> None:
        pass

    def step_finished(self, scenario: ScenarioResult, step: StepResult) -> None:
        pass

    def scenario_finished(self, scenario: ScenarioResult) -> None:
        pass
