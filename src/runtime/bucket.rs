//! GrowthBook-compatible bucketing (hash version 2). (Placeholder until the full module lands.)

pub fn fnv1a32(bytes: &[u8]) -> u32 {
    let mut h: u32 = 0x811C_9DC5;
    for b in bytes {
        h ^= u32::from(*b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

pub fn bucket_v2(seed: &str, id: &str) -> u32 {
    let mut h: u32 = 0x811C_9DC5;
    for b in seed.bytes().chain(id.bytes()) {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    fnv1a32(h.to_string().as_bytes()) % 10_000
}

pub fn choose_arm_bp(seed: &str, id: &str, weights_bp: &[u32]) -> Option<usize> {
    let n = bucket_v2(seed, id);
    let mut start = 0u32;
    for (i, w) in weights_bp.iter().enumerate() {
        if n >= start && n < start + w {
            return Some(i);
        }
        start += w;
    }
    None
}
