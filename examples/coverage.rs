//! Coverage study of the experiment statistics (a figure for `docs/analysis.md`, not a
//! test): over generated A/A and A/B experiments with a known true lift, how often the
//! 95 % interval holds the truth, and how often the SRM check raises a false alarm at an
//! equal split.
//!
//! `cargo run --release --example coverage -- [SETS [SRM_SETS]]` (defaults 200 and 1,000,000)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod stats_data;

use mintage::analysis::stats::{ArmCount, Comparison, MetricKind, Settings, compare, srm};
use stats_data::{Arm, Random, World};

/// Tallies for one method and metric.
#[derive(Default)]
struct Tally {
    sets: u32,
    absolute_covered: u32,
    relative_covered: u32,
    not_enough: u32,
    aa_sets: u32,
    aa_significant: u32,
    relative_half_width: f64,
}

impl Tally {
    fn add(&mut self, c: &Comparison, truth_absolute: f64, truth_relative: f64, aa: bool) {
        let Some(lift) = c.lift() else {
            self.not_enough += 1;
            return;
        };
        let holds = |ci: [f64; 2], truth: f64| u32::from(ci[0] <= truth && truth <= ci[1]);
        self.sets += 1;
        self.absolute_covered += holds(lift.absolute.ci, truth_absolute);
        self.relative_covered += holds(lift.relative.ci, truth_relative);
        self.relative_half_width += 0.5 * (lift.relative.ci[1] - lift.relative.ci[0]);
        if aa {
            self.aa_sets += 1;
            self.aa_significant += u32::from(lift.relative.p_value < 0.05);
        }
    }
}

fn percent(count: u32, of: u32) -> String {
    if of == 0 {
        "–".into()
    } else {
        format!("{:.1} %", 100.0 * f64::from(count) / f64::from(of))
    }
}

const METHODS: [(&str, bool, bool); 4] = [
    ("fixed", false, false),
    ("sequential", true, false),
    ("fixed + CUPED", false, true),
    ("sequential + CUPED", true, true),
];

fn coverage(sets: u32) {
    let world = World::default();
    let mut r = Random::new(2026);
    // [method][metric]
    let mut tallies: Vec<[Tally; 2]> = METHODS.iter().map(|_| Default::default()).collect();
    for i in 0..sets {
        let aa = i % 2 == 0;
        let base = Arm {
            conversion: r.between(0.05, 0.15),
            order_factor: 1.0,
        };
        let treated = if aa {
            base
        } else {
            Arm {
                conversion: base.conversion * (1.0 + r.between(-0.1, 0.3)),
                order_factor: r.between(0.9, 1.2),
            }
        };
        let n_a = 1000 + r.below(19_001);
        let n_b = 1000 + r.below(19_001);
        let (conv_a, gmv_a) = world.arm_sums(base, n_a, &mut r);
        let (conv_b, gmv_b) = world.arm_sums(treated, n_b, &mut r);
        let truths = [
            (world.true_conversion(base), world.true_conversion(treated)),
            (world.true_gmv(base), world.true_gmv(treated)),
        ];
        let data = [
            (MetricKind::Proportion, conv_a, conv_b),
            (MetricKind::Mean, gmv_a, gmv_b),
        ];
        for (m, (_, sequential, cuped)) in METHODS.iter().enumerate() {
            let mut settings = Settings::default();
            settings.sequential = *sequential;
            settings.cuped = *cuped;
            for (k, ((kind, a, b), (truth_a, truth_b))) in data.iter().zip(truths).enumerate() {
                let c = compare(*kind, a, b, &settings);
                tallies[m][k].add(&c, truth_b - truth_a, truth_b / truth_a - 1.0, aa);
            }
        }
    }
    println!("Coverage of the 95 % intervals over {sets} generated experiments (half A/A, half A/B;");
    println!("conversion 5–15 %, lognormal order values, 1,000–20,000 users per arm):\n");
    println!(
        "| method | metric | absolute CI holds the truth | relative CI holds the truth | A/A p < 0.05 | mean relative half-width |"
    );
    println!("| --- | --- | --- | --- | --- | --- |");
    for (m, (name, _, _)) in METHODS.iter().enumerate() {
        for (k, metric) in ["conversion", "gmv_per_user"].iter().enumerate() {
            let t = &tallies[m][k];
            assert_eq!(
                t.not_enough, 0,
                "{name} {metric}: {} sets without enough data",
                t.not_enough
            );
            println!(
                "| {name} | {metric} | {} | {} | {} | {:.4} |",
                percent(t.absolute_covered, t.sets),
                percent(t.relative_covered, t.sets),
                percent(t.aa_significant, t.aa_sets),
                t.relative_half_width / f64::from(t.sets),
            );
        }
    }
}

fn srm_false_alarms(sets: u32) {
    let mut r = Random::new(11);
    let (mut two, mut three) = (0u32, 0u32);
    let three_sets = sets / 10;
    for _ in 0..sets {
        // Each user a fair coin: the count in the first arm is the number of set bits.
        let users = 2000 + r.below(38_001);
        let mut first = 0u64;
        for _ in 0..users / 64 {
            first += u64::from(r.next_u64().count_ones());
        }
        let rest = users % 64;
        if rest > 0 {
            first += u64::from((r.next_u64() & ((1u64 << rest) - 1)).count_ones());
        }
        let arms = vec![
            ArmCount {
                arm: "a".into(),
                users: first,
                weight: 0.5,
            },
            ArmCount {
                arm: "b".into(),
                users: users - first,
                weight: 0.5,
            },
        ];
        two += u32::from(srm(arms).flag);
    }
    for _ in 0..three_sets {
        let users = 2000 + r.below(8001);
        let mut counts = [0u64; 3];
        for _ in 0..users {
            // 2⁶⁴ is not a multiple of 3, but the bias is 2⁻⁶⁴.
            let draw = r.next_u64() % 3;
            counts[draw as usize] += 1;
        }
        let arms = counts
            .iter()
            .map(|c| ArmCount {
                arm: String::new(),
                users: *c,
                weight: 1.0,
            })
            .collect();
        three += u32::from(srm(arms).flag);
    }
    println!("\nSRM false alarms (p < 0.001) when the split really is equal:\n");
    println!("| arms | experiments | users each | false alarms | rate |");
    println!("| --- | --- | --- | --- | --- |");
    println!(
        "| 2 (50/50) | {sets} | 2,000–40,000 | {two} | {:.3} % |",
        100.0 * f64::from(two) / f64::from(sets)
    );
    println!(
        "| 3 (⅓ each) | {three_sets} | 2,000–10,000 | {three} | {:.3} % |",
        100.0 * f64::from(three) / f64::from(three_sets)
    );
}

fn main() {
    let mut args = std::env::args()
        .skip(1)
        .map(|a| a.parse::<u32>().expect("a number of data sets"));
    let sets = args.next().unwrap_or(200);
    let srm_sets = args.next().unwrap_or(1_000_000);
    coverage(sets);
    srm_false_alarms(srm_sets);
}
