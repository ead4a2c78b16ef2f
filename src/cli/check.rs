//! `mintage check`: parse and check rule files; human diagnostics (miette) or JSON.

use crate::cli::out::{errln, outln};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Rule files or folders (a folder means every `*.mint` in it)
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    /// Also warn about windows that ended before this time (RFC 3339), `W001`
    #[arg(long)]
    now: Option<String>,
    #[command(flatten)]
    zone: crate::cli::Zone,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Human,
    Json,
}

pub fn run(args: Args) -> u8 {
    let sources = match mintage::check::load_paths(&args.paths) {
        Ok(s) => s,
        Err(e) => {
            errln!("error: {e}");
            return 2;
        }
    };
    let now = match args.now.as_deref().map(mintage::value::parse_time).transpose() {
        Ok(n) => n,
        Err(e) => {
            errln!("error: --now: {e}");
            return 2;
        }
    };
    let files = sources.files().count();
    let checked = mintage::check::check(
        sources,
        &mintage::check::CheckOptions {
            now,
            zone: args.zone.zone,
        },
    );
    let errors = checked.diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = checked.diagnostics.len() - errors;
    match args.format {
        Format::Json => outln!("{}", checked.report_json()),
        Format::Human => {
            for d in &checked.diagnostics {
                errln!("{:?}", d.to_report(&checked.sources));
            }
            let summary = format!("checked {files} file(s): {errors} error(s), {warnings} warning(s)");
            if errors > 0 {
                errln!("{summary}")
            } else {
                outln!("{summary}")
            }
        }
    }
    u8::from(errors > 0)
}
