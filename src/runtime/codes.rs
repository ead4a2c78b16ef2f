//! Coupon codes: `MNT-XXXX-XXXX-XXXX-XXXX`, fifteen random characters (about 74 bits
//! from a CSPRNG) and one check character, in an alphabet without look-alikes. The check
//! character lets a mistyped code be rejected before any lookup.
//!
//! The check is a weighted sum modulo 31 (a prime, the alphabet's size): with the value
//! `v_i` of character `i` (0-based, check last) and weight `w_i = i + 1`, a valid code has
//! `Σ w_i · v_i ≡ 0 (mod 31)`. Every single substitution changes the sum by
//! `w_i · (v − v')`, non-zero modulo a prime because both factors are non-zero and below
//! 31; every adjacent transposition changes it by `(w_i − w_{i+1}) · (v_{i+1} − v_i) =
//! −(v_{i+1} − v_i)`, non-zero unless the two characters are equal. So both are always
//! caught.

use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

/// 31 characters: no `0`/`O`, `1`/`I`/`L`.
pub const ALPHABET: &[u8; 31] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
const RANDOM_CHARS: usize = 15;
const PREFIX: &str = "MNT";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("the code is empty")]
    Empty,
    #[error("a code has 16 characters after `MNT-`; this one has {0}")]
    Length(usize),
    #[error("`{0}` at position {1} is not used in codes (they avoid 0, O, 1, I and L); check the code")]
    Character(char, usize),
    #[error("the code has a typo: its check character does not match")]
    Check,
    #[error("cannot seed the code generator from the operating system: {0}")]
    Entropy(String),
}

fn value(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|a| *a == c).map(|p| p as u32)
}

/// The check character for fifteen values.
fn check_value(values: &[u32]) -> u32 {
    let sum: u32 = values.iter().enumerate().map(|(i, v)| (i as u32 + 1) * v).sum::<u32>() % 31;
    // Find c with sum + 16·c ≡ 0 (mod 31): 16's inverse modulo 31 is 2 (16·2 = 32 ≡ 1).
    ((31 - sum) % 31 * 2) % 31
}

fn format_code(chars: &[u8]) -> String {
    let mut out = String::with_capacity(23);
    out.push_str(PREFIX);
    for group in chars.chunks(4) {
        out.push('-');
        out.extend(group.iter().map(|c| char::from(*c)));
    }
    out
}

/// Mints codes from a ChaCha20 stream: from the OS for production, from a seed in tests.
pub struct CodeMinter {
    rng: ChaCha20Rng,
}

impl CodeMinter {
    /// Reproducible codes (`--seed N`).
    pub fn seeded(seed: u64) -> Self {
        CodeMinter {
            rng: ChaCha20Rng::seed_from_u64(seed),
        }
    }

    /// Codes from the operating system's CSPRNG.
    pub fn from_entropy() -> Result<Self, CodeError> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| CodeError::Entropy(e.to_string()))?;
        Ok(CodeMinter {
            rng: ChaCha20Rng::from_seed(seed),
        })
    }

    pub fn mint(&mut self) -> String {
        let mut values = [0u32; RANDOM_CHARS];
        for v in values.iter_mut() {
            // Rejection sampling keeps the characters uniform: 256 is not a multiple of 31.
            *v = loop {
                let b = self.rng.next_u32() & 0xFF;
                if b < 248 {
                    break b % 31;
                }
            };
        }
        let mut chars = [0u8; RANDOM_CHARS + 1];
        for (c, v) in chars.iter_mut().zip(values.iter()) {
            *c = ALPHABET[*v as usize];
        }
        chars[RANDOM_CHARS] = ALPHABET[check_value(&values) as usize];
        format_code(&chars)
    }
}

