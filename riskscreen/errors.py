"""Errors users can act on: the CLI prints their message and exits non-zero, no traceback."""

from __future__ import annotations


class RiskscreenError(Exception):
    """Base for every error whose message is meant for the user."""

    exit_code = 2


class InputError(RiskscreenError):
    """The supplier file (or a user list) cannot be read or understood as given."""


class ReferenceError_(RiskscreenError):
    """Reference data or model files are missing, corrupt or untrusted."""
