"""Modal dialogs without a nested event loop: ``open()`` the dialog and await its ``finished``.

``QDialog.exec()`` would spin a second loop inside the qasync one, where engine tasks stall or get
lost (DESIGN.md, pitfalls). ``ask`` keeps the one loop running while the user decides.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from PySide6.QtWidgets import QDialog, QMessageBox, QWidget

Confirm = Callable[[QWidget, str, str], Awaitable[bool]]


async def ask(dialog: QDialog) -> int:
    """Show ``dialog`` window-modal and wait for its result (``QDialog.DialogCode``)."""
    future: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def finished(result: int) -> None:
        if not future.done():
            future.set_result(result)

    dialog.finished.connect(finished)
    dialog.open()
    try:
        return await future
    finally:
        dialog.finished.disconnect(finished)


async def confirm_box(parent: QWidget, title: str, text: str) -> bool:
    """Yes/No, with No the default: Enter never confirms something irreversible by accident."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, parent=parent)
    box.setObjectName("confirmBox")
    yes = box.addButton(QMessageBox.StandardButton.Yes)
    no = box.addButton(QMessageBox.StandardButton.No)
    box.setDefaultButton(no)
    box.setEscapeButton(no)
    await ask(box)
    box.deleteLater()
    return box.clickedButton() is yes
