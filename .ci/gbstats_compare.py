"""Recomputes every line of `cargo run --example stats_vectors` with the real gbstats (and
SciPy underneath it) and checks that Mintage agrees to 1e-6 relative, or 1e-9 absolute
near zero, on every number.

Usage: python .ci/gbstats_compare.py VECTORS.jsonl [REPORTS.jsonl …]
Mintage's side is computed in Rust; this file only feeds the same sufficient statistics to
gbstats' own classes: ProportionStatistic / SampleMeanStatistic /
RegressionAdjustedStatistic, TwoSidedTTest / SequentialTwoSidedTTest, utils.check_srm.
Lines of `cargo run --example report_vectors` (`"type": "report"`) are whole experiment
reports computed by Mintage from generated ladder outcomes: every arm against the baseline
on conversion and gmv_per_user (fixed, sequential, CUPED, both), the per-arm means, the SRM
check, Holm over the report, also per `--by` group; small data sets carry each user's
values, which are summed here to check Mintage's sums too.
Holm's adjustment is not part of gbstats (GrowthBook applies it in its TypeScript front
end, `adjustPValuesHolmBonferroni`); it is checked against a transcription of that here.
"""

import importlib.metadata
import json
import math
import sys
from collections import defaultdict

from scipy.stats import chi2, t

from gbstats.frequentist.tests import (
    FrequentistConfig,
    SequentialConfig,
    SequentialTwoSidedTTest,
    TwoSidedTTest,
)
from gbstats.models.statistics import (
    ProportionStatistic,
    RegressionAdjustedStatistic,
    SampleMeanStatistic,
)
from gbstats.utils import check_srm

RELATIVE = 1e-6
ABSOLUTE = 1e-9


class Checker:
    def __init__(self):
        self.count = 0
        self.failures = []
        self.worst = defaultdict(lambda: (0.0, None))  # category -> (relative diff, detail)

    def number(self, category, where, ours, ref):
        self.count += 1
        if ours is None or ref is None or not math.isfinite(ref):
            if ours != ref:
                self.failures.append(f"{where}: mintage {ours!r}, gbstats {ref!r}")
            return
        diff = abs(ours - ref)
        rel = diff / abs(ref) if ref != 0 else (0.0 if diff == 0 else math.inf)
        if diff > ABSOLUTE and rel > RELATIVE:
            self.failures.append(f"{where}: mintage {ours!r}, gbstats {ref!r} (relative {rel:.3g})")
        # The worst relative difference among the numbers that are not near zero.
        if abs(ref) > ABSOLUTE and rel >= self.worst[category][0]:
            self.worst[category] = (rel, f"{where}: mintage {ours!r}, gbstats {ref!r}")

    def same(self, where, ours, ref):
        self.count += 1
        if ours != ref:
            self.failures.append(f"{where}: mintage {ours!r}, gbstats {ref!r}")


def base_statistic(kind, sums):
    if kind == "proportion":
        return ProportionStatistic(n=sums["n"], sum=sums["sum"])
    return SampleMeanStatistic(n=sums["n"], sum=sums["sum"], sum_squares=sums["sum_squares"])


def statistic(kind, sums, cuped):
    if not cuped:
        return base_statistic(kind, sums)
    covariate = SampleMeanStatistic(
        n=sums["n"], sum=sums["covariate_sum"], sum_squares=sums["covariate_sum_squares"]
    )
    return RegressionAdjustedStatistic(
        n=sums["n"],
        post_statistic=base_statistic(kind, sums),
        pre_statistic=covariate,
        post_pre_sum_of_products=sums["cross_sum"],
        theta=0,
    )


def gbstats_test(line, difference_type):
    a = statistic(line["kind"], line["baseline"], line["cuped"])
    b = statistic(line["kind"], line["arm"], line["cuped"])
    if line["sequential"]:
        config = SequentialConfig(
            alpha=line["alpha"],
            difference_type=difference_type,
            sequential_tuning_parameter=line["tuning"],
        )
        return SequentialTwoSidedTTest(a, b, config)
    return TwoSidedTTest(a, b, FrequentistConfig(alpha=line["alpha"], difference_type=difference_type))


