//! `mintage graph`: draw the evaluation graph.

use crate::cli::out::{errln, out};
use mintage::compile::draw::{Format as DrawFormat, draw};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Rule files or folders
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value = "dot")]
    format: Format,
    #[command(flatten)]
    zone: crate::cli::Zone,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Dot,
    Mermaid,
}

pub fn run(args: Args) -> u8 {
    let Some(program) = crate::cli::load_rules(&args.paths, args.zone) else {
        return 1;
    };
    let compiled = match mintage::compile::compile(program) {
        Ok(compiled) => compiled,
        Err(e) => {
            errln!("error: {e}");
            return 1;
        }
    };
    let format = match args.format {
        Format::Dot => DrawFormat::Dot,
        Format::Mermaid => DrawFormat::Mermaid,
    };
    out!("{}", draw(&compiled, format));
    0
}
