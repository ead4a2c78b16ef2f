//! `mintage test`: run the `test` blocks written beside the rules.

use crate::cli::out::{errln, outln};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Rule files or folders (all of them load together, as in production)
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    #[command(flatten)]
    zone: crate::cli::Zone,
}

pub fn run(args: Args) -> u8 {
    let Some(program) = crate::cli::load_rules(&args.paths, args.zone) else {
        return 1;
    };
    let outcomes = match mintage::testing::run_all(&program) {
        Ok(outcomes) => outcomes,
        Err(e) => {
            errln!("error: {e}");
            return 1;
        }
    };
    let mut failed = 0;
    for o in &outcomes {
        if o.passed() {
            outln!("ok   {} ({})", o.name, o.location);
        } else {
            failed += 1;
            outln!("FAIL {} ({})", o.name, o.location);
            for f in &o.failures {
                outln!("  {f}");
            }
        }
    }
    outln!("tests: {} passed, {} failed", outcomes.len() - failed, failed);
    u8::from(failed > 0)
}
