"""What gotham-inbox gives a project that installs it, beyond the library.

- :mod:`gotham_inbox.distribution.pack_dir`: the policy pack, shipped inside the distribution,
  laid out as a self-contained pack directory (``gotham-inbox policy-pack DIR``);
- :mod:`gotham_inbox.distribution.state_migration`: the one-time rewrite of a stack's state
  whose pickled provider still names the old top-level ``providers`` package
  (``gotham-inbox migrate-state``).
"""
