"""Fault rules on their own (gateway/fault_rules.py): validation, path patterns, count, duration, order."""

from __future__ import annotations

import pytest

from core.codes import Code
from core.errors import SandboxError
from core.fault_rule import parse_rule
from gateway.fault_rules import MAX_RULES, FaultRules, path_matches

SERVICES = ("ins-teleservice", "annuaire-sante", "pro-sante-connect")


def rule(**values):
    return parse_rule({"service": "ins-teleservice", **values}, services=SERVICES, max_latency_ms=60_000)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(("pattern", "path", "expected"), [
    ("/lps", "/lps", True),
    ("/lps", "/lps/x", False),
    ("/lps", "/lp", False),
    ("/fhir/v2/*", "/fhir/v2/Practitioner", True),
    ("/fhir/v2/*", "/fhir/v2/", True),
    ("/fhir/v2/*", "/fhir/v1/Practitioner", False),
    ("*/userinfo", "/auth/realms/esante-wallet/protocol/openid-connect/userinfo", True),
    ("/fhir/*/Patient/*", "/fhir/v2/Patient/123", True),
    ("/fhir/*/Patient/*", "/fhir/v2/Practitioner/123", False),
    ("/a*a", "/a", False),  # the prefix and the suffix may not overlap
    ("/a*b*c", "/abc", True),
    ("/a*b*c", "/acb", False),
    ("*", "/anything", True),
    (None, "/anything", True),
])
def test_paths_match_literally_with_star_as_any_characters(pattern, path, expected) -> None:
    assert path_matches(pattern, path) is expected


def test_a_long_hostile_path_is_matched_in_linear_time() -> None:
    assert path_matches("/*a*a*a*a*a*a*b", "/" + "a" * 200_000) is False


@pytest.mark.parametrize(("body", "where"), [
    ({"service": "nope", "status": 503}, "service"),
    ({"status": 503}, "service"),
    ({"service": "ins-teleservice", "method": "FETCH", "status": 503}, "method"),
    ({"service": "ins-teleservice", "method": "post", "status": 503}, "method"),
    ({"service": "ins-teleservice", "path": "lps", "status": 503}, "path"),
    ({"service": "ins-teleservice", "path": "/l ps", "status": 503}, "path"),
    ({"service": "ins-teleservice", "path": "/" + "*" * 9, "status": 503}, "path"),
    ({"service": "ins-teleservice", "status": 200}, "status"),
    ({"service": "ins-teleservice", "status": 600}, "status"),
    ({"service": "ins-teleservice", "status": "503"}, "status"),
    ({"service": "ins-teleservice", "status": 503.0}, "status"),
    ({"service": "ins-teleservice", "status": True}, "status"),
    ({"service": "ins-teleservice", "status": 503, "count": 0}, "count"),
    ({"service": "ins-teleservice", "status": 503, "count": -1}, "count"),
    ({"service": "ins-teleservice", "status": 503, "count": 10**30}, "count"),
    ({"service": "ins-teleservice", "status": 503, "seconds": 0}, "seconds"),
    ({"service": "ins-teleservice", "status": 503, "seconds": 10**9}, "seconds"),
    ({"service": "ins-teleservice", "latency_ms": 0}, "latency_ms"),
    ({"service": "ins-teleservice", "latency_ms": -5}, "latency_ms"),
    ({"service": "ins-teleservice", "latency_ms": 60_001}, "latency_ms"),
    ({"service": "ins-teleservice", "status": 503, "drop": True}, "drop"),
    ({"service": "ins-teleservice", "drop": True, "expire_tokens": True}, "expire_tokens"),
    ({"service": "ins-teleservice", "drop": False}, "drop"),
    ({"service": "ins-teleservice"}, "body"),
    ({"service": "ins-teleservice", "status": 503, "colour": "red"}, "colour"),
    ({"service": ["ins-teleservice"], "status": 503}, "service"),
])
def test_a_bad_rule_is_refused_naming_the_member(body, where) -> None:
    with pytest.raises(SandboxError) as refused:
        parse_rule(body, services=SERVICES, max_latency_ms=60_000)
    assert (refused.value.status, refused.value.code, refused.value.expression) == (400, Code.BAD_FAULT_RULE, [where])


@pytest.mark.parametrize("body", [[], "rule", 3, None])
def test_a_rule_is_a_json_object(body) -> None:
    with pytest.raises(SandboxError) as refused:
        parse_rule(body, services=SERVICES, max_latency_ms=60_000)
    assert refused.value.code == Code.BAD_FAULT_RULE


def test_latency_goes_with_any_effect() -> None:
    assert rule(status=503, latency_ms=10).kind == "status"
    assert rule(latency_ms=10).kind == "latency"
    assert rule(drop=True, latency_ms=10).kind == "drop"


