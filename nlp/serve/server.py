"""Run the app with uvicorn: one process, or ``workers`` processes that each load the pipeline once."""

from __future__ import annotations

import ipaddress
import logging
import os
import socket

from nlp.classify import modelio
from nlp.errors import ConfigError
from nlp.serve.config import API_KEY_VARIABLE, CONFIG_VARIABLE, ServeConfig

log = logging.getLogger("nlp.serve")
FACTORY = "nlp.serve.app:from_environment"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve(config: ServeConfig, *, host: str = "127.0.0.1", port: int = 8000, workers: int = 1,
          api_key: str | None = None, log_level: str = "info") -> None:
    """Serve until interrupted.  The options reach each worker through the environment (uvicorn starts
    workers from an import string); each worker builds its own app and pipeline."""
    import uvicorn

    if workers < 1:
        raise ConfigError(f"workers must be >= 1, got {workers}", setting="workers")
    if config.model_dir is not None:
        modelio.read_card(config.model_dir)  # a missing or unreadable model fails here, with its name, not in a worker
    if not is_loopback(host) and not api_key:
        log.warning("serving on %s without an API key: anyone who can reach this address can call it", host)
    os.environ[CONFIG_VARIABLE] = config.to_json()
    if api_key:
        os.environ[API_KEY_VARIABLE] = api_key
    else:
        os.environ.pop(API_KEY_VARIABLE, None)
    # access_log off: uvicorn's access line carries the query string; the app logs id and size only.
    options = dict(factory=True, host=host, port=port, workers=workers, access_log=False, log_level=log_level,
                   log_config=log_config(log_level), server_header=False, timeout_graceful_shutdown=10)
    if workers == 1:
        uvicorn.run(FACTORY, **options)
        return
    # Several workers share a socket uvicorn binds with protocol 0, and asyncio then leaves Nagle's algorithm on
    # for the connections it accepts: a response's headers and body, written separately, wait ~40 ms for the
    # client's delayed ACK.  TCP_NODELAY on the listening socket is inherited by every accepted connection.
    from uvicorn.supervisors import Multiprocess

    config = uvicorn.Config(FACTORY, **options)
    sock = config.bind_socket()
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        Multiprocess(config, sockets=[sock]).run()
    except KeyboardInterrupt:
        pass


def log_config(level: str) -> dict:
    """uvicorn's logging configuration, with the app's request log ("nlp.serve") on its handler."""
    import copy

    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["nlp.serve"] = {"handlers": ["default"], "level": level.upper(), "propagate": False}
    return config
