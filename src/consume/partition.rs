//! Partitions: which subject an event goes to, and which instance takes which partition.
//!
//! Every event of a user goes to one partition, `SUBJECT.P` with `P` the FNV-1a 64-bit
//! hash of the user id's UTF-8 bytes modulo the partition count; an event without a user
//! (a signal, a tick) goes to partition 0. Producers in any language compute the same
//! (`docs/operations.md` has the reference values); `mintage publish` does it for JSON
//! lines. A partition is read by one instance at a time, in order, so each user's
//! events are decided in the order they were published.

use crate::event::Event;

/// FNV-1a, 64 bits: small, fixed, and the same in every language.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// The partition of a user id among `partitions` (at least 1).
pub fn of_user(user: &str, partitions: u32) -> u32 {
    let n = u64::from(partitions.max(1));
    // The remainder is below `partitions`, a u32.
    u32::try_from(fnv1a(user.as_bytes()) % n).unwrap_or(0)
}

/// The partition an event belongs to: its user's, or 0 for an event without a user.
pub fn of_event(event: &Event, partitions: u32) -> u32 {
    event.user.as_ref().map_or(0, |u| of_user(&u.id, partitions))
}

/// The subject of a partition: `SUBJECT.P`.
pub fn subject(prefix: &str, partition: u32) -> String {
    format!("{prefix}.{partition}")
}

/// Which member takes each partition: members in name order, partition `p` to member
/// `p mod n`, so that each of `n` members has `partitions / n` or one more. The same on
/// every instance that sees the same members; `None` with no member.
pub fn owner(members: &[String], partition: u32) -> Option<&str> {
    if members.is_empty() {
        return None;
    }
    let index = usize::try_from(partition).unwrap_or(0) % members.len();
    members.get(index).map(String::as_str)
}

/// The partitions `me` takes among `members` (sorted by name here).
pub fn assigned(members: &[String], me: &str, partitions: u32) -> Vec<u32> {
    let mut sorted = members.to_vec();
    sorted.sort();
    sorted.dedup();
    (0..partitions).filter(|p| owner(&sorted, *p) == Some(me)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_has_its_published_values() {
        // The FNV reference test vectors (Fowler, Noll, Vo): "" and "a" and "foobar".
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn users_spread_over_the_partitions() {
        let mut counts = [0u32; 8];
        for i in 0..8000 {
            counts[of_user(&format!("u-{i}"), 8) as usize] += 1;
        }
        assert!(counts.iter().all(|c| (800..1200).contains(c)), "{counts:?}");
        assert_eq!(of_user("u-1", 1), 0);
        assert_eq!(of_user("u-1", 0), 0);
    }

    #[test]
    fn each_partition_has_one_owner_and_the_load_is_even() {
        let members: Vec<String> = ["b", "a", "c"].iter().map(|s| s.to_string()).collect();
        let mut all: Vec<u32> = Vec::new();
        let mut sizes = Vec::new();
        for m in &members {
            let mine = assigned(&members, m, 8);
            sizes.push(mine.len());
            all.extend(mine);
        }
        all.sort_unstable();
        assert_eq!(all, (0..8).collect::<Vec<_>>());
        sizes.sort_unstable();
        assert_eq!(sizes, [2, 3, 3]);
        assert_eq!(assigned(&members, "z", 8), Vec::<u32>::new());
        assert_eq!(assigned(&[], "a", 8), Vec::<u32>::new());
        assert_eq!(assigned(&["a".to_string()], "a", 4), [0, 1, 2, 3]);
    }
}
