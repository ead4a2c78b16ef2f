//! The numerics of fitting: a dense design matrix (row-major, `n × p` f64), ridge
//! logistic regression by Newton's method (IRLS) and ridge least squares, each step a
//! Cholesky solve of a `p × p` system. No allocation per row: each pass over the rows
//! adds into one `p × p` matrix and one vector.

/// A row-major `rows × cols` matrix.
#[derive(Debug, Clone, Default)]
pub struct Design {
    pub cols: usize,
    pub data: Vec<f64>,
}

impl Design {
    pub fn new(cols: usize) -> Design {
        Design { cols, data: Vec::new() }
    }

    pub fn with_capacity(cols: usize, rows: usize) -> Design {
        Design {
            cols,
            data: Vec::with_capacity(cols.saturating_mul(rows)),
        }
    }

    pub fn rows(&self) -> usize {
        self.data.len().checked_div(self.cols).unwrap_or(0)
    }

    pub fn row(&self, i: usize) -> &[f64] {
        self.data.get(i * self.cols..(i + 1) * self.cols).unwrap_or(&[])
    }

    /// Appends a row (`row.len()` must be `cols`; a shorter one is padded with zeros).
    pub fn push(&mut self, row: &[f64]) {
        let start = self.data.len();
        self.data.extend(row.iter().take(self.cols));
        self.data.resize(start + self.cols, 0.0);
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Solves `a x = b` for a symmetric positive definite `a` (`p × p`, row-major) by
/// Cholesky; `None` if `a` is not positive definite.
pub fn cholesky_solve(a: &[f64], b: &[f64]) -> Option<Vec<f64>> {
    let p = b.len();
    if a.len() != p * p {
        return None;
    }
    let mut l = vec![0.0; p * p];
    for i in 0..p {
        for j in 0..=i {
            let s = a[i * p + j] - dot(&l[i * p..i * p + j], &l[j * p..j * p + j]);
            if i == j {
                if !(s.is_finite() && s > 0.0) {
                    return None;
                }
                l[i * p + i] = s.sqrt();
            } else {
                l[i * p + j] = s / l[j * p + j];
            }
        }
    }
    // L y = b, then Lᵀ x = y.
    let mut y = vec![0.0; p];
    for i in 0..p {
        y[i] = (b[i] - dot(&l[i * p..i * p + i], &y[..i])) / l[i * p + i];
    }
    let mut x = vec![0.0; p];
    for i in (0..p).rev() {
        let s: f64 = ((i + 1)..p).map(|k| l[k * p + i] * x[k]).sum();
        x[i] = (y[i] - s) / l[i * p + i];
    }
    Some(x)
}

/// Adds `w · r rᵀ` into the lower triangle of `h` (p × p).
fn add_outer(h: &mut [f64], r: &[f64], w: f64) {
    let p = r.len();
    for i in 0..p {
        let wi = w * r[i];
        if wi == 0.0 {
            continue;
        }
        let row = &mut h[i * p..i * p + i + 1];
        for (hij, rj) in row.iter_mut().zip(r) {
            *hij += wi * rj;
        }
    }
}

fn mirror(h: &mut [f64], p: usize) {
    for i in 0..p {
        for j in 0..i {
            h[j * p + i] = h[i * p + j];
        }
    }
}

/// The ridge penalty of each coefficient: none on the intercept (column 0).
fn penalty(p: usize, l2: f64) -> impl Iterator<Item = (usize, f64)> {
    (0..p).map(move |j| (j, if j == 0 { 0.0 } else { l2 }))
}

/// The result of a logistic fit.
#[derive(Debug, Clone)]
pub struct Logistic {
    pub beta: Vec<f64>,
    pub iterations: u32,
    pub converged: bool,
}

pub fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// Ridge logistic regression: maximises `Σ y ln p + (1−y) ln(1−p) − l2/2 ‖β₁..‖²` by
/// Newton steps `(XᵀWX + l2·I) Δ = Xᵀ(y − p) − l2·β`, halving a step that lowers the
/// objective. The intercept (column 0) is not penalised.
pub fn logistic(x: &Design, y: &[bool], l2: f64, max_iterations: u32) -> Option<Logistic> {
    let p = x.cols;
    let n = x.rows().min(y.len());
    let mut beta = vec![0.0; p];
    let mut h = vec![0.0; p * p];
    let mut g = vec![0.0; p];
    let objective = |beta: &[f64]| {
        let mut ll = 0.0;
        for (i, yi) in y.iter().enumerate().take(n) {
            let z = dot(x.row(i), beta);
            // ln(1 + e^z) computed without overflow.
            let softplus = if z > 0.0 {
                z + (-z).exp().ln_1p()
            } else {
                z.exp().ln_1p()
            };
            ll += if *yi { z - softplus } else { -softplus };
        }
        ll - 0.5 * penalty(p, l2).map(|(j, l)| l * beta[j] * beta[j]).sum::<f64>()
    };
    let mut current = objective(&beta);
    for iteration in 1..=max_iterations {
        h.iter_mut().for_each(|v| *v = 0.0);
        g.iter_mut().for_each(|v| *v = 0.0);
        for (i, yi) in y.iter().enumerate().take(n) {
            let r = x.row(i);
            let pi = sigmoid(dot(r, &beta));
            let resid = f64::from(u8::from(*yi)) - pi;
            for (gj, rj) in g.iter_mut().zip(r) {
                *gj += resid * rj;
            }
            add_outer(&mut h, r, (pi * (1.0 - pi)).max(1e-12));
        }
        mirror(&mut h, p);
        for (j, l) in penalty(p, l2) {
            h[j * p + j] += l + 1e-9;
            g[j] -= l * beta[j];
        }
        let step = cholesky_solve(&h, &g)?;
        let mut t = 1.0;
        let mut next: Vec<f64>;
        loop {
            next = beta.iter().zip(&step).map(|(b, s)| b + t * s).collect();
            let value = objective(&next);
            if value >= current - 1e-12 * current.abs().max(1.0) || t < 1e-6 {
                current = value;
                break;
            }
            t /= 2.0;
        }
        let change = step.iter().map(|s| (t * s).abs()).fold(0.0, f64::max);
        beta = next;
        if change < 1e-8 {
            return Some(Logistic {
                beta,
                iterations: iteration,
                converged: true,
            });
        }
    }
    Some(Logistic {
        beta,
        iterations: max_iterations,
        converged: false,
    })
}

/// The gradient of the penalised log-likelihood at `beta` (zero at the fit).
pub fn logistic_gradient(x: &Design, y: &[bool], l2: f64, beta: &[f64]) -> Vec<f64> {
    let mut g = vec![0.0; x.cols];
    for (i, yi) in y.iter().enumerate().take(x.rows()) {
        let r = x.row(i);
        let resid = f64::from(u8::from(*yi)) - sigmoid(dot(r, beta));
        for (gj, rj) in g.iter_mut().zip(r) {
            *gj += resid * rj;
        }
    }
    for (j, l) in penalty(x.cols, l2) {
        g[j] -= l * beta[j];
    }
    g
}

/// Ridge least squares: `(XᵀX + l2·I) β = Xᵀy`, the intercept not penalised.
pub fn ridge(x: &Design, y: &[f64], l2: f64) -> Option<Vec<f64>> {
    let p = x.cols;
    let mut h = vec![0.0; p * p];
    let mut g = vec![0.0; p];
    for (i, yi) in y.iter().enumerate().take(x.rows()) {
        let r = x.row(i);
        for (gj, rj) in g.iter_mut().zip(r) {
            *gj += yi * rj;
        }
        add_outer(&mut h, r, 1.0);
    }
    mirror(&mut h, p);
    for (j, l) in penalty(p, l2) {
        h[j * p + j] += l + 1e-9;
    }
    cholesky_solve(&h, &g)
}

pub fn predict(x: &[f64], beta: &[f64]) -> f64 {
    dot(x, beta)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_solves_a_small_system() {
        let a = [4.0, 2.0, 2.0, 3.0];
        let x = cholesky_solve(&a, &[2.0, 1.0]).unwrap_or_default();
        assert!((x[0] - 0.5).abs() < 1e-12 && x[1].abs() < 1e-12, "{x:?}");
        assert!(
            cholesky_solve(&[1.0, 2.0, 2.0, 1.0], &[1.0, 1.0]).is_none(),
            "not positive definite"
        );
    }

    #[test]
    fn ridge_recovers_a_line() {
        let mut x = Design::new(2);
        let mut y = Vec::new();
        for i in 0..50 {
            let t = f64::from(i) / 10.0;
            x.push(&[1.0, t]);
            y.push(3.0 + 2.0 * t);
        }
        let b = ridge(&x, &y, 0.0).unwrap_or_default();
        assert!((b[0] - 3.0).abs() < 1e-6 && (b[1] - 2.0).abs() < 1e-6, "{b:?}");
    }
}
