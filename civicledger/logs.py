"""Where log lines go when CivicLedger runs from the command line: the application's lines to stderr
(`time level logger: message`), the access log (`civicledger.access`) as bare JSON lines to stdout — one JSON
object per line, for a log shipper. The same configuration is handed to uvicorn, which applies it in every
worker process of `serve --workers N`."""

from __future__ import annotations

import copy
import logging.config
from typing import Any

from uvicorn.config import LOGGING_CONFIG


def log_config(*, verbose: bool = False, access_log: bool = True) -> dict[str, Any]:
    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["app"] = {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}
    config["formatters"]["json"] = {"format": "%(message)s"}
    config["handlers"]["app"] = {"formatter": "app", "class": "logging.StreamHandler", "stream": "ext://sys.stderr"}
    config["handlers"]["json"] = {"formatter": "json", "class": "logging.StreamHandler", "stream": "ext://sys.stdout"}
    config["root"] = {"handlers": ["app"], "level": "DEBUG" if verbose else "INFO"}
    config["loggers"]["civicledger.access"] = {"handlers": ["json"], "propagate": False,
                                               "level": "INFO" if access_log else "WARNING"}
    config["loggers"]["pgserver"] = {"level": "DEBUG" if verbose else "WARNING"}  # it narrates every pg_ctl call
    return config


def configure(*, verbose: bool = False, access_log: bool = True) -> None:
    logging.config.dictConfig(log_config(verbose=verbose, access_log=access_log))
