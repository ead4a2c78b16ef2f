//! `mintage-bench`: the same campaign logic evaluated by Mintage, rhai, CEL, zen-engine,
//! Cedar and hand-written Rust, side by side.
//!
//! ```text
//! cargo run -p mintage-bench --release -- [--short] [--write-docs]
//!     [--only mintage,rhai,cel,zen,cedar,native] [--sizes 10,100,1000,10000] [--no-seed]
//!     [--events N] [--profile eval|json] [--seconds N] [--dump-mint CAMPAIGNS]
//! ```
//!
//! For each workload (the seed campaigns, then generated sets of campaigns) and engine it
//! measures the load (compile) time, evaluation with a context built beforehand, and
//! JSON in to decision out; the outputs are checked equal to Mintage's, event by event,
//! before anything is timed.

mod engines;
mod json;
mod measure;
mod spec;

use engines::Engine;
use measure::{Budget, Stats, fmt_ns, fmt_rate, fmt_ratio, measure};
use spec::Workload;
use std::collections::BTreeSet;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub fn die(msg: &str) -> ! {
    eprintln!("mintage-bench: {msg}");
    std::process::exit(1)
}

const ENGINES: &[&str] = &["mintage", "rhai", "cel", "zen", "cedar", "native"];
const OTHERS: &[&str] = &["rhai", "cel", "zen", "cedar"];
/// One compile longer than this (estimated from the 1,000-campaign one) skips 10,000.
const COMPILE_LIMIT: Duration = Duration::from_secs(60);

struct Opts {
    short: bool,
    write_docs: bool,
    only: Vec<String>,
    sizes: Vec<usize>,
    seed: bool,
    events: usize,
    profile: Option<String>,
    seconds: u64,
    dump_mint: Option<usize>,
    args: Vec<String>,
}

fn opts() -> Opts {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut o = Opts {
        short: false,
        write_docs: false,
        only: ENGINES.iter().map(|s| s.to_string()).collect(),
        sizes: vec![10, 100, 1_000, 10_000],
        seed: true,
        events: 0,
        profile: None,
        seconds: 10,
        dump_mint: None,
        args: args.clone(),
    };
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().unwrap_or_else(|| die(&format!("{name} needs a value")));
        match a.as_str() {
            "--short" => o.short = true,
            "--write-docs" => o.write_docs = true,
            "--no-seed" => o.seed = false,
            "--only" => {
                o.only = value("--only").split(',').map(|s| s.trim().to_string()).collect();
                if let Some(bad) = o.only.iter().find(|e| !ENGINES.contains(&e.as_str())) {
                    die(&format!("unknown engine {bad}; the engines are {}", ENGINES.join(", ")));
                }
            }
            "--sizes" => {
                o.sizes = value("--sizes")
                    .split(',')
                    .map(|s| {
                        s.trim()
                            .replace('_', "")
                            .parse()
                            .unwrap_or_else(|_| die("--sizes takes numbers"))
                    })
                    .collect()
            }
            "--events" => {
                o.events = value("--events")
                    .parse()
                    .unwrap_or_else(|_| die("--events takes a number"))
            }
            "--profile" => o.profile = Some(value("--profile")),
            "--dump-mint" => {
                o.dump_mint = Some(
                    value("--dump-mint")
                        .parse()
                        .unwrap_or_else(|_| die("--dump-mint takes a number")),
                )
            }
            "--seconds" => {
                o.seconds = value("--seconds")
                    .parse()
                    .unwrap_or_else(|_| die("--seconds takes a number"))
            }
            "-h" | "--help" => {
                println!(
                    "mintage-bench [--short] [--write-docs] [--only ENGINES] [--sizes 10,100,1000,10000] [--no-seed] [--events N] [--profile eval|json] [--seconds N] [--dump-mint CAMPAIGNS]"
                );
                std::process::exit(0);
            }
            other => die(&format!("unknown argument {other} (try --help)")),
        }
    }
    if o.events == 0 {
        o.events = if o.short { 200 } else { 1_000 };
    }
    o
}

