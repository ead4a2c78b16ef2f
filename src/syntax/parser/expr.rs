//! Expressions: operators by precedence (`or`, `and`, `not`, comparisons, sums,
//! products, prefixes), `if … then … else`, calls, lists, paths and literals.

use super::{Builder, P, Rule, children};
use crate::diagnostic::Diagnostic;
use crate::source::Span;
use crate::syntax::ast::{BinaryOp, Expr, ExprKind, UnaryOp};

impl Builder {
    /// An expression the grammar guarantees in the clause at `parent`.
    pub(super) fn required_expr(&self, pair: Option<P<'_>>, parent: Span) -> Result<Expr, Diagnostic> {
        self.expr(self.required(pair, parent, "expression")?)
    }

    pub(super) fn expr(&self, pair: P<'_>) -> Result<Expr, Diagnostic> {
        let span = self.span(&pair);
        match pair.as_rule() {
            Rule::expr | Rule::operand => self.required_expr(pair.into_inner().next(), span),
            Rule::or_expr | Rule::and_expr | Rule::sum | Rule::product => self.binary_chain(pair),
            Rule::not_expr | Rule::prefix => self.prefixed(pair),
            Rule::comparison => {
                let mut it = pair.into_inner();
                let left = self.required_expr(it.next(), span)?;
                // The comparison is optional: `sum ~ compare_tail?`.
                let Some(op) = it.next() else { return Ok(left) };
                let op = self.binary_op(&op)?;
                let right = self.required_expr(it.next(), span)?;
                Ok(Expr {
                    span: left.span.to(right.span),
                    kind: ExprKind::Binary(op, Box::new(left), Box::new(right)),
                })
            }
            Rule::conditional => {
                let mut it = children(pair);
                let c = self.required_expr(it.next(), span)?;
                let a = self.required_expr(it.next(), span)?;
                let b = self.required_expr(it.next(), span)?;
                Ok(Expr {
                    span,
                    kind: ExprKind::If(Box::new(c), Box::new(a), Box::new(b)),
                })
            }
            _ => self.atom(pair),
        }
    }

    /// `not …` and `-…`: the operators, then what they apply to.
    fn prefixed(&self, pair: P<'_>) -> Result<Expr, Diagnostic> {
        let span = self.span(&pair);
        let mut ops = Vec::new();
        let mut last = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::not_op => ops.push((UnaryOp::Not, self.span(&p))),
                Rule::neg_op => ops.push((UnaryOp::Neg, self.span(&p))),
                _ => last = Some(self.expr(p)?),
            }
        }
        let mut e = self.required(last, span, "operand")?;
        for (op, ospan) in ops.into_iter().rev() {
            // Fold `-30` into a literal so that constants stay constants.
            e = match (op, e.kind) {
                (UnaryOp::Neg, ExprKind::Number(n)) => Expr {
                    kind: ExprKind::Number(-n),
                    span: ospan.to(e.span),
                },
                (_, kind) => {
                    let inner = Expr { kind, span: e.span };
                    Expr {
                        span: ospan.to(inner.span),
                        kind: ExprKind::Unary(op, Box::new(inner)),
                    }
                }
            };
        }
        Ok(e)
    }

    /// `a or b or c`, `a + b - c`: operands and operators alternate, left to right.
    fn binary_chain(&self, pair: P<'_>) -> Result<Expr, Diagnostic> {
        let span = self.span(&pair);
        let mut it = pair.into_inner();
        let mut left = self.required_expr(it.next(), span)?;
        while let Some(op) = it.next() {
            let op = self.binary_op(&op)?;
            let right = self.required_expr(it.next(), span)?;
            left = Expr {
                span: left.span.to(right.span),
                kind: ExprKind::Binary(op, Box::new(left), Box::new(right)),
            };
        }
        Ok(left)
    }

    pub(super) fn atom(&self, pair: P<'_>) -> Result<Expr, Diagnostic> {
        let span = self.span(&pair);
        let kind = match pair.as_rule() {
            Rule::money => ExprKind::Money(self.money(pair)?),
            Rule::percent => ExprKind::Percent(self.percent(pair)?),
            Rule::duration => ExprKind::Duration(self.duration(pair)?),
            Rule::datetime_lit => {
                ExprKind::DateTime(self.datetime(self.required(pair.into_inner().next(), span, "date")?))
            }
            Rule::datetime => ExprKind::DateTime(self.datetime(pair)),
            Rule::number => ExprKind::Number(self.number(&pair)?),
            Rule::string => ExprKind::Str(self.string(pair)?),
            Rule::boolean => ExprKind::Bool(pair.as_str() == "true"),
            Rule::list => ExprKind::List(pair.into_inner().map(|p| self.expr(p)).collect::<Result<_, _>>()?),
            Rule::call => {
                let mut it = pair.into_inner();
                let name = self.name(self.required(it.next(), span, "function name")?);
                let args = it.map(|p| self.expr(p)).collect::<Result<_, _>>()?;
                ExprKind::Call(name, args)
            }
            Rule::path => ExprKind::Path(pair.into_inner().map(|p| self.name(p)).collect()),
            Rule::past_events => {
                let mut it = children(pair);
                let event = self.name(self.required(it.next(), span, "event type")?);
                let cond = self.expr(self.required(it.next(), span, "condition")?)?;
                ExprKind::Where(event, Box::new(cond))
            }
            Rule::expr
            | Rule::operand
            | Rule::or_expr
            | Rule::and_expr
            | Rule::not_expr
            | Rule::comparison
            | Rule::sum
            | Rule::product
            | Rule::prefix
            | Rule::conditional => return self.expr(pair),
            _ => return Err(self.unexpected(&pair, "an expression")),
        };
        Ok(Expr { kind, span })
    }

    fn binary_op(&self, op: &P<'_>) -> Result<BinaryOp, Diagnostic> {
        Ok(match (op.as_rule(), op.as_str()) {
            (Rule::or_op, _) => BinaryOp::Or,
            (Rule::and_op, _) => BinaryOp::And,
            (Rule::in_op, _) => BinaryOp::In,
            (Rule::not_in_op, _) => BinaryOp::NotIn,
            (Rule::within_op, _) => BinaryOp::Within,
            (Rule::of_op, _) => BinaryOp::Of,
            (Rule::cmp_op, "==") => BinaryOp::Eq,
            (Rule::cmp_op, "!=") => BinaryOp::Ne,
            (Rule::cmp_op, "<=") => BinaryOp::Le,
            (Rule::cmp_op, ">=") => BinaryOp::Ge,
            (Rule::cmp_op, "<") => BinaryOp::Lt,
            (Rule::cmp_op, ">") => BinaryOp::Gt,
            (Rule::add_op, "+") => BinaryOp::Add,
            (Rule::add_op, "-") => BinaryOp::Sub,
            (Rule::mul_op, "*") => BinaryOp::Mul,
            (Rule::mul_op, "/") => BinaryOp::Div,
            (Rule::mul_op, "of") => BinaryOp::Of,
            _ => return Err(self.unexpected(op, "an operator")),
        })
    }
}
