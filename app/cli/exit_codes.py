"""Exit codes of every ``arbdesk`` command (also listed in README.md)."""

OK = 0
FAILED = 1  # ran, but something went wrong while running
USAGE = 2  # bad command-line arguments (argparse's own code)
BAD_SETTINGS = 3  # the settings file is invalid
BAD_DATA = 4  # a data file is missing or malformed
