"""The statistics of the paper check: event rates by negative binomial regression, Kaplan-Meier
estimates, and proportions with confidence intervals.

Each function takes plain arrays (one element per subject) and returns a small dataclass, so
it can be checked against a hand computation.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

Z95 = float(sps.norm.ppf(0.975))


@dataclass(frozen=True)
class RateEstimate:
    """An annualized event rate: the model estimate with its 95% CI, and the crude rate."""

    rate: float
    lower: float
    upper: float
    events: int
    person_years: float
    subjects: int
    crude: float
    method: str  # "negative binomial (HC0)", "Poisson (HC0)" or "no events"


def crude_rate(events: np.ndarray, years: np.ndarray) -> float:
    """Total events / total person-years (NaN when there is no follow-up)."""
    total = float(np.sum(years))
    return float(np.sum(events)) / total if total > 0 else float("nan")


def nb_rate(events, years) -> RateEstimate:
    """Annualized rate from an intercept-only negative binomial regression of the event counts
    with offset log(follow-up years) and robust (sandwich, HC0) variance; 95% Wald CI on the
    log scale. Subjects with no follow-up (years <= 0) are left out. When the negative binomial
    fit fails (no overdispersion to estimate), a Poisson GLM with the same offset and HC0
    variance is used; with no events at all the rate is 0 and the CI is not estimable."""
    import statsmodels.api as sm
    from statsmodels.discrete.discrete_model import NegativeBinomial

    y = np.asarray(events, dtype=float)
    t = np.asarray(years, dtype=float)
    keep = np.isfinite(y) & np.isfinite(t) & (t > 0)
    y, t = y[keep], t[keep]
    crude = crude_rate(y, t)
    base = dict(events=int(y.sum()), person_years=float(t.sum()), subjects=int(y.size), crude=crude)
    if y.size == 0:
        return RateEstimate(float("nan"), float("nan"), float("nan"), method="no follow-up", **base)
    if y.sum() == 0:
        return RateEstimate(0.0, float("nan"), float("nan"), method="no events", **base)
    exog = np.ones((y.size, 1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fit = NegativeBinomial(y, exog, offset=np.log(t)).fit(cov_type="HC0", disp=0, maxiter=200)
            b, se = float(fit.params[0]), float(fit.bse[0])
            ok = bool(fit.mle_retvals.get("converged", True)) and np.isfinite(b) and np.isfinite(se)
            method = "negative binomial (HC0)"
        except Exception:  # singular Hessian, no convergence: fall back to Poisson below
            ok = False
        if not ok:
            fit = sm.GLM(y, exog, family=sm.families.Poisson(), offset=np.log(t)).fit(cov_type="HC0")
            b, se = float(fit.params[0]), float(fit.bse[0])
            method = "Poisson (HC0)"
    return RateEstimate(float(np.exp(b)), float(np.exp(b - Z95 * se)), float(np.exp(b + Z95 * se)),
                        method=method, **base)


@dataclass(frozen=True)
class KmEstimate:
    """Kaplan-Meier survival (event-free probability) at one time, with its 95% CI."""

    time: float
    survival: float
    lower: float
    upper: float
    subjects: int
    events: int


def km_curve(time, event) -> tuple[np.ndarray, np.ndarray]:
    """The Kaplan-Meier step function as (times, survival) starting at (0, 1)."""
    from statsmodels.duration.survfunc import SurvfuncRight

    t = np.asarray(time, dtype=float)
    e = np.asarray(event, dtype=float)
    if t.size == 0:
        return np.array([0.0]), np.array([1.0])
    sf = SurvfuncRight(t, e)
    return np.concatenate([[0.0], sf.surv_times]), np.concatenate([[1.0], sf.surv_prob])


def km_at(time, event, at: float) -> KmEstimate:
    """Kaplan-Meier probability of remaining event-free at ``at`` (same unit as ``time``),
    with a 95% CI from Greenwood's variance on the log(-log) scale. ``event`` is 1 for an
    event, 0 for a censored time."""
    from statsmodels.duration.survfunc import SurvfuncRight

    t = np.asarray(time, dtype=float)
    e = np.asarray(event, dtype=float)
    n_events = int(e.sum())
    if t.size == 0:
        return KmEstimate(at, float("nan"), float("nan"), float("nan"), 0, 0)
    sf = SurvfuncRight(t, e)
    idx = np.searchsorted(sf.surv_times, at, side="right") - 1
    if idx < 0:
        return KmEstimate(at, 1.0, float("nan"), float("nan"), int(t.size), n_events)
    s = float(sf.surv_prob[idx])
    se = float(sf.surv_prob_se[idx])
    if s <= 0 or s >= 1 or not np.isfinite(se):
        return KmEstimate(at, s, float("nan"), float("nan"), int(t.size), n_events)
    # delta method: var(log(-log S)) = var(S) / (S log S)^2
    half = Z95 * se / abs(s * np.log(s))
    lower = s ** np.exp(half)
    upper = s ** np.exp(-half)
    return KmEstimate(at, s, float(lower), float(upper), int(t.size), n_events)


@dataclass(frozen=True)
class Proportion:
    """k of n, as a fraction, with the exact (Clopper-Pearson) 95% CI."""

    k: int
    n: int
    p: float
    lower: float
    upper: float


def proportion(k: int, n: int) -> Proportion:
    """k / n with the Clopper-Pearson 95% CI; NaN when n is 0."""
    k, n = int(k), int(n)
    if n <= 0:
        return Proportion(k, n, float("nan"), float("nan"), float("nan"))
    lower = 0.0 if k == 0 else float(sps.beta.ppf(0.025, k, n - k + 1))
    upper = 1.0 if k == n else float(sps.beta.ppf(0.975, k + 1, n - k))
    return Proportion(k, n, k / n, lower, upper)
