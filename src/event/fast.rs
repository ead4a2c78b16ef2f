//! A fast path for reading the common event: one object with the contract's usual keys
//! (`id`, `type`, `at`, `user`, `item`, `cart`, `scores`), strings without escapes and
//! no key twice. It builds the same [`RawEvent`] serde does, field by field, without
//! serde's visitors; anything else (another key, an escape, a `null` where the contract
//! takes none, a bad value) answers `None`, and the event is read by serde, whose answer
//! (and every error message) stays the one the contract documents. Numbers go through
//! serde_json itself, so they are the same floats to the last bit.
//! `tests/event_fast_path.rs` checks both readers give the same on generated events and
//! on random variations of them.

use super::{Cart, Item, RawEvent, ScoreList, User, intern};
use crate::value::{Fen, Millis, fen_from_yuan, parse_time};
use std::sync::Arc;

/// Reads `text` as an event, or `None` if it is not of the common shape (or not valid).
pub fn raw_event(text: &str) -> Option<RawEvent> {
    let mut c = Cursor {
        text,
        b: text.as_bytes(),
        i: 0,
    };
    let raw = c.event()?;
    c.ws();
    (c.i == c.b.len()).then_some(raw)
}

/// Reads `text` as a user row (`mintage run`'s tables), or `None` if it is not of the
/// common shape (or not valid).
pub fn user(text: &str) -> Option<User> {
    let mut c = Cursor {
        text,
        b: text.as_bytes(),
        i: 0,
    };
    let user = c.user()?;
    c.ws();
    (c.i == c.b.len()).then_some(user)
}

struct Cursor<'a> {
    text: &'a str,
    b: &'a [u8],
    i: usize,
}

/// Marks a key as seen; `None` if it was seen before.
fn first(seen: &mut u32, bit: u32) -> Option<()> {
    if *seen & bit != 0 {
        return None;
    }
    *seen |= bit;
    Some(())
}

impl<'a> Cursor<'a> {
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    /// Skips white space and takes `byte` if it comes next.
    fn eat(&mut self, byte: u8) -> bool {
        self.ws();
        if self.b.get(self.i) == Some(&byte) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        self.eat(byte).then_some(())
    }

