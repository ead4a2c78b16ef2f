//! The operators on values: comparison, membership, arithmetic, `within`, and the
//! three-valued logic of `not`, `and` and `or`. Evaluating a rule and folding its
//! constants both use these, so a folded constant is what evaluation computes.
//!
//! A missing input makes the result missing (except where `and`/`or` are decided by one
//! side); so does a type that does not fit.

use super::{Millis, Value, percent_of};
use crate::syntax::ast::BinaryOp;
use std::cmp::Ordering;

/// A product or quotient in whole units (fen, basis points, milliseconds; money computed
/// in yuan × 100, as `fen_round` does): `Missing` when
/// it is not finite or does not fit, never a silent zero or a saturated bound.
fn whole(v: f64, make: impl FnOnce(i64) -> Value) -> Value {
    let r = v.round();
    // 9.2e18 is just under i64::MAX; anything at or past it does not fit.
    if r.is_finite() && r.abs() < 9.2e18 {
        make(r as i64)
    } else {
        Value::Missing
    }
}

/// The value of an optional result, `Missing` if there is none.
pub fn opt<T>(v: Option<T>, f: impl FnOnce(T) -> Value) -> Value {
    v.map_or(Value::Missing, f)
}

/// `not a`.
pub fn not(v: Value) -> Value {
    match v {
        Value::Bool(b) => Value::Bool(!b),
        _ => Value::Missing,
    }
}

/// `-a`.
pub fn neg(v: Value) -> Value {
    match v {
        Value::Number(n) => Value::Number(-n),
        Value::Money(m) => Value::Money(-m),
        Value::Percent(p) => Value::Percent(-p),
        Value::Duration(d) => Value::Duration(-d),
        _ => Value::Missing,
    }
}

/// `a and b`, with `b` computed only when `a` is true.
#[inline]
pub fn and(x: Value, y: impl FnOnce() -> Value) -> Value {
    match x {
        Value::Bool(false) => Value::Bool(false),
        Value::Bool(true) => y(),
        _ => Value::Missing,
    }
}

/// `a or b`, with `b` computed only when `a` is not true. A missing left side does not
/// hide a true right side.
#[inline]
pub fn or(x: Value, y: impl FnOnce() -> Value) -> Value {
    match x {
        Value::Bool(true) => Value::Bool(true),
        Value::Bool(false) => y(),
        _ => match y() {
            Value::Bool(true) => Value::Bool(true),
            _ => Value::Missing,
        },
    }
}

/// How two values of the same kind order; `None` for different kinds.
pub fn compare(x: &Value, y: &Value) -> Option<Ordering> {
    match (x, y) {
        (Value::Number(a), Value::Number(b)) => a.partial_cmp(b),
        (Value::Money(a), Value::Money(b))
        | (Value::Percent(a), Value::Percent(b))
        | (Value::Duration(a), Value::Duration(b))
        | (Value::Time(a), Value::Time(b)) => Some(a.cmp(b)),
        (Value::Str(a), Value::Str(b)) => Some(a.cmp(b)),
        (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(b)),
        _ => None,
    }
}

/// A field group's comparison on plain numbers or strings: what `binary` answers for
/// the same values wrapped (with `NaN`, only `!=` holds).
#[inline(always)]
pub fn holds<T: PartialOrd + ?Sized>(op: BinaryOp, x: &T, c: &T) -> bool {
    match op {
        BinaryOp::Eq => x == c,
        BinaryOp::Ne => x != c,
        BinaryOp::Lt => x < c,
        BinaryOp::Le => x <= c,
        BinaryOp::Gt => x > c,
        BinaryOp::Ge => x >= c,
        _ => false,
    }
}

