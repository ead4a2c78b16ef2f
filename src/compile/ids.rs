//! Ids of the compiled program: small integers made by checked constructors, so that a
//! program too large to index is an error when it is loaded, never an id that silently
//! aliases another one.

/// A program too large for the ids of this build: more of `what` than fit in `u32`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the rules have more {what} than this build can number (at most {})", u32::MAX)]
pub struct TooLarge {
    pub what: &'static str,
}

/// The `u32` for position `index` among `what`, if it fits.
pub fn checked(index: usize, what: &'static str) -> Result<u32, TooLarge> {
    u32::try_from(index).map_err(|_| TooLarge { what })
}

macro_rules! id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[repr(transparent)]
        pub struct $name(u32);

        impl $name {
            /// The id of the item at position `index`, or an error if it does not fit.
            pub fn new(index: usize) -> Result<$name, TooLarge> {
                checked(index, $what).map($name)
            }

            /// The id as a number (what state and the ledger store).
            pub fn get(self) -> u32 {
                self.0
            }

            /// The position the id was made from.
            #[inline(always)]
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id!(
    /// An event rule: its place in decision order (campaign order, then rule order).
    RuleId,
    "event rules"
);
id!(
    /// A campaign: its place in `Program::campaigns`.
    CampaignIdx,
    "campaigns"
);
id!(
    /// A node of the evaluation graph: its place in the arena.
    NodeId,
    "expression nodes"
);

impl NodeId {
    /// The first node's id.
    pub(crate) const FIRST: NodeId = NodeId(0);

    /// The ids of the first `n` nodes, in order (every node was numbered by
    /// `NodeId::new` when it was added, so they all fit).
    pub(crate) fn first(n: usize) -> impl Iterator<Item = NodeId> {
        (0..u32::MAX).take(n).map(NodeId)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_fit_or_are_an_error() {
        assert_eq!(RuleId::new(7).map(RuleId::index), Ok(7));
        assert_eq!(CampaignIdx::new(3).map(CampaignIdx::get), Ok(3));
        let too_many = usize::try_from(u64::from(u32::MAX) + 1);
        if let Ok(n) = too_many {
            let e = RuleId::new(n).unwrap_err();
            assert_eq!(
                e.to_string(),
                "the rules have more event rules than this build can number (at most 4294967295)"
            );
        }
    }
}
