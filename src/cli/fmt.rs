//! `mintage fmt`: rewrites rule files in canonical layout; `--check` reports files that
//! would change and writes nothing.

use crate::cli::out::{errln, outln};
use std::path::PathBuf;

#[derive(clap::Args)]
#[command(
    after_long_help = "Each file is rewritten in place: one clause per line, two spaces per \
block, comments kept where they are. A file that does not parse, or is not UTF-8, is \
reported and left as it is. Formatting never changes what the rules mean."
)]
pub struct Args {
    /// Rule files or folders (every `*.mint` in them); each is rewritten in place
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Write nothing: list the files that would change, show the first changed lines,
    /// and exit 1 if any would
    #[arg(long)]
    check: bool,
}

pub fn run(args: Args) -> u8 {
    let sources = match mintage::check::load_paths(&args.paths) {
        Ok(s) => s,
        Err(e) => {
            errln!("error: {e}");
            return 2;
        }
    };
    let mut changed = 0;
    let mut failed = false;
    for (id, file) in sources.files() {
        if let Some((at, byte)) = file.not_utf8 {
            errln!(
                "{:?}",
                mintage::check::not_utf8(&sources, id, at, byte).to_report(&sources)
            );
            failed = true;
            continue;
        }
        // Never reformat what does not parse: the layout of broken text is a guess.
        if let Err(d) = mintage::syntax::parse(id, &file.text) {
            errln!("{:?}", d.to_report(&sources));
            failed = true;
            continue;
        }
        let formatted = mintage::syntax::format::format(&file.text);
        if formatted == *file.text {
            continue;
        }
        changed += 1;
        if args.check {
            outln!("would reformat {}", file.name);
            print_diff(&file.text, &formatted);
        } else if let Err(e) = std::fs::write(&file.name, formatted) {
            errln!("error: cannot write `{}`: {e}", file.name);
            failed = true;
        } else {
            outln!("formatted {}", file.name);
        }
    }
    if failed {
        return 1;
    }
    u8::from(args.check && changed > 0)
}

/// A minimal line diff: the first differing lines, enough to see what `fmt` wants.
fn print_diff(old: &str, new: &str) {
    let (a, b): (Vec<&str>, Vec<&str>) = (old.lines().collect(), new.lines().collect());
    let mut shown = 0;
    for i in 0..a.len().max(b.len()) {
        let (x, y) = (a.get(i).copied(), b.get(i).copied());
        if x != y {
            outln!("  line {}:\n  - {}\n  + {}", i + 1, x.unwrap_or(""), y.unwrap_or(""));
            shown += 1;
            if shown == 5 {
                outln!("  …");
                break;
            }
        }
    }
}
