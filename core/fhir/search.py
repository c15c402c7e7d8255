"""FHIR search over the index tables: parsing of the query and the SQL it becomes.

Supported (R4 §3.1.1.4): token, string, date, reference and uri parameters; modifiers ``:exact``,
``:contains``, ``:text`` (string and token), ``:missing``, ``:not`` and ``:of-type`` (token) and ``:[type]``
(reference), plus the parts a parameter declares (``name:family``); date prefixes ``eq ne gt lt ge le sa
eb``; comma = OR, repeated parameter = AND; one level of chaining (``patient.identifier=...``); ``_id``,
``_lastUpdated``, ``_count``, ``_offset``, ``_sort``, ``_summary=count``, ``_total``, ``_elements``,
``_include`` (``*`` and ``Type:*`` for every reference parameter) and ``_revinclude`` (one level);
system-level search over several types (``_type``). The value clauses are in :mod:`core.fhir.clauses`, the
result parameters in :mod:`core.fhir.result_params`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection

from core.codes import Code
from core.errors import SandboxError
from core.fhir import result_params
from core.fhir import search_plan as plan
from core.fhir.clauses import (
    bad_value,
    date_clause,
    of_type_values,
    split_or,
    string_clause,
    token_values,
    too_many,
    word_clauses,
)
from core.fhir.declare import FhirSpec, SearchParam
from core.fhir.index import of_type_param, parse_reference, text_param
from core.fhir.schema import FhirTables
from core.fhir.search_plan import Criterion, IdSet
from core.fhir.sql import FALSE, TRUE, Sql, all_of, any_of, equals_any, execute, join, negate, sql
from core.fhir.store import FhirStore, Stored

MODIFIERS = {
    "token": {"missing", "not", "text", "of-type"},
    "uri": {"missing", "not"},
    "string": {"missing", "exact", "contains", "text"},
    "date": {"missing"},
    "reference": {"missing"},
}
SORT_COLUMN = {"token": "code", "uri": "code", "string": "norm", "date": "low", "reference": "target_id"}
ID_PARAM = SearchParam("_id", "token", "id")
UPDATED_PARAM = SearchParam("_lastUpdated", "date", "meta.lastUpdated")


@dataclass
class SearchRequest:
    rtype: str
    criteria: list[tuple[str, str]] = field(default_factory=list)  # (name[:modifier], value) kept for links
    count: int = 20
    offset: int = 0
    sort: list[tuple[str, bool]] = field(default_factory=list)  # (param, descending)
    includes: list[tuple[str, str | None]] = field(default_factory=list)  # (param, target type)
    revincludes: list[tuple[str, str]] = field(default_factory=list)  # (source type, param)
    summary_count: bool = False
    total: str = "accurate"  # _total: none skips the count (the next link then comes from one extra row)
    elements: list[str] | None = None
    echo: list[tuple[str, str]] = field(default_factory=list)  # result parameters to repeat in links

    def link_query(self) -> list[tuple[str, str]]:
        """The parameters that make this search again (``_offset`` aside), as links repeat them."""
        return [*self.criteria, *self.echo, ("_count", str(self.count))]


@dataclass
class SearchResult:
    total: int | None  # None with _total=none
    matches: list[Stored]
    included: list[Stored]
    more: bool = False  # a page follows this one


class SearchEngine:
    def __init__(self, spec: FhirSpec, tables: FhirTables, store: FhirStore) -> None:
        self.spec = spec
        self.t = tables
        self.store = store

    # parsing -------------------------------------------------------------------------------------
    def parse(self, rtype: str, params: list[tuple[str, str]], *, lenient: bool = False) -> SearchRequest:
        req = SearchRequest(rtype=rtype, count=self.spec.default_count)
        for raw_name, value in params:
            name = raw_name.split(":", 1)[0]
            if name in result_params.NAMES:
                result_params.apply(self.spec, req, name, value, self._param)
            elif self._known(rtype, raw_name):
                if len(split_or(value)) > self.spec.max_values:
                    raise too_many(f"{raw_name} has more than {self.spec.max_values} comma-separated values; "
                                   "split the search.", raw_name)
                req.criteria.append((raw_name, value))
                if len(req.criteria) > self.spec.max_values:
                    raise too_many(f"The search has more than {self.spec.max_values} criteria; split it.", raw_name)
            elif not lenient and not name.startswith("_"):  # other servers' _controls (_totalMethod) are ignored
                raise SandboxError(
                    400, Code.UNKNOWN_SEARCH_PARAM,
                    f"Unknown search parameter {raw_name!r} for {rtype}; supported: "
                    f"{', '.join(self.param_names(rtype))}.", issue="not-supported", expression=[raw_name])
        return req

    def param_names(self, rtype: str) -> list[str]:
        spec = self.spec.by_type[rtype]
        return ["_id", "_lastUpdated", *[p.name for p in spec.params]]

    def _param(self, rtype: str, name: str) -> SearchParam | None:
        if name == "_id":
            return ID_PARAM
        if name == "_lastUpdated":
            return UPDATED_PARAM
        spec = self.spec.by_type.get(rtype)
        return spec.param(name) if spec else None

    def _known(self, rtype: str, raw_name: str) -> bool:
        head = raw_name.split(".", 1)[0].split(":", 1)[0]
        return self._param(rtype, head) is not None

    # SQL (core/fhir/sql.py: text and parameters) ----------------------------------------------------
    def where(self, conn: Connection, tenant: str, req: SearchRequest,
              base_urls: tuple[str, ...]) -> list[Sql]:
        """The clauses of ``req``, its criteria planned by :mod:`core.fhir.search_plan` (which one drives)."""
        res = self.t.res.name
        criteria = [self._criterion(tenant, req.rtype, raw_name, value, base_urls) for raw_name, value in req.criteria]
        drive = plan.driver(conn, criteria)
        return [sql(f"{res}.tenant = ? AND {res}.rtype = ? AND {res}.deleted = ?", tenant, req.rtype, False),
                *plan.clauses(criteria, f"{res}.rid", drive)]

    def _criterion(self, tenant: str, rtype: str, raw_name: str, value: str,
                   base_urls: tuple[str, ...]) -> Criterion:
        head, _, chained = raw_name.partition(".")
        name, _, modifier = head.partition(":")
        param = self._param(rtype, name)
        if chained:
            return self._chain(tenant, rtype, param, modifier, chained, value, base_urls)
        part, _, rest = modifier.partition(":")
        if part in param.parts:  # name:family -> family (a part declared by the parameter)
            return self._criterion(tenant, rtype, f"{part}:{rest}" if rest else part, value, base_urls)
        if modifier and modifier not in MODIFIERS[param.type] and not (param.type == "reference"
                                                                        and modifier[:1].isupper()):
            known = sorted(MODIFIERS[param.type]) + [p for p in param.parts]
            raise bad_value(f"Modifier :{modifier[:40]} is not supported on {param.type} parameter {name!r}; "
                            f"use {', '.join(':' + k for k in known)}.", raw_name)
        if param.type == "reference" and modifier[:1].isupper():
            allowed = param.targets or tuple(self.spec.by_type)
            if modifier not in allowed:
                raise bad_value(f"{name!r} refers to {', '.join(allowed)}, not to {modifier[:40]}.", raw_name)
        if name in ("_id", "_lastUpdated"):
            return Criterion(column=self._column_criterion(param, modifier, value, raw_name),
                             by_id=name == "_id" and modifier != "not")
        table, indexed = self._table(param), name
        if modifier == "text" and param.type == "token":  # the text of the codes, in the string table
            table, indexed = self.t.string, text_param(name)
        elif modifier == "of-type":
            indexed = of_type_param(name)
        owned = IdSet(table.name, sql("tenant = ? AND rtype = ? AND param = ?", tenant, rtype, indexed))
        if modifier == "missing":
            if value not in ("true", "false"):
                raise bad_value(f"{raw_name} takes true or false, not {value[:40]!r}.", raw_name)
            return Criterion(none_of=owned) if value == "true" else Criterion.ids(owned)
        if modifier == "text":  # each word in some indexed text of the resource
            return Criterion(groups=[[owned.narrowed(word) for word in word_clauses("norm", v, raw_name)]
                                     for v in split_or(value)])
        if modifier == "of-type":
            matching = of_type_values(split_or(value), raw_name)
        elif param.type in ("token", "uri"):
            matching = token_values(param, split_or(value))
        else:
            matching = any_of([self._value(param, modifier, v, raw_name, base_urls) for v in split_or(value)])
        if modifier == "not":
            return Criterion(none_of=owned.narrowed(matching))
        return Criterion.ids(owned.narrowed(matching), probe=modifier != "contains")

    def _chain(self, tenant, rtype, param, type_modifier, chained, value, base_urls) -> Criterion:
        if param is None or param.type != "reference":
            raise bad_value(f"Only reference parameters can be chained, not {param and param.name!r}.", "chain")
        if "." in chained:
            raise bad_value("Only one level of chaining is supported.", f"{param.name}.{chained}")
        targets = [type_modifier] if type_modifier else list(param.targets) or list(self.spec.by_type)
        target_name = chained.split(":", 1)[0]
        targets = [t for t in targets if t in self.spec.by_type and self._param(t, target_name)]
        if not targets:
            raise SandboxError(400, Code.UNKNOWN_SEARCH_PARAM,
                               f"No target of {param.name!r} has a search parameter {target_name!r}.",
                               issue="not-supported", expression=[f"{param.name}.{chained}"])
        ref = self.t.ref.name
        options = []
        for target in targets:
            inner = self._criterion(tenant, target, chained, value, base_urls).clause(f"{ref}.target_id",
                                                                                        correlated=False)
            options.append(all_of([sql(f"{ref}.target_type = ?", target), inner]))
        return Criterion.ids(IdSet(ref, all_of([sql("tenant = ? AND rtype = ? AND param = ?", tenant, rtype,
                                                    param.name), any_of(options)])))

    def _table(self, param: SearchParam):
        return {"token": self.t.token, "uri": self.t.token, "string": self.t.string, "date": self.t.date,
                "reference": self.t.ref}[param.type]

    def _column_criterion(self, param: SearchParam, modifier: str, value: str, raw: str) -> Sql:
        res = self.t.res.name
        if modifier == "missing":
            return FALSE if value == "true" else TRUE
        if param.name == "_id":
            match = equals_any(f"{res}.rid", split_or(value))
            return negate(match) if modifier == "not" else match
        return any_of([date_clause(f"{res}.updated_at", f"{res}.updated_at", v, raw) for v in split_or(value)])

    def _value(self, param, modifier, value, raw, base_urls) -> Sql:
        if param.type == "string":
            return string_clause("norm", "exact", modifier, value, raw)
        if param.type == "date":
            return date_clause("low", "high", value, raw)
        return self._reference_value(param, modifier, value, base_urls)

    def _reference_value(self, param, modifier, value, base_urls) -> Sql:
        local = value
        for base in base_urls:
            if value.startswith(base + "/"):
                local = value[len(base) + 1:]
        if "://" in local:
            return sql("url = ?", value)
        rtype, rid = parse_reference(local)
        if rtype is None:
            rtype, rid = (modifier or None), local
        if modifier and rtype != modifier:
            return FALSE
        return sql("target_id = ? AND target_type = ?", rid, rtype) if rtype else sql("target_id = ?", rid)

    # running -------------------------------------------------------------------------------------
    def criterion(self, tenant: str, rtype: str, raw_name: str, value: str,
                  base_urls: tuple[str, ...] = ()) -> Sql:
        """The SQL of one criterion (``name[:modifier]``, value) of ``rtype``, for a caller's own ``extra`` clauses.

        A service composes these (with :func:`core.fhir.sql.any_of` / ``all_of``) into filters the query syntax
        cannot say, such as an access rule "not masked, or authored by the caller", and hands them to
        :meth:`run` as ``extra``. They are checked per candidate (a correlated ``EXISTS``,
        :mod:`core.fhir.search_plan`), never drive.
        """
        if not self._known(rtype, raw_name):
            raise ValueError(f"{rtype} declares no search parameter {raw_name!r}")
        return self._criterion(tenant, rtype, raw_name, value, base_urls).clause(f"{self.t.res.name}.rid",
                                                                                    correlated=True)

    def run(self, conn: Connection, *, tenant: str, req: SearchRequest, base_urls: tuple[str, ...],
            extra: Sequence[Sql] = ()) -> SearchResult:
        """One page of ``req``; ``extra`` clauses (a service's own filter) narrow it, total and paging included."""
        where = [*self.where(conn, tenant, req, base_urls), *extra]
        wants_total = req.total != "none" or req.summary_count
        if req.summary_count or req.count == 0:
            return SearchResult(execute(conn, self.count_query(req, where)).scalar_one() if wants_total else None,
                                [], [])
        res = self.t.res.name
        page = self.page_query(tenant, req, where)
        query = join([sql(f"SELECT rid, version, last_updated, body FROM {res} WHERE tenant = ? AND rtype = ? AND "
                          "rid IN (SELECT rid FROM (", tenant, req.rtype), page, ") AS page) ORDER BY ",
                      self._order(tenant, req)], "")
        matches = [Stored(req.rtype, *row) for row in execute(conn, query)]
        more = len(matches) > req.count
        del matches[req.count:]
        total = None
        if wants_total:  # a last page that is not empty tells the total: no count statement
            total = req.offset + len(matches) if matches and not more else \
                execute(conn, self.count_query(req, where)).scalar_one()
        return SearchResult(total, matches, self._included(conn, tenant, req, matches), more=more)

    def count_query(self, req: SearchRequest, where: list[Sql]) -> Sql:
        """How many match; ``count(version)`` (never NULL) for the same reason as in :meth:`page_query`."""
        res = self.t.res.name
        return f"SELECT {f'count({res}.version)' if req.criteria else 'count(*)'} FROM {res} WHERE " + all_of(where)

    def page_query(self, tenant: str, req: SearchRequest, where: list[Sql]) -> Sql:
        """The ids of one page (and one more, to know whether a next page exists).

        The bodies are read for these ids only (:meth:`run`): sorting rows that carry their JSON read every
        body of the search (overflow pages on SQLite) for each page, ~50 ms a page of 50 among 10,000
        practitioners. Without criteria the ids come in order from the covering ``res_updated`` index alone;
        with criteria, ``version`` (not in that index) keeps the planner on primary-key lookups of the ids
        the parameter indexes give, instead of a walk of the whole index.
        """
        res = self.t.res.name
        columns = f"{res}.rid" if not req.criteria else f"{res}.rid, {res}.version"
        return join([f"SELECT {columns} FROM {res} WHERE ", all_of(where), " ORDER BY ", self._order(tenant, req),
                     sql(" LIMIT ? OFFSET ?", req.count + 1, req.offset)], "")

    def run_system(self, conn: Connection, *, tenant: str, requests: list[SearchRequest],
                   base_urls: tuple[str, ...]) -> SearchResult:
        """One page over several types, in the order given: the first request's ``_count``/``_offset``."""
        first = requests[0]
        offset, room = first.offset, first.count
        total, matches, included = 0, [], []
        for req in requests:
            where = self.where(conn, tenant, req, base_urls)
            found = execute(conn, self.count_query(req, where)).scalar_one()
            total += found
            if first.summary_count or room <= 0 or offset >= found:
                offset = max(offset - found, 0)
                continue
            req.count, req.offset = room, offset
            page = self.run(conn, tenant=tenant, req=req, base_urls=base_urls)
            matches += page.matches
            included += page.included
            room -= len(page.matches)
            offset = 0
        more = not first.summary_count and first.count > 0 and first.offset + first.count < total
        return SearchResult(None if first.total == "none" else total, matches, included, more=more)

    def _order(self, tenant: str, req: SearchRequest) -> Sql:
        """The ORDER BY terms: the ``_sort`` keys (an index value per resource: its min, or max descending), then
        newest first and the id."""
        res = self.t.res.name
        order: list[Sql] = []
        for key, desc in req.sort:
            if key == "_id":
                column = Sql(f"{res}.rid")
            elif key == "_lastUpdated":
                column = Sql(f"{res}.updated_at")
            else:
                param = self._param(req.rtype, key)
                table = self._table(param).name
                agg = f"{'max' if desc else 'min'}({SORT_COLUMN[param.type]})"
                column = sql(f"(SELECT {agg} FROM {table} WHERE tenant = ? AND rtype = ? AND param = ? AND "
                             f"{table}.rid = {res}.rid)", tenant, req.rtype, key)
            order.append(column + (" DESC NULLS LAST" if desc else " ASC NULLS LAST"))
        if not req.criteria:  # nothing to look up: walk the res_updated index in order (core/fhir/schema.py)
            return join([*order, f"{res}.updated_at DESC", f"{res}.rid"], ", ")
        return join([*order, f"({res}.updated_at + 0) DESC", f"{res}.rid"], ", ")

    def _included(self, conn: Connection, tenant: str, req: SearchRequest, matches: list[Stored]) -> list[Stored]:
        if not matches or not (req.includes or req.revincludes):
            return []
        ref = self.t.ref.name
        ids = [m.rid for m in matches]
        keys: list[tuple[str, str]] = []
        for param, target in req.includes:
            query = join([sql(f"SELECT target_type, target_id FROM {ref} WHERE tenant = ? AND rtype = ? AND param = ? "
                              "AND target_type IS NOT NULL", tenant, req.rtype, param), equals_any("rid", ids),
                          *([sql("target_type = ?", target)] if target else [])], " AND ")
            keys += [(row[0], row[1]) for row in execute(conn, query)]
        for source, param in req.revincludes:
            query = join([sql(f"SELECT rtype, rid FROM {ref} WHERE tenant = ? AND rtype = ? AND param = ? AND "
                              "target_type = ?", tenant, source, param, req.rtype), equals_any("target_id", ids)],
                         " AND ")
            keys += [(row[0], row[1]) for row in execute(conn, query)]
        matched = {(req.rtype, m.rid) for m in matches}
        return self.store.many(conn, tenant=tenant, keys=[k for k in keys if k not in matched])