def test_a_counted_rule_applies_to_the_next_n_matching_requests_then_goes() -> None:
    rules = FaultRules()
    added = rules.add("default", rule(method="POST", path="/lps", status=503, count=2))
    assert rules.take("default", "ins-teleservice", "GET", "/lps", False) is None  # another method
    assert rules.take("default", "ins-teleservice", "POST", "/fhir", False) is None  # another path
    assert rules.take("default", "annuaire-sante", "POST", "/lps", False) is None  # another service
    assert rules.take("default", "ins-teleservice", "POST", "/lps", False) is added
    assert rules.get("default", added.id).remaining == 1
    assert rules.take("default", "ins-teleservice", "POST", "/lps", False) is added
    assert rules.take("default", "ins-teleservice", "POST", "/lps", False) is None
    with pytest.raises(SandboxError) as gone:
        rules.get("default", added.id)
    assert gone.value.code == Code.UNKNOWN_FAULT_RULE
    assert rules.by_tenant == {}  # nothing left on the hot path


def test_a_timed_rule_applies_until_its_seconds_pass() -> None:
    clock = Clock()
    rules = FaultRules(clock=clock)
    added = rules.add("default", rule(status=503, seconds=30))
    assert rules.take("default", "ins-teleservice", "POST", "/lps", False) is added
    clock.now += 29.5
    assert rules.list("default")[0].describe(clock.now)["remaining_seconds"] == 0.5
    assert rules.take("default", "ins-teleservice", "POST", "/lps", False) is added
    clock.now += 0.5
    assert rules.take("default", "ins-teleservice", "POST", "/lps", False) is None
    assert rules.list("default") == []


def test_count_and_seconds_end_the_rule_at_whichever_comes_first() -> None:
    clock = Clock()
    rules = FaultRules(clock=clock)
    rules.add("default", rule(status=503, count=5, seconds=10))
    clock.now += 11
    assert rules.take("default", "ins-teleservice", "POST", "/lps", False) is None


def test_a_rule_without_count_or_seconds_stays_until_cleared() -> None:
    rules = FaultRules()
    added = rules.add("default", rule(status=500))
    for _ in range(50):
        assert rules.take("default", "ins-teleservice", "GET", "/anything", False) is added
    assert rules.get("default", added.id).applied == 50
    rules.clear("default")
    assert rules.take("default", "ins-teleservice", "GET", "/anything", False) is None


def test_the_oldest_matching_rule_applies_first() -> None:
    rules = FaultRules()
    first = rules.add("default", rule(status=503, count=1))
    second = rules.add("default", rule(status=500, count=1))
    assert rules.take("default", "ins-teleservice", "POST", "/lps", False) is first
    assert rules.take("default", "ins-teleservice", "POST", "/lps", False) is second


def test_expire_tokens_only_catches_requests_with_a_bearer_token() -> None:
    rules = FaultRules()
    added = rules.add("default", rule(expire_tokens=True, count=1))
    assert rules.take("default", "ins-teleservice", "GET", "/fhir", False) is None
    assert rules.get("default", added.id).remaining == 1  # a request it does not catch costs nothing
    assert rules.take("default", "ins-teleservice", "GET", "/fhir", True) is added


def test_a_get_rule_also_catches_head() -> None:
    rules = FaultRules()
    added = rules.add("default", rule(method="GET", status=503))
    assert rules.take("default", "ins-teleservice", "HEAD", "/lps", False) is added
    assert rules.take("default", "ins-teleservice", "POST", "/lps", False) is None


def test_rules_are_per_tenant() -> None:
    rules = FaultRules()
    added = rules.add("team-a", rule(status=503))
    assert rules.take("team-b", "ins-teleservice", "POST", "/lps", False) is None
    assert rules.take("default", "ins-teleservice", "POST", "/lps", False) is None
    with pytest.raises(SandboxError):
        rules.get("team-b", added.id)
    with pytest.raises(SandboxError):
        rules.delete("team-b", added.id)
    assert rules.take("team-a", "ins-teleservice", "POST", "/lps", False) is added


def test_a_tenant_holds_at_most_max_rules() -> None:
    rules = FaultRules()
    for _ in range(MAX_RULES):
        rules.add("default", rule(status=503))
    with pytest.raises(SandboxError) as full:
        rules.add("default", rule(status=503))
    assert (full.value.status, full.value.code) == (409, Code.FAULT_RULE_LIMIT)
    rules.add("team-a", rule(status=503))  # another tenant has its own room


def test_the_recorded_rule_is_its_id_and_definition() -> None:
    added = FaultRules().add("default", rule(method="POST", path="/lps", status=503, count=2))
    assert added.recorded == (f'{{"id":"{added.id}","service":"ins-teleservice","method":"POST","path":"/lps",'
                              '"status":503,"count":2}')
