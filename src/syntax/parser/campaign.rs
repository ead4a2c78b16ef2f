//! Campaigns and their clauses: window, budget, funding, experiment, segments and the
//! model of batch campaigns (rules are in `rule`, offers in `offer`).

use super::{Builder, P, Rule, children};
use crate::diagnostic::Diagnostic;
use crate::syntax::ast::{
    Arm, Budget, BudgetKind, BudgetPeriod, Campaign, CampaignClause, Experiment, Funding, Model, Segment, Share, Window,
};

impl Builder {
    pub(super) fn campaign(&self, pair: P<'_>) -> Result<Campaign, Diagnostic> {
        let span = self.span(&pair);
        let mut it = children(pair).peekable();
        let name = self.name(self.required(it.next(), span, "campaign name")?);
        let title = match it.peek().map(|p| p.as_rule()) {
            Some(Rule::string) => it.next().map(|p| self.string(p)).transpose()?,
            _ => None,
        };
        let clauses = it.map(|c| self.campaign_clause(c)).collect::<Result<_, _>>()?;
        Ok(Campaign {
            name,
            title,
            span,
            clauses,
        })
    }

    fn campaign_clause(&self, pair: P<'_>) -> Result<CampaignClause, Diagnostic> {
        let span = self.span(&pair);
        Ok(match pair.as_rule() {
            Rule::window => {
                let mut it = children(pair);
                let start = self.datetime(self.required(it.next(), span, "window start")?);
                let end = self.datetime(self.required(it.next(), span, "window end")?);
                CampaignClause::Window(Window {
                    start,
                    end,
                    zone: it.next().map(|z| self.name(z)),
                    span,
                })
            }
            Rule::budget => CampaignClause::Budget(self.budget(pair)?),
            Rule::funding => CampaignClause::Funding(self.funding(pair)?),
            Rule::audience => CampaignClause::Audience(self.required_expr(children(pair).next(), span)?),
            Rule::priority => {
                let n = self.required(children(pair).next(), span, "priority")?;
                CampaignClause::Priority(self.integer(n, "a priority", i64::MAX)?, span)
            }
            Rule::exclusive_campaign => CampaignClause::Exclusive(span),
            Rule::batch_flag => CampaignClause::Batch(span),
            Rule::cancel_timers => CampaignClause::CancelTimers(self.name_list(children(pair).next(), span)?, span),
            Rule::experiment => CampaignClause::Experiment(self.experiment(pair)?),
            Rule::rule => CampaignClause::Rule(self.rule(pair)?),
            Rule::segment => CampaignClause::Segment(self.segment(pair)?),
            Rule::model => CampaignClause::Model(self.model(pair)?),
            Rule::seller_scope => CampaignClause::SellerScope(self.required_expr(children(pair).next(), span)?, span),
            Rule::issue_cap => CampaignClause::IssueCap(self.issue_cap(pair)?),
            Rule::pace => CampaignClause::Pace(span),
            Rule::response => {
                let path = self.required(children(pair).next(), span, "model file")?;
                CampaignClause::Response(self.string(path)?, span)
            }
            Rule::price => {
                let n = self.required(children(pair).next(), span, "price")?;
                if n.as_rule() == Rule::price_from {
                    let path = self.required(children(n).next(), span, "summary file")?;
                    CampaignClause::PriceFrom(self.string(path)?, span)
                } else {
                    CampaignClause::Price(self.number(&n)?, span)
                }
            }
            Rule::order_cap => {
                let amount = children(pair).find(|p| p.as_rule() == Rule::operand);
                CampaignClause::OrderCap(self.required_expr(amount, span)?, span)
            }
            Rule::maximize => {
                CampaignClause::Maximize(self.name(self.required(children(pair).next(), span, "objective")?))
            }
            _ => return Err(self.unexpected(&pair, "a campaign")),
        })
    }

    /// `budget ¥200000 face value`
    fn budget(&self, pair: P<'_>) -> Result<Budget, Diagnostic> {
        let mut span = self.span(&pair);
        // The optional tail leaves the white space after the clause in its pair: the
        // clause ends where its last word does.
        if let Some(last) = pair.clone().into_inner().last() {
            span.end = self.span(&last).end;
        }
        let mut amount = None;
        let mut kind = None;
        let mut per = None;
        for p in children(pair) {
            match p.as_rule() {
                Rule::money => amount = Some(self.atom(p)?),
                Rule::budget_kind => {
                    let kspan = self.span(&p);
                    let k = self.required(p.into_inner().next(), kspan, "budget kind")?;
                    kind = Some(match k.as_rule() {
                        Rule::face_value => BudgetKind::FaceValue,
                        Rule::expected_cost => BudgetKind::ExpectedCost,
                        _ => return Err(self.unexpected(&k, "a budget kind")),
                    });
                }
                Rule::budget_period => {
                    let pspan = self.span(&p);
                    let unit =
                        self.required(children(p).find(|u| u.as_rule() == Rule::budget_unit), pspan, "period")?;
                    per = Some(match unit.as_str() {
                        "hour" => BudgetPeriod::Hour,
                        _ => BudgetPeriod::Day,
                    });
                }
                _ => return Err(self.unexpected(&p, "a budget")),
            }
        }
        let amount = self.required(amount, span, "budget amount")?;
        Ok(Budget {
            amount,
            kind,
            per,
            span,
        })
    }

