"""The method registry of the CDISC pilot study: spec method id -> implementation."""

from adam.derive.registry import MethodRegistry

REGISTRY = MethodRegistry("cdiscpilot")
