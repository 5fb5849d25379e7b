"""Bots described in a TOML file (``arbdesk replay --bots``): one ``[[bots]]`` table per bot.

Each table holds ``id``, ``kind`` and the kind's parameters, checked by the kind's own parameter
model (the one the window's form and the store use), so the file allows exactly what the window
allows. Every problem of the file is reported at once, each naming the bot (its id, its index),
the key, the value and what is allowed; nothing half-valid is returned.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType, UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from app.core.instruments import Instrument, InstrumentId
from app.engine.bots.kit import parse_instrument
from app.engine.bots.params import BotParams
from app.engine.bots.registry import KINDS, bot_class

#: The manager's rule for a bot id (``BotManager.create`` refuses anything else).
ID_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{1,48}$")
ID_RULE = "letters, digits, '_', '-', '.' (1-48 characters), unique in the file"


class BotConfigError(ValueError):
    """A bots file that cannot be used; the message is meant for the user (one line a problem)."""


@dataclass(frozen=True, slots=True)
class BotSpec:
    """One bot of the file: its id, kind and validated parameters (plain JSON values, money as
    decimal strings, defaults filled in), ready for ``Engine.create_bot``."""

    id: str
    kind: str
    params: Mapping[str, Any]


def load_bots_file(path: Path | str) -> list[BotSpec]:
    """The bots of a TOML file, in file order; ``BotConfigError`` naming every problem."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise BotConfigError(f"{path}: no such bots file") from None
    except IsADirectoryError:
        raise BotConfigError(f"{path}: is a directory, not a bots file") from None
    except tomllib.TOMLDecodeError as exc:  # its message says the line and column
        raise BotConfigError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise BotConfigError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    return parse_bots(data, str(path))


def parse_bots(data: Mapping[str, Any], source: str = "bots") -> list[BotSpec]:
    """The bots of already-parsed TOML (``{"bots": [{...}, ...]}``)."""
    problems: list[str] = [
        f"unknown top-level key {key!r}; allowed: bots (one [[bots]] table per bot)"
        for key in data
        if key != "bots"
    ]
    tables = data.get("bots")
    if tables is None or (isinstance(tables, list) and not tables):
        problems.append("no bots: write one [[bots]] table per bot (id, kind, parameters)")
        tables = []
    elif not isinstance(tables, list) or not all(isinstance(t, Mapping) for t in tables):
        problems.append("bots must be tables: write [[bots]] above each bot's keys")
        tables = []
    specs: list[BotSpec] = []
    first_index: dict[str, int] = {}
    for index, table in enumerate(tables):
        spec, errors = _one_bot(index, table, first_index)
        problems.extend(errors)
        if spec is not None:
            specs.append(spec)
    if problems:
        raise BotConfigError(
            f"{source}: invalid bots file\n" + "\n".join(f"  {p}" for p in problems)
        )
    return specs


def check_instruments(
    specs: Sequence[BotSpec], instruments: Mapping[InstrumentId, Instrument], source: str = "bots"
) -> None:
    """Every bot's instruments exist in this market (the recording): ``BotConfigError`` naming
    the bot, the parameter and the instruments there are, otherwise."""
    known = ", ".join(sorted(f"{i.venue}:{i.symbol}" for i in instruments))
    problems: list[str] = []
    for index, spec in enumerate(specs):
        name = _name(index, spec.id, spec.kind)
        missing = [
            f"{name}: {key} = {value!r}: not an instrument of this recording; there are: {known}"
            for key, value in spec.params.items()
            if isinstance(value, str) and _unknown_instrument(value, instruments)
        ]
        if not missing:
            cls = bot_class(spec.kind)
            try:
                cls(spec.id, cls.params_model.model_validate(dict(spec.params)), instruments)
            except ValueError as exc:
                missing.append(f"{name}: {exc}; there are: {known}")
        problems.extend(missing)
    if problems:
        raise BotConfigError(
            f"{source}: bots that cannot run on this recording\n"
            + "\n".join(f"  {p}" for p in problems)
        )


def params_reference() -> str:
    """Every kind's parameters as Markdown (the README's reference is this text)."""
    out: list[str] = []
    for kind in sorted(KINDS):
        model = bot_class(kind).params_model
        own = [n for n in model.model_fields if n not in BotParams.model_fields]
        out.append(f'`kind = "{kind}"`:\n')
        out.append("| key | type | default | what |")
        out.append("| --- | --- | --- | --- |")
        out.extend(_field_row(n, model.model_fields[n]) for n in own)
        out.append("")
    out.append("Every kind also takes these (execution, leg risk, capital, quote age):\n")
    out.append("| key | type | default | what |")
    out.append("| --- | --- | --- | --- |")
    out.extend(_field_row(n, f) for n, f in BotParams.model_fields.items())
    return "\n".join(out) + "\n"


# -- internals -------------------------------------------------------------------------------


