"""Spec-driven CDISC ADaM datasets from SDTM, validated and packaged for submission."""

__version__ = "0.1.0"
