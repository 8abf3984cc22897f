"""The paper's endpoints computed from our ADaM datasets.

Every endpoint function takes the datasets (name -> frame, dates as SAS day numbers) and
returns :class:`Estimate` objects keyed by the ids of :mod:`adam.report.paper_values`. An
endpoint whose dataset (or parameter) is missing gives an Estimate with ``value=None`` and a
``status`` saying why ("not available (dataset ADRR missing)") - never a made-up number.

Populations: the long-term cohort is ADSL.LTCFL = 'Y', the discontinued group DISCGRFL = 'Y',
the 12 mg population A12FL = 'Y'. Year k is [TRTSDT + 365.25(k-1), TRTSDT + 365.25k).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from adam.report.stats import KmEstimate, RateEstimate, km_at, km_curve, nb_rate, proportion

YEAR = 365.25
END_Y12 = 12 * YEAR  # days after TRTSDT


@dataclass
class Estimate:
    """Our value for one paper row: the number, how it is shown, and the detail (k/n, CI)."""

    id: str
    value: float | None
    text: str = ""
    detail: str = ""
    status: str = "ok"


@dataclass
class Curves:
    """Data behind the figures: Kaplan-Meier step functions and the ARR by year."""

    km: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    arr_by_year: list[tuple[int, RateEstimate]] = field(default_factory=list)


class Missing(Exception):
    """A dataset, variable or parameter needed by an endpoint is not there."""


def need(data: dict[str, pd.DataFrame], name: str, columns: list[str] = ()) -> pd.DataFrame:
    """The dataset ``name``; Missing when the dataset or one of ``columns`` is absent."""
    if name not in data:
        raise Missing(f"not available (dataset {name} missing)")
    frame = data[name]
    absent = [c for c in columns if c not in frame.columns]
    if absent:
        raise Missing(f"not available ({name} has no {', '.join(absent)})")
    return frame


def param(frame: pd.DataFrame, name: str, paramcd: str) -> pd.DataFrame:
    """The records of one PARAMCD; Missing when there are none."""
    rows = frame.loc[frame["PARAMCD"] == paramcd]
    if rows.empty:
        raise Missing(f"not available ({name} has no PARAMCD {paramcd})")
    return rows


def flagged(frame: pd.DataFrame, flag: str) -> pd.DataFrame:
    return frame.loc[frame[flag] == "Y"]


def pct(p: float) -> str:
    return "n/a" if p is None or not np.isfinite(p) else f"{100 * p:.1f}%"


def prop_estimate(id_: str, k: int, n: int) -> Estimate:
    pr = proportion(k, n)
    if n == 0:
        return Estimate(id_, None, status="not available (no patients in the denominator)")
    return Estimate(id_, pr.p, pct(pr.p), f"{k}/{n} (95% CI {pct(pr.lower)}-{pct(pr.upper)})")


def rate_estimate(id_: str, r: RateEstimate) -> Estimate:
    if r.subjects == 0:
        return Estimate(id_, None, status="not available (no follow-up)")
    ci = f"95% CI {r.lower:.3f}-{r.upper:.3f}; " if np.isfinite(r.lower) else ""
    return Estimate(id_, r.rate, f"{r.rate:.3f}",
                    f"{ci}{r.events} relapses / {r.person_years:.1f} PY, N={r.subjects}; crude {r.crude:.3f}; {r.method}")


def km_estimate(id_: str, k: KmEstimate, complement: bool = False) -> Estimate:
    """KM event-free probability, or 1 - it (proportion with the event) when ``complement``."""
    if k.subjects == 0:
        return Estimate(id_, None, status="not available (no patients)")
    s, lo, hi = (1 - k.survival, 1 - k.upper, 1 - k.lower) if complement else (k.survival, k.lower, k.upper)
    ci = f"95% CI {pct(lo)}-{pct(hi)}; " if np.isfinite(lo) else ""
    return Estimate(id_, s, pct(s), f"{ci}{k.events} events, N={k.subjects}, KM at day {k.time:.0f}")


# ---------------------------------------------------------------- disposition, treatment


def disposition(data: dict[str, pd.DataFrame], curves: Curves) -> list[Estimate]:
    adsl = need(data, "ADSL", ["A12FL", "LTCFL", "EOSSTT", "EOSDT", "TRTSDT"])
    ltc = flagged(adsl, "LTCFL")
    left_early = (ltc["EOSSTT"] == "DISCONTINUED") & (ltc["EOSDT"] < ltc["TRTSDT"] + END_Y12)
    return [
        Estimate("N_A12", float(len(flagged(adsl, "A12FL"))), str(len(flagged(adsl, "A12FL")))),
        Estimate("N_LTC", float(len(ltc)), str(len(ltc))),
        Estimate("N_Y12", float((~left_early).sum()), str(int((~left_early).sum())),
                 "not discontinued before the end of Year 12"),
    ]


def courses(data: dict[str, pd.DataFrame], curves: Curves) -> list[Estimate]:
    adsl = need(data, "ADSL", ["LTCFL", "TRTSDT", "ODMTFL"] + [f"CRS{n}SDT" for n in range(1, 8)])
    ltc = flagged(adsl, "LTCFL")
    starts = ltc[[f"CRS{n}SDT" for n in range(1, 8)]].to_numpy(dtype=float)
    n_courses = (starts < (ltc["TRTSDT"].to_numpy(dtype=float) + END_Y12)[:, None]).sum(axis=1)
    n = len(ltc)
    return [
        prop_estimate("CRS_EQ2", int((n_courses == 2).sum()), n),
        prop_estimate("CRS_LE3", int((n_courses <= 3).sum()), n),
        prop_estimate("ODMT", int((ltc["ODMTFL"] == "Y").sum()), n),
    ]


# ---------------------------------------------------------------- relapses


def _rlpscnt(data: dict[str, pd.DataFrame]) -> pd.DataFrame:
    adrr = need(data, "ADRR", ["PARAMCD", "AVISITN", "AVAL", "AFUYRS", "LTCFL", "DISCGRFL"])
    return param(adrr, "ADRR", "RLPSCNT")


def relapses(data: dict[str, pd.DataFrame], curves: Curves) -> list[Estimate]:
    counts = _rlpscnt(data)
    ltc = flagged(counts, "LTCFL")

    def period(frame: pd.DataFrame, avisitn: int) -> RateEstimate:
        rows = frame.loc[frame["AVISITN"] == avisitn]
        return nb_rate(rows["AVAL"].to_numpy(float), rows["AFUYRS"].to_numpy(float))

    out = [rate_estimate("ARR_ALL", period(ltc, 103)), rate_estimate("ARR_CORE", period(ltc, 101))]
    by_year = [(k, period(ltc, k)) for k in range(1, 13)]
    by_year = [(k, r) for k, r in by_year if r.subjects > 0]
    curves.arr_by_year = by_year
    if by_year:
        lo = min(by_year, key=lambda kr: kr[1].rate)
        hi = max(by_year, key=lambda kr: kr[1].rate)
        out.append(Estimate("ARR_YEAR_MIN", lo[1].rate, f"{lo[1].rate:.3f}", f"Year {lo[0]}"))
        out.append(Estimate("ARR_YEAR_MAX", hi[1].rate, f"{hi[1].rate:.3f}", f"Year {hi[0]}"))
    return out


def discontinued_relapses(data: dict[str, pd.DataFrame], curves: Curves) -> list[Estimate]:
    counts = flagged(_rlpscnt(data), "DISCGRFL")
    rows = counts.loc[counts["AVISITN"] == 103]
    return [rate_estimate("DISC_ARR", nb_rate(rows["AVAL"].to_numpy(float), rows["AFUYRS"].to_numpy(float)))]


# ---------------------------------------------------------------- disability


def edss_year12(data: dict[str, pd.DataFrame], curves: Curves) -> list[Estimate]:
    adedss = need(data, "ADEDSS", ["ANL02FL", "AVISITN", "CHG", "CHGCAT1", "LTCFL"])
    rows = adedss.loc[(adedss["LTCFL"] == "Y") & (adedss["ANL02FL"] == "Y") & (adedss["AVISITN"] == 144)]
    if rows.empty:
        raise Missing("not available (ADEDSS has no Year 12 (AVISITN 144) assessment)")
    n = len(rows)
    cat = rows["CHGCAT1"]
    chg = rows["CHG"].to_numpy(float)
    return [
        prop_estimate("EDSS_STABLE", int((cat == "STABLE").sum()), n),
        prop_estimate("EDSS_IMPROVED", int((cat == "IMPROVED").sum()), n),
        prop_estimate("EDSS_WORSENED", int((cat == "WORSENED").sum()), n),
        Estimate("EDSS_MEANCHG", float(np.nanmean(chg)), f"{np.nanmean(chg):+.2f}",
                 f"SD {np.nanstd(chg, ddof=1):.2f}, N={n}"),
    ]


def discontinued_edss(data: dict[str, pd.DataFrame], curves: Curves) -> list[Estimate]:
    adedss = need(data, "ADEDSS", ["ANL01FL", "AVISITN", "ADT", "CHGCAT1"])
    adsl = need(data, "ADSL", ["DISCGRFL"])
    disc = set(flagged(adsl, "DISCGRFL")["USUBJID"])
    rows = adedss.loc[adedss["USUBJID"].isin(disc) & (adedss["ANL01FL"] == "Y") & (adedss["AVISITN"] > 0)
                      & adedss["CHGCAT1"].notna()]
    last = rows.sort_values(["USUBJID", "ADT"]).groupby("USUBJID").tail(1)
    good = last["CHGCAT1"].isin(["STABLE", "IMPROVED"]).sum()
    return [prop_estimate("DISC_EDSS_SI", int(good), len(last))]


def _tte(data: dict[str, pd.DataFrame], paramcd: str, flag: str) -> pd.DataFrame:
    adtte = need(data, "ADTTE", ["PARAMCD", "AVAL", "CNSR", flag])
    return flagged(param(adtte, "ADTTE", paramcd), flag)


def _km(rows: pd.DataFrame, at: float) -> KmEstimate:
    return km_at(rows["AVAL"].to_numpy(float), 1 - rows["CNSR"].to_numpy(float), at)


def disability_tte(data: dict[str, pd.DataFrame], curves: Curves) -> list[Estimate]:
    out = []
    for id_, paramcd, complement, label in (("CDW_FREE", "CDW6", False, "CDW-free"),
                                            ("CDI", "CDI6", True, "CDI")):
        try:
            rows = _tte(data, paramcd, "LTCFL")
        except Missing as m:
            out.append(Estimate(id_, None, status=str(m)))
            continue
        out.append(km_estimate(id_, _km(rows, END_Y12), complement))
        t, s = km_curve(rows["AVAL"].to_numpy(float) / YEAR, 1 - rows["CNSR"].to_numpy(float))
        curves.km[label] = (t, 1 - s if complement else s)
    try:
        rows = _tte(data, "CDWACDI", "LTCFL")
        out.append(prop_estimate("CDI_NOCDW", int((rows["CNSR"] == 1).sum()), len(rows)))
    except Missing as m:
        out.append(Estimate("CDI_NOCDW", None, status=str(m)))
    return out


def discontinued_tte(data: dict[str, pd.DataFrame], curves: Curves) -> list[Estimate]:
    out = []
    for id_, paramcd, complement in (("DISC_CDW_FREE", "CDW6", False), ("DISC_CDI", "CDI6", True)):
        try:
            rows = _tte(data, paramcd, "DISCGRFL")
            out.append(km_estimate(id_, _km(rows, 5 * YEAR), complement))
        except Missing as m:
            out.append(Estimate(id_, None, status=str(m)))
    return out


# ---------------------------------------------------------------- MRI and NEDA


def mri(data: dict[str, pd.DataFrame], curves: Curves) -> list[Estimate]:
    admri = need(data, "ADMRI", ["PARAMCD", "AVISITN", "AVALC", "LTCFL"])
    out = []
    for id_, paramcd in (("MRI_FREE_MIN", "FRMRIACT"), ("GD_FREE_MIN", "FRGDT1"), ("T2_FREE_MIN", "FRT2"),
                         ("T1H_FREE_MIN", "FRT1H")):
        try:
            rows = flagged(param(admri, "ADMRI", paramcd), "LTCFL")
        except Missing as m:
            out.append(Estimate(id_, None, status=str(m)))
            continue
        years = []
        for k in range(7, 13):
            yr = rows.loc[(rows["AVISITN"] == k) & rows["AVALC"].isin(["Y", "N"])]
            if len(yr):
                years.append((k, int((yr["AVALC"] == "Y").sum()), len(yr)))
        if not years:
            out.append(Estimate(id_, None, status=f"not available (ADMRI {paramcd} has no Year 7-12 records)"))
            continue
        k, num, den = min(years, key=lambda y: y[1] / y[2])
        est = prop_estimate(id_, num, den)
        est.detail = f"Year {k}: {est.detail}; all years: " + ", ".join(f"Y{y}: {pct(a / b)}" for y, a, b in years)
        out.append(est)
        if paramcd == "FRMRIACT":
            y12 = [y for y in years if y[0] == 12]
            out.append(prop_estimate("MRI_FREE_Y12", y12[0][1], y12[0][2]) if y12
                       else Estimate("MRI_FREE_Y12", None, status="not available (no Year 12 scans)"))
    return out


def neda(data: dict[str, pd.DataFrame], curves: Curves) -> list[Estimate]:
    adneda = need(data, "ADNEDA", ["PARAMCD", "AVISITN", "AVALC", "LTCFL"])
    rows = flagged(param(adneda, "ADNEDA", "NEDA"), "LTCFL")
    out = []
    for k in range(1, 7):
        yr = rows.loc[(rows["AVISITN"] == k + 6) & rows["AVALC"].isin(["Y", "N"])]
        out.append(prop_estimate(f"NEDA_EXT{k}", int((yr["AVALC"] == "Y").sum()), len(yr)))
    return out


def sustained_neda(data: dict[str, pd.DataFrame], curves: Curves) -> list[Estimate]:
    rows = _tte(data, "NEDALOSS", "LTCFL")
    at = float(rows["AVAL"].max()) if len(rows) else 0.0  # the end of each patient's Year 12
    t, s = km_curve(rows["AVAL"].to_numpy(float) / YEAR, 1 - rows["CNSR"].to_numpy(float))
    curves.km["Sustained NEDA"] = (t, s)
    return [km_estimate("NEDA_SUSTAINED", _km(rows, at))]


# ---------------------------------------------------------------- safety


def _ae_ltc(data: dict[str, pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    adsl = need(data, "ADSL", ["LTCFL", "TRTSDT", "LSTALVDT"] + [f"CRS{n}SDT" for n in range(1, 8)])
    adae = need(data, "ADAE", ["TRTEMFL", "AYEAR", "ACRSN", "IARFL", "CQ01NAM", "CQ02NAM", "CQ04NAM", "AEDECOD"])
    ltc = flagged(adsl, "LTCFL")
    return ltc, adae.loc[adae["USUBJID"].isin(ltc["USUBJID"]) & (adae["TRTEMFL"] == "Y")]


def iar(data: dict[str, pd.DataFrame], curves: Curves) -> list[Estimate]:
    ltc, ae = _ae_ltc(data)
    iars = ae.loc[ae["IARFL"] == "Y", ["USUBJID", "ACRSN"]].drop_duplicates()
    out = []
    groups = [(f"IAR_C{k}", [k]) for k in (1, 2, 3, 4)] + [("IAR_C56", [5, 6]), ("IAR_C7", [7])]
    for id_, ks in groups:
        treated = sum(int(ltc[f"CRS{k}SDT"].notna().sum()) for k in ks)  # patient-courses
        with_iar = int(iars["ACRSN"].isin(ks).sum())
        out.append(prop_estimate(id_, with_iar, treated))
    return out


def infections_thyroid(data: dict[str, pd.DataFrame], curves: Curves) -> list[Estimate]:
    ltc, ae = _ae_ltc(data)

    def at_risk(k: int) -> int:  # patients followed into year k
        return int((ltc["LSTALVDT"] >= ltc["TRTSDT"] + YEAR * (k - 1)).sum())

    def patients(rows: pd.DataFrame) -> int:
        return rows["USUBJID"].nunique()

    inf = ae.loc[ae["CQ04NAM"].notna()]
    thy = ae.loc[ae["CQ01NAM"].notna()]
    return [
        prop_estimate("INF_Y1", patients(inf.loc[inf["AYEAR"] == 1]), at_risk(1)),
        prop_estimate("THY_Y2", patients(thy.loc[thy["AYEAR"] == 2]), at_risk(2)),
        prop_estimate("THY_Y3", patients(thy.loc[thy["AYEAR"] == 3]), at_risk(3)),
        prop_estimate("THY_CUM", patients(thy.loc[thy["AYEAR"] <= 12]), len(ltc)),
        Estimate("ITP_N", float(patients(ae.loc[ae["AEDECOD"] == "Immune thrombocytopenia"])),
                 str(patients(ae.loc[ae["AEDECOD"] == "Immune thrombocytopenia"]))),
    ]


#: endpoint function -> the ids it fills (so a Missing dataset marks all of them)
ENDPOINTS: list[tuple[Callable[[dict, Curves], list[Estimate]], list[str]]] = [
    (disposition, ["N_A12", "N_LTC", "N_Y12"]),
    (courses, ["CRS_EQ2", "CRS_LE3", "ODMT"]),
    (relapses, ["ARR_ALL", "ARR_CORE", "ARR_YEAR_MIN", "ARR_YEAR_MAX"]),
    (edss_year12, ["EDSS_STABLE", "EDSS_IMPROVED", "EDSS_WORSENED", "EDSS_MEANCHG"]),
    (disability_tte, ["CDW_FREE", "CDI", "CDI_NOCDW"]),
    (mri, ["MRI_FREE_Y12", "MRI_FREE_MIN", "GD_FREE_MIN", "T2_FREE_MIN", "T1H_FREE_MIN"]),
    (neda, [f"NEDA_EXT{k}" for k in range(1, 7)]),
    (sustained_neda, ["NEDA_SUSTAINED"]),
    (iar, ["IAR_C1", "IAR_C2", "IAR_C3", "IAR_C4", "IAR_C56", "IAR_C7"]),
    (infections_thyroid, ["INF_Y1", "THY_Y2", "THY_Y3", "THY_CUM", "ITP_N"]),
    (discontinued_relapses, ["DISC_ARR"]),
    (discontinued_edss, ["DISC_EDSS_SI"]),
    (discontinued_tte, ["DISC_CDW_FREE", "DISC_CDI"]),
]


def compute_endpoints(data: dict[str, pd.DataFrame]) -> tuple[dict[str, Estimate], Curves]:
    """Every endpoint of the paper from the datasets given (name -> frame, upper-case names)."""
    data = {k.upper(): v for k, v in data.items()}
    curves = Curves()
    found: dict[str, Estimate] = {}
    for func, ids in ENDPOINTS:
        try:
            results = func(data, curves)
        except Missing as m:
            results = [Estimate(i, None, status=str(m)) for i in ids]
        for est in results:
            found[est.id] = est
        for i in ids:
            found.setdefault(i, Estimate(i, None, status="not available"))
    return found, curves
