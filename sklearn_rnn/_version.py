"""The package's version, in a module of its own: the modules that write it
into files (persistence, checkpoints, ONNX metadata) import it from here, not
from the package root, which imports them."""

__version__ = "0.1.0"
