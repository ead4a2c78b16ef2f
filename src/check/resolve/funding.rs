//! Funding shares of a campaign or an offer: who pays for the discount.

use super::Resolver;
use crate::check::program::*;
use crate::diagnostic::{Code, Diagnostic};
use crate::syntax::ast;
use crate::value::Value;

impl Resolver<'_> {
    pub(super) fn funding(&mut self, f: &ast::Funding) -> Funding {
        let mut funding = Funding { platform: 0, seller: 0 };
        let mut seen: Vec<&str> = Vec::new();
        for s in &f.shares {
            let bp = match s.percent.kind {
                ast::ExprKind::Percent(bp) => bp,
                _ => 0,
            };
            if seen.contains(&s.funder.text.as_str()) {
                self.error(
                    Diagnostic::new(
                        Code::BadFunding,
                        s.funder.span,
                        format!("`{}` is named twice", s.funder.text),
                    )
                    .label("again")
                    .help("name each funder once"),
                );
            }
            seen.push(&s.funder.text);
            if s.funder.text == "platform" {
                funding.platform = bp;
            } else {
                funding.seller = bp;
            }
        }
        if funding.platform + funding.seller != 10_000 {
            self.error(
                Diagnostic::new(
                    Code::BadFunding,
                    f.span,
                    format!(
                        "funding shares add up to {}, not 100%",
                        Value::Percent(funding.platform + funding.seller)
                    ),
                )
                .label("shares")
                .help("the platform's and the seller's shares must add up to 100%"),
            );
        }
        funding
    }
}
