"""flow_sdk.shim_singer_sdk: Singer taps run as Flow captures, in process or as a command.

    from flow_sdk import shim_singer_sdk
    from tap_jsonl.tap import TapJsonl
    shim_singer_sdk.CaptureShim(delegate_factory=TapJsonl).main()

or, for a tap that is only an executable (any language, e.g. one built on singer-python):

    shim_singer_sdk.CaptureShim(command=["tap-foo"], catalog_flag="--properties").main()

which `python -m flow_sdk.shim_singer_sdk [--properties] -- tap-foo ...` also runs.
"""

from .catalog import RESOURCE_CONFIG_SCHEMA, ROW_ID_POINTER
from .connector import CaptureShim

__all__ = ["RESOURCE_CONFIG_SCHEMA", "ROW_ID_POINTER", "CaptureShim"]