def _one_bot(
    index: int, table: Mapping[str, Any], first_index: dict[str, int]
) -> tuple[BotSpec | None, list[str]]:
    bot_id = table.get("id")
    kind = table.get("kind")
    name = _name(index, bot_id if isinstance(bot_id, str) else None, kind)
    problems: list[str] = []
    if bot_id is None:
        problems.append(f"{name}: id is missing ({ID_RULE})")
    elif not isinstance(bot_id, str) or not ID_PATTERN.match(bot_id):
        problems.append(f"{name}: id = {bot_id!r}: not allowed; an id is {ID_RULE}")
    elif bot_id in first_index:
        problems.append(
            f"{name}: id = {bot_id!r} is already the id of bots[{first_index[bot_id]}]; "
            "ids must be unique"
        )
    else:
        first_index[bot_id] = index
    allowed_kinds = ", ".join(sorted(KINDS))
    if kind is None:
        problems.append(f"{name}: kind is missing; allowed: {allowed_kinds}")
        return None, problems
    if not isinstance(kind, str) or kind not in KINDS:
        problems.append(f"{name}: kind = {kind!r}: unknown bot kind; allowed: {allowed_kinds}")
        return None, problems
    params = {k: v for k, v in table.items() if k not in ("id", "kind")}
    model = bot_class(kind).params_model
    try:
        checked = model.model_validate(params)
    except ValidationError as exc:
        problems.extend(f"{name}: {_problem(err, model)}" for err in exc.errors())
        return None, problems
    if problems:
        return None, problems
    assert isinstance(bot_id, str)
    dumped = checked.model_dump(mode="json")
    return BotSpec(id=bot_id, kind=kind, params=MappingProxyType(dumped)), []


def _name(index: int, bot_id: str | None, kind: object) -> str:
    where = f"bots[{index}]" + (f", {kind}" if isinstance(kind, str) and kind in KINDS else "")
    return f"bot {bot_id!r} ({where})" if bot_id else f"bot #{index + 1} ({where})"


def _problem(err: Mapping[str, Any], model: type[BotParams]) -> str:
    """One pydantic error as ``key = value: what is allowed``."""
    key = _key(err["loc"])
    message = str(err["msg"]).removeprefix("Value error, ")
    kind = err["type"]
    if kind == "extra_forbidden":
        allowed = ", ".join(["id", "kind", *sorted(model.model_fields)])
        return f"{key} = {err.get('input')!r}: unknown key; allowed: {allowed}"
    if kind == "missing":
        field = model.model_fields.get(str(err["loc"][0])) if err["loc"] else None
        what = f" ({field.description})" if field is not None and field.description else ""
        return f"{key} is missing: required{what}"
    if not err["loc"]:  # a check across keys: its message names the keys and values
        return message
    return f"{key} = {err.get('input')!r}: {message}"


def _key(loc: Sequence[int | str]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _unknown_instrument(value: str, instruments: Mapping[InstrumentId, Instrument]) -> bool:
    """``value`` reads as ``"venue:SYMBOL"`` and no such instrument is in the market."""
    try:
        inst = parse_instrument(value)
    except ValueError:
        return False
    return inst not in instruments


def _field_row(name: str, field: FieldInfo) -> str:
    type_text = _type_text(field.annotation)
    if field.default is None:
        default = "unset"
    elif field.default is not PydanticUndefined:
        default = f"`{_toml(field.default)}`"
    elif field.default_factory is not None:
        default = f"`{_toml(field.default_factory())}`"  # type: ignore[call-arg]
    else:
        default = "required"
    description = (field.description or "").replace("|", "\\|")
    bounds = _bounds(field)
    if bounds:
        description += f" ({bounds})"
    return f"| `{name}` | {type_text} | {default} | {description} |"


def _type_text(annotation: Any) -> str:
    """A field's type in TOML words: ``number``, ``decimal``, ``list of numbers``..."""
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Literal:
        return "one of " + ", ".join(f'"{a}"' for a in args)
    if origin is Annotated:
        return _type_text(args[0])
    if origin in (Union, UnionType):
        shown = [_type_text(a) for a in args if a is not type(None)]
        return " or ".join(shown) + (" (optional)" if type(None) in args else "")
    if origin is list:
        return f"list of {_PLURAL.get(args[0], 'values')}"
    if origin is dict:
        return f"table of {_PLURAL.get(args[1], 'values')}"
    return _WORDS.get(annotation, getattr(annotation, "__name__", str(annotation)))


_WORDS: dict[Any, str] = {
    str: "text",
    float: "number",
    int: "integer",
    bool: "true or false",
    Decimal: "decimal",
}
_PLURAL: dict[Any, str] = {
    str: "texts",
    float: "numbers",
    int: "integers",
    Decimal: "decimals",
}


def _bounds(field: FieldInfo) -> str:
    parts = []
    for meta in field.metadata:
        for attr, sign in (("gt", ">"), ("ge", ">="), ("lt", "<"), ("le", "<=")):
            value = getattr(meta, attr, None)
            if value is not None:
                parts.append(f"{sign} {value}")
        for attr, word in (("min_length", "at least"), ("max_length", "at most")):
            value = getattr(meta, attr, None)
            if value is not None and field.annotation is not str:
                parts.append(f"{word} {value} items")
    return ", ".join(parts)


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, dict):
        return (
            "{}" if not value else "{ " + ", ".join(f'"{k}" = {v}' for k, v in value.items()) + " }"
        )
    return str(value)
