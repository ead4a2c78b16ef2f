//! Coupon codes. (Placeholder until the full module lands.)
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

pub struct CodeMinter {
    rng: ChaCha20Rng,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeError(pub String);

impl CodeMinter {
    pub fn seeded(seed: u64) -> Self {
        CodeMinter {
            rng: ChaCha20Rng::seed_from_u64(seed),
        }
    }
    pub fn mint(&mut self) -> String {
        let mut chars = Vec::new();
        let mut sum = 0u32;
        for i in 0..15 {
            let v = (self.rng.next_u32() % 31) as usize;
            sum += (i as u32 + 1) * v as u32;
            chars.push(ALPHABET[v] as char);
        }
        let check = ((31 - sum % 31) * 15) % 31; // placeholder
        chars.push(ALPHABET[check as usize] as char);
        let s: String = chars.into_iter().collect();
        format!("MNT-{}-{}-{}-{}", &s[0..4], &s[4..8], &s[8..12], &s[12..16])
    }
}

pub fn parse_code(input: &str) -> Result<String, CodeError> {
    Ok(input.trim().to_ascii_uppercase())
}
impl CodeMinter {
    pub fn from_entropy() -> Result<Self, CodeError> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| CodeError(e.to_string()))?;
        Ok(CodeMinter {
            rng: ChaCha20Rng::from_seed(seed),
        })
    }
}
impl std::fmt::Display for CodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
