"""The gotham-inbox policy pack: every inbox message is checked before a deploy sends it.

The rules live in ``gotham_inbox.policy`` (one module per policy) and are shared with
``gotham-inbox check``, which evaluates exactly these policies without the Pulumi CLI.
``serve_pack`` builds the ``PolicyPack`` with its metadata, served by an analyzer that keeps the
stack context the engine sends in ``ConfigureStack``.
"""

from gotham_inbox.policy.pack import serve_pack

serve_pack()
