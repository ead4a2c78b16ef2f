//! `mintage explain CODE`: the long form of a diagnostic, as in `docs/diagnostics.md`.

use crate::cli::out::{errln, outln};
use mintage::diagnostic::Code;

#[derive(clap::Args)]
pub struct Args {
    /// A diagnostic code such as `E002` or `W005`; `--all` lists them
    code: Option<String>,
    /// List every code with its title
    #[arg(long)]
    all: bool,
}

pub fn run(args: Args) -> u8 {
    if args.all || args.code.is_none() {
        for c in Code::ALL {
            outln!("{}  {}", c.as_str(), c.title());
        }
        return 0;
    }
    let text = args.code.unwrap_or_default();
    match Code::parse(&text) {
        Some(c) => {
            outln!(
                "{}: {}\n\n{}",
                c.as_str(),
                c.title(),
                mintage::check::reference::explanation(c).trim()
            );
            0
        }
        None => {
            errln!("error: unknown diagnostic code `{text}`; `mintage explain --all` lists them");
            2
        }
    }
}
