"""Which certificates the client trusts: the official client's rules, checked up front.

``verify`` is ``True`` (the system's defaults), ``False`` (no verification, for tests only), or
the path of a PEM CA bundle file or of a CA directory (``c_rehash`` layout). With ``True``, the
usual environment variables choose a bundle, in the order the official client and requests
read them: ``REQUESTS_CA_BUNDLE``, then ``SSL_CERT_FILE``, then ``SSL_CERT_DIR``.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Mapping
from pathlib import Path

from gotham_inbox.errors import ConfigurationError

CA_ENVIRONMENT_VARIABLES = ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR")


def _context(path: str, origin: str) -> ssl.SSLContext:
    location = Path(path)
    try:
        if location.is_dir():
            return ssl.create_default_context(capath=path)
        if location.is_file():
            return ssl.create_default_context(cafile=path)
    except (OSError, ssl.SSLError, ValueError) as error:
        raise ConfigurationError(
            f"{origin} '{path}' is not a readable PEM CA bundle or CA directory "
            f"({type(error).__name__}); point it at a PEM file or a directory of certificates"
        ) from None
    raise ConfigurationError(
        f"{origin} '{path}' is neither a file nor a directory; point it at a PEM CA bundle "
        "file or a CA directory"
    )


def ssl_verification(
    verify: bool | str, environ: Mapping[str, str] | None = None
) -> ssl.SSLContext | bool:
    """What to hand httpx as ``verify``: an SSL context for a CA path, else the boolean.

    Raises:
        ConfigurationError: the path (given, or from an environment variable) is unusable.
    """
    if isinstance(verify, str):
        return _context(verify, "the CA bundle (gotham:caBundle or verify=)")
    if verify is False:
        return False
    environ = os.environ if environ is None else environ
    for name in CA_ENVIRONMENT_VARIABLES:
        if environ.get(name):
            return _context(environ[name], f"the {name} environment variable")
    return True
