"""scenarios.expect.jsonpath: RFC 9535 queries, syntax errors with their position."""

from __future__ import annotations

import pytest

from scenarios.expect.jsonpath import evaluate, syntax_error

TOKEN = {"access_token": "a.b.c", "token_type": "Bearer", "expires_in": 60,
         "keys": [{"kid": "k1", "use": "sig"}, {"kid": "k2", "use": "enc"}], "x-y": True}


@pytest.mark.parametrize("query, found", [
    ("$.access_token", ["a.b.c"]), ("$['x-y']", [True]), ("$.keys[?@.use == 'enc'].kid", ["k2"]),
    ("$.keys[*].kid", ["k1", "k2"]), ("$..kid", ["k1", "k2"]), ("$.keys[?match(@.kid, 'k[0-9]')].use", ["sig", "enc"]),
    ("$.nothing", []), ("$.keys[-1].kid", ["k2"]),
])
def test_rfc_9535_queries(query, found):
    assert syntax_error(query) is None
    assert evaluate(TOKEN, query) == found


@pytest.mark.parametrize("query, start", [
    ("access_token", "not JSONPath: a query starts with '$'"), ("$.a[", "not JSONPath: "),
    ("$[?@.a ==]", "not JSONPath: "), ("$.x-y", "not JSONPath: "),
])
def test_syntax_errors(query, start):
    assert syntax_error(query).startswith(start)
    with pytest.raises(ValueError, match="^not JSONPath: "):
        evaluate(TOKEN, query)