struct Plan {
    eval: Budget,
    check_time: Duration,
    check_min: usize,
}

fn plan(short: bool) -> Plan {
    if short {
        Plan {
            eval: Budget {
                time: Duration::from_millis(100),
                min_samples: 20,
                hard: Duration::from_millis(1_500),
            },
            check_time: Duration::from_millis(400),
            check_min: 10,
        }
    } else {
        Plan {
            eval: Budget {
                time: Duration::from_millis(1_500),
                min_samples: 200,
                hard: Duration::from_secs(20),
            },
            check_time: Duration::from_secs(4),
            check_min: 100,
        }
    }
}

#[derive(Clone, Default)]
struct Row {
    engine: String,
    label: String,
    load: Option<Duration>,
    eval: Option<Stats>,
    /// JSON to the engine's context alone (parse and convert).
    parse: Option<Stats>,
    json: Option<Stats>,
    checked: usize,
    note: String,
}

struct Outcome {
    title: String,
    campaigns: usize,
    seed: bool,
    rules: usize,
    events: usize,
    mean_matches: f64,
    rows: Vec<Row>,
}

fn label(engine: &str) -> &'static str {
    match engine {
        "mintage" => "Mintage",
        "rhai" => "rhai",
        "cel" => "CEL",
        "zen" => "zen-engine",
        "cedar" => "Cedar",
        _ => "hand-written Rust",
    }
}

fn sorted(v: &[u32]) -> Vec<u32> {
    let mut v = v.to_vec();
    v.sort_unstable();
    v
}

fn names(w: &Workload, ids: &[u32]) -> Vec<String> {
    ids.iter().map(|&i| w.rules[i as usize].name.clone()).collect()
}

/// Checks `engine` against the reference on the first events (all of them, or as many
/// as fit the check budget), then times it on exactly those events.
fn run_engine<E: Engine>(
    engine: &mut E,
    name: &str,
    row_label: &str,
    load: Duration,
    w: &Workload,
    reference: &[Vec<u32>],
    plan: &Plan,
) -> Row {
    let mut out = Vec::new();
    let mut buf = Vec::new();
    let mut contexts = Vec::with_capacity(w.events.len());
    let t = Instant::now();
    for (i, ev) in w.events.iter().enumerate() {
        if i >= plan.check_min && t.elapsed() >= plan.check_time {
            break;
        }
        let ctx = engine.context(ev);
        engine.eval(&ctx, &mut out);
        let got = sorted(&out);
        let diff = |got: &[u32]| {
            let want: BTreeSet<u32> = reference[i].iter().copied().collect();
            let have: BTreeSet<u32> = got.iter().copied().collect();
            let missing: Vec<u32> = want.difference(&have).copied().collect();
            let extra: Vec<u32> = have.difference(&want).copied().collect();
            format!("missing {:?}, extra {:?}", names(w, &missing), names(w, &extra))
        };
        if got != reference[i] {
            die(&format!(
                "{} disagrees with Mintage on event {i} of workload `{}` (pre-built context): {}\nevent: {ev}",
                label(name),
                w.name,
                diff(&got)
            ));
        }
        engine.decide_json(ev, &mut out, &mut buf);
        let got = sorted(&out);
        let decoded: Vec<String> = serde_json::from_slice(&buf).unwrap_or_default();
        let mut decoded_sorted = decoded.clone();
        decoded_sorted.sort();
        let mut want_names = names(w, &reference[i]);
        want_names.sort();
        if got != reference[i] || decoded_sorted != want_names {
            die(&format!(
                "{} disagrees with Mintage on event {i} of workload `{}` (JSON in, decision out): {}; wrote {}\nevent: {ev}",
                label(name),
                w.name,
                diff(&got),
                String::from_utf8_lossy(&buf)
            ));
        }
        contexts.push(ctx);
    }
    let n = contexts.len();
    let eval = measure(n, &plan.eval, |i| {
        engine.eval(&contexts[i], &mut out);
        black_box(out.len());
    });
    let parse = measure(n, &plan.eval, |i| {
        black_box(engine.context(&w.events[i]));
    });
    let json = measure(n, &plan.eval, |i| {
        engine.decide_json(&w.events[i], &mut out, &mut buf);
        black_box(buf.len());
    });
    Row {
        engine: name.to_string(),
        label: row_label.to_string(),
        load: Some(load),
        eval: Some(eval),
        parse: Some(parse),
        json: Some(json),
        checked: n,
        note: String::new(),
    }
}

