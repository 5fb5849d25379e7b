"""The local control channel: a running ArbDesk answers ``arbdesk panic`` and ``arbdesk status``
from any shell of the same user (loopback only, with a token from a file only the user can read).
"""
