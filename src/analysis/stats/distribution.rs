//! Student's t and the χ² distribution: the tail probabilities and the one quantile that
//! the tests need, on top of [`special`](super::special).

use super::special::{beta_regularized, gamma_upper_regularized, ln_gamma_ratio};
use std::f64::consts::PI;

/// `P(T > t)` for `T` Student-t distributed with `dof > 0` degrees of freedom.
pub fn student_t_upper_tail(t: f64, dof: f64) -> f64 {
    if t < 0.0 {
        return 1.0 - student_t_upper_tail(-t, dof);
    }
    let t2 = t * t;
    if t2.is_infinite() {
        return 0.0;
    }
    // P(T > t) = ½ I_x(ν/2, ½) at x = ν / (ν + t²); both x and 1 − x are formed directly.
    let x = dof / (dof + t2);
    let y = t2 / (dof + t2);
    0.5 * beta_regularized(0.5 * dof, 0.5, x, y)
}

/// The density of Student's t at `t`.
pub fn student_t_density(t: f64, dof: f64) -> f64 {
    // Γ((ν + 1)/2) / (Γ(ν/2) √(νπ)) (1 + t²/ν)^−(ν+1)/2, in logarithms.
    (ln_gamma_ratio(0.5 * dof, 0.5) - 0.5 * (dof * PI).ln() - 0.5 * (dof + 1.0) * (t * t / dof).ln_1p()).exp()
}

/// The `t` with `P(T > t) = upper` for `0 < upper ≤ ½` (so `t ≥ 0`): the two-sided
/// critical value for `upper = α / 2`.
pub fn student_t_upper_quantile(upper: f64, dof: f64) -> f64 {
    if upper >= 0.5 {
        return 0.0;
    }
    // Newton's method on ln P(T > t), kept inside a bracket that bisection narrows
    // whenever a step would leave it (the heavy tails of a few degrees of freedom).
    let target = upper.ln();
    let (mut low, mut high) = (0.0_f64, f64::INFINITY);
    let mut t = 2.0_f64;
    for _ in 0..200 {
        let tail = student_t_upper_tail(t, dof);
        if tail > upper {
            low = t;
        } else {
            high = t;
        }
        let density = student_t_density(t, dof);
        let mut next = t + (tail.ln() - target) * tail / density;
        // False for a NaN or infinite step too.
        let inside = next > low && next < high;
        if !inside {
            next = if high.is_finite() { 0.5 * (low + high) } else { 2.0 * t };
        }
        if (next - t).abs() <= 4.0 * f64::EPSILON * t {
            return next;
        }
        t = next;
    }
    t
}

/// `P(X > x)` for `X` χ²-distributed with `dof` degrees of freedom.
pub fn chi_squared_upper_tail(x: f64, dof: f64) -> f64 {
    gamma_upper_regularized(0.5 * dof, 0.5 * x)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(got: f64, want: f64, tolerance: f64) {
        let error = ((got - want) / want).abs();
        assert!(
            error <= tolerance,
            "got {got:e}, want {want:e}, relative error {error:e}"
        );
    }

    #[test]
    fn cauchy_is_student_with_one_degree_of_freedom() {
        // P(T > t) = ½ − atan(t)/π and the 97.5 % point is tan(0.475 π).
        for t in [0.1, 1.0, 3.0, 50.0] {
            close(student_t_upper_tail(t, 1.0), 0.5 - t.atan() / PI, 1e-13);
        }
        close(student_t_upper_quantile(0.025, 1.0), (0.475 * PI).tan(), 1e-13);
    }

    #[test]
    fn two_degrees_of_freedom_have_a_closed_form() {
        // P(T > t) = ½ (1 − t / √(2 + t²)).
        for t in [0.01, 0.7, 4.0, 30.0] {
            close(
                student_t_upper_tail(t, 2.0),
                0.5 * (1.0 - t / (2.0 + t * t).sqrt()),
                1e-12,
            );
        }
    }

    #[test]
    fn tails_are_symmetric_and_the_quantile_inverts_the_tail() {
        for dof in [1.5, 7.0, 123.4, 5e4, 3e7] {
            let t = student_t_upper_quantile(0.025, dof);
            close(student_t_upper_tail(t, dof), 0.025, 1e-13);
            close(student_t_upper_tail(-t, dof), 0.975, 1e-13);
        }
    }

    #[test]
    fn chi_squared_with_two_degrees_of_freedom_is_exponential() {
        for x in [0.2, 3.0, 13.8, 100.0] {
            close(chi_squared_upper_tail(x, 2.0), (-0.5 * x).exp(), 1e-13);
        }
    }
}
