"""Generic, study-agnostic ADaM derivations (vocabulary of the pharmaverse admiral package).

Every function takes a DataFrame first, then keyword arguments whose defaults are the ADaM
names; it checks its arguments (raising :class:`adam.errors.InputError`), never reorders
rows, leaves no helper columns and returns a new frame. Dates are SAS numbers: days since
1960-01-01 (float, NaN missing); datetimes are seconds since 1960-01-01T00:00:00.
"""

from adam.derive.baseline import derive_var_base, derive_var_category, derive_var_chg, derive_var_pchg
from adam.derive.confirmation import derive_var_confirmed_change
from adam.derive.dates import (
    derive_vars_dt, derive_vars_dtm, from_sas_date, from_sas_datetime, parse_dtc, to_sas_date, to_sas_datetime,
)
from adam.derive.exposure import derive_var_interval_dose
from adam.derive.flags import (
    derive_var_ablfl, derive_var_base_flag, derive_var_exist_flag, derive_var_extreme_flag,
    derive_var_joined_exist_flag, derive_var_trtemfl,
)
from adam.derive.groups import derive_var_codelist_map, derive_var_pooled_group
from adam.derive.merges import derive_var_merged_exist_flag, derive_vars_merged, derive_vars_merged_summary
from adam.derive.registry import Method, MethodRegistry, check_coverage
from adam.derive.timing import (
    course_table, derive_var_analysis_window, derive_var_course, derive_var_period, derive_vars_courses,
    derive_vars_duration, derive_vars_dy,
)
from adam.derive.tte import CensorSource, Col, EventSource, derive_param_tte, derive_vars_aval_tte

__all__ = [
    "CensorSource", "Col", "EventSource", "Method", "MethodRegistry", "check_coverage", "course_table",
    "derive_param_tte", "derive_var_ablfl", "derive_var_analysis_window", "derive_var_base",
    "derive_var_base_flag", "derive_var_category", "derive_var_chg", "derive_var_codelist_map",
    "derive_var_confirmed_change", "derive_var_interval_dose", "derive_var_pooled_group",
    "derive_var_course", "derive_var_exist_flag", "derive_var_extreme_flag", "derive_var_joined_exist_flag",
    "derive_var_merged_exist_flag", "derive_var_pchg", "derive_var_period", "derive_var_trtemfl",
    "derive_vars_aval_tte", "derive_vars_courses", "derive_vars_dt", "derive_vars_dtm", "derive_vars_duration",
    "derive_vars_dy", "derive_vars_merged", "derive_vars_merged_summary", "from_sas_date", "from_sas_datetime",
    "parse_dtc", "to_sas_date", "to_sas_datetime",
]
