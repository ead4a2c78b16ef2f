//! Literals: money in fen, percentages in basis points, durations in milliseconds, whole
//! numbers in range, and string escapes. A literal out of range is an `E016` on it.

use super::{Builder, P};
use crate::diagnostic::{Code, Diagnostic};
use std::fmt::Display;
use std::str::FromStr;

impl Builder {
    /// `¥19.90`, `30 CNY`, `30元`: fen.
    pub(super) fn money(&self, pair: P<'_>) -> Result<i64, Diagnostic> {
        let span = self.span(&pair);
        let amount = self.required(pair.into_inner().next(), span, "amount")?;
        let text = amount.as_str();
        parse_fixed(text, 2).ok_or_else(|| {
            Diagnostic::new(Code::BadLiteral, span, format!("invalid money amount `{text}`"))
                .label("at most two decimals (fen)")
                .help("write money like `¥30` or `¥19.90`")
        })
    }

    /// `15%`, `12.5%`: basis points.
    pub(super) fn percent(&self, pair: P<'_>) -> Result<i64, Diagnostic> {
        let span = self.span(&pair);
        let amount = self.required(pair.into_inner().next(), span, "amount")?;
        let text = amount.as_str();
        parse_fixed(text, 2).ok_or_else(|| {
            Diagnostic::new(Code::BadLiteral, span, format!("invalid percentage `{text}%`"))
                .label("at most two decimals")
        })
    }

    /// `2h`, `1d12h`, `30d`: milliseconds.
    pub(super) fn duration(&self, pair: P<'_>) -> Result<i64, Diagnostic> {
        let span = self.span(&pair);
        let too_long = || Diagnostic::new(Code::BadLiteral, span, "duration is too long").label("out of range");
        let mut ms: i64 = 0;
        for part in pair.into_inner() {
            let pspan = self.span(&part);
            let mut it = part.into_inner();
            let n = self.required(it.next(), pspan, "number")?;
            let unit = self.required(it.next(), pspan, "unit")?;
            let unit_ms: i64 = match unit.as_str() {
                "w" => 7 * 86_400_000,
                "d" => 86_400_000,
                "h" => 3_600_000,
                "m" => 60_000,
                "s" => 1_000,
                _ => return Err(self.unexpected(&unit, "a duration")),
            };
            let n: i64 = n.as_str().parse().map_err(|_| too_long())?;
            ms = n
                .checked_mul(unit_ms)
                .and_then(|v| ms.checked_add(v))
                .ok_or_else(too_long)?;
        }
        Ok(ms)
    }

    /// `1.5`, `30`: a plain number.
    pub(super) fn number(&self, pair: &P<'_>) -> Result<f64, Diagnostic> {
        pair.as_str()
            .parse()
            .map_err(|_| Diagnostic::new(Code::BadLiteral, self.span(pair), "invalid number").label("here"))
    }

    /// A whole number (`integer`: digits, which the grammar guarantees) for `what`, at most
    /// `max`: a larger one is an error on the number, not a wrapped or default value.
    pub(super) fn integer<T: FromStr + Display>(&self, pair: P<'_>, what: &str, max: T) -> Result<T, Diagnostic> {
        let text = pair.as_str();
        text.parse().map_err(|_| {
            Diagnostic::new(
                Code::BadLiteral,
                self.span(&pair),
                format!("`{text}` is too large for {what}"),
            )
            .label(format!("at most {max}"))
            .help(format!("write {what} of at most {max}"))
        })
    }
}

/// Parses `1_234.5` into an integer with `scale` decimals (`123450` for scale 2).
/// `None` if it has more decimals than `scale` or overflows.
pub fn parse_fixed(text: &str, scale: u32) -> Option<i64> {
    let clean: String = text.chars().filter(|c| *c != '_').collect();
    let (whole, frac) = clean.split_once('.').unwrap_or((&clean, ""));
    if frac.len() > scale as usize || whole.is_empty() {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let mut frac_value: i64 = if frac.is_empty() { 0 } else { frac.parse().ok()? };
    for _ in frac.len()..scale as usize {
        frac_value *= 10;
    }
    whole.checked_mul(10_i64.pow(scale))?.checked_add(frac_value)
}

/// The text of a string literal without its escapes (`\n`, `\t`, `\"`, `\\`).
pub(super) fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_point_literals() {
        assert_eq!(parse_fixed("30", 2), Some(3000));
        assert_eq!(parse_fixed("19.9", 2), Some(1990));
        assert_eq!(parse_fixed("200_000", 2), Some(20_000_000));
        assert_eq!(parse_fixed("1.999", 2), None);
    }

    #[test]
    fn a_count_too_large_is_an_error_on_the_number() {
        let text = "campaign c {\n  window 2026-11-01 .. 2026-12-01\n  rule r {\n    on view_item\n    at most 99999999999 per user\n    give amount_off ¥10 valid 1d\n  }\n}\n";
        let d = crate::syntax::parse(0, text).unwrap_err();
        assert_eq!(d.code, Code::BadLiteral);
        assert_eq!(d.message, "`99999999999` is too large for a limit");
        let at = text.find("99999999999").unwrap();
        assert_eq!((d.span.start as usize, d.span.end as usize), (at, at + 11));
    }

    #[test]
    fn a_priority_too_large_is_an_error_on_the_number() {
        let text = "campaign c {\n  window 2026-11-01 .. 2026-12-01\n  priority 99999999999999999999\n}\n";
        let d = crate::syntax::parse(0, text).unwrap_err();
        assert_eq!(d.code, Code::BadLiteral);
        assert_eq!(d.message, "`99999999999999999999` is too large for a priority");
        assert_eq!(d.span.start as usize, text.find("9999").unwrap());
    }
}
