//! Tests written in rule files: their times are read as `mintage test` reads them.

use super::Resolver;
use crate::check::expr::local_time;
use crate::syntax::ast;

impl Resolver<'_> {
    /// The times of a test's events and ticks, read as `mintage test` reads them (in the
    /// default zone).
    pub(super) fn test_times(&mut self, test: &ast::TestBlock) {
        for step in &test.steps {
            let at = match step {
                ast::TestStep::Event { at, .. } | ast::TestStep::Tick(at, _) | ast::TestStep::Batch { at, .. } => at,
                _ => continue,
            };
            if let Err(d) = local_time(at, self.zone) {
                self.error(d);
            }
        }
    }
}
