"""The ADaM conformance rule catalogue.

One module per family registers its rules with :func:`~adam.validate.rules.base.rule`;
:func:`all_rules` imports them all and returns the catalogue sorted by id.
"""

from __future__ import annotations

import importlib

from adam.validate.rules.base import RULES, Hit, Rule, RuleContext, DatasetView, rule

FAMILIES = ("naming", "structure", "adsl", "bds", "occds", "tte", "dates", "flags",
            "traceability", "cross")


def all_rules() -> list[Rule]:
    """Every registered rule (including the generated schema checks), sorted by id."""
    importlib.import_module("adam.validate.schema")
    for family in FAMILIES:
        importlib.import_module(f"adam.validate.rules.{family}")
    return sorted(RULES.values(), key=lambda r: r.id)


__all__ = ["RULES", "Hit", "Rule", "RuleContext", "DatasetView", "rule", "all_rules", "FAMILIES"]
