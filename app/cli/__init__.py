"""The ``arbdesk`` command line: the top of the layers, it may wire anything."""
