//! The fixed-horizon two-sided Welch t-test (gbstats' `TwoSidedTTest`): one look at the
//! data, a `1 − α` interval from Student's t, a p-value from its two tails.

use super::difference::Estimate;
use super::distribution::{student_t_upper_quantile, student_t_upper_tail};
use super::result::Difference;

/// `estimate ± t(1 − α/2, ν) · √variance` and `p = 2 P(T_ν > |estimate| / √variance)`.
pub fn interval(estimate: Estimate, dof: f64, alpha: f64) -> Difference {
    let se = estimate.variance.sqrt();
    let width = student_t_upper_quantile(alpha / 2.0, dof) * se;
    Difference {
        estimate: estimate.estimate,
        ci: [estimate.estimate - width, estimate.estimate + width],
        p_value: (2.0 * student_t_upper_tail((estimate.estimate / se).abs(), dof)).min(1.0),
    }
}
