"""The published figures of the CAMMS223 12-year paper that the paper check reproduces.

Each :class:`PaperValue` is one row of the report: an id (used by the endpoint functions of
:mod:`adam.report.endpoints`), the section, what is measured, the population, the published
value and its unit, and the sentence of the paper it comes from (as a comment). Percentages are
stored as fractions (0.69 for 69%).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PaperValue:
    """One published figure."""

    id: str
    section: str
    endpoint: str
    population: str
    value: float | None  # None when the paper gives a range or no single number
    unit: str  # "rate", "%", "n", "EDSS"
    paper_text: str  # the published value as printed (ranges, CIs)


LTC = "long-term cohort (N=60)"
DISC = "discontinued group (N=48)"
A12 = "alemtuzumab 12 mg treated (N=108)"

PAPER_VALUES: list[PaperValue] = [
    # "Of 108 alemtuzumab-treated patients in CAMMS223, 60 entered the CAMMS03409 extension"
    PaperValue("N_A12", "Disposition", "Patients treated with alemtuzumab 12 mg", A12, 108, "n", "108"),
    PaperValue("N_LTC", "Disposition", "Entered CAMMS03409 (long-term cohort)", A12, 60, "n", "60 (56%)"),
    # "54 (50%) patients remained on study at Year 12"
    PaperValue("N_Y12", "Disposition", "On study at Year 12", LTC, 54, "n", "54"),
    # "Over 12 years, 20/60 patients (33%) received a total of two courses of alemtuzumab"
    PaperValue("CRS_EQ2", "Treatment", "Received exactly 2 courses", LTC, 20 / 60, "%", "20/60 (33%)"),
    # "73% received no more than 3 courses through Year 12"
    PaperValue("CRS_LE3", "Treatment", "Received no more than 3 courses", LTC, 0.73, "%", "73%"),
    # "Through 12 years, 12/60 (20%) patients received other DMTs"
    PaperValue("ODMT", "Treatment", "Received another DMT", LTC, 12 / 60, "%", "12/60 (20%)"),
    # "The cumulative ARR was 0.09 over 12 years"
    PaperValue("ARR_ALL", "Relapses", "ARR, Years 0-12", LTC, 0.09, "rate", "0.09"),
    # "similar to the relapse rate in the core CAMMS223 study (0.08; Fig. 2a)"
    PaperValue("ARR_CORE", "Relapses", "ARR, core study (Years 1-3)", LTC, 0.08, "rate", "0.08"),
    # "Annually through Year 12, ARR remained low (0.03-0.14)"
    PaperValue("ARR_YEAR_MIN", "Relapses", "Lowest annual ARR (Years 1-12)", LTC, 0.03, "rate", "0.03-0.14"),
    PaperValue("ARR_YEAR_MAX", "Relapses", "Highest annual ARR (Years 1-12)", LTC, 0.14, "rate", "0.03-0.14"),
    # "At Year 12, 49% of patients showed stable EDSS, and 22% showed improved EDSS"
    PaperValue("EDSS_STABLE", "Disability", "EDSS stable at Year 12", LTC, 0.49, "%", "49%"),
    PaperValue("EDSS_IMPROVED", "Disability", "EDSS improved at Year 12", LTC, 0.22, "%", "22%"),
    # "71% of patients had stable or improved EDSS scores" (so 29% worsened)
    PaperValue("EDSS_WORSENED", "Disability", "EDSS worsened at Year 12", LTC, 0.29, "%", "29% (100 - 71)"),
    # "Mean EDSS change from baseline was + 0.33 (SD, 1.6)"
    PaperValue("EDSS_MEANCHG", "Disability", "Mean EDSS change at Year 12", LTC, 0.33, "EDSS", "+0.33 (SD 1.6)"),
    # "Through Year 12, 69% of patients were free of 6-month CDW (Fig. 2c)"
    PaperValue("CDW_FREE", "Disability", "Free of 6-month CDW through Year 12 (KM)", LTC, 0.69, "%", "69%"),
    # "and 53% achieved 6-month CDI (Fig. 2d)" (baseline EDSS >= 2.0)
    PaperValue("CDI", "Disability", "Achieved 6-month CDI through Year 12 (KM)", LTC, 0.53, "%", "53%"),
    # "Of the 19 patients who achieved CDI over 12 years, 17 (89%) had no subsequent CDW"
    PaperValue("CDI_NOCDW", "Disability", "No CDW after CDI (of those with CDI)", LTC, 17 / 19, "%", "17/19 (89%)"),
    # "In Year 12, 73% of patients were free of MRI disease activity"
    PaperValue("MRI_FREE_Y12", "MRI", "Free of MRI activity in Year 12", LTC, 0.73, "%", "73%"),
    # "In each year ... >= 69% of patients were free of MRI disease activity"
    PaperValue("MRI_FREE_MIN", "MRI", "Free of MRI activity, lowest year (7-12)", LTC, 0.69, "%", ">= 69%"),
    # "with >= 87% having no new Gd-enhancing T1 lesions"
    PaperValue("GD_FREE_MIN", "MRI", "No new Gd+ T1 lesions, lowest year", LTC, 0.87, "%", ">= 87%"),
    # "and >= 69% having no new/enlarging T2 lesions"
    PaperValue("T2_FREE_MIN", "MRI", "No new/enlarging T2 lesions, lowest year", LTC, 0.69, "%", ">= 69%"),
    # ">= 82% were free of new T1 hypointense lesions (Fig. 3)"
    PaperValue("T1H_FREE_MIN", "MRI", "No new T1 hypointense lesions, lowest year", LTC, 0.82, "%", ">= 82%"),
    # "extension Year 1: 78%; extension Year 2: 67%; extension Year 3: 64%; extension Year 4: 68%;
    #  extension Year 5: 63%; extension Year 6: 67%"
    *[PaperValue(f"NEDA_EXT{k}", "NEDA", f"Annual NEDA, extension Year {k} (Year {k + 6})", LTC, v, "%", f"{round(v * 100)}%")
      for k, v in enumerate((0.78, 0.67, 0.64, 0.68, 0.63, 0.67), start=1)],
    # "33.9% (95% CI, 22.0-46.1%) of patients had sustained NEDA (Fig. 4)"
    PaperValue("NEDA_SUSTAINED", "NEDA", "Sustained NEDA, extension entry to Year 12 (KM)", LTC, 0.339, "%",
               "33.9% (95% CI 22.0-46.1%)"),
    # "IARs declined after the first course (Course 1: 98%; Course 2: 80%; Course 3: 77%; Course 4: 63%)"
    *[PaperValue(f"IAR_C{k}", "Safety", f"IAR in course {k} (% of patients treated)", LTC, v, "%", f"{round(v * 100)}%")
      for k, v in ((1, 0.98), (2, 0.80), (3, 0.77), (4, 0.63))],
    # "Of the 12 patients who received Courses 5 and 6, 7 (58%) reported IARs"
    PaperValue("IAR_C56", "Safety", "IAR in courses 5 and 6 (% of patient-courses)", LTC, 7 / 12, "%", "7/12 (58%)"),
    # "no IARs were reported in the 1 patient who received Course 7"
    PaperValue("IAR_C7", "Safety", "IAR in course 7", LTC, 0.0, "%", "0/1 (0%)"),
    # "Infection rate was highest during Year 1 (53%)"
    PaperValue("INF_Y1", "Safety", "Infection in Year 1", LTC, 0.53, "%", "53%"),
    # "Thyroid AEs peaked in Years 2 and 3 (15% in each)"
    PaperValue("THY_Y2", "Safety", "Thyroid AE in Year 2", LTC, 0.15, "%", "15%"),
    PaperValue("THY_Y3", "Safety", "Thyroid AE in Year 3", LTC, 0.15, "%", "15%"),
    # "Cumulative thyroid AE incidence was 50%"
    PaperValue("THY_CUM", "Safety", "Thyroid AE, cumulative through Year 12", LTC, 0.50, "%", "50%"),
    # "Over 12 years, there was one case of ITP"
    PaperValue("ITP_N", "Safety", "Patients with ITP", LTC, 1, "n", "1"),
    # "cumulative ARR in discontinued patients was higher (0.19 in Years 0-6)"
    PaperValue("DISC_ARR", "Discontinued", "ARR up to discontinuation", DISC, 0.19, "rate", "0.19"),
    # "Over 5 years, 77% of patients showed stable or improved EDSS"
    PaperValue("DISC_EDSS_SI", "Discontinued", "EDSS stable or improved at last assessment", DISC, 0.77, "%", "77%"),
    # "Through Year 5, 87% of patients remained free of 6-month CDW and 30% achieved 6-month CDI"
    PaperValue("DISC_CDW_FREE", "Discontinued", "Free of 6-month CDW through Year 5 (KM)", DISC, 0.87, "%", "87%"),
    PaperValue("DISC_CDI", "Discontinued", "Achieved 6-month CDI through Year 5 (KM)", DISC, 0.30, "%", "30%"),
]

BY_ID = {v.id: v for v in PAPER_VALUES}