/// Normalises a code as a person may type it (any case, with or without `MNT` and dashes
/// or spaces) and checks it, before any lookup. Returns the canonical form.
pub fn parse_code(input: &str) -> Result<String, CodeError> {
    let cleaned: Vec<char> = input.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    if cleaned.is_empty() {
        return Err(CodeError::Empty);
    }
    let upper: String = cleaned.iter().collect::<String>().to_uppercase();
    // A 16-character body may itself start with `MNT`; anything else starting so has the prefix.
    let body = if upper.starts_with(PREFIX) && upper.chars().count() != RANDOM_CHARS + 1 {
        &upper[PREFIX.len()..]
    } else {
        upper.as_str()
    };
    let count = body.chars().count();
    if count != RANDOM_CHARS + 1 {
        return Err(CodeError::Length(count));
    }
    let mut values = Vec::with_capacity(count);
    for (i, c) in body.chars().enumerate() {
        let v = u8::try_from(c)
            .ok()
            .and_then(value)
            .ok_or(CodeError::Character(c, i + 1))?;
        values.push(v);
    }
    let (random, check) = values.split_at(RANDOM_CHARS);
    if check.first() != Some(&check_value(random)) {
        return Err(CodeError::Check);
    }
    Ok(format_code(body.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn codes_have_the_contract_shape() {
        let mut m = CodeMinter::seeded(1);
        let code = m.mint();
        assert_eq!(code.len(), 23);
        assert!(code.starts_with("MNT-"));
        assert!(
            code.chars()
                .filter(|c| *c != '-')
                .all(|c| ALPHABET.contains(&(c as u8)))
        );
        assert_eq!(parse_code(&code), Ok(code.clone()));
    }

    #[test]
    fn every_substitution_and_adjacent_swap_is_caught() {
        let mut m = CodeMinter::seeded(7);
        for _ in 0..20 {
            let code = m.mint();
            let body: Vec<u8> = code.bytes().filter(|c| *c != b'-').skip(3).collect();
            for i in 0..body.len() {
                for a in ALPHABET {
                    if *a == body[i] {
                        continue;
                    }
                    let mut t = body.clone();
                    t[i] = *a;
                    assert_eq!(parse_code(std::str::from_utf8(&t).unwrap()), Err(CodeError::Check));
                }
                if i + 1 < body.len() && body[i] != body[i + 1] {
                    let mut t = body.clone();
                    t.swap(i, i + 1);
                    assert_eq!(parse_code(std::str::from_utf8(&t).unwrap()), Err(CodeError::Check));
                }
            }
        }
    }

    #[test]
    fn seeds_reproduce_and_a_million_codes_are_distinct() {
        let a: Vec<String> = (0..5).scan(CodeMinter::seeded(3), |m, _| Some(m.mint())).collect();
        let b: Vec<String> = (0..5).scan(CodeMinter::seeded(3), |m, _| Some(m.mint())).collect();
        assert_eq!(a, b);
        let mut m = CodeMinter::seeded(4);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..1_000_000 {
            assert!(seen.insert(m.mint()));
        }
    }

    #[test]
    fn readable_errors() {
        assert_eq!(parse_code(""), Err(CodeError::Empty));
        assert_eq!(parse_code("MNT-ABC"), Err(CodeError::Length(3)));
        assert_eq!(parse_code("MNT-0BCD-EFGH-JKMN-PQRS"), Err(CodeError::Character('0', 1)));
        assert!(CodeError::Check.to_string().contains("typo"));
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in "\\PC{0,40}") {
            let _ = parse_code(&s);
        }

        #[test]
        fn typed_forms_parse_to_the_canonical_code(seed in any::<u64>()) {
            let code = CodeMinter::seeded(seed).mint();
            prop_assert_eq!(parse_code(&code.to_lowercase()), Ok(code.clone()));
            prop_assert_eq!(parse_code(&code.replace('-', "")), Ok(code.clone()));
            // Only the prefix goes: the body itself may hold `MNT-` (`…-ZMNT-CBYS`).
            let body = code.strip_prefix("MNT-").unwrap_or(&code);
            prop_assert_eq!(parse_code(&body.replace('-', " ")), Ok(code.clone()));
        }
    }
}
