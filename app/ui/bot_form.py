"""Create or edit a bot: a form generated from its kind's parameter model, checked field by field.

The form has no list of parameters of its own: each field of the kind's pydantic model (the one
the engine and ``arbdesk replay --bots`` validate with) becomes a row, its editor chosen by its
type (a checkbox for a bool, a combo box for a ``Literal``, comma-separated text for a list,
``venue:ASSET=amount`` lines for the capital pool, text otherwise), its default filled in, its
description and bounds shown under it. Saving validates with that same model first and shows
each problem under its field, so the engine is only asked with parameters it will accept; what
only the engine can know (an instrument of this market, a free id) is checked here too where
the window knows it, and anything the engine still refuses is shown, under the field it names
when it names one.
"""

from __future__ import annotations

import asyncio
import logging
import re
import types
from collections.abc import Callable, Coroutine, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, Union, get_args, get_origin

import annotated_types as at
from pydantic import ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.engine.api import BotError, BotParams, BotView, TemplateRow
from app.ui.controller import Controller
from app.ui.names import QT_TRANSLATE_NOOP
from app.ui.widgets import message_label, show_message

log = logging.getLogger(__name__)

FieldKind = Literal[
    "text", "instrument", "number", "integer", "decimal", "bool", "choice", "list", "pool"
]

#: The engine's rule for a bot id (``BotManager.create`` refuses anything else).
translate = QCoreApplication.translate
BOT_ID = re.compile(r"^[A-Za-z0-9_.-]{1,48}$")
BOT_ID_RULE = QT_TRANSLATE_NOOP(
    "BotFormDialog", "letters, digits, '_', '-', '.' (1-48 characters); empty: one is chosen"
)
#: A str field whose description says this names an instrument (``"venue:SYMBOL"``).
INSTRUMENT_HINT = '"venue:SYMBOL"'
GENERAL = ""  # the key of problems that belong to no field


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """What the form needs to know of one parameter, read from the model's field."""

    name: str
    kind: FieldKind
    required: bool
    optional: bool  # None is allowed (an empty editor)
    default: Any  # plain JSON value; None when required or None by default
    choices: tuple[str, ...]
    description: str
    bounds: str  # "> 0, ≤ 1" ...
    common: bool  # shared by every kind (execution, leg risk, capital)

    @property
    def label(self) -> str:
        return self.name.replace("_", " ").capitalize()

    @property
    def hint(self) -> str:
        parts = [self.description] if self.description else []
        if self.bounds:
            parts.append(self.bounds)
        if self.required:
            parts.append(translate("BotFormDialog", "required"))
        elif self.optional:
            parts.append(translate("BotFormDialog", "optional"))
        return " · ".join(parts)


def _unwrap_optional(annotation: Any) -> tuple[Any, bool]:
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1 and len(args) < len(get_args(annotation)):
            return args[0], True
    return annotation, False


def _bounds(field: FieldInfo) -> str:
    words = []
    for item in field.metadata:
        if isinstance(item, at.Gt):
            words.append(f"> {item.gt}")
        elif isinstance(item, at.Ge):
            words.append(f"≥ {item.ge}")
        elif isinstance(item, at.Lt):
            words.append(f"< {item.lt}")
        elif isinstance(item, at.Le):
            words.append(f"≤ {item.le}")
        elif isinstance(item, at.MaxLen) and get_origin(field.annotation) is list:
            words.append(translate("BotFormDialog", "at most {n} items").format(n=item.max_length))
    return ", ".join(words)


def _kind_of(annotation: Any, description: str) -> tuple[FieldKind, tuple[str, ...]]:
    origin = get_origin(annotation)
    if origin is Literal:
        return "choice", tuple(str(a) for a in get_args(annotation))
    if origin is list:
        return "list", ()
    if origin is dict:
        return "pool", ()
    if annotation is bool:
        return "bool", ()
    if annotation is int:
        return "integer", ()
    if annotation is float:
        return "number", ()
    if annotation is Decimal:
        return "decimal", ()
    if annotation is str and INSTRUMENT_HINT in description:
        return "instrument", ()
    return "text", ()


