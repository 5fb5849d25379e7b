"""The window's language: Qt translators for our strings and Qt's own (dialog buttons), chosen by
``[ui] language`` or, when ``auto``, by the system's locale; and the locale numbers follow.

Installed by ``app.ui.app.application()`` before any widget exists, since Qt translates a string
when the widget asks for it, not later. Changing the language applies on the next start.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from app.ui import format as fmt
from app.ui import i18n_build

log = logging.getLogger(__name__)

#: The languages the window speaks, with their names as shown in the View → Language menu.
LANGUAGE_NAMES = {"en": "English", "zh_CN": "简体中文"}

_installed: list[QTranslator] = []  # kept alive: Qt holds translators by pointer only


def resolve(language: str, system: QLocale | None = None) -> str:
    """``auto`` -> the system's language if the window speaks it (Chinese in simplified script
    -> ``zh_CN``), else English."""
    if language != "auto":
        return language if language in LANGUAGE_NAMES else "en"
    locale = system if system is not None else QLocale.system()
    if locale.language() == QLocale.Language.Chinese and locale.script() in (
        QLocale.Script.SimplifiedChineseScript,
        QLocale.Script.AnyScript,
    ):
        return "zh_CN"
    return "en"


def locale_of(language: str, system: QLocale | None = None) -> QLocale:
    """Numbers and dates: the system's locale when it speaks the chosen language, else the
    language's own (an English window on a German system still groups digits the German way)."""
    locale = system if system is not None else QLocale.system()
    wanted = QLocale(language)
    return locale if locale.language() == wanted.language() else wanted


def install(app: QCoreApplication, language: str) -> str:
    """Install the translators of ``language`` (``auto``, ``en`` or ``zh_CN``) on ``app``,
    replacing earlier ones; returns the language now in use."""
    for old in _installed:
        app.removeTranslator(old)
    _installed.clear()
    chosen = resolve(language)
    locale = locale_of(chosen) if language == "auto" else QLocale(chosen)
    QLocale.setDefault(locale)
    fmt.set_locale(locale)
    if chosen == "en":
        return chosen
    i18n_build.compile_stale()
    ours = QTranslator(app)
    if not ours.load(str(i18n_build.qm_file(chosen))):
        log.warning("no translation for %s at %s: English it is", chosen, i18n_build.I18N_DIR)
        return "en"
    app.installTranslator(ours)
    _installed.append(ours)
    qt = QTranslator(app)
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if qt.load(f"qtbase_{chosen}", qt_dir):  # Qt's own words: Close, Cancel, OK …
        app.installTranslator(qt)
        _installed.append(qt)
    return chosen
