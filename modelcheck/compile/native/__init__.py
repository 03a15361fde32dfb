"""The native backend's compiler half: a spec compiled to C implementing mc_model.h (the
contract with the search in C), built into a cached shared object, and the codec between
its state bytes and the Python backend's states."""
from .build import (NativeBuildError, NativeSpec, build_native, c_source, codec, native_problem,
                    native_subset_problem)
from .emit import NativeUnsupported

__all__ = ["NativeBuildError", "NativeSpec", "NativeUnsupported", "build_native", "c_source", "codec",
           "native_problem", "native_subset_problem"]
