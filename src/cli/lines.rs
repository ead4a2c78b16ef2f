//! Lines of the JSONL files the commands read (`replay --events`, `run --users`,
//! `eval --event`): a UTF-8 byte-order mark at the start of a file is dropped (editors on
//! Windows write one), and a line that is not UTF-8 is a bad line the caller reports and
//! skips, not the end of the run.

use crate::cli::out::errln;
use mintage::runtime::event::Event;
use std::io::BufRead;
use std::path::Path;

const BOM: &str = "\u{feff}";

/// An events file opened for reading (`-` for standard input), or the message saying
/// why it cannot be read.
pub fn open(path: &Path) -> Result<Box<dyn BufRead>, String> {
    if path.as_os_str() == "-" {
        return Ok(Box::new(std::io::stdin().lock()));
    }
    match std::fs::File::open(path) {
        Ok(f) => Ok(Box::new(std::io::BufReader::with_capacity(1 << 16, f))),
        Err(e) => Err(format!("cannot read `{}`: {e}", path.display())),
    }
}

/// Reads events, one JSON object per line, and gives each to `each` with its line
/// number (from 1). Blank lines are passed over. A line that cannot be read, is not
/// UTF-8 or is not an event is reported as `NAME:LINE: …` and skipped; so is an event
/// for which `each` answers a problem (the message after `NAME:LINE: `). Returns the
/// number of lines reported.
pub fn each_event(
    reader: &mut dyn BufRead,
    name: &str,
    mut each: impl FnMut(usize, Event) -> Result<(), String>,
) -> usize {
    let mut skipped = 0usize;
    let mut line: Vec<u8> = Vec::with_capacity(1024);
    let mut number = 0usize;
    loop {
        line.clear();
        number += 1;
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                errln!("{name}:{number}: cannot read the line: {e}");
                skipped += 1;
                continue;
            }
        }
        let problem = match text(&line, number == 1) {
            Ok(t) if t.trim().is_empty() => continue,
            Ok(t) => match Event::from_json(t) {
                Ok(event) => each(number, event).err(),
                Err(e) => Some(format!("skipped: {e}")),
            },
            Err(e) => Some(format!("skipped: {e}")),
        };
        if let Some(problem) = problem {
            errln!("{name}:{number}: {problem}");
            skipped += 1;
        }
    }
    skipped
}

/// The text of one line; `first` if it is the file's first line, which may start with a
/// byte-order mark.
pub fn text(line: &[u8], first: bool) -> Result<&str, String> {
    let line = if first {
        line.strip_prefix(BOM.as_bytes()).unwrap_or(line)
    } else {
        line
    };
    std::str::from_utf8(line).map_err(|e| not_utf8(line, e.valid_up_to()))
}

/// A whole file's text without its byte-order mark.
pub fn without_bom(text: &str) -> &str {
    text.strip_prefix(BOM).unwrap_or(text)
}

fn not_utf8(line: &[u8], at: usize) -> String {
    let column = line
        .get(..at)
        .and_then(|ok| std::str::from_utf8(ok).ok())
        .map_or(0, |ok| ok.chars().count())
        + 1;
    let byte = line.get(at).copied().unwrap_or(0);
    format!("the line is not UTF-8 (byte `0x{byte:02x}` at column {column}); save the file as UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bom_is_dropped_from_the_first_line_only() {
        assert_eq!(text(b"\xef\xbb\xbf{}", true), Ok("{}"));
        assert!(text(b"\xef\xbb\xbf{}", false).is_ok_and(|t| t.starts_with(BOM)));
    }

    #[test]
    fn a_bad_byte_is_named_with_its_column() {
        let e = text(b"{\"\xe5\x9f\x8e\": \xb3}", false); // `{"城": ` then a GBK byte
        assert_eq!(
            e,
            Err("the line is not UTF-8 (byte `0xb3` at column 7); save the file as UTF-8".into())
        );
    }
}
