"""Reports computed from finished ADaM datasets; first of all the paper check of CAMMS223.

Modules: paper_values (the published figures, with the paper's wording), stats (negative
binomial ARR with robust variance, Kaplan-Meier, proportions), endpoints (each endpoint from
the ADaM datasets), paper (reading a folder, the report table, markdown/HTML and figures).
"""

from adam.report.paper import PaperReport, paper_check, print_table, read_adam_folder, write_report

__all__ = ["PaperReport", "paper_check", "print_table", "read_adam_folder", "write_report"]
