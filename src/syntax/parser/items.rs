//! Top-level items other than campaigns and tests: the risk policy, custom functions and
//! the declarations of fields and event types.

use super::{Builder, P, Rule, children, internal};
use crate::diagnostic::Diagnostic;
use crate::syntax::ast::{FieldDecl, FunctionDef, Item, RiskCheck, RiskPolicy, TypeName};

impl Builder {
    pub(super) fn item(&self, pair: P<'_>) -> Result<Item, Diagnostic> {
        let span = self.span(&pair);
        Ok(match pair.as_rule() {
            Rule::campaign => Item::Campaign(self.campaign(pair)?),
            Rule::risk_policy => {
                let checks = children(pair).map(|c| self.risk_check(c)).collect::<Result<_, _>>()?;
                Item::Risk(RiskPolicy { checks, span })
            }
            Rule::function_def => Item::Function(self.function(pair)?),
            Rule::field_decl => {
                let mut it = children(pair);
                let path = self.required(it.next(), span, "field path")?;
                let ty = self.type_name(self.required(it.next(), span, "type")?)?;
                Item::Field(FieldDecl {
                    path: path.into_inner().map(|p| self.name(p)).collect(),
                    ty,
                    span,
                })
            }
            Rule::event_decl => Item::Event(self.name_list(children(pair).next(), span)?),
            Rule::test_block => Item::Test(self.test(pair)?),
            Rule::profile_block => {
                let mut features = Vec::new();
                for b in children(pair) {
                    let bspan = self.span(&b);
                    let mut it = children(b);
                    let name = self.name(self.required(it.next(), bspan, "feature name")?);
                    features.push((name, self.expr(self.required(it.next(), bspan, "expression")?)?));
                }
                Item::Profile(features, span)
            }
            _ => return Err(self.unexpected(&pair, "a file")),
        })
    }

    /// `check fraud_score: withhold when scores.fraud_risk >= 0.9`
    fn risk_check(&self, pair: P<'_>) -> Result<RiskCheck, Diagnostic> {
        let span = self.span(&pair);
        let mut it = children(pair);
        let name = self.name(self.required(it.next(), span, "risk check name")?);
        let when = self.expr(self.required(it.next(), span, "risk condition")?)?;
        Ok(RiskCheck { name, when, span })
    }

    fn function(&self, pair: P<'_>) -> Result<FunctionDef, Diagnostic> {
        let span = self.span(&pair);
        let mut name = None;
        let mut params = Vec::new();
        let mut returns = None;
        let mut body = None;
        for p in children(pair) {
            match p.as_rule() {
                Rule::name => name = Some(self.name(p)),
                Rule::param => {
                    let pspan = self.span(&p);
                    let mut it = children(p);
                    let n = self.name(self.required(it.next(), pspan, "parameter name")?);
                    let t = self.type_name(self.required(it.next(), pspan, "parameter type")?)?;
                    params.push((n, t));
                }
                Rule::type_name => returns = Some(self.type_name(p)?),
                Rule::rhai_body => {
                    let bspan = self.span(&p);
                    body = Some(self.required(p.into_inner().next(), bspan, "function body")?);
                }
                _ => return Err(self.unexpected(&p, "a function")),
            }
        }
        let name = self.required(name, span, "function name")?;
        let returns = self.required(returns, span, "return type")?;
        let body = self.required(body, span, "function body")?;
        Ok(FunctionDef {
            name,
            params,
            returns,
            body_span: self.span(&body),
            body: body.as_str().to_string(),
            span,
        })
    }

    /// `number`, `money`, …: the grammar admits only the types of [`TypeName`].
    fn type_name(&self, pair: P<'_>) -> Result<TypeName, Diagnostic> {
        Ok(match pair.as_str() {
            "number" => TypeName::Number,
            "money" => TypeName::Money,
            "percent" => TypeName::Percent,
            "string" => TypeName::Str,
            "bool" => TypeName::Bool,
            "duration" => TypeName::Duration,
            "time" => TypeName::Time,
            other => {
                return Err(internal(
                    self.span(&pair),
                    format!("the parser met the type `{other}`, which the grammar does not allow"),
                ));
            }
        })
    }
}
