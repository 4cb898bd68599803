"""The test suite, a package tree: pytest and mypy import its helpers by the same names."""