def _plain(value: Any) -> Any:
    """A default as the JSON the engine stores (Decimal as text)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def field_specs(model: type[BotParams]) -> list[FieldSpec]:
    """The model's fields, the kind's own first, then those every kind shares."""
    common = set(BotParams.model_fields)
    specs = []
    for name, field in model.model_fields.items():
        annotation, optional = _unwrap_optional(field.annotation)
        description = field.description or ""
        kind, choices = _kind_of(annotation, description)
        required = field.is_required()
        default = None if required else _plain(field.get_default(call_default_factory=True))
        specs.append(
            FieldSpec(
                name=name,
                kind=kind,
                required=required,
                optional=optional,
                default=default,
                choices=choices,
                description=description,
                bounds=_bounds(field),
                common=name in common,
            )
        )
    return sorted(specs, key=lambda s: s.common)  # stable: each group keeps the model's order


# -- text <-> values ---------------------------------------------------------------------------


def value_text(spec: FieldSpec, value: Any) -> str:
    """A parameter value as its editor's text."""
    if value is None:
        return ""
    if spec.kind == "list":
        return ", ".join(str(v) for v in value)
    if spec.kind == "pool":
        return "\n".join(f"{k}={v}" for k, v in dict(value).items())
    return str(value)


def parse_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def parse_pool(text: str) -> tuple[dict[str, str], list[str]]:
    """``venue:ASSET=amount`` lines; the lines that are not, as problems."""
    pool: dict[str, str] = {}
    problems = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        key, sep, amount = line.partition("=")
        if not sep or not key.strip() or not amount.strip():
            problems.append(
                translate("BotFormDialog", 'line {n} ({line}): write "venue:ASSET=amount"').format(
                    n=number, line=repr(line)
                )
            )
            continue
        pool[key.strip()] = amount.strip()
    return pool, problems


def _message(err: Mapping[str, Any]) -> str:
    msg = str(err.get("msg", ""))
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            msg = msg[len(prefix) :]
    return msg


def _first_named(text: str, names: Sequence[str]) -> str:
    """The field named first in ``text`` (a whole word), or GENERAL."""
    found = [
        (m.start(), name)
        for name in names
        if (m := re.search(rf"(?<![\w.]){re.escape(name)}(?![\w])", text)) is not None
    ]
    return min(found)[1] if found else GENERAL


def validation_problems(exc: ValidationError, names: Sequence[str]) -> dict[str, list[str]]:
    """A pydantic error by field: a field's own errors under it (a list item or pool key named
    in front), a check of several fields under the first field its message names."""
    out: dict[str, list[str]] = {}
    for err in exc.errors():
        loc = tuple(err.get("loc", ()))
        msg = _message(err)
        if loc and str(loc[0]) in names:
            key = str(loc[0])
            if len(loc) > 1:
                where = loc[1]
                msg = f"item {where + 1}: {msg}" if isinstance(where, int) else f"{where}: {msg}"
        else:
            key = _first_named(msg, names)
        out.setdefault(key, []).append(msg)
    return out


def engine_problems(message: str, names: Sequence[str]) -> dict[str, list[str]]:
    """An engine refusal by field: its ``key=value: msg`` parts under their field when they have
    one, anything else under the first field it names (or the form)."""
    text = message.split(": ", 1)[1] if re.match(r"^\w+: \w+(\.\w+)*=", message) else message
    out: dict[str, list[str]] = {}
    parts = text.split("; ") if re.match(r"^[\w.()]+=", text) else [text]
    for part in parts:
        key_value, sep, msg = part.partition(": ")
        key = key_value.split("=", 1)[0].split(".", 1)[0]
        if sep and "=" in key_value and key in names:
            out.setdefault(key, []).append(msg.removeprefix("Value error, "))
        else:
            out.setdefault(_first_named(part, names), []).append(part)
    return out


