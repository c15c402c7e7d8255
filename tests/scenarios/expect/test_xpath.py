"""scenarios.expect.xpath: names without prefixes match any namespace, prefixes are exact, values as text."""

from __future__ import annotations

from scenarios.expect.xpath import evaluate, namespaces, parse_xml, prefixes_of, syntax_error, truthy, values

DOC = parse_xml(b'<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body>'
                b'<R xmlns="urn:r" xmlns:x="urn:x" x:kind="a"><CR> <CodeCR>00</CodeCR> </CR><n>1</n><n>2</n></R>'
                b"</e:Body></e:Envelope>")


def test_prefixes_found_outside_strings_and_axes():
    assert prefixes_of("//soap:Body/child::insi:CR[@x:a = 'p:q']/descendant-or-self::node()") == {
        "soap", "insi", "x"}
    assert prefixes_of("//CR[local-name() = 'CR']") == set()


def test_document_prefixes_overlay_the_sandbox_ones():
    found = namespaces(DOC)
    assert found["e"] == "http://www.w3.org/2003/05/soap-envelope" and found["x"] == "urn:x"
    assert found["siram"] == "urn:siram"


def test_local_names_and_exact_names():
    assert values(evaluate(DOC, "//CR/CodeCR")) == ["00"]
    assert values(evaluate(DOC, "//R/@kind")) == ["a"]  # attributes lose their namespace too
    assert values(evaluate(DOC, "/e:Envelope/soap:Body/*/@x:kind")) == ["a"]
    assert values(evaluate(DOC, "//e:Body/CR")) == []
    assert values(evaluate(DOC, "sum(//n)")) == ["3"] and values(evaluate(DOC, "string(//CR)")) == [" 00 "]
    assert values(evaluate(DOC, "//CR")) == ["00"]  # an element's text, stripped


def test_truthiness_is_xpath_boolean():
    assert truthy(evaluate(DOC, "//CodeCR")) and not truthy(evaluate(DOC, "//Nope"))
    assert truthy(evaluate(DOC, "count(//n) = 2")) and not truthy(evaluate(DOC, "count(//Nope)"))
    assert not truthy(evaluate(DOC, "string(//Nope)"))


def test_syntax():
    assert syntax_error("//soap:Fault/soap:Code/soap:Value") is None
    assert syntax_error("//unknownprefix:a") is None  # the document may declare it: checked when run
    assert syntax_error("//a[").startswith("not XPath 1.0: ")
