"""A recursive-descent reader of `.scs` text, written from docs/language.md and the comments of
grammar/standard.lark (never from the library's parser).

It is scannerless: the parser asks for the token it expects next at the current position, so
keywords stay contextual (an input may be called `level` or `points`) and a date such as
2020-05-01 is only ever read where a date belongs. It reports no good errors: anything it cannot
read raises `RefSyntaxError`, and the tests only feed it standards the library accepts.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from fractions import Fraction
from typing import TypeVar

from .errors import RefSyntaxError
from .model import (
    Bands,
    Binary,
    Call,
    Checklist,
    Clauses,
    Code,
    Deduct,
    Expr,
    FileTree,
    InputDecl,
    Level,
    Neg,
    Num,
    Override,
    Points,
    Power,
    RawGroup,
    RawIndicator,
    RawItem,
    Ref,
    Requirement,
    Rounding,
    Row,
    Weighted,
    code_key,
)

# Whitespace is the grammar's WS (space, tab, form feed, CR, LF); `#` comments run to the line's end.
_SKIP = re.compile(r"(?:[ \t\f\r\n]+|#[^\n]*)*")
# The grammar's own token shapes: `\d` and `\w` as Python reads them, since that is what it says.
_DECIMAL = re.compile(r"\d+(?:\.\d+)?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_NAME = re.compile(r"(?!\d)\w+")
_STRING = re.compile(r'"((?:[^"\\\n]|\\["\\nt])*)"')
_COMPARE = re.compile(r">=|<=|>|<")
# §9, *Codes*: "one or more runs of ASCII letters and digits joined by `.` or `-`".
_CODE = re.compile(r"[A-Za-z0-9]+(?:[.\-][A-Za-z0-9]+)*")
_MODES = ("up", "even")  # after `half`; `truncate` stands alone
_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t"}
_KINDS = frozenset({"count", "money", "area", "length", "measure", "rate", "flag", "rank"})
_AGGREGATIONS = frozenset({"arithmetic", "geometric", "harmonic", "minimum"})  # §9, *Aggregation*
_COHORT_POLICIES = ("mean", "median", "min")  # after `when missing: cohort`
_LEVELS = frozenset({"city", "county", "community"})
_Part = TypeVar("_Part")


class _Cursor:
    """The text and a position in it; every read skips blanks and comments first."""

    def __init__(self, text: str, entity_type: str | None = None) -> None:
        self.text = text
        self.pos = 0
        # §9, *Entity types*: the type being read; what is `for` others is read and left out.
        self.entity_type = entity_type

    def _skip(self) -> None:
        match = _SKIP.match(self.text, self.pos)
        assert match is not None  # the pattern matches the empty string
        self.pos = match.end()

    def at_end(self) -> bool:
        self._skip()
        return self.pos >= len(self.text)

    def fail(self, what: str) -> RefSyntaxError:
        line = self.text.count("\n", 0, self.pos) + 1
        return RefSyntaxError(f"line {line}: expected {what} at {self.text[self.pos:self.pos + 30]!r}")

    def peek(self, pattern: re.Pattern[str]) -> re.Match[str] | None:
        self._skip()
        return pattern.match(self.text, self.pos)

    def take(self, pattern: re.Pattern[str], what: str) -> re.Match[str]:
        match = self.peek(pattern)
        if match is None:
            raise self.fail(what)
        self.pos = match.end()
        return match

    def peek_symbol(self, symbol: str) -> bool:
        self._skip()
        return self.text.startswith(symbol, self.pos)

    def symbol(self, symbol: str) -> bool:
        """Consume `symbol` if it comes next."""
        if self.peek_symbol(symbol):
            self.pos += len(symbol)
            return True
        return False

    def expect(self, symbol: str) -> None:
        if not self.symbol(symbol):
            raise self.fail(repr(symbol))

    def peek_word(self, offset_words: int = 0) -> str | None:
        """The name `offset_words` names ahead, without consuming anything."""
        saved = self.pos
        try:
            for _ in range(offset_words):
                if self.peek(_NAME) is None:
                    return None
                self.take(_NAME, "a name")
            match = self.peek(_NAME)
            return match.group() if match else None
        finally:
            self.pos = saved

    def word(self, *words: str) -> bool:
        """Consume the keyword if it is the next whole name (keywords are contextual)."""
        match = self.peek(_NAME)
        if match is not None and match.group() in words:
            self.pos = match.end()
            return True
        return False

    def keyword(self, word: str) -> None:
        if not self.word(word):
            raise self.fail(f"`{word}`")

    def name(self) -> str:
        return self.take(_NAME, "a name").group()

    def string(self) -> str:
        body = self.take(_STRING, "a string").group(1)
        return re.sub(r"\\(.)", lambda m: _ESCAPES[m.group(1)], body)

    def peek_string(self) -> bool:
        return self.peek(_STRING) is not None


# ---------------------------------------------------------------- numbers (§4)


def _decimal(cur: _Cursor) -> Fraction:
    # int() and Fraction() read any Unicode digit that `\d` let through, as the grammar would.
    text = cur.take(_DECIMAL, "a number").group()
    whole, _, decimals = text.partition(".")
    return Fraction(int(whole + decimals), 10 ** len(decimals))


def _unsigned(cur: _Cursor) -> Fraction:
    """`12`, `0.85`, `30%`, `1/3` (outside formulas a fraction is one number)."""
    value = _decimal(cur)
    if cur.symbol("%"):
        return value / 100
    if cur.symbol("/"):
        denominator = _decimal(cur)
        if denominator == 0:
            raise cur.fail("a denominator other than 0")
        return value / denominator
    return value


def literal(cur: _Cursor) -> Fraction:
    """A literal outside formulas: may be negative (`-5`, `-5%`) or a fraction (`1/3`)."""
    negative = cur.symbol("-")
    value = _unsigned(cur)
    return -value if negative else value


def _whole(cur: _Cursor) -> int:
    value = literal(cur)
    if value.denominator != 1:
        raise cur.fail("a whole number")
    return int(value)


def _literal_list(cur: _Cursor) -> tuple[Fraction, ...]:
    values = [literal(cur)]
    while cur.symbol(","):
        values.append(literal(cur))
    return tuple(values)


# ---------------------------------------------------------------- formulas (§5)


def expression(cur: _Cursor) -> Expr:
    """`+ -` bind loosest, then `* /`, then unary minus; all binary operators group left."""
    left = _product(cur)
    while True:
        if cur.symbol("+"):
            left = Binary("+", left, _product(cur))
        elif cur.symbol("-"):
            left = Binary("-", left, _product(cur))
        else:
            return left


def _product(cur: _Cursor) -> Expr:
    left = _unary(cur)
    while True:
        if cur.symbol("*"):
            left = Binary("*", left, _unary(cur))
        elif cur.symbol("/"):
            left = Binary("/", left, _unary(cur))
        else:
            return left


def _unary(cur: _Cursor) -> Expr:
    if cur.symbol("-"):
        return Neg(_unary(cur))
    return _power(cur)


def _power(cur: _Cursor) -> Expr:
    """`atom ^ n`, binding tighter than a minus (`-x ^ 2` is `-(x ^ 2)`); not chained, since what
    `^` makes is no atom; `n` is written as a whole number (E0272 holds it to 0..10)."""
    base = _atom(cur)
    if not cur.symbol("^"):
        return base
    exponent = _decimal(cur)
    if exponent.denominator != 1 or exponent > 10:
        raise cur.fail("a whole power from 0 to 10 (E0272)")
    return Power(base, int(exponent))


def _atom(cur: _Cursor) -> Expr:
    if cur.peek(_DECIMAL) is not None:
        value = _decimal(cur)  # in a formula `1/3` is a division, so no fraction here
        return Num(value / 100 if cur.symbol("%") else value)
    if cur.symbol("("):
        inner = expression(cur)
        cur.expect(")")
        return inner
    name = cur.name()
    if name == "weighted" and cur.peek_symbol("{"):
        return _weighted(cur)
    if name == "checklist" and cur.peek_symbol("{"):
        return _checklist(cur)
    if cur.symbol("("):
        args = [expression(cur)]
        while cur.symbol(","):
            args.append(expression(cur))
        cur.expect(")")
        return Call(name, tuple(args))
    return Ref(name)


def _braced_parts(cur: _Cursor, part: Callable[[_Cursor], _Part]) -> list[_Part]:
    """`{ a: b, c: d, }`: comma-separated, a trailing comma allowed."""
    cur.expect("{")
    parts = [part(cur)]
    while cur.symbol(","):
        if cur.peek_symbol("}"):
            break
        parts.append(part(cur))
    cur.expect("}")
    return parts


def _weight_part(cur: _Cursor) -> tuple[Fraction, Expr]:
    weight = literal(cur)
    cur.expect(":")
    return weight, expression(cur)


def _check_item(cur: _Cursor) -> tuple[str, Fraction]:
    flag = cur.name()
    cur.expect(":")
    return flag, literal(cur)


def _weighted(cur: _Cursor) -> Weighted:
    return Weighted(tuple(_braced_parts(cur, _weight_part)))


def _checklist(cur: _Cursor) -> Checklist:
    return Checklist(tuple(_braced_parts(cur, _check_item)))


# ---------------------------------------------------------------- header (§2)


# ---------------------------------------------------------------- entity types (§9)


def _for(cur: _Cursor) -> bool:
    """`for "市", "县"` after a node's name: whether the node is read for the type being read
    (without one, every node is)."""
    if not cur.word("for"):
        return True
    types = [cur.string()]
    while cur.symbol(","):
        types.append(cur.string())
    return cur.entity_type is None or cur.entity_type in types


def _per_type(cur: _Cursor, first: Fraction) -> Fraction:
    """`N for "市", M for "县"` after a number: the number of the type being read (the first
    written while no type is chosen)."""
    if not cur.word("for"):
        return first
    numbers = {cur.string(): first}
    while cur.symbol(","):
        number = literal(cur)
        cur.keyword("for")
        numbers[cur.string()] = number
    # A number the type has none for belongs to a node `for` other types, which is left out
    # (the checker refuses a list that misses a type the node is for: E0282).
    return numbers.get(cur.entity_type, first) if cur.entity_type is not None else first


def _header(cur: _Cursor, tree: FileTree) -> None:
    cur.keyword("standard")
    if tree.title is not None:
        raise cur.fail("one `standard` header only")
    tree.title = cur.string()
    cur.expect("{")
    notes: list[str] = []
    while not cur.symbol("}"):
        field = cur.name()
        if field == "note":
            notes.append(cur.string())
            continue
        if field in tree.header:
            raise cur.fail(f"`{field}` once")
        tree.header[field] = _header_field(cur, field)
    tree.header["notes"] = notes


def _header_field(cur: _Cursor, field: str) -> object:
    if field == "level":
        level = cur.name()
        if level not in _LEVELS:
            raise cur.fail("city, county or community")
        return level
    if field in ("edition", "source"):
        return cur.string()
    if field == "effective":
        return date.fromisoformat(cur.take(_DATE, "a date").group())
    if field == "total":
        total = _per_type(cur, literal(cur))
        cur.word("provisional")
        return total
    if field == "entity":  # `entity type by NAME`
        cur.keyword("type")
        cur.keyword("by")
        return cur.name()
    if field == "rounding":
        return _rounding(cur)
    raise cur.fail("a header field")


def _rounding(cur: _Cursor) -> Rounding:
    """What follows `rounding`: `N decimals`, then `half up` (the default), `half even` or `truncate`."""
    decimals = _whole(cur)
    if decimals < 0:
        raise cur.fail("a whole number of decimals")
    cur.keyword("decimals")
    if cur.word("truncate"):
        return Rounding(decimals, "truncate")
    if cur.word("half"):
        mode = cur.name()
        if mode not in _MODES:
            raise cur.fail("`half up` or `half even`")
        return Rounding(decimals, f"half {mode}")
    return Rounding(decimals)


def _code(cur: _Cursor) -> Code:
    return code_key(cur.take(_CODE, "a code").group())


# ---------------------------------------------------------------- inputs and bands (§3, §7)


def _input(cur: _Cursor) -> InputDecl:
    cur.keyword("input")
    name = cur.name()
    label = cur.string()
    cur.expect(":")
    kind = cur.name()
    low = high = None
    if kind == "choice":
        cur.keyword("of")
        choices = [cur.string()]
        while cur.symbol(","):
            choices.append(cur.string())
        return InputDecl(name, label, kind, choices=tuple(choices))
    if kind == "score":
        low = literal(cur)
        cur.keyword("to")
        high = literal(cur)
    elif kind not in _KINDS:
        raise cur.fail("an input kind")
    unit = cur.string() if cur.peek_string() else None
    part_of = None
    missing = "error"
    declared = False
    while cur.symbol(","):
        if cur.word("part"):
            cur.keyword("of")
            part_of = cur.name()
        elif cur.word("when"):
            cur.keyword("missing")
            cur.expect(":")
            missing = _missing_policy(cur)
            declared = True
        else:
            cur.keyword("better")
            cur.name()  # a direction matters to the static checks, not to scores
    return InputDecl(name, label, kind, unit, low, high, part_of, missing, declared)


def _missing_policy(cur: _Cursor) -> str:
    """§3, *Missing values*: what follows `when missing:`, in the words results report it by."""
    if cur.word("cohort"):
        which = cur.name()
        if which not in _COHORT_POLICIES:
            raise cur.fail("`cohort mean`, `cohort median` or `cohort min`")
        return f"cohort {which}"
    if cur.word("not"):
        cur.keyword("applicable")
        return "not applicable"
    policy = cur.name()
    if policy not in ("error", "zero", "previous"):
        raise cur.fail("a missing-value policy")
    return policy


def _node_missing(cur: _Cursor) -> str:
    """What follows a node's `when` when `missing` comes next (§3, *Per indicator or node*):
    `zero`, `not applicable` or `error`; filling in from the cohort or from last period stays the
    input's (E0273)."""
    cur.keyword("missing")
    cur.expect(":")
    policy = _missing_policy(cur)
    if policy not in ("zero", "not applicable", "error"):
        raise RefSyntaxError(f"`when missing: {policy}` belongs on the input, not on a node (E0273)")
    return policy


