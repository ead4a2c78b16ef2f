//! The report as a marketer reads it: a heading with the test used, an SRM line (a
//! warning when the split is off), and one table row per arm with users, conversion, its
//! lift with the 95 % interval, GMV per user and its lift, cost per user and ROI. Numbers
//! are rounded for reading here only; the JSON keeps them whole.

use super::report::{ArmReport, GroupReport, Report};
use super::stats::{Comparison, Srm};
use std::fmt::Write;

fn percent(v: f64) -> String {
    format!("{:.2}%", v * 100.0)
}

fn signed_percent(v: f64) -> String {
    format!("{:+.1}%", v * 100.0)
}

fn or_dash(v: Option<f64>, f: impl Fn(f64) -> String) -> String {
    v.map_or_else(|| "—".to_string(), f)
}

fn p_value(p: f64) -> String {
    if p < 0.0001 {
        "<0.0001".into()
    } else {
        format!("{p:.4}")
    }
}

/// `+85.7% [+10.1%, +160.2%]` with the Holm p-value, or why not.
fn lift_cell(c: &Comparison) -> (String, String) {
    match c.lift() {
        Some(l) => (
            format!(
                "{} [{}, {}]",
                signed_percent(l.relative.estimate),
                signed_percent(l.relative.ci[0]),
                signed_percent(l.relative.ci[1])
            ),
            l.p_value_holm.map_or_else(String::new, p_value),
        ),
        None => ("not enough data".into(), String::new()),
    }
}

fn srm_line(out: &mut String, srm: &Srm) {
    let observed: Vec<String> = srm.observed.iter().map(|a| format!("{} {}", a.arm, a.users)).collect();
    let _ = writeln!(
        out,
        "SRM: {} (p = {}; users {})",
        if srm.flag { "MISMATCH" } else { "ok" },
        p_value(srm.p_value),
        observed.join(", ")
    );
    if srm.flag {
        let _ = writeln!(
            out,
            "WARNING: sample ratio mismatch (p < 0.001): the arms are not split as declared, \
             so assignment or logging is broken; do not trust the lifts below"
        );
    }
}

const HEADER: [&str; 9] = [
    "arm",
    "users",
    "conversion",
    "lift (conversion, 95% CI)",
    "p (Holm)",
    "GMV/user",
    "lift (GMV/user, 95% CI)",
    "p (Holm)",
    "cost/user",
];

fn row(a: &ArmReport) -> Vec<String> {
    let (conv_lift, conv_p, gmv_lift, gmv_p) = match &a.vs_baseline {
        Some(v) => {
            let (cl, cp) = lift_cell(&v.conversion);
            let (gl, gp) = lift_cell(&v.gmv_per_user);
            (cl, cp, gl, gp)
        }
        None => ("baseline".into(), String::new(), "baseline".into(), String::new()),
    };
    let roi = match a.roi {
        Some(roi) => or_dash(roi, |r| format!("{r:.2}")),
        None => String::new(),
    };
    vec![
        a.arm.clone(),
        a.users.to_string(),
        or_dash(a.conversion, percent),
        conv_lift,
        conv_p,
        or_dash(a.gmv_per_user, |v| format!("¥{v:.2}")),
        gmv_lift,
        gmv_p,
        or_dash(a.cost_per_user, |v| format!("¥{v:.2}")),
        roi,
    ]
}

fn table(out: &mut String, arms: &[ArmReport]) {
    let mut rows: Vec<Vec<String>> = vec![HEADER.iter().map(|h| h.to_string()).chain(["ROI".into()]).collect()];
    rows.extend(arms.iter().map(row));
    let columns = rows.first().map_or(0, Vec::len);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for r in &rows {
        let cells: Vec<String> = r
            .iter()
            .zip(&widths)
            .enumerate()
            .map(
                |(c, (s, w))| {
                    if c == 0 { format!("{s:<w$}") } else { format!("{s:>w$}") }
                },
            )
            .collect();
        let _ = writeln!(out, "{}", cells.join("  ").trim_end());
    }
    for a in arms {
        for (metric, c) in a
            .vs_baseline
            .iter()
            .flat_map(|v| [("conversion", &v.conversion), ("GMV/user", &v.gmv_per_user)])
        {
            if let Comparison::NotEnoughData { not_enough_data } = c {
                let _ = writeln!(
                    out,
                    "  {} {metric}: not enough data: {}",
                    a.arm, not_enough_data.message
                );
            }
        }
    }
}

fn group(out: &mut String, by: &str, g: &GroupReport) {
    let _ = writeln!(out, "\n{by} = {}", g.value.as_deref().unwrap_or("(none)"));
    srm_line(out, &g.srm);
    table(out, &g.arms);
}

/// The report as text.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let m = &report.method;
    let mut test = if m.sequential {
        format!("sequential test (tuning {})", m.sequential_tuning.unwrap_or_default())
    } else {
        "fixed-horizon Welch t-test".to_string()
    };
    if m.cuped {
        test.push_str(", CUPED on user.total_spend");
    }
    let _ = writeln!(
        out,
        "{} · experiment {} · baseline {} · window {}",
        report.campaign, report.experiment, report.baseline, report.window
    );
    let _ = writeln!(out, "{test}, α = {}; p-values Holm-adjusted over the report", m.alpha);
    srm_line(&mut out, &report.srm);
    table(&mut out, &report.arms);
    if let (Some(by), Some(groups)) = (&report.by, &report.groups) {
        for g in groups {
            group(&mut out, by, g);
        }
    }
    for (arm, users) in &report.undeclared_arms {
        let _ = writeln!(
            out,
            "note: {users} exposed user(s) in arm `{arm}`, which the rules no longer declare, left out"
        );
    }
    if report.unexposed_coupons > 0 {
        let _ = writeln!(
            out,
            "note: {} coupon(s) of the campaign went to users with no exposure, left out",
            report.unexposed_coupons
        );
    }
    out
}
