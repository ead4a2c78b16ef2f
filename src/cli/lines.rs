//! Lines of the JSONL files the commands read (`replay --events`, `run --users`,
//! `eval --event`): a UTF-8 byte-order mark at the start of a file is dropped (editors on
//! Windows write one), and a line that is not UTF-8 is a bad line the caller reports and
//! skips, not the end of the run.

const BOM: &str = "\u{feff}";

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
