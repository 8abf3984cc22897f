"""The method registry of the CAMMS223 study: spec method id -> implementation."""

from adam.derive.registry import MethodRegistry

REGISTRY = MethodRegistry()