fn run_workload(w: &Workload, o: &Opts, plan: &Plan, loads: &mut Vec<(String, usize, Duration)>) -> Outcome {
    eprintln!(
        "== {} ({} rules, {} events) ==",
        w.name,
        spec::thousands(w.rules.len()),
        w.events.len()
    );
    // Mintage's answers are the reference every engine is checked against.
    let (mut mintage, mintage_load) = engines::mintage::Mintage::load(w);
    let mut out = Vec::new();
    let reference: Vec<Vec<u32>> = w
        .events
        .iter()
        .map(|ev| {
            let e = mintage.context(ev);
            mintage.eval(&e, &mut out);
            sorted(&out)
        })
        .collect();
    let mean_matches = reference.iter().map(Vec::len).sum::<usize>() as f64 / reference.len().max(1) as f64;
    let mut rows = Vec::new();
    for &name in ENGINES.iter() {
        if !o.only.iter().any(|e| e == name) {
            continue;
        }
        // Skip 10,000 campaigns for an engine whose compile would take over the limit.
        if w.campaigns >= 10_000 {
            let at = |n: usize| loads.iter().find(|(e, c, _)| e == name && *c == n).map(|x| x.2);
            if let Some(l1000) = at(1_000) {
                let growth = at(100).map_or(10.0, |l100| {
                    (l1000.as_secs_f64() / l100.as_secs_f64().max(1e-9)).max(10.0)
                });
                let est = l1000.as_secs_f64() * growth * (w.campaigns as f64 / 10_000.0);
                if est > COMPILE_LIMIT.as_secs_f64() {
                    eprintln!("  {name}: skipped (compile estimated at {est:.0} s)");
                    rows.push(Row {
                        engine: name.to_string(),
                        label: label(name).to_string(),
                        note: format!(
                            "skipped: one compile would take ~{est:.0} s (1,000 campaigns took {:.1} s)",
                            l1000.as_secs_f64()
                        ),
                        ..Row::default()
                    });
                    continue;
                }
            }
        }
        eprintln!("  {name}: loading");
        let row = match name {
            "mintage" => run_engine(&mut mintage, name, label(name), mintage_load, w, &reference, plan),
            "rhai" => {
                let (mut e, t) = engines::rhai::Rhai::load(w);
                run_engine(&mut e, name, label(name), t, w, &reference, plan)
            }
            "cel" => {
                let (mut e, t) = engines::cel::Cel::load(w);
                run_engine(&mut e, name, label(name), t, w, &reference, plan)
            }
            "zen" => {
                let (mut e, t) = engines::zen::Zen::load(w);
                run_engine(&mut e, name, label(name), t, w, &reference, plan)
            }
            "cedar" => {
                let (mut e, t) = engines::cedar::Cedar::load(w);
                run_engine(&mut e, name, label(name), t, w, &reference, plan)
            }
            _ => {
                let (mut e, t) = engines::native::Native::load(w);
                let l = e.label();
                run_engine(&mut e, name, l, t, w, &reference, plan)
            }
        };
        if let Some(l) = row.load {
            loads.push((name.to_string(), w.campaigns, l));
        }
        eprintln!(
            "  {name}: load {}, eval median {}, json median {} ({} events checked)",
            fmt_ns(row.load.unwrap_or_default().as_nanos() as f64),
            fmt_ns(row.eval.as_ref().map_or(0.0, |s| s.median_ns)),
            fmt_ns(row.json.as_ref().map_or(0.0, |s| s.median_ns)),
            row.checked
        );
        rows.push(row);
    }
    Outcome {
        title: w.name.clone(),
        campaigns: w.campaigns,
        seed: w.fraud_gate.is_some(),
        rules: w.rules.len(),
        events: w.events.len(),
        mean_matches,
        rows,
    }
}