def _when(cur: _Cursor) -> tuple[str, str | bool]:
    """What follows a node's `when`: (`missing`, its policy) or (`redistribute`, True)."""
    if cur.peek_word() == "missing":
        return "missing", _node_missing(cur)
    return "redistribute", _redistribute(cur)


def _band_spec(cur: _Cursor) -> Bands:
    cur.keyword("at")
    if cur.word("least"):
        rule = "least"
    else:
        cur.keyword("most")
        rule = "most"
    thresholds = _literal_list(cur)
    cur.word("provisional")
    return Bands(rule, thresholds)


def _bands(cur: _Cursor, tree: FileTree) -> None:
    cur.keyword("bands")
    name = cur.name()
    cur.expect("=")
    tree.bands[name] = _band_spec(cur)


def _use(cur: _Cursor, tree: FileTree) -> None:
    cur.keyword("use")
    path = cur.string()
    cur.keyword("as")
    tree.uses.append((path, cur.name()))


# ---------------------------------------------------------------- indicators (§8, §9)


def _stars(cur: _Cursor) -> Bands | str:
    if cur.peek_word() == "at" and cur.peek_word(1) in ("least", "most"):
        return _band_spec(cur)
    return cur.name()


def _points(cur: _Cursor) -> Points:
    if cur.peek_word() == "table":
        return _table(cur)
    maximum = _per_type(cur, literal(cur))
    linear = None
    if cur.word("linear"):
        cur.keyword("from")
        low = literal(cur)
        cur.keyword("to")
        linear = (low, literal(cur))
    cur.word("provisional")
    return Points(maximum, linear)