/// `a op b` on values; `Missing` whenever an input is missing or the types do not fit.
pub fn binary(op: BinaryOp, x: &Value, y: &Value, now: Millis) -> Value {
    use Value::*;
    if x.is_missing() || y.is_missing() {
        return Missing;
    }
    match op {
        BinaryOp::Eq => Bool(compare(x, y) == Some(Ordering::Equal) || (x == y)),
        BinaryOp::Ne => Bool(!(compare(x, y) == Some(Ordering::Equal) || (x == y))),
        BinaryOp::Lt => opt(compare(x, y), |o| Bool(o.is_lt())),
        BinaryOp::Le => opt(compare(x, y), |o| Bool(o.is_le())),
        BinaryOp::Gt => opt(compare(x, y), |o| Bool(o.is_gt())),
        BinaryOp::Ge => opt(compare(x, y), |o| Bool(o.is_ge())),
        BinaryOp::In | BinaryOp::NotIn => {
            let found = match y {
                List(items) => items.iter().any(|i| compare(i, x) == Some(Ordering::Equal)),
                Str(s) => x.as_str().is_some_and(|needle| s.contains(needle)),
                _ => return Missing,
            };
            Bool(found == (op == BinaryOp::In))
        }
        BinaryOp::Within => match (x, y) {
            (Time(t), Duration(d)) => Bool(*t <= now && now - *t <= *d),
            _ => Missing,
        },
        BinaryOp::Add => match (x, y) {
            (Number(a), Number(b)) => Number(a + b),
            (Money(a), Money(b)) => opt(a.checked_add(*b), Money),
            (Percent(a), Percent(b)) => opt(a.checked_add(*b), Percent),
            (Duration(a), Duration(b)) => opt(a.checked_add(*b), Duration),
            (Time(a), Duration(b)) | (Duration(b), Time(a)) => opt(a.checked_add(*b), Time),
            _ => Missing,
        },
        BinaryOp::Sub => match (x, y) {
            (Number(a), Number(b)) => Number(a - b),
            (Money(a), Money(b)) => opt(a.checked_sub(*b), Money),
            (Percent(a), Percent(b)) => opt(a.checked_sub(*b), Percent),
            (Duration(a), Duration(b)) => opt(a.checked_sub(*b), Duration),
            (Time(a), Duration(b)) => opt(a.checked_sub(*b), Time),
            (Time(a), Time(b)) => opt(a.checked_sub(*b), Duration),
            _ => Missing,
        },
        BinaryOp::Mul => match (x, y) {
            (Number(a), Number(b)) => Number(a * b),
            (Money(m), Number(n)) | (Number(n), Money(m)) => whole(*m as f64 / 100.0 * n * 100.0, Money),
            (Money(m), Percent(p)) | (Percent(p), Money(m)) => Money(percent_of(*p, *m)),
            (Percent(p), Number(n)) | (Number(n), Percent(p)) => whole(*p as f64 * n, Percent),
            (Duration(d), Number(n)) | (Number(n), Duration(d)) => whole(*d as f64 * n, Duration),
            _ => Missing,
        },
        BinaryOp::Div => match (x, y) {
            (_, Number(b)) if *b == 0.0 => Missing,
            (_, Money(0)) | (_, Percent(0)) | (_, Duration(0)) => Missing,
            (Number(a), Number(b)) => Number(a / b),
            (Money(a), Money(b)) => Number(*a as f64 / *b as f64),
            (Percent(a), Percent(b)) => Number(*a as f64 / *b as f64),
            (Duration(a), Duration(b)) => Number(*a as f64 / *b as f64),
            (Money(a), Number(b)) => whole(*a as f64 / 100.0 / b * 100.0, Money),
            (Percent(a), Number(b)) => whole(*a as f64 / b, Percent),
            (Duration(a), Number(b)) => whole(*a as f64 / b, Duration),
            _ => Missing,
        },
        BinaryOp::Of => match (x, y) {
            (Percent(p), Money(m)) => Money(percent_of(*p, *m)),
            (Percent(p), Number(n)) => Number(*p as f64 / 10_000.0 * n),
            _ => Missing,
        },
        BinaryOp::And | BinaryOp::Or => match (x, y) {
            (Bool(a), Bool(b)) => Bool(if op == BinaryOp::And { *a && *b } else { *a || *b }),
            _ => Missing,
        },
    }
}

/// `text op c` for a string read in place (no value made of it); as `binary` answers.
pub fn compare_str(op: BinaryOp, text: &str, c: &Value) -> Value {
    let found = match c {
        Value::Str(s) => &**s == text,
        Value::List(items) => items.iter().any(|v| v.as_str() == Some(text)),
        _ => return binary(op, &Value::str(text), c, 0),
    };
    match op {
        BinaryOp::Eq | BinaryOp::In => Value::Bool(found),
        BinaryOp::Ne | BinaryOp::NotIn => Value::Bool(!found),
        _ => binary(op, &Value::str(text), c, 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::fen_round;

    #[test]
    fn a_product_that_does_not_fit_is_missing_not_zero() {
        let now = 0;
        let big = Value::Number(1e300);
        assert_eq!(binary(BinaryOp::Mul, &Value::Money(100), &big, now), Value::Missing);
        assert_eq!(
            binary(BinaryOp::Mul, &Value::Money(100), &Value::Number(f64::NAN), now),
            Value::Missing
        );
        assert_eq!(binary(BinaryOp::Mul, &Value::Percent(500), &big, now), Value::Missing);
        assert_eq!(
            binary(BinaryOp::Div, &Value::Duration(1_000), &Value::Number(1e-300), now),
            Value::Missing
        );
        assert_eq!(
            binary(BinaryOp::Div, &Value::Money(100), &Value::Number(f64::INFINITY), now),
            Value::Money(0)
        );
        // In range, the same rounding as before: ¥10.05 × 0.5 is computed in yuan.
        assert_eq!(
            binary(BinaryOp::Mul, &Value::Money(1_005), &Value::Number(0.5), now),
            Value::Money(fen_round(10.05 * 0.5))
        );
        assert_eq!(
            binary(BinaryOp::Mul, &Value::Money(1_000), &Value::Number(1.5), now),
            Value::Money(1_500)
        );
    }
}