def check_compare(c, line):
    where = f"{line['id']} seq={line['sequential']} cuped={line['cuped']} alpha={line['alpha']}"
    for side in ("baseline", "arm"):
        stat = base_statistic(line["kind"], line[side])
        c.number("moments", f"{where} {side}.mean", line["moments"][side]["mean"], stat.mean)
        c.number("moments", f"{where} {side}.variance", line["moments"][side]["variance"], stat.variance)
    ours = line["result"]
    for difference_type in ("absolute", "relative"):
        test = gbstats_test(line, difference_type)
        result = test.compute_result()
        refused = result.error_message is not None
        c.same(f"{where} not enough data", "not_enough_data" in ours, refused)
        if refused or "not_enough_data" in ours:
            continue
        mine = ours[difference_type]
        c.number(f"{difference_type}.estimate", f"{where} {difference_type}.estimate", mine["estimate"], result.expected)
        c.number(f"{difference_type}.ci", f"{where} {difference_type}.ci[0]", mine["ci"][0], result.ci[0])
        c.number(f"{difference_type}.ci", f"{where} {difference_type}.ci[1]", mine["ci"][1], result.ci[1])
        c.number(f"{difference_type}.p_value", f"{where} {difference_type}.p_value", mine["p_value"], result.p_value)
        c.number("dof", f"{where} dof", ours["dof"], test.dof)
        adjusted = isinstance(test.stat_a, RegressionAdjustedStatistic)
        c.number("theta", f"{where} theta", ours["theta"], test.stat_a.theta if adjusted else None)


def growthbook_holm(p_values):
    # adjustPValuesHolmBonferroni (packages/shared/src/experiments/experiments.ts).
    indexed = sorted(enumerate(p_values), key=lambda ip: ip[1])
    m = len(indexed)
    adjusted = [(i, min(p * (m - k), 1)) for k, (i, p) in enumerate(indexed)]
    out = [0.0] * m
    running = None
    for i, p in adjusted:
        running = p if running is None or p > running else running
        out[i] = running
    return out


def row_sums(rows, arm):
    """Sums of one arm from per-user rows [arm, converted, gmv, covariate]."""
    out = {}
    for metric, k in (("conversion", 1), ("gmv", 2)):
        ys = [r[k] for r in rows if r[0] == arm]
        xs = [r[3] for r in rows if r[0] == arm]
        out[metric] = {
            "n": len(ys),
            "sum": math.fsum(ys),
            "sum_squares": math.fsum(y * y for y in ys),
            "covariate_sum": math.fsum(xs),
            "covariate_sum_squares": math.fsum(x * x for x in xs),
            "cross_sum": math.fsum(x * y for x, y in zip(xs, ys)),
        }
    return out


def check_arms(c, where, line, sums, arms, baseline, relative_p):
    """One report's arms (whole experiment or a group) against gbstats."""
    names = [a["arm"] for a in sums]
    base = names.index(baseline)
    for i, (s, a) in enumerate(zip(sums, arms)):
        c.same(f"{where} arm order", a["arm"], s["arm"])
        c.same(f"{where} {a['arm']} users", a["users"], s["gmv"]["n"])
        if s["gmv"]["n"] > 0:
            c.number("report.mean", f"{where} {a['arm']} conversion", a["conversion"],
                     base_statistic("proportion", s["conversion"]).mean)
            c.number("report.mean", f"{where} {a['arm']} gmv_per_user", a["gmv_per_user"],
                     base_statistic("mean", s["gmv"]).mean)
        if i == base:
            c.same(f"{where} baseline has no comparison", "vs_baseline" in a, False)
            continue
        for metric, kind, key in (("conversion", "proportion", "conversion"), ("gmv_per_user", "mean", "gmv")):
            ours = a["vs_baseline"][metric]
            test_line = {"kind": kind, "baseline": sums[base][key], "arm": s[key], "cuped": line["cuped"],
                         "sequential": line["sequential"], "alpha": line["alpha"], "tuning": line["tuning"]}
            for difference_type in ("absolute", "relative"):
                test = gbstats_test(test_line, difference_type)
                result = test.compute_result()
                refused = result.error_message is not None
                w = f"{where} {a['arm']} {metric} {difference_type}"
                c.same(f"{w} not enough data", "not_enough_data" in ours, refused)
                if refused or "not_enough_data" in ours:
                    continue
                mine = ours[difference_type]
                c.number(f"report.{difference_type}", f"{w}.estimate", mine["estimate"], result.expected)
                c.number(f"report.{difference_type}", f"{w}.ci[0]", mine["ci"][0], result.ci[0])
                c.number(f"report.{difference_type}", f"{w}.ci[1]", mine["ci"][1], result.ci[1])
                c.number(f"report.{difference_type}", f"{w}.p_value", mine["p_value"], result.p_value)
            if "not_enough_data" not in ours:
                relative_p.append((f"{where} {a['arm']} {metric}", ours["relative"]["p_value"], ours["p_value_holm"]))