/// Parsing alone, for the JSON-in figures: what the decision costs beyond reading.
fn parse_rows(events: &[String], plan: &Plan) -> Vec<(String, Stats)> {
    let n = events.len();
    let mut rows = Vec::new();
    rows.push((
        "serde_json → `serde_json::Value`".to_string(),
        measure(n, &plan.eval, |i| {
            let v: serde_json::Value = serde_json::from_str(&events[i]).unwrap_or_default();
            black_box(v);
        }),
    ));
    rows.push((
        "serde_json → typed struct (the hand-written floor's, times parsed)".to_string(),
        measure(n, &plan.eval, |i| {
            black_box(engines::native::typed(&events[i]));
        }),
    ));
    rows.push((
        "`Value` + times and `kind` (the general engines' front end)".to_string(),
        measure(n, &plan.eval, |i| {
            black_box(json::parse(&events[i]));
        }),
    ));
    rows.push((
        "Mintage `Event::from_json`".to_string(),
        measure(n, &plan.eval, |i| {
            black_box(mintage::runtime::event::Event::from_json(&events[i]).ok());
        }),
    ));
    rows
}

fn fmt_load(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 0.001 {
        format!("{:.0} µs", s * 1e6)
    } else if s < 1.0 {
        format!("{:.1} ms", s * 1e3)
    } else {
        format!("{s:.2} s")
    }
}

