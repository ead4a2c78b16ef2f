//! Times loading rule text as `mintage-bench` does (`check`, then `Rules::new`), with the
//! parse alone beside it, on the bench's own generated campaigns (`spec::mint_text`):
//! `cargo run --release --example load_phases -- CAMPAIGNS [RUNS]`, or a file with
//! `-- --file FILE [RUNS]`; `-- --dump CAMPAIGNS` prints the text instead.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../bench-compare/src/spec.rs"]
#[allow(dead_code)]
mod spec;

use mintage::check::{CheckOptions, check};
use mintage::compile::Rules;
use mintage::syntax::Sources;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (path, text, rest) = match args.first().map(String::as_str) {
        Some("--file") => {
            let path = args.get(1).expect("a rule file").clone();
            let text = std::fs::read_to_string(&path).expect("readable");
            (path, text, &args[2..])
        }
        Some("--dump") => {
            let n = args.get(1).and_then(|s| s.parse().ok()).expect("a number of campaigns");
            print!("{}", spec::mint_text(&spec::generate(n, 1)));
            return;
        }
        _ => {
            let n: usize = args.first().and_then(|s| s.parse().ok()).unwrap_or(10_000);
            (
                "generated.mint".to_string(),
                spec::mint_text(&spec::generate(n, 1)),
                args.get(1..).unwrap_or(&[]),
            )
        }
    };
    let runs: usize = rest.first().and_then(|s| s.parse().ok()).unwrap_or(1);
    for _ in 0..runs {
        let t = Instant::now();
        let parsed = mintage::syntax::parse(0, &text).map(|f| f.items.len());
        let parse = t.elapsed();
        let mut sources = Sources::default();
        sources.add(path.clone(), text.clone());
        let t = Instant::now();
        let checked = check(sources, &CheckOptions::default());
        let checking = t.elapsed();
        let program = checked.program.expect("the file checks");
        let t = Instant::now();
        let rules = Rules::new(program).expect("the rules compile");
        let compile = t.elapsed();
        println!(
            "items {:?}  parse alone {:.3} s  check {:.3} s  compile {:.3} s  load {:.3} s  ({} rules)",
            parsed.ok(),
            parse.as_secs_f64(),
            checking.as_secs_f64(),
            compile.as_secs_f64(),
            (checking + compile).as_secs_f64(),
            rules.compiled.rules.len()
        );
    }
}

/// What `spec.rs` calls when the seed files cannot be read (this example does not read them).
fn die(message: &str) -> ! {
    eprintln!("{message}");
    std::process::exit(1)
}