    /// A string without escapes or control characters.
    fn str(&mut self) -> Option<&'a str> {
        self.expect(b'"')?;
        let start = self.i;
        let rest = self.b.get(start..)?;
        let len = string_end(rest);
        if rest.get(len) != Some(&b'"') {
            return None;
        }
        self.i = start + len + 1;
        // Both ends are ASCII quotes, so they fall on character boundaries.
        self.text.get(start..start + len)
    }

    /// `null`, taken if it comes next.
    fn null(&mut self) -> bool {
        self.ws();
        if self.b.get(self.i..self.i + 4) == Some(b"null") {
            self.i += 4;
            true
        } else {
            false
        }
    }

    /// A number, as serde_json reads it into an `f64`.
    fn number(&mut self) -> Option<f64> {
        self.ws();
        let start = self.i;
        while let Some(b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E') = self.b.get(self.i) {
            self.i += 1;
        }
        let token = self.b.get(start..self.i)?;
        // A sign, and the forms serde reads otherwise (`-0`), are left to serde.
        if token.is_empty() || token.first() == Some(&b'-') {
            return None;
        }
        plain_number(token).or_else(|| serde_json::from_slice::<f64>(token).ok())
    }

    fn opt_number(&mut self) -> Option<Option<f64>> {
        if self.null() {
            Some(None)
        } else {
            self.number().map(Some)
        }
    }

    fn opt_str(&mut self) -> Option<Option<&'a str>> {
        if self.null() { Some(None) } else { self.str().map(Some) }
    }

    fn opt_time(&mut self) -> Option<Option<Millis>> {
        match self.opt_str()? {
            None => Some(None),
            Some(s) => parse_time(s).ok().map(Some),
        }
    }

    /// Money in yuan, as `opt_money` reads it: never negative, at most two decimals.
    fn opt_money(&mut self) -> Option<Option<Fen>> {
        match self.opt_number()? {
            None => Some(None),
            Some(y) => fen_from_yuan(y).filter(|f| *f >= 0).map(Some),
        }
    }

    /// Calls `each` for every key of an object, which reads the key's value.
    fn object(&mut self, mut each: impl FnMut(&mut Self, &'a str) -> Option<()>) -> Option<()> {
        self.expect(b'{')?;
        if self.eat(b'}') {
            return Some(());
        }
        loop {
            let key = self.str()?;
            self.expect(b':')?;
            each(self, key)?;
            if self.eat(b'}') {
                return Some(());
            }
            self.expect(b',')?;
        }
    }

    fn scores(&mut self) -> Option<ScoreList> {
        let mut out = Vec::with_capacity(4);
        self.object(|c, key| {
            let v = c.number()?;
            // A name twice is left to serde.
            if out.iter().any(|(k, _): &(Arc<str>, f64)| &**k == key) {
                return None;
            }
            out.push((intern(key), v));
            Some(())
        })?;
        Some(out)
    }

    fn tags(&mut self) -> Option<Vec<String>> {
        if self.null() {
            return Some(Vec::new());
        }
        self.expect(b'[')?;
        let mut out = Vec::new();
        if self.eat(b']') {
            return Some(out);
        }
        loop {
            out.push(self.str()?.to_string());
            if self.eat(b']') {
                return Some(out);
            }
            self.expect(b',')?;
        }
    }

    fn user(&mut self) -> Option<User> {
        let mut u = User::default();
        let (mut id, mut seen) = (None, 0u32);
        self.object(|c, key| {
            match key {
                "id" => {
                    first(&mut seen, 1)?;
                    id = Some(Arc::from(c.str()?));
                }
                "registered_at" => {
                    first(&mut seen, 2)?;
                    u.registered_at = c.opt_time()?;
                }
                "paid_orders" => {
                    first(&mut seen, 4)?;
                    u.paid_orders = c.opt_number()?;
                }
                "last_order_at" => {
                    first(&mut seen, 8)?;
                    u.last_order_at = c.opt_time()?;
                }
                "total_spend" => {
                    first(&mut seen, 16)?;
                    u.total_spend = c.opt_money()?;
                }
                "avg_order_value" => {
                    first(&mut seen, 32)?;
                    u.avg_order_value = c.opt_money()?;
                }
                "ltv_tier" => {
                    first(&mut seen, 64)?;
                    u.ltv_tier = c.opt_str()?.map(intern);
                }
                "device_id" => {
                    first(&mut seen, 128)?;
                    u.device_id = c.opt_str()?.map(Arc::from);
                }
                "tags" => {
                    first(&mut seen, 256)?;
                    u.tags = c.tags()?;
                }
                "scores" => {
                    first(&mut seen, 512)?;
                    u.scores = if c.null() { None } else { Some(c.scores()?) };
                }
                _ => return None,
            }
            Some(())
        })?;
        u.id = id?;
        Some(u)
    }

    fn item(&mut self) -> Option<Item> {
        let mut it = Item::default();
        let mut seen = 0u32;
        self.object(|c, key| {
            match key {
                "id" => {
                    first(&mut seen, 1)?;
                    it.id = c.opt_str()?.map(Arc::from);
                }
                "category" => {
                    first(&mut seen, 2)?;
                    it.category = c.opt_str()?.map(intern);
                }
                "price" => {
                    first(&mut seen, 4)?;
                    it.price = c.opt_money()?;
                }
                "seller_id" => {
                    first(&mut seen, 8)?;
                    it.seller_id = c.opt_str()?.map(Arc::from);
                }
                "stock_age_days" => {
                    first(&mut seen, 16)?;
                    it.stock_age_days = c.opt_number()?;
                }
                "qty" => {
                    first(&mut seen, 32)?;
                    it.qty = c.opt_number()?;
                }
                _ => return None,
            }
            Some(())
        })?;
        Some(it)
    }

    fn cart(&mut self) -> Option<Cart> {
        let mut cart = Cart {
            items: Vec::new(),
            total: None,
        };
        let mut seen = 0u32;
        self.object(|c, key| {
            match key {
                "items" => {
                    first(&mut seen, 1)?;
                    c.expect(b'[')?;
                    if !c.eat(b']') {
                        loop {
                            cart.items.push(c.item()?);
                            if c.eat(b']') {
                                break;
                            }
                            c.expect(b',')?;
                        }
                    }
                }
                "total" => {
                    first(&mut seen, 2)?;
                    cart.total = c.opt_money()?;
                }
                _ => return None,
            }
            Some(())
        })?;
        Some(cart)
    }

    fn event(&mut self) -> Option<RawEvent> {
        let (mut id, mut kind, mut at) = (None, None, None);
        let (mut user, mut item, mut cart, mut scores) = (None, None, None, None);
        let mut seen = 0u32;
        self.object(|c, key| {
            match key {
                "id" => {
                    first(&mut seen, 1)?;
                    id = Some(Arc::from(c.str()?));
                }
                "type" => {
                    first(&mut seen, 2)?;
                    kind = Some(intern(c.str()?));
                }
                "at" => {
                    first(&mut seen, 4)?;
                    at = Some(parse_time(c.str()?).ok()?);
                }
                "user" => {
                    first(&mut seen, 8)?;
                    user = Some(c.user()?);
                }
                "item" => {
                    first(&mut seen, 16)?;
                    item = Some(c.item()?);
                }
                "cart" => {
                    first(&mut seen, 32)?;
                    cart = Some(c.cart()?);
                }
                "scores" => {
                    first(&mut seen, 64)?;
                    scores = Some(c.scores()?);
                }
                _ => return None,
            }
            Some(())
        })?;
        Some(RawEvent {
            user,
            item,
            cart,
            scores,
            ..RawEvent::new(id?, kind?, at?)
        })
    }
}