def _table(cur: _Cursor) -> Points:
    """`points table { ROW … } [provisional]`, a row being `BOUND [and BOUND]: P` (§8)."""
    cur.keyword("table")
    cur.expect("{")
    rows = [_row(cur)]
    while not cur.symbol("}"):
        rows.append(_row(cur))
    cur.word("provisional")
    return Points(max(row.points for row in rows), table=tuple(rows))


def _row(cur: _Cursor) -> Row:
    bounds = [_bound(cur)]
    if cur.word("and"):
        bounds.append(_bound(cur))
    cur.expect(":")
    return Row(tuple(bounds), literal(cur))


def _bound(cur: _Cursor) -> tuple[str, Fraction]:
    op = cur.take(_COMPARE, "a comparison").group()
    return op, literal(cur)


def _aggregation(cur: _Cursor) -> str:
    """What follows `aggregate`."""
    aggregation = cur.name()
    if aggregation not in _AGGREGATIONS:
        raise cur.fail("arithmetic, geometric, harmonic or minimum")
    return aggregation


def _redistribute(cur: _Cursor) -> bool:
    """What follows `when`: `not applicable: redistribute` (§9, *Not applicable members*)."""
    cur.keyword("not")
    cur.keyword("applicable")
    cur.expect(":")
    cur.keyword("redistribute")
    return True


