"""source-airbyte-faker: Airbyte's `airbyte-source-faker` from PyPI, run as a Flow capture through the shim."""