fn table(o: &Outcome) -> String {
    let mut s = String::new();
    s.push_str(&format!(
        "### {} ({} rules; {} events, {:.1} matches per event on average)\n\n",
        o.title,
        spec::thousands(o.rules),
        spec::thousands(o.events),
        o.mean_matches
    ));
    s.push_str(
        "| engine | load | eval: events/s | median | p99 | vs Mintage | JSON → context | JSON in → out: events/s | median | p99 | vs Mintage |\n",
    );
    s.push_str("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    let base = o.rows.iter().find(|r| r.engine == "mintage");
    let (be, bj) = (
        base.and_then(|r| r.eval.as_ref()).map(|s| s.median_ns),
        base.and_then(|r| r.json.as_ref()).map(|s| s.median_ns),
    );
    for r in &o.rows {
        match (&r.eval, &r.parse, &r.json, r.load) {
            (Some(e), Some(p), Some(j), Some(load)) => {
                let ratio = |b: Option<f64>, x: f64| b.map_or("–".to_string(), |b| fmt_ratio(x / b));
                let batch = |st: &Stats| if st.batch > 1 { "¹" } else { "" };
                s.push_str(&format!(
                    "| {}{} | {} | {} | {}{} | {}{} | {} | {} | {} | {}{} | {}{} | {} |\n",
                    r.label,
                    if r.checked < o.events {
                        format!(" ({} events)", r.checked)
                    } else {
                        String::new()
                    },
                    fmt_load(load),
                    fmt_rate(e.events_per_s),
                    fmt_ns(e.median_ns),
                    batch(e),
                    fmt_ns(e.p99_ns),
                    batch(e),
                    ratio(be, e.median_ns),
                    fmt_ns(p.median_ns),
                    fmt_rate(j.events_per_s),
                    fmt_ns(j.median_ns),
                    batch(j),
                    fmt_ns(j.p99_ns),
                    batch(j),
                    ratio(bj, j.median_ns),
                ));
            }
            _ => s.push_str(&format!("| {} | {} | | | | | | | | | |\n", r.label, r.note)),
        }
    }
    s.push('\n');
    s
}

fn median_of(o: &Outcome, engine: &str) -> Option<f64> {
    o.rows
        .iter()
        .find(|r| r.engine == engine)
        .and_then(|r| r.eval.as_ref())
        .map(|s| s.median_ns)
}

fn fastest_other(o: &Outcome) -> Option<(&'static str, f64)> {
    OTHERS
        .iter()
        .filter_map(|e| median_of(o, e).map(|m| (*e, m)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
}

fn goals(outcomes: &[Outcome]) -> String {
    let mut s = String::new();
    let verdict = |ok: bool| if ok { "met" } else { "**not met**" };
    for o in outcomes {
        let (Some(m), Some((e, f))) = (median_of(o, "mintage"), fastest_other(o)) else {
            continue;
        };
        let goal = if o.seed {
            Some(10.0)
        } else if o.campaigns == 1_000 {
            Some(100.0)
        } else {
            None
        };
        match goal {
            Some(g) => s.push_str(&format!(
                "- {}: Mintage {} per event, the fastest other engine ({}) {}: {} faster (goal ≥ {g:.0}×: {}).\n",
                o.title,
                fmt_ns(m),
                label(e),
                fmt_ns(f),
                fmt_ratio(f / m),
                verdict(f / m >= g)
            )),
            None => s.push_str(&format!(
                "- {}: Mintage {} per event, the fastest other engine ({}) {}: {} faster.\n",
                o.title,
                fmt_ns(m),
                label(e),
                fmt_ns(f),
                fmt_ratio(f / m)
            )),
        }
        if !o.seed
            && let Some(n) = median_of(o, "native")
        {
            let goal = o.campaigns == 1_000;
            s.push_str(&format!(
                "  Against the hand-written linear scan ({}): Mintage takes {} its time{}.\n",
                fmt_ns(n),
                fmt_ratio(m / n),
                if goal {
                    format!(" (goal: no slower: {})", verdict(m <= n))
                } else {
                    String::new()
                }
            ));
        }
    }
    for o in outcomes {
        let Some(r) = o.rows.iter().find(|r| r.engine == "mintage") else {
            continue;
        };
        if let (Some(j), Some(p)) = (&r.json, &r.parse) {
            let (j, p) = (j.median_ns, p.median_ns);
            s.push_str(&format!(
                "- JSON in → decision out, {}: Mintage {} per event, of which parsing the event {} ({:.0} %){}.\n",
                o.title,
                fmt_ns(j),
                fmt_ns(p),
                100.0 * p / j,
                if o.campaigns == 1_000 || o.seed {
                    format!(" (goal: dominated by parsing: {})", verdict(p / j >= 0.5))
                } else {
                    String::new()
                }
            ));
        }
    }
    s
}

fn machine() -> (usize, String) {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    (cores, cpu)
}

fn report(o: &Opts, outcomes: &[Outcome], parse: &[(String, Stats)], wall: Duration) -> String {
    let (cores, cpu) = machine();
    let mut s = String::new();
    let args = if o.args.is_empty() {
        String::new()
    } else {
        format!(
            " -- {}",
            o.args
                .iter()
                .filter(|a| *a != "--write-docs")
                .cloned()
                .collect::<Vec<_>>()
                .join(" ")
        )
    };
    s.push_str(&format!(
        "Measured {} on {} ({cores} cores, `nproc` {cores}) with `cargo run -p mintage-bench --release{}` ({} mode, {:.0} s wall time). One thread; each figure is per event.\n\n",
        chrono::Utc::now().format("%Y-%m-%d"),
        cpu,
        if args.trim() == "--" { String::new() } else { args },
        if o.short { "short" } else { "full" },
        wall.as_secs_f64()
    ));
    for out in outcomes {
        s.push_str(&table(out));
    }
    s.push_str("¹ under a microsecond per event: consecutive events timed together, the sample being their mean.\n\n");
    s.push_str("### Parsing the event alone\n\n| from a ~420-byte event | median | p99 |\n| --- | ---: | ---: |\n");
    for (name, st) in parse {
        s.push_str(&format!(
            "| {name} | {} | {} |\n",
            fmt_ns(st.median_ns),
            fmt_ns(st.p99_ns)
        ));
    }
    s.push_str("\n### Against the goals\n\n");
    s.push_str(&goals(outcomes));
    s
}

const BEGIN: &str =
    "<!-- mintage-bench:begin (written by `mintage-bench --write-docs`; edit outside these markers) -->";
const END: &str = "<!-- mintage-bench:end -->";

fn write_docs(root: &Path, body: &str) {
    let path = root.join("docs").join("performance.md");
    let generated = format!("{BEGIN}\n{body}{END}");
    let text = match std::fs::read_to_string(&path) {
        Ok(old) => match (old.find("<!-- mintage-bench:begin"), old.find(END)) {
            (Some(a), Some(b)) if a < b => format!("{}{generated}{}", &old[..a], &old[b + END.len()..]),
            _ => format!("{old}\n{generated}\n"),
        },
        Err(_) => format!("# Performance\n\n{generated}\n"),
    };
    std::fs::write(&path, text).unwrap_or_else(|e| die(&format!("cannot write {}: {e}", path.display())));
    eprintln!("wrote {}", path.display());
}

/// Mintage alone on 1,000 campaigns, for a profiler.
fn profile(what: &str, o: &Opts) {
    let w = spec::generated_workload(1_000, o.events);
    let (mut m, load) = engines::mintage::Mintage::load(&w);
    eprintln!("loaded in {}", fmt_load(load));
    let contexts: Vec<_> = w.events.iter().map(|e| m.context(e)).collect();
    let (mut out, mut buf) = (Vec::new(), Vec::new());
    // How many rules the indexes hand to matching (and how many of those are inside
    // their campaign's window), against how many match.
    let (mut candidates, mut any, mut open, mut matched) = (0usize, 0usize, 0usize, 0usize);
    for e in &contexts {
        if let Some(index) = m.rules.compiled.triggers.get(&*e.kind) {
            any += index.any.ids.len();
            for list in index.lists_for(e) {
                candidates += list.ids.len();
                let windows = list.parts.iter().flat_map(|p| p.windows.iter());
                open += windows
                    .filter(|(start, length)| (e.at.wrapping_sub(*start) as u64) < *length)
                    .count();
            }
        }
        m.eval(e, &mut out);
        matched += out.len();
    }
    let per = |x: usize| x as f64 / contexts.len().max(1) as f64;
    eprintln!(
        "{} rules; per event: {:.0} candidates from the indexes ({:.0} from the lists of rules with no key, {:.0} inside their window), {:.1} matched",
        m.rules.compiled.rules.len(),
        per(candidates),
        per(any),
        per(open),
        per(matched)
    );
    let t = Instant::now();
    let mut n = 0u64;
    while t.elapsed() < Duration::from_secs(o.seconds) {
        for (i, c) in contexts.iter().enumerate() {
            match what {
                "json" => m.decide_json(&w.events[i], &mut out, &mut buf),
                _ => m.eval(c, &mut out),
            }
            black_box(out.len());
        }
        n += contexts.len() as u64;
    }
    eprintln!(
        "{n} events, {} per event",
        fmt_ns(t.elapsed().as_nanos() as f64 / n as f64)
    );
}

fn main() {
    let o = opts();
    let root: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    if let Some(n) = o.dump_mint {
        print!("{}", spec::mint_text(&spec::generate(n, 1)));
        return;
    }
    if let Some(what) = &o.profile {
        profile(what, &o);
        return;
    }
    let start = Instant::now();
    let plan = plan(o.short);
    let mut outcomes = Vec::new();
    let mut loads = Vec::new();
    if o.seed {
        let w = spec::seed_workload(&root, o.events);
        outcomes.push(run_workload(&w, &o, &plan, &mut loads));
    }
    let mut parse = Vec::new();
    for &n in &o.sizes {
        let w = spec::generated_workload(n, o.events);
        if parse.is_empty() {
            parse = parse_rows(&w.events, &plan);
        }
        outcomes.push(run_workload(&w, &o, &plan, &mut loads));
    }
    if parse.is_empty() {
        parse = parse_rows(&spec::seed_workload(&root, o.events).events, &plan);
    }
    let body = report(&o, &outcomes, &parse, start.elapsed());
    println!("{body}");
    if o.write_docs {
        write_docs(&root, &body);
    }
}