def _deduct(cur: _Cursor) -> Deduct:
    """`deduct D each` with an optional `, at most C` (§8)."""
    each = literal(cur)
    cur.keyword("each")
    cap = None
    if cur.symbol(","):
        cur.keyword("at")
        cur.keyword("most")
        cap = literal(cur)
    cur.word("provisional")
    return Deduct(each, cap)


def _policy(cur: _Cursor) -> str:
    cur.keyword("zero")
    cur.keyword("denominator")
    cur.expect(":")
    if cur.word("not"):
        cur.keyword("applicable")
        return "not applicable"
    if cur.word("zero"):
        return "zero"
    cur.keyword("error")
    return "error"


def _clause(cur: _Cursor, clauses: Clauses, in_item: bool) -> None:
    word = cur.name()
    if word == "note":
        clauses.notes.append(cur.string())
        return
    if word == "item":
        if in_item:  # §9: an item "cannot hold items itself"
            raise cur.fail("no item inside an item")
        item = _item(cur)
        if item is not None:
            clauses.items.append(item)
        return
    if word == "when":
        attribute, setting = _when(cur)
        if getattr(clauses, attribute) is not None:
            raise cur.fail(f"`when {'missing' if attribute == 'missing' else 'not applicable'}` once")
        setattr(clauses, attribute, setting)
        return
    readers: dict[str, Callable[[], object]] = {
        "description": cur.string,
        "value": lambda: expression(cur),
        "stars": lambda: _stars(cur),
        "points": lambda: _points(cur),
        "deduct": lambda: _deduct(cur),
        "on": lambda: _policy(cur),
        "better": cur.name,
        "weight": lambda: _per_type(cur, literal(cur)),
        "rounding": lambda: _rounding(cur),
        "aggregate": lambda: _aggregation(cur),
    }
    if word not in readers:
        raise cur.fail("an indicator clause")
    attribute = {"on": "zero"}.get(word, word)
    if getattr(clauses, attribute) is not None:
        raise cur.fail(f"`{word}` once")
    setattr(clauses, attribute, readers[word]())


