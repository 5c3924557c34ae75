"""GitHub's repository search as the stand-in reads it: what it searches (repositories and their owners)
and the query language (qualifiers, OR below implicit AND, parentheses, NOT, the five-operator limit)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable

MAX_OPERATORS = 5


@dataclass(frozen=True)
class SimOwner:
    """A user or organisation as GitHub holds it; `location` is free text, as people write it."""

    login: str
    type: str = "User"
    name: str | None = None
    company: str | None = None
    location: str | None = None
    created_at: datetime = datetime(2015, 3, 1, 12, 0, 0)
    id: int = 0


@dataclass(frozen=True)
class SimRepo:
    """A repository as GitHub holds it; the stand-in renders it as a search item."""

    id: int
    full_name: str
    created_at: datetime
    stars: int = 0
    forks: int = 0
    open_issues: int = 0
    topics: tuple[str, ...] = ()
    language: str | None = "Python"
    license: str | None = "mit"
    description: str | None = None
    fork: bool = False
    archived: bool = False

    @property
    def owner(self) -> str:
        return self.full_name.split("/")[0]

    @property
    def pushed_at(self) -> datetime:
        return self.created_at + timedelta(days=30, hours=5)


class QueryError(ValueError):
    """A query GitHub would refuse with 422 Validation Failed."""


Test = Callable[[SimRepo], bool]
TOKEN = re.compile(r'\(|\)|-?\w+:"[^"]*"|"[^"]*"|[^\s()]+')
# How `OR` between qualifiers may be read. GitHub documents OR as an operator (it counts towards the five
# allowed) but never shows it between qualifiers of a repository search, and reports disagree:
#   honoured  - a union, grouped by parentheses, as code search documents its boolean operations;
#   and       - the OR and the parentheses dropped: every term must match (OR read as whitespace);
#   keyword   - OR read as a plain search word (matched in name, description, topics), parentheses dropped;
#   nothing   - a query with OR between qualifiers matches no repository (total_count 0);
#   refused   - such a query is answered 422 Validation Failed, as reported for issue search.
OR_MODES = ("honoured", "and", "keyword", "nothing", "refused")
NOTHING: Test = lambda r: False  # noqa: E731


def parse_query(q: str, or_mode: str = "honoured") -> tuple[Test, tuple[datetime, datetime] | None]:
    """A test for `q` (OR below implicit AND, parentheses, -qualifier, NOT) and its top-level created: bounds."""
    tokens = TOKEN.findall(q)
    if not tokens:
        raise QueryError("q is empty")
    if sum(token in ("AND", "OR", "NOT") for token in tokens) > MAX_OPERATORS:
        raise QueryError(f"more than {MAX_OPERATORS} AND, OR or NOT operators")
    if "OR" in tokens and or_mode != "honoured":
        if or_mode == "refused":
            raise QueryError("OR between qualifiers is not supported")
        if or_mode == "nothing":
            return NOTHING, None
        tokens = [t for t in tokens if t not in ("(", ")") and not (t == "OR" and or_mode == "and")]
        tokens = ['"OR"' if t == "OR" else t for t in tokens]
    parser = _Parser(tokens)
    test = parser.disjunction()
    if parser.position != len(tokens):
        raise QueryError(f"unexpected {tokens[parser.position]!r}")
    if not any(t.startswith("fork:") for t in tokens):
        test = _and([test, lambda r: not r.fork])  # forks are left out unless fork:true or fork:only asks
    return test, _top_level_created(tokens)


@dataclass
class _Parser:
    tokens: list[str]
    position: int = 0

    def peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> str:
        if self.peek() is None:
            raise QueryError("the query ends in the middle of an expression")
        self.position += 1
        return self.tokens[self.position - 1]

    def disjunction(self) -> Test:
        terms = [self.conjunction()]
        while self.peek() == "OR":
            self.take()
            terms.append(self.conjunction())
        return terms[0] if len(terms) == 1 else (lambda r: any(t(r) for t in terms))

    def conjunction(self) -> Test:
        terms = []
        while self.peek() not in (None, ")", "OR"):
            if self.peek() == "AND":
                self.take()
            terms.append(self.unary())
        if not terms:
            raise QueryError("an operator without a term")
        return _and(terms)

    def unary(self) -> Test:
        token = self.take()
        if token == "NOT":
            inner = self.unary()
            return lambda r: not inner(r)
        if token == "(":
            inner = self.disjunction()
            if self.peek() != ")":
                raise QueryError("unbalanced parentheses")
            self.take()
            return inner
        if token.startswith("-") and ":" in token:
            inner = qualifier(token[1:])
            return lambda r: not inner(r)
        return qualifier(token)


def _and(tests: list[Test]) -> Test:
    return tests[0] if len(tests) == 1 else (lambda r: all(t(r) for t in tests))


def qualifier(token: str) -> Test:
    """One `name:value` qualifier, or a keyword matched in the name, description and topics."""
    name, _, value = token.partition(":")
    value = value.strip('"')
    tests: dict[str, Callable[[], Test]] = {
        "topic": lambda: lambda r: value.lower() in r.topics,
        "stars": lambda: _compare(value, int, int, lambda r: r.stars),
        "forks": lambda: _compare(value, int, int, lambda r: r.forks),
        "created": lambda: _compare(value, _lower_time, _upper_time, lambda r: r.created_at),
        "pushed": lambda: _compare(value, _lower_time, _upper_time, lambda r: r.pushed_at),
        "language": lambda: lambda r: (r.language or "").lower() == value.lower(),
        "license": lambda: lambda r: (r.license or "") == value.lower(),
        "user": lambda: lambda r: r.owner.lower() == value.lower(),
        "org": lambda: lambda r: r.owner.lower() == value.lower(),
        "fork": lambda: _fork(value),
        "archived": lambda: lambda r: r.archived == (value == "true"),
        "is": lambda: lambda r: value == "public",
        "in": lambda: lambda r: True,
    }
    if value and name in tests:
        return tests[name]()
    word = token.strip('"').lower()
    return lambda r: word in r.full_name.lower() or word in (r.description or "").lower() or word in r.topics


def _fork(value: str) -> Test:
    if value == "only":
        return lambda r: r.fork
    return lambda r: True if value == "true" else not r.fork


def _compare(spec: str, lower, upper, field_of: Callable[[SimRepo], object]) -> Test:
    """`>=x`, `>x`, `<=x`, `<x`, `x..y` (either side `*`) or `x`, with dates covering their whole day."""
    try:
        for operator, bound, check in ((">=", lower, "ge"), ("<=", upper, "le"), (">", upper, "gt"), ("<", lower, "lt")):
            if spec.startswith(operator):
                limit = bound(spec[len(operator):])
                return {"ge": lambda r: field_of(r) >= limit, "le": lambda r: field_of(r) <= limit,
                        "gt": lambda r: field_of(r) > limit, "lt": lambda r: field_of(r) < limit}[check]
        first, _, last = spec.partition("..") if ".." in spec else (spec, "", spec)
        low = None if first == "*" else lower(first)
        high = None if last == "*" else upper(last)
    except ValueError as error:
        raise QueryError(f"cannot read {spec!r}: {error}") from None
    return lambda r: (low is None or field_of(r) >= low) and (high is None or field_of(r) <= high)


def _lower_time(text: str) -> datetime:
    return parse_moment(text)


def _upper_time(text: str) -> datetime:
    moment = parse_moment(text)
    return moment + timedelta(days=1, microseconds=-1) if len(text) == 10 else moment  # a date: its whole day


def parse_moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment


def _top_level_created(tokens: list[str]) -> tuple[datetime, datetime] | None:
    """The created: range every match lies in, when it is ANDed at the top level (lets search bisect)."""
    depth, found = 0, None
    for token in tokens:
        depth += {"(": 1, ")": -1}.get(token, 0)
        if depth == 0 and token in ("OR", "NOT"):
            return None
        if depth == 0 and token.startswith("created:") and ".." in token:
            first, last = token[len("created:"):].split("..", 1)
            found = (datetime.min if first == "*" else _lower_time(first),
                     datetime.max if last == "*" else _upper_time(last))
    return found
