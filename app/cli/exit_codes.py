"""Exit codes of every ``arbdesk`` command (also listed in README.md)."""

OK = 0
FAILED = 1  # ran, but something went wrong while running
USAGE = 2  # bad command-line arguments (argparse's own code)
BAD_SETTINGS = 3  # the settings file is invalid
BAD_DATA = 4  # a data file is missing or malformed

# ``panic``, ``status``, ``audit verify``, ``orders show`` and ``resume`` use their own three:
CLEAN = 0  # panic: nothing is left open; audit verify: the chain holds
NOT_CLEAN = 1  # panic: something is still open (listed); audit verify: a broken link (named)
COULD_NOT_RUN = 2  # the command could not do its job at all (the message says why)
NO_SUCH_ORDER = 1  # orders show: the store has no order with that client order id
RESUMED = 0  # resume: the reconciliation passed, trading is ACTIVE
REFUSED = 1  # resume: the reconciliation found problems (listed), trading stays as it was

# ``keys`` (accounts and API keys) adds these to the common ones above:
KEY_CHECK_FAILED = 5  # the exchange refused the key, or could not be reached to check it
CREDENTIALS = 6  # the keychain or vault cannot be used: wrong passphrase, damaged vault, locked
NO_ACCOUNT = 7  # no account has that label
ABORTED = 8  # the user declined a confirmation, or ended a prompt (Ctrl-C, Ctrl-D)
# ``headless``, the window and ``record`` with ``market.source = "live"``:
LIVE_SETUP = 9  # a live exchange cannot be used: account, keys, network, symbols (message says)
LIVE_NOT_CONFIRMED = 10  # mode = "live" headless without --live: real money needs it said
