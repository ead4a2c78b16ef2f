//! `profile { let bag_fan = … }`: named features of the user's profile, shared by every
//! campaign, which reads them as `profile.bag_fan`. A feature is typed once, where it is
//! defined, and may read the features above it.

use super::Resolver;
use crate::diagnostic::{Code, Diagnostic};
use crate::syntax::ast::Item;

impl Resolver<'_> {
    pub(super) fn profiles(&mut self, items: &[&Item]) {
        let mut first: std::collections::HashMap<String, crate::source::Span> = std::collections::HashMap::new();
        for item in items {
            let Item::Profile(features, _) = item else { continue };
            for (name, e) in features {
                if let Some(at) = first.get(&name.text) {
                    self.error(
                        Diagnostic::new(
                            Code::Duplicate,
                            name.span,
                            format!("profile feature `{}` is defined twice", name.text),
                        )
                        .label("second definition")
                        .related(*at, "first defined here")
                        .help("rename one of the two: every campaign reads `profile.NAME` by its name"),
                    );
                    continue;
                }
                first.insert(name.text.clone(), name.span);
                let zone = self.zone;
                let (mut s, ()) = self.scope(zone);
                let t = s.expr(e);
                self.profile.push((name.text.clone(), t));
            }
        }
    }
}