    /// `funding platform 70% seller 30% for category coupons`, and an offer's `funded …`.
    pub(super) fn funding(&self, pair: P<'_>) -> Result<Funding, Diagnostic> {
        let span = self.span(&pair);
        let mut shares = Vec::new();
        let mut category_coupons = false;
        for p in children(pair) {
            match p.as_rule() {
                Rule::share => {
                    let sspan = self.span(&p);
                    let mut it = children(p);
                    let funder = self.name(self.required(it.next(), sspan, "funder")?);
                    let percent = self.atom(self.required(it.next(), sspan, "share")?)?;
                    shares.push(Share { funder, percent });
                }
                Rule::category_scope => category_coupons = true,
                _ => return Err(self.unexpected(&p, "a funding clause")),
            }
        }
        Ok(Funding {
            shares,
            category_coupons,
            span,
        })
    }

    fn experiment(&self, pair: P<'_>) -> Result<Experiment, Diagnostic> {
        let span = self.span(&pair);
        let mut name = None;
        let mut unit = None;
        let mut seed = None;
        let mut measure = None;
        let mut repeated = Vec::new();
        let mut arms = Vec::new();
        for p in children(pair) {
            match p.as_rule() {
                Rule::name => name = Some(self.name(p)),
                Rule::path => unit = Some(self.atom(p)?),
                Rule::seed => {
                    let sspan = self.span(&p);
                    if seed.is_some() {
                        repeated.push(sspan);
                    }
                    seed = Some(self.string(self.required(p.into_inner().next(), sspan, "seed")?)?);
                }
                Rule::measure => {
                    let mspan = self.span(&p);
                    if measure.is_some() {
                        repeated.push(mspan);
                    }
                    measure = Some(self.atom(self.required(p.into_inner().next(), mspan, "duration")?)?);
                }
                Rule::arm => arms.push(self.arm(p)?),
                _ => return Err(self.unexpected(&p, "an experiment")),
            }
        }
        Ok(Experiment {
            name: self.required(name, span, "experiment name")?,
            unit: self.required(unit, span, "experiment unit")?,
            seed,
            measure,
            repeated,
            arms,
            span,
        })
    }

    /// `arm ladder 45%`, `arm control 10% holds out`, `arm control 10% holds out shallow, deep`
    fn arm(&self, pair: P<'_>) -> Result<Arm, Diagnostic> {
        let span = self.span(&pair);
        let mut name = None;
        let mut weight = None;
        let mut holds_out = None;
        let mut random_offer = false;
        for a in children(pair) {
            match a.as_rule() {
                Rule::name => name = Some(self.name(a)),
                Rule::percent => weight = Some(self.atom(a)?),
                Rule::holds_out => holds_out = Some(children(a).map(|n| self.name(n)).collect()),
                Rule::random_offer => random_offer = true,
                _ => return Err(self.unexpected(&a, "an arm")),
            }
        }
        Ok(Arm {
            name: self.required(name, span, "arm name")?,
            weight: self.required(weight, span, "arm weight")?,
            holds_out,
            random_offer,
            span,
        })
    }

    fn segment(&self, pair: P<'_>) -> Result<Segment, Diagnostic> {
        let span = self.span(&pair);
        let mut name = None;
        let mut when = None;
        let mut offers = Vec::new();
        for p in children(pair) {
            match p.as_rule() {
                Rule::name => name = Some(self.name(p)),
                Rule::expr => when = Some(self.expr(p)?),
                Rule::give => {
                    let gspan = self.span(&p);
                    offers.push(self.offer(self.required(children(p).next(), gspan, "offer")?)?);
                }
                _ => return Err(self.unexpected(&p, "a segment")),
            }
        }
        Ok(Segment {
            name: self.required(name, span, "segment name")?,
            when,
            offers,
            span,
        })
    }

    /// `model { let p = … cost = … gain = … }`
    fn model(&self, pair: P<'_>) -> Result<Model, Diagnostic> {
        let span = self.span(&pair);
        let mut bindings = Vec::new();
        let mut outputs = Vec::new();
        for p in children(pair) {
            let pspan = self.span(&p);
            let is_binding = match p.as_rule() {
                Rule::binding => true,
                Rule::model_output => false,
                _ => return Err(self.unexpected(&p, "a model")),
            };
            let mut it = children(p);
            let name = self.name(self.required(it.next(), pspan, "name")?);
            let entry = (name, self.expr(self.required(it.next(), pspan, "expression")?)?);
            if is_binding {
                bindings.push(entry);
            } else {
                outputs.push(entry);
            }
        }
        Ok(Model {
            bindings,
            outputs,
            span,
        })
    }
}
