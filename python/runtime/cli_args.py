"""Argument types shared by the runtime's `flow-sdk` verbs."""

from __future__ import annotations

import argparse


def positive_int(text: str) -> int:
    """An argparse type: an integer greater than 0."""
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be greater than 0")
    return value


def positive_float(text: str) -> float:
    """An argparse type: a number greater than 0."""
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be greater than 0")
    return value
