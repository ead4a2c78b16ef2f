//! Offers: `amount_off ¥10 min_spend ¥99 valid 72h` and the other kinds, with their
//! parameters and the `one of` menus of batch campaigns.

use super::{Builder, P, Rule, children};
use crate::diagnostic::Diagnostic;
use crate::syntax::ast::{Choice, Name, Offer, OfferKind, ValidOn, Validity};

impl Builder {
    pub(super) fn offer(&self, pair: P<'_>) -> Result<Offer, Diagnostic> {
        let span = self.span(&pair);
        let mut inner = children(pair);
        let head = self.required(inner.next(), span, "offer kind")?;
        let kind = match head.as_rule() {
            Rule::amount_off => OfferKind::AmountOff,
            Rule::percent_off => OfferKind::PercentOff,
            Rule::threshold => OfferKind::Threshold,
            Rule::free_shipping => OfferKind::FreeShipping,
            Rule::gift => OfferKind::Gift,
            Rule::perk => OfferKind::Perk,
            _ => return Err(self.unexpected(&head, "an offer")),
        };
        let mut offer = Offer {
            kind,
            value: None,
            min_spend: None,
            item: None,
            worth: None,
            cap: None,
            scope: None,
            seller: None,
            validity: None,
            valid_on: None,
            funded: None,
            to: None,
            span,
            repeated: Vec::new(),
        };
        for p in children(head) {
            match p.as_rule() {
                Rule::choice => offer.value = Some(self.choice(p)?),
                Rule::operand => offer.min_spend = Some(self.expr(p)?),
                Rule::name => offer.item = Some(self.name(p)),
                Rule::worth => offer.worth = Some(self.required_expr(children(p).next(), span)?),
                _ => return Err(self.unexpected(&p, "an offer")),
            }
        }
        for p in inner {
            self.offer_param(p, &mut offer)?;
        }
        Ok(offer)
    }

    /// `cap ¥200`, `min_spend ¥99`, `for item.category`, `for seller …`, `valid 72h`,
    /// `funded …`: each once; a repeated one is kept for the checker to report (`E013`).
    fn offer_param(&self, p: P<'_>, offer: &mut Offer) -> Result<(), Diagnostic> {
        let span = self.span(&p);
        let slot_taken = match p.as_rule() {
            Rule::cap => offer.cap.is_some(),
            Rule::min_spend => offer.min_spend.is_some(),
            Rule::scope => offer.scope.is_some(),
            Rule::seller_scope => offer.seller.is_some(),
            Rule::valid => offer.validity.is_some(),
            Rule::valid_days => offer.valid_on.as_ref().is_some_and(|on| !on.days.is_empty()),
            Rule::valid_hours => offer.valid_on.as_ref().is_some_and(|on| on.between.is_some()),
            Rule::funded => offer.funded.is_some(),
            Rule::recipient => offer.to.is_some(),
            _ => return Err(self.unexpected(&p, "an offer")),
        };
        if slot_taken {
            offer.repeated.push(span);
            return Ok(());
        }
        match p.as_rule() {
            Rule::cap => offer.cap = Some(self.required_expr(children(p).next(), span)?),
            Rule::min_spend => offer.min_spend = Some(self.required_expr(children(p).next(), span)?),
            Rule::scope => offer.scope = Some(self.required_expr(children(p).next(), span)?),
            Rule::seller_scope => offer.seller = Some(self.required_expr(children(p).next(), span)?),
            Rule::valid => {
                let v = self.required(children(p).next(), span, "validity")?;
                offer.validity = Some(match v.as_rule() {
                    Rule::until_end => Validity::UntilWindowEnd(self.span(&v)),
                    _ => Validity::For(self.atom(v)?),
                });
            }
            Rule::valid_days | Rule::valid_hours => self.valid_on(p, offer)?,
            Rule::funded => offer.funded = Some(self.funding(p)?),
            Rule::recipient => {
                let name = self.required(children(p).find(|c| c.as_rule() == Rule::name), span, "a recipient")?;
                offer.to = Some(self.name(name));
            }
            _ => return Err(self.unexpected(&p, "an offer")),
        }
        Ok(())
    }

    /// `on weekends` or `between 20:00 and 23:00`: a part of the offer's calendar.
    fn valid_on(&self, part: P<'_>, offer: &mut Offer) -> Result<(), Diagnostic> {
        let span = self.span(&part);
        let on = offer.valid_on.get_or_insert_with(|| ValidOn {
            days: Vec::new(),
            between: None,
            span,
        });
        on.span = on.span.to(span);
        let word = |p: P<'_>| Name {
            text: p.as_str().to_string(),
            span: self.span(&p),
        };
        if part.as_rule() == Rule::valid_days {
            on.days = children(part)
                .filter(|p| p.as_rule() == Rule::day_word)
                .map(word)
                .collect();
        } else {
            let mut clocks = children(part).filter(|p| p.as_rule() == Rule::clock).map(word);
            let from = self.required(clocks.next(), span, "a time such as `20:00`")?;
            let until = self.required(clocks.next(), span, "a time such as `23:00`")?;
            on.between = Some((from, until));
        }
        Ok(())
    }

    /// One value, or `one of 10%, 15%, 20%`.
    fn choice(&self, pair: P<'_>) -> Result<Choice, Diagnostic> {
        let span = self.span(&pair);
        let inner = self.required(pair.into_inner().next(), span, "value")?;
        if inner.as_rule() == Rule::menu {
            let mspan = self.span(&inner);
            let items = children(inner).map(|p| self.expr(p)).collect::<Result<_, _>>()?;
            Ok(Choice::Menu(items, mspan))
        } else {
            Ok(Choice::One(self.expr(inner)?))
        }
    }
}