# -- the dialog --------------------------------------------------------------------------------


class FieldRow:
    """One parameter's editor, its hint and its error, in the form."""

    def __init__(self, spec: FieldSpec, parent: QWidget, instruments: Sequence[str]) -> None:
        self.spec = spec
        self.editor: QWidget
        if spec.kind == "bool":
            box = QCheckBox(spec.label, parent)
            self.editor = box
        elif spec.kind == "choice":
            combo = QComboBox(parent)
            combo.addItems(list(spec.choices))
            self.editor = combo
        elif spec.kind == "pool":
            pool = QPlainTextEdit(parent)
            pool.setPlaceholderText(
                translate(
                    "BotFormDialog", "one per line: venue:ASSET=amount, e.g. binance:USDT=5000"
                )
            )
            pool.setTabChangesFocus(True)
            pool.setFixedHeight(pool.fontMetrics().lineSpacing() * 3 + 12)
            self.editor = pool
        else:
            line = QLineEdit(parent)
            if spec.kind == "instrument":
                completer = QCompleter(list(instruments), line)
                completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
                completer.setFilterMode(Qt.MatchFlag.MatchContains)
                line.setCompleter(completer)
                line.setPlaceholderText(instruments[0] if instruments else "venue:SYMBOL")
            elif spec.kind == "list":
                line.setPlaceholderText(translate("BotFormDialog", "comma-separated; empty: none"))
            elif spec.optional:
                line.setPlaceholderText(translate("BotFormDialog", "empty: none"))
            self.editor = line
        self.editor.setObjectName(spec.name)
        self.editor.setToolTip(f"{spec.name}: {spec.hint}")
        self.hint = QLabel(spec.hint, parent)
        self.hint.setObjectName("muted")
        self.hint.setWordWrap(True)
        self.error = QLabel(parent)
        self.error.setObjectName(f"{spec.name}Error")
        self.error.setProperty("kind", "error")
        self.error.setStyleSheet("color: #ef5350;")
        self.error.setWordWrap(True)
        self.error.hide()
        self.box = QWidget(parent)
        layout = QVBoxLayout(self.box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(1)
        layout.addWidget(self.editor)
        layout.addWidget(self.hint)
        layout.addWidget(self.error)

    def text(self) -> str:
        editor = self.editor
        if isinstance(editor, QPlainTextEdit):
            return editor.toPlainText()
        if isinstance(editor, QComboBox):
            return editor.currentText()
        if isinstance(editor, QCheckBox):
            return "true" if editor.isChecked() else "false"
        assert isinstance(editor, QLineEdit)
        return editor.text()

    def set_value(self, value: Any) -> None:
        editor = self.editor
        if isinstance(editor, QCheckBox):
            editor.setChecked(bool(value))
        elif isinstance(editor, QComboBox):
            editor.setCurrentIndex(max(0, editor.findText(str(value))))
        elif isinstance(editor, QPlainTextEdit):
            editor.setPlainText(value_text(self.spec, value))
        else:
            assert isinstance(editor, QLineEdit)
            editor.setText(value_text(self.spec, value))

    def value(self) -> tuple[Any, str]:
        """The value to validate (``PydanticUndefined``: leave the key out) and a problem the
        text alone shows (or "")."""
        spec, editor = self.spec, self.editor
        if isinstance(editor, QCheckBox):
            return editor.isChecked(), ""
        if spec.kind == "pool":
            pool, problems = parse_pool(self.text())
            return pool, "; ".join(problems)
        text = self.text().strip()
        if spec.kind == "list":
            return parse_list(text), ""
        if not text:
            return (None if spec.optional else PydanticUndefined), ""
        return text, ""

    def show_error(self, messages: Iterable[str]) -> None:
        text = "\n".join(messages)
        self.error.setText(text)
        self.error.setVisible(bool(text))


Kinds = Callable[[], Sequence[str]]


class BotFormDialog(QDialog):
    """New bot (``bot`` None: any kind, optional id) or edit a stopped one (its kind and id)."""

    def __init__(
        self,
        controller: Controller,
        *,
        bot: BotView | None = None,
        kind: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._controller = controller
        self.bot = bot
        self.saved: BotView | None = None
        self.rows: dict[str, FieldRow] = {}
        self.task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._templates: list[TemplateRow] = []
        self._instruments = sorted(f"{i.venue}:{i.symbol}" for i in controller.instruments)
        self.setObjectName("botForm")
        self.setWindowTitle(
            self.tr("Edit bot {bot}").format(bot=bot.id) if bot else self.tr("New bot")
        )
        self.resize(620, 760)

        self.kind = QComboBox(self)
        self.kind.setObjectName("kind")
        self.kind.addItems(list(controller.bot_kinds()))
        self.bot_id = QLineEdit(self)
        self.bot_id.setObjectName("botId")
        self.bot_id.setPlaceholderText(self.tr("empty: chosen for you, e.g. spread_dca-1"))
        self.bot_id.setToolTip(self.tr(BOT_ID_RULE))
        self.bot_id_error = QLabel(self)
        self.bot_id_error.setObjectName("botIdError")
        self.bot_id_error.setStyleSheet("color: #ef5350;")
        self.bot_id_error.hide()

        self.templates = QComboBox(self)
        self.templates.setObjectName("templates")
        self.templates.setMinimumContentsLength(20)
        self.load_template_button = self._button(
            self.tr("Load"), "loadTemplate", self.load_template
        )
        self.delete_template_button = self._button(
            self.tr("Delete"), "deleteTemplate", self.delete_template
        )
        self.template_name = QLineEdit(self)
        self.template_name.setObjectName("templateName")
        self.template_name.setPlaceholderText(self.tr("template name"))
        self.save_template_button = self._button(
            self.tr("Save as template"), "saveTemplate", self.save_template
        )

        head = QFormLayout()
        head.addRow(self.tr("Kind:"), self.kind)
        id_box = QWidget(self)
        id_layout = QVBoxLayout(id_box)
        id_layout.setContentsMargins(0, 0, 0, 0)
        id_layout.setSpacing(1)
        id_layout.addWidget(self.bot_id)
        id_layout.addWidget(self.bot_id_error)
        head.addRow(self.tr("Bot id:"), id_box)
        load_row = QHBoxLayout()
        load_row.addWidget(self.templates, 1)
        load_row.addWidget(self.load_template_button)
        load_row.addWidget(self.delete_template_button)
        head.addRow(self.tr("Template:"), load_row)
        save_row = QHBoxLayout()
        save_row.addWidget(self.template_name, 1)
        save_row.addWidget(self.save_template_button)
        head.addRow("", save_row)

        self.scroll_area = QScrollArea(self)
        self.scroll_area.setWidgetResizable(True)
        self.fields_box: QWidget | None = None

        self.message = message_label(self)
        self.message.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.save_button = QPushButton(self.tr("Create") if bot is None else self.tr("Save"), self)
        self.save_button.setObjectName("save")
        self.save_button.setDefault(True)
        self.buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.rejected.connect(self.reject)
        self.save_button.clicked.connect(lambda _=False: self.save())

        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(self.scroll_area, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

        if bot is not None:
            self.kind.setCurrentText(bot.kind)
            self.kind.setEnabled(False)
            self.bot_id.setText(bot.id)
            self.bot_id.setEnabled(False)
        elif kind is not None:
            self.kind.setCurrentText(kind)
        self._build(self.kind.currentText())
        if bot is not None:
            self.fill(bot.params)
        self.kind.currentTextChanged.connect(self._kind_changed)
        self.refresh_templates()

    def _button(self, text: str, name: str, slot: Callable[[], object]) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.setAutoDefault(False)
        button.clicked.connect(lambda _=False: slot())
        return button

    # -- fields ------------------------------------------------------------------------------

    @property
    def model(self) -> type[BotParams]:
        return self._controller.bot_params_model(self.kind.currentText())

    def _build(self, kind: str) -> None:
        """The rows of ``kind``'s fields, at their defaults."""
        box = QWidget()
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.rows = {}
        common_started = False
        for spec in field_specs(self._controller.bot_params_model(kind)):
            if spec.common and not common_started:
                common_started = True
                title = QLabel(f"<b>{self.tr('Execution, leg risk and capital')}</b>", box)
                form.addRow(title)
            row = FieldRow(spec, box, self._instruments)
            row.set_value(spec.default)
            self.rows[spec.name] = row
            form.addRow("" if spec.kind == "bool" else f"{spec.label}:", row.box)
        self.form = form
        self.scroll_area.setWidget(box)  # the previous box is deleted by the scroll area
        self.fields_box = box

    def _kind_changed(self, kind: str) -> None:
        self._build(kind)
        show_message(self.message, "", "ok")

    def fill(self, params: Mapping[str, Any]) -> None:
        """Set the editors from parameters (a bot's or a template's); the rest keep theirs."""
        for name, value in params.items():
            row = self.rows.get(name)
            if row is not None:
                row.set_value(value)

    def field(self, name: str) -> QWidget:
        """The editor of one parameter (for tests and focus)."""
        return self.rows[name].editor

    def error_text(self, name: str) -> str:
        """The problem shown under one parameter ("" when none)."""
        return self.rows[name].error.text()

    # -- validation ----------------------------------------------------------------------------

    def _clear_errors(self) -> None:
        for row in self.rows.values():
            row.show_error([])
        self.bot_id_error.hide()
        self.bot_id_error.clear()
        show_message(self.message, "", "ok")

    def show_problems(self, problems: Mapping[str, Sequence[str]]) -> None:
        """Each problem under its field; the form's own, and a count, at the bottom."""
        first: QWidget | None = None
        for name, messages in problems.items():
            if name == "bot_id":
                self.bot_id_error.setText("\n".join(messages))
                self.bot_id_error.show()
                first = first or self.bot_id
            elif name in self.rows:
                self.rows[name].show_error(messages)
                first = first or self.rows[name].editor
        general = list(problems.get(GENERAL, ()))
        fields = sum(len(m) for n, m in problems.items() if n != GENERAL)
        if fields:
            general.append(
                self.tr("1 problem: see the fields marked.")
                if fields == 1
                else self.tr("{n} problems: see the fields marked.").format(n=fields)
            )
        show_message(self.message, "\n".join(general), "error")
        if first is not None:
            self.scroll_area.ensureWidgetVisible(first)

    def params(self) -> dict[str, Any] | None:
        """The form's parameters as the engine stores them (plain JSON), or None with every
        problem shown under its field."""
        self._clear_errors()
        raw: dict[str, Any] = {}
        problems: dict[str, list[str]] = {}
        for name, row in self.rows.items():
            value, problem = row.value()
            if problem:
                problems.setdefault(name, []).append(problem)
            if value is not PydanticUndefined:
                raw[name] = value
        for name, row in self.rows.items():
            if row.spec.kind == "instrument" and isinstance(raw.get(name), str):
                text = raw[name].strip()
                if ":" in text and text not in self._instruments:
                    problems.setdefault(name, []).append(
                        self.tr("{text} is not an instrument of this market").format(text=text)
                    )
        checked: dict[str, Any] | None = None
        try:
            checked = self.model.model_validate(raw).model_dump(mode="json")
        except ValidationError as exc:
            for name, messages in validation_problems(exc, list(self.rows)).items():
                problems.setdefault(name, []).extend(
                    m for m in messages if m not in problems.get(name, [])
                )
        bot_id = self.bot_id.text().strip()
        if self.bot is None and bot_id and not BOT_ID.match(bot_id):
            problems.setdefault("bot_id", []).append(self.tr(BOT_ID_RULE))
        if problems:
            self.show_problems(problems)
            return None
        return checked

    # -- saving --------------------------------------------------------------------------------

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        self.task = task
        return task

    def save(self) -> None:
        params = self.params()
        if params is None:
            return
        self.save_button.setEnabled(False)
        show_message(self.message, self.tr("Saving…"), "ok")
        self._spawn(self._save(params))

    async def _save(self, params: dict[str, Any]) -> None:
        try:
            if self.bot is None:
                bot_id = self.bot_id.text().strip() or None
                view = await self._controller.create_bot(self.kind.currentText(), params, bot_id)
            else:
                view = await self._controller.edit_bot(self.bot.id, params)
        except BotError as exc:
            self._refused(str(exc))
            return
        except Exception as exc:
            log.exception("saving a bot failed")
            failed = self.tr("Saving failed: {error}").format(error=f"{type(exc).__name__}: {exc}")
            show_message(self.message, failed, "error")
            return
        finally:
            self.save_button.setEnabled(True)
        self.saved = view
        self.accept()

    def _refused(self, message: str) -> None:
        """The engine's refusal at the bottom, and under each field it names."""
        problems = engine_problems(message, list(self.rows))
        if self.bot is None and ("bot id" in message or message.endswith(" exists")):
            problems = {"bot_id": [message]}
        problems[GENERAL] = [self.tr("Refused: {message}").format(message=message)]
        self.show_problems(problems)

    # -- templates ------------------------------------------------------------------------------

    def refresh_templates(self, select: str = "") -> asyncio.Task[None]:
        return self._spawn(self._refresh_templates(select))

    async def _refresh_templates(self, select: str = "") -> None:
        try:
            rows = await self._controller.bot_templates()
        except Exception as exc:
            log.warning("bot templates unavailable: %s", exc)
            rows = []
        self._templates = sorted(rows, key=lambda t: t.name)
        self.templates.clear()
        for row in self._templates:
            self.templates.addItem(f"{row.name} ({row.kind})", row.name)
        if select:
            self.templates.setCurrentIndex(max(0, self.templates.findData(select)))
        usable = bool(self._templates)
        self.load_template_button.setEnabled(usable)
        self.delete_template_button.setEnabled(usable)

    def _chosen_template(self) -> TemplateRow | None:
        name = self.templates.currentData()
        return next((t for t in self._templates if t.name == name), None)

    def load_template(self) -> None:
        template = self._chosen_template()
        if template is None:
            return
        if template.kind != self.kind.currentText():
            if not self.kind.isEnabled():
                show_message(
                    self.message,
                    self.tr("Template {name} is for {kind} bots, this one is {this}.").format(
                        name=repr(template.name), kind=template.kind, this=self.kind.currentText()
                    ),
                    "error",
                )
                return
            self.kind.setCurrentText(template.kind)  # rebuilds the rows
        self._clear_errors()
        self.fill(template.params)
        loaded = self.tr("Loaded template {name}.").format(name=repr(template.name))
        show_message(self.message, loaded, "ok")

    def save_template(self) -> None:
        name = self.template_name.text().strip()
        if not name:
            show_message(self.message, self.tr("Name the template first."), "error")
            self.template_name.setFocus()
            return
        params = self.params()
        if params is None:
            return
        self._spawn(self._save_template(name, self.kind.currentText(), params))

    async def _save_template(self, name: str, kind: str, params: dict[str, Any]) -> None:
        try:
            await self._controller.save_bot_template(name, kind, params)
        except BotError as exc:
            self._refused(str(exc))
            return
        await self._refresh_templates(select=name)
        show_message(self.message, self.tr("Saved template {name}.").format(name=repr(name)), "ok")

    def delete_template(self) -> None:
        template = self._chosen_template()
        if template is not None:
            self._spawn(self._delete_template(template.name))

    async def _delete_template(self, name: str) -> None:
        await self._controller.delete_bot_template(name)
        await self._refresh_templates()
        deleted = self.tr("Deleted template {name}.").format(name=repr(name))
        show_message(self.message, deleted, "ok")
