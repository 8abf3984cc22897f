"""Independent QC (double programming) of the production ADaM datasets, and the paper check.

The QC programs re-derive ADSL, ADAE, ADTTE and ADRR straight from the SDTM with DuckDB SQL,
from the method descriptions of the spec, sharing no derivation code with ``adam.derive`` or
``adam.datasets``; :mod:`validation.run_qc` compares them with the production datasets using
:func:`adam.compare.compare_datasets`::

    python -m validation.run_qc --sdtm sdtm_in/camms223 --adam adam_out/camms223

Modules: sdtm (SDTM xpt -> DuckDB tables and SQL date macros), params (the study's analysis
parameters read from the spec YAML), qc_adsl, qc_adae, qc_adtte, qc_adrr (one QC program per
dataset), run_qc (run, compare, report, exit code).
"""
