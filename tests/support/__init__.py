"""Helpers shared by tests: a fault-injecting venue wrapper and engines over driven feeds.

Imported as ``tests.support``: ``tests`` itself stays a namespace package (no ``__init__.py``), so
the module names pytest gives the existing test folders do not change.
"""
