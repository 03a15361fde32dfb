"""The compile stage: a checked spec becomes generated Python functions behind a Model."""
from .build import CompiledSpec, build

__all__ = ["CompiledSpec", "build"]