/// Powers of ten an `f64` holds exactly.
const POW10: [f64; 16] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/// `DIGITS` or `DIGITS.DIGITS` of at most 15 digits in all, without a leading zero before
/// another digit: the digits as an integer, exact in an `f64`, divided by an exact power
/// of ten. That one division is correctly rounded, so the float is the one nearest the
/// decimal, which is what serde_json gives for it too. Anything else is `None`.
fn plain_number(token: &[u8]) -> Option<f64> {
    let (int, frac) = match memchr::memchr(b'.', token) {
        Some(dot) => (token.get(..dot)?, Some(token.get(dot + 1..)?)),
        None => (token, None),
    };
    if int.is_empty() || (int.len() > 1 && int.first() == Some(&b'0')) || frac.is_some_and(<[u8]>::is_empty) {
        return None;
    }
    let frac = frac.unwrap_or_default();
    if int.len() + frac.len() > 15 {
        return None;
    }
    let mut sig = 0u64;
    for &c in int.iter().chain(frac) {
        if !c.is_ascii_digit() {
            return None;
        }
        sig = sig * 10 + u64::from(c - b'0');
    }
    Some(sig as f64 / POW10.get(frac.len())?)
}

/// Where a string's text ends: the first `"`, `\\` or control character of `rest` (or its
/// length). Eight bytes at a time: in each word, a byte that is one of them sets its top
/// bit in `hit` (bytes above the first such byte may be set falsely by the borrow; the
/// lowest set one is always right).
fn string_end(rest: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const TOPS: u64 = 0x8080_8080_8080_8080;
    let mut i = 0;
    while let Some(Ok(word)) = rest.get(i..i + 8).map(<[u8; 8]>::try_from) {
        let x = u64::from_le_bytes(word);
        let quote = x ^ (ONES * u64::from(b'"'));
        let slash = x ^ (ONES * u64::from(b'\\'));
        let hit = ((quote.wrapping_sub(ONES) & !quote)
            | (slash.wrapping_sub(ONES) & !slash)
            | (x.wrapping_sub(ONES * 0x20) & !x))
            & TOPS;
        if hit != 0 {
            return i + (hit.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&c) = rest.get(i) {
        if c == b'"' || c == b'\\' || c < 0x20 {
            return i;
        }
        i += 1;
    }
    i
}