def _clauses(cur: _Cursor, in_item: bool = False) -> Clauses:
    clauses = Clauses()
    cur.expect("{")
    while not cur.symbol("}"):
        _clause(cur, clauses, in_item)
    return clauses


def _item(cur: _Cursor) -> RawItem | None:
    """After `item`: `CODE "name" [for …] [provisional] { clauses }`; an item is never leading.
    None when it is `for` other entity types."""
    code = _code(cur)
    name = cur.string()
    applies = _for(cur)
    cur.word("provisional")
    clauses = _clauses(cur, in_item=True)
    return RawItem(code, name, clauses) if applies else None


def _indicator(cur: _Cursor) -> RawIndicator | None:
    """An indicator; None when it is `for` other entity types."""
    cur.keyword("indicator")
    code = _code(cur)
    leading = cur.symbol("★") or cur.word("leading")
    if cur.word("from"):
        return _reused(cur, code, leading)
    name = cur.string()
    applies = _for(cur)
    cur.word("provisional")
    clauses = _clauses(cur)
    return RawIndicator(code, leading, name, clauses) if applies else None


def _reused(cur: _Cursor, code: Code, leading: bool) -> RawIndicator | None:
    alias = cur.name()
    base = _code(cur)
    name = cur.string() if cur.peek_string() else None
    applies = _for(cur)
    cur.word("provisional")
    clauses = _clauses(cur) if cur.peek_symbol("{") else Clauses()
    return RawIndicator(code, leading, name, clauses, reuse=(alias, base)) if applies else None


def _group(cur: _Cursor) -> RawGroup | None:
    """`[bonus] group [CODE] "name" [for …] [points N | at most C | weight W] [provisional] {
    [rounding …] members }`, a member being an indicator or a group (§9, *Nesting*); None when
    it is `for` other entity types."""
    bonus = cur.word("bonus")
    cur.keyword("group")
    code = None if cur.peek_string() else cur.take(_CODE, "a group code or name").group()
    name = cur.string()
    applies = _for(cur)
    points = cap = weight = None
    if cur.word("points"):
        points = _per_type(cur, literal(cur))
    elif cur.word("weight"):
        weight = _per_type(cur, literal(cur))
    elif cur.peek_word() == "at" and cur.peek_word(1) == "most":
        cur.keyword("at")
        cur.keyword("most")
        cap = _per_type(cur, literal(cur))
    cur.word("provisional")
    cur.expect("{")
    # Settings come only before the members, in any order, each once (the grammar's group_setting).
    settings: dict[str, object] = {}
    while cur.peek_word() in ("rounding", "when", "aggregate"):
        word = cur.name()
        setting: object
        if word == "when":  # `when not applicable: redistribute` or `when missing: POLICY`
            word, setting = _when(cur)
        else:
            setting = {"rounding": _rounding, "aggregate": _aggregation}[word](cur)
        if word in settings:
            raise cur.fail(f"`{word}` once")
        settings[word] = setting
    members: list[RawIndicator | RawGroup] = []
    while not cur.symbol("}"):
        member = _group(cur) if cur.peek_word() in ("group", "bonus") else _indicator(cur)
        if member is not None:
            members.append(member)
    if not applies:
        return None
    rounding = settings.get("rounding")
    aggregate = settings.get("aggregate")
    assert rounding is None or isinstance(rounding, Rounding)
    missing = settings.get("missing")
    assert aggregate is None or isinstance(aggregate, str)
    assert missing is None or isinstance(missing, str)
    return RawGroup(name, bonus, points, cap, members, code, weight, rounding, "redistribute" in settings,
                    aggregate, missing)