def check_report(c, line):
    where = f"{line['id']} seq={line['sequential']} cuped={line['cuped']}"
    report = line["report"]
    c.same(f"{where} method", (report["method"]["sequential"], report["method"]["cuped"]),
           (line["sequential"], line["cuped"]))
    if line["rows"] is not None:
        for k, s in enumerate(line["arms"]):
            mine = row_sums(line["rows"], k)
            for metric in ("conversion", "gmv"):
                for field, value in mine[metric].items():
                    c.number("report.sums", f"{where} {s['arm']} {metric}.{field}", s[metric][field], value)
    users = [s["gmv"]["n"] for s in line["arms"]]
    p = check_srm(users, line["weights"])
    c.number("report.srm", f"{where} srm.p_value", report["srm"]["p_value"], p)
    c.same(f"{where} srm.flag", report["srm"]["flag"], bool(p < 0.001))
    relative_p = []
    check_arms(c, where, line, line["arms"], report["arms"], report["baseline"], relative_p)
    for g, mine in zip(line["groups"], report.get("groups") or []):
        c.same(f"{where} group", mine["value"], g["value"])
        gp = check_srm([s["gmv"]["n"] for s in g["arms"]], line["weights"])
        c.number("report.srm", f"{where} {g['value']} srm.p_value", mine["srm"]["p_value"], gp)
        check_arms(c, f"{where} {g['value']}", line, g["arms"], mine["arms"], report["baseline"], relative_p)
    for (w, _, ours), ref in zip(relative_p, growthbook_holm([raw for _, raw, _ in relative_p])):
        c.number("report.holm", f"{w} p_value_holm", ours, ref)


def main(paths):
    c = Checker()
    kinds = defaultdict(int)
    lines = []
    for path in paths:
        with open(path) as f:
            lines.extend(f)
    for number, text in enumerate(lines, 1):
        line = json.loads(text)
        kinds[line["type"]] += 1
        if line["type"] == "compare":
            check_compare(c, line)
        elif line["type"] == "report":
            check_report(c, line)
        elif line["type"] == "srm":
            p = check_srm(line["users"], line["weights"])
            c.number("srm.p_value", f"{line['id']} p_value", line["result"]["p_value"], p)
            c.same(f"{line['id']} flag", line["result"]["flag"], bool(p < 0.001))
        elif line["type"] == "holm":
            for k, (ours, ref) in enumerate(zip(line["result"], growthbook_holm(line["p_values"]))):
                c.number("holm", f"{line['id']}[{k}]", ours, ref)
            c.same(f"{line['id']} length", len(line["result"]), len(line["p_values"]))
        elif line["type"] == "t_tail":
            c.number("t_tail", f"t.sf({line['t']}, {line['dof']})", line["value"], t.sf(line["t"], line["dof"]))
        elif line["type"] == "t_quantile":
            ref = t.isf(line["upper"], line["dof"])
            c.number("t_quantile", f"t.isf({line['upper']}, {line['dof']})", line["value"], ref)
        elif line["type"] == "chi2_tail":
            c.number("chi2_tail", f"chi2.sf({line['x']}, {line['dof']})", line["value"], chi2.sf(line["x"], line["dof"]))
        else:
            c.failures.append(f"line {number}: unknown type {line['type']!r}")

    versions = ", ".join(f"{p} {importlib.metadata.version(p)}" for p in ("gbstats", "scipy", "numpy"))
    print(f"gbstats comparison ({versions}): {dict(kinds)}")
    print(f"{c.count} numbers compared; tolerance {RELATIVE:g} relative or {ABSOLUTE:g} absolute")
    print("worst relative difference per quantity (among numbers above 1e-9 in size):")
    for category in sorted(c.worst):
        rel, detail = c.worst[category]
        print(f"  {category:20} {rel:.2e}  {detail}")
    if c.failures:
        print(f"{len(c.failures)} disagreement(s):")
        for failure in c.failures[:50]:
            print(f"  {failure}")
        print(f"0 passed, 1 failed")
        sys.exit(1)
    print("1 passed, 0 failed")


if __name__ == "__main__":
    main(sys.argv[1:])
