"""Package discovery for the `flow_sdk` -> `python/` mapping (the metadata lives in pyproject.toml).

setuptools' automatic discovery cannot rename a folder, so the packages are found here: every
package under `python/` ships as a subpackage of `flow_sdk`, and a new one needs no listing.
"""

from setuptools import find_packages, setup

setup(packages=["flow_sdk", *(f"flow_sdk.{name}" for name in find_packages("python"))])
