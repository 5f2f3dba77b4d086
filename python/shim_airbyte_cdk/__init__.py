"""flow_sdk.shim_airbyte_cdk: run any Airbyte source as a Flow capture.

In process (the source's Python object, airbyte-cdk installed beside flow-sdk)::

    from flow_sdk import shim_airbyte_cdk
    from source_faker import SourceFaker
    shim_airbyte_cdk.CaptureShim(delegate=SourceFaker(), oauth2=None).main()

As a command (a source in its own virtualenv, or any language in an image)::

    shim_airbyte_cdk.CaptureShim(command=["/path/to/venv/bin/source-faker"]).main()
    shim_airbyte_cdk.CaptureShim(image="airbyte/source-faker:6").main()

or with no Python of one's own: `python -m flow_sdk.shim_airbyte_cdk -- COMMAND...`.
"""

from .shim import CaptureShim

__all__ = ["CaptureShim"]
