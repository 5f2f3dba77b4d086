"""The connector of `using: python` derivations: it runs the user's module.

Config: `{module, dependencies}` as in the catalog. `module` is a file path (relative paths
resolve against the working directory, where the runtime starts connectors: the catalog's
folder) or, when it spans lines, the module's source itself. `dependencies` are installed by
whoever starts the connector (they must be importable by then); the connector does not touch
them.

At `validate` and `open` the connector renders the derivation's typed module from the request's
schemas (`flow_sdk.derive.typed_module`) and installs it in `sys.modules` under its generated
name (`acme.sums`), so the user's `from acme.sums import IDerivation, ...` gets exactly the types
of the spec being run, whether or not `flow-sdk generate` was run. The module must define
`class Derivation(IDerivation)`. `validate` also returns the typed module in `generatedFiles`,
under the request's `projectRoot`.

Run it as `python -m flow_sdk.derive.python_module`.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Awaitable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

from ..config import ConfigModel
from ..errors import ConfigError
from .connector import Connector, Documents, Flushed, run
from .derivation import Derivation, DerivationConnector
from .typed_module import DerivationTypes, module_file, module_name, render_types


class PythonConfig(ConfigModel):
    """Config of a `using: python` derivation."""

    module: str
    dependencies: dict[str, str] = {}


def install_types(types: DerivationTypes) -> ModuleType:
    """Render the typed module of `types` and register it (and bare parent packages) in `sys.modules`."""
    name = module_name(types.name)
    parts = name.split(".")
    for depth in range(1, len(parts)):
        package = ".".join(parts[:depth])
        if package not in sys.modules:
            parent = ModuleType(package)
            parent.__path__ = []
            sys.modules[package] = parent
    module = ModuleType(name)
    module.__file__ = str(module_file(types.name))
    sys.modules[name] = module
    exec(compile(render_types(types), module.__file__, "exec"), module.__dict__)
    return module


def load_derivation(config: PythonConfig, collection: str) -> type[Derivation]:
    """Import the user's module and return its `Derivation` class."""
    name = "flow_derivation_" + module_name(collection).replace(".", "_")
    if "\n" in config.module:
        module = ModuleType(name)
        module.__file__ = f"<module of derivation {collection}>"
        sys.modules[name] = module
        exec(compile(config.module, module.__file__, "exec"), module.__dict__)
    else:
        path = Path(config.module.removeprefix("file://")).resolve()
        if not path.is_file():
            raise ConfigError(f"derivation {collection}: module file {str(path)!r} not found")
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise ConfigError(f"derivation {collection}: cannot load module {str(path)!r}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    found = getattr(module, "Derivation", None)
    if not (isinstance(found, type) and issubclass(found, Derivation)):
        raise ConfigError(
            f"derivation {collection}: its module must define `class Derivation(IDerivation)` "
            f"(IDerivation from {module_name(collection)})"
        )
    return found


class PythonModuleConnector(Connector):
    """Serves the `Derivation` class of a `using: python` module."""

    config_model = PythonConfig
    documentation_url = "https://docs.estuary.dev/concepts/derivations/"

    def __init__(self) -> None:
        self.inner: DerivationConnector | None = None

    def _load(self, config: PythonConfig, request: Mapping[str, Any]) -> DerivationTypes:
        types = DerivationTypes.from_request(request)
        install_types(types)
        self.inner = DerivationConnector(load_derivation(config, types.name))
        return types

    def validate(self, config: Any, request: Mapping[str, Any]) -> dict[str, Any]:
        """Load the module against the proposed spec; return the typed module as a generated file."""
        types = self._load(config, request)
        assert self.inner is not None
        validated = self.inner.validate(config, request)
        root = str(request.get("projectRoot") or "")
        if root:
            validated["generatedFiles"] = {
                root.rstrip("/") + "/" + module_file(types.name).as_posix(): render_types(types)
            }
        return validated

    def open(self, config: Any, request: Mapping[str, Any]) -> dict[str, Any]:
        """Load the module and open the derivation; reads then go straight to its methods."""
        self._load(config, request)
        assert self.inner is not None
        opened = self.inner.open(config, request)
        # The session looks `read` up after `open`: bind the hot path to the inner connector.
        self.read = self.inner.read  # type: ignore[method-assign]
        return opened

    def read(self, transform: int, read: Mapping[str, Any]) -> Documents | Awaitable[Documents]:
        """Delegate to the derivation (replaced by the derivation's own `read` at open)."""
        assert self.inner is not None
        return self.inner.read(transform, read)

    def flush(self, state_patches: Any) -> Awaitable[Flushed]:
        """Delegate to the derivation."""
        assert self.inner is not None
        return self.inner.flush(state_patches)

    def start_commit(self, runtime_checkpoint: Any) -> dict[str, Any] | None:
        """Delegate to the derivation."""
        assert self.inner is not None
        return self.inner.start_commit(runtime_checkpoint)

    def reset(self) -> Awaitable[None]:
        """Delegate to the derivation."""
        assert self.inner is not None
        return self.inner.reset()


if __name__ == "__main__":
    run(PythonModuleConnector())
