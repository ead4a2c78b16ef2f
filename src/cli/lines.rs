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
pub fn open(path: &Path) -> Result<Box<dyn BufRead + Send>, String> {
    if path.as_os_str() == "-" {
        return Ok(Box::new(std::io::BufReader::with_capacity(1 << 16, std::io::stdin())));
    }
    match std::fs::File::open(path) {
        Ok(f) => Ok(Box::new(std::io::BufReader::with_capacity(1 << 16, f))),
        Err(e) => Err(format!("cannot read `{}`: {e}", path.display())),
    }
}

/// Lines a reader thread parses before handing them over as one batch.
const BATCH: usize = 512;
/// Batches parsed ahead of the consumer: the reader runs at most this far in front.
const AHEAD: usize = 8;

/// One line as the reader thread leaves it: its number and its event (with its text, if
/// asked for), or what is wrong.
type Parsed = (usize, Result<(Event, Option<String>), String>);

/// What a reader of events does after one.
pub enum Flow {
    /// On to the next event.
    Next,
    /// Report the event as skipped, with this problem, and go on.
    Skip(String),
    /// Stop reading (the output was closed, say).
    Stop,
}

/// Reads events, one JSON object per line, and gives each to `each` with its line
/// number (from 1). Blank lines are passed over. A line that cannot be read, is not
/// UTF-8 or is not an event is reported as `NAME:LINE: …` and skipped; so is an event
/// for which `each` answers a problem (the message after `NAME:LINE: `). Returns the
/// number of lines reported.
pub fn each_event(
    reader: &mut (dyn BufRead + Send),
    name: &str,
    mut each: impl FnMut(usize, Event) -> Result<(), String>,
) -> usize {
    each_event_with_text(reader, name, false, |number, event, _| match each(number, event) {
        Ok(()) => Flow::Next,
        Err(problem) => Flow::Skip(problem),
    })
}

/// The same, giving `each` the line's text too when `keep_text` (`replay --db` logs it),
/// and stopping when `each` says so.
///
/// Reading and parsing run on a thread of their own, a few batches ahead, so a replay
/// decides one event while the next ones are parsed; `each` sees the lines in order and
/// every report is printed from the calling thread, in line order.
pub fn each_event_with_text(
    reader: &mut (dyn BufRead + Send),
    name: &str,
    keep_text: bool,
    mut each: impl FnMut(usize, Event, Option<&str>) -> Flow,
) -> usize {
    let (batches, received) = std::sync::mpsc::sync_channel::<Vec<Parsed>>(AHEAD);
    std::thread::scope(|scope| {
        scope.spawn(move || parse_lines(reader, keep_text, |batch| batches.send(batch).is_ok()));
        // Owned here, so that a `Stop` drops it before the scope waits for the reader:
        // its next `send` fails and it ends, instead of waiting for room forever.
        let received = received;
        let mut skipped = 0usize;
        for (number, parsed) in received.iter().flatten() {
            let problem = match parsed {
                Ok((event, text)) => match each(number, event, text.as_deref()) {
                    Flow::Next => None,
                    Flow::Skip(problem) => Some(problem),
                    Flow::Stop => break,
                },
                Err(e) => Some(e),
            };
            if let Some(problem) = problem {
                errln!("{name}:{number}: {problem}");
                skipped += 1;
            }
        }
        skipped
    })
}

/// The reader thread's loop: lines parsed in batches of [`BATCH`], handed to `send`
/// until the input ends or `send` answers that no one listens any more.
fn parse_lines(reader: &mut (dyn BufRead + Send), keep_text: bool, mut send: impl FnMut(Vec<Parsed>) -> bool) {
    let mut line: Vec<u8> = Vec::with_capacity(1024);
    let mut batch = Vec::with_capacity(BATCH);
    let mut number = 0usize;
    loop {
        line.clear();
        number += 1;
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                batch.push((number, Err(format!("cannot read the line: {e}"))));
                continue;
            }
        }
        let parsed = match text(&line, number == 1) {
            Ok(t) if t.trim().is_empty() => continue,
            Ok(t) => match Event::from_json(t) {
                Ok(event) => Ok((event, keep_text.then(|| t.trim_end().to_string()))),
                Err(e) => Err(format!("skipped: {e}")),
            },
            Err(e) => Err(format!("skipped: {e}")),
        };
        batch.push((number, parsed));
        if batch.len() == BATCH && !send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH))) {
            return;
        }
    }
    if !batch.is_empty() {
        send(batch);
    }
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
    fn events_come_in_line_order_across_batches_with_bad_lines_counted() {
        let mut input = String::new();
        let lines = 3 * BATCH + 7;
        for i in 1..=lines {
            match i % 100 {
                0 => input.push_str("not json\n"),
                50 => input.push('\n'),
                _ => input.push_str(&format!(
                    "{{\"type\":\"tick\",\"at\":\"2026-11-01T00:00:00+08:00\",\"id\":\"e{i}\"}}\n"
                )),
            }
        }
        let mut reader = std::io::Cursor::new(input.into_bytes());
        let mut seen = Vec::new();
        let skipped = each_event(&mut reader, "t.jsonl", |number, event| {
            assert_eq!(&*event.id, format!("e{number}"));
            seen.push(number);
            if number == 7 { Err("refused".into()) } else { Ok(()) }
        });
        let expected: Vec<usize> = (1..=lines).filter(|i| i % 100 != 0 && i % 100 != 50).collect();
        assert_eq!(seen, expected);
        // The `not json` lines and the refused event.
        assert_eq!(skipped, lines / 100 + 1);
    }

    #[test]
    fn a_stop_ends_the_reading_even_with_batches_still_to_parse() {
        let line = "{\"type\":\"tick\",\"at\":\"2026-11-01T00:00:00+08:00\",\"id\":\"e\"}\n";
        let mut reader = std::io::Cursor::new(line.repeat((AHEAD + 4) * BATCH).into_bytes());
        let mut seen = 0;
        let skipped = each_event_with_text(&mut reader, "t.jsonl", true, |_, _, text| {
            assert_eq!(text, Some(line.trim_end()));
            seen += 1;
            if seen == 3 { Flow::Stop } else { Flow::Next }
        });
        assert_eq!((seen, skipped), (3, 0));
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
