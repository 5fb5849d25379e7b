"""Ask the running instance, else do it here: the one flow of ``arbdesk panic`` and ``resume``.

The instance must answer a ping within a second; then it gets the command and as long as the
command needs. No instance (or one that went away between the two requests) means the command is
done from the store and the accounts by ``offline``; an instance that refuses or does not report
is never second-guessed from here (it may still be working), so that is "could not run".
Asking is blocking and loads no event loop: with an instance running, the kill switch costs the
shell little more than Python's own start.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from app.cli import exit_codes
from app.control import client


def instance_or_here(
    command: str,
    args: dict[str, Any],
    answer_timeout_s: float,
    *,
    doing: str,
    offline: Callable[[], int],
    report: Callable[[dict[str, Any]], int],
) -> int:
    """``doing`` names the work in messages ("panicking", "resuming")."""
    try:
        client.ask("ping", timeout=client.DEFAULT_TIMEOUT_S)
    except client.NoInstance as exc:  # nobody answered within a second
        print(f"arbdesk: no running instance ({exc}); {doing} from here", file=sys.stderr)
        return offline()
    except client.ControlError as exc:
        print(f"arbdesk: the running instance refused: {exc}", file=sys.stderr)
        return exit_codes.COULD_NOT_RUN
    try:
        result = client.ask(command, args, answer_timeout_s)
    except client.NoAnswer as exc:
        # it answered the ping: it is alive, and may still be at it
        print(f"arbdesk: the running instance did not report: {exc}", file=sys.stderr)
        print("arbdesk: it may still be working; check `arbdesk status`", file=sys.stderr)
        return exit_codes.COULD_NOT_RUN
    except client.NoInstance as exc:  # it went away between the two requests
        print(f"arbdesk: the running instance is gone ({exc}); {doing} from here", file=sys.stderr)
        return offline()
    except client.ControlError as exc:
        print(f"arbdesk: the running instance could not {command}: {exc}", file=sys.stderr)
        return exit_codes.COULD_NOT_RUN
    return report({**result, "source": "instance"})