# ---------------------------------------------------------------- the rating (§10)


def _requirement(cur: _Cursor) -> Requirement:
    subject = cur.name()
    if subject == "total":
        op = cur.take(_COMPARE, "a comparison").group()
        return Requirement("total", op, literal(cur))
    if subject == "every":
        cur.keyword("leading")
        op = cur.take(_COMPARE, "a comparison").group()
        target = literal(cur)
        cur.keyword("stars")
        return Requirement("leading", op, target, stars=True)
    if subject == "indicator":
        code = _code(cur)
        op = cur.take(_COMPARE, "a comparison").group()
        target = literal(cur)
        if cur.word("points"):
            return Requirement("indicator", op, target, code=code, points=True)
        return Requirement("indicator", op, target, code=code, stars=cur.word("stars"))
    if subject == "group":
        group = cur.string()
        op = cur.take(_COMPARE, "a comparison").group()
        target = literal(cur)
        cur.keyword("points")
        return Requirement("group", op, target, group=group)
    raise cur.fail("a requirement")


def _requirements(cur: _Cursor) -> tuple[Requirement, ...]:
    """What follows `when`: `REQ and REQ …`."""
    cur.keyword("when")
    requirements = [_requirement(cur)]
    while cur.word("and"):
        requirements.append(_requirement(cur))
    return tuple(requirements)


def _level(cur: _Cursor) -> Level | None:
    cur.keyword("level")
    rank = _whole(cur)
    name = cur.string()
    applies = _for(cur)
    requirements = _requirements(cur)
    return Level(rank, name, requirements) if applies else None


def _override(cur: _Cursor) -> Override | None:
    """`veto "reason" when …` or `cap R "reason" when …` (§10, *Vetoes and caps*)."""
    cap = literal(cur) if cur.name() == "cap" else None
    reason = cur.string()
    applies = _for(cur)
    requirements = _requirements(cur)
    return Override(cap, reason, requirements) if applies else None


def _rating(cur: _Cursor, tree: FileTree) -> None:
    """`rating [provisional] { [unrated when missing more than P] override* level+ }`, in that order."""
    cur.keyword("rating")
    if tree.levels is not None:
        raise cur.fail("one `rating` only")
    cur.word("provisional")
    cur.expect("{")
    if cur.word("unrated"):
        for word in ("when", "missing", "more", "than"):
            cur.keyword(word)
        tree.unrated_above = literal(cur)
    while cur.peek_word() in ("veto", "cap"):
        override = _override(cur)
        if override is not None:
            tree.overrides.append(override)
    levels = [_level(cur)]
    while not cur.symbol("}"):
        levels.append(_level(cur))
    tree.levels = [level for level in levels if level is not None]


# ---------------------------------------------------------------- a file (§1)


def parse(text: str, entity_type: str | None = None) -> FileTree:
    """Read one standard's text; items come in any order (§1: the order is only a convention).
    With `entity_type`, as entities of that type see it (§9, *Entity types*)."""
    cur = _Cursor(text, entity_type)
    tree = FileTree()
    while not cur.at_end():
        word = cur.peek_word()
        if word == "standard":
            _header(cur, tree)
        elif word == "use":
            _use(cur, tree)
        elif word == "input":
            tree.inputs.append(_input(cur))
        elif word == "bands":
            _bands(cur, tree)
        elif word in ("group", "bonus"):
            group = _group(cur)
            if group is not None:
                tree.groups.append(group)
        elif word == "rating":
            _rating(cur, tree)
        else:
            raise cur.fail("`standard`, `use`, `input`, `bands`, `group` or `rating`")
    if tree.title is None:
        raise RefSyntaxError("no `standard` header")
    return tree
