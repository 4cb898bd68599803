"""``gotham-inbox check``'s machinery: the pack's policies on a stack, without the Pulumi CLI.

:mod:`.project` reads the Pulumi project and the stack's config from disk, :mod:`.collect` runs
the program under Pulumi's mocks in a child process and collects its inbox resources, and
:mod:`.report` renders the violations :func:`gotham_inbox.policy.evaluate` finds as text, JSON
or SARIF. The command itself is :mod:`gotham_inbox.cli.check`; ``check --explore`` drives the
same pieces from :mod:`gotham_inbox.explore`.
"""
