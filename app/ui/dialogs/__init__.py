"""Dialogs: the panic report, leaving HALTED, and the keyboard shortcuts."""
