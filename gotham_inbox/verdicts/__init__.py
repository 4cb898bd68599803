"""What the policies and the server say about the same batch, side by side.

A toolkit for property tests that the policy pack tells the truth about the server:

- :class:`PolicyChecker` runs the pack's policies, configured from an emulator directory for
  a caller (the same config ``gotham-inbox policy-config`` prints), and gives a
  :class:`PolicyVerdict`;
- :class:`InProcessEmulator` sends a batch to the emulator's app in process (a fresh
  in-memory store each time, cheap enough for every hypothesis example) and gives a
  :class:`ServerVerdict`;
- :func:`side_by_side` renders both for a failing example, message by message.
"""

from gotham_inbox.verdicts._compare import side_by_side
from gotham_inbox.verdicts._policy_verdict import PolicyChecker, PolicyVerdict
from gotham_inbox.verdicts._server_verdict import InProcessEmulator, ServerVerdict

__all__ = [
    "InProcessEmulator",
    "PolicyChecker",
    "PolicyVerdict",
    "ServerVerdict",
    "side_by_side",
]
