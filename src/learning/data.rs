//! Reading what a fit learns from, each file streamed once: the randomized decisions of
//! one campaign (`decisions.jsonl` as `mintage run` and `replay` write it), the rows of
//! the users they name (`users.jsonl`, as `mintage run --users` reads it) and their paid
//! orders (`orders.jsonl`, events of the contract).

use super::FitError;
use super::Source;
use crate::event::EventKind;
use crate::event::{Event, User};
use crate::response::OptionTerms;
use crate::value::{Fen, Millis, Percent, Yuan, parse_time};
use serde::Deserialize;
use std::collections::HashMap;
use std::io::BufRead;
use std::sync::Arc;

/// One randomized decision: the user (an index into [`Data::users`]), when, the option
/// given (an index into [`Data::options`]; `None`: held out), and the first order after it.
#[derive(Debug, Clone)]
pub struct Sample {
    pub user: u32,
    pub at: Millis,
    pub option: Option<u16>,
    pub line: u64,
    /// The total of the user's first order within the window.
    pub order: Option<Fen>,
    /// That order's value before the coupon: its total, plus the coupon's discount when
    /// the order used the decision's coupon.
    pub gross: Option<Fen>,
    /// A hash of the coupon's code (0: none, or a holdout).
    code: u64,
}

/// FNV-1a of a coupon code, never 0.
fn code_hash(code: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in code.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h.max(1)
}

/// The price of the items of an order that paid `total` with `offer`'s coupon: the total
/// plus the discount it gave (an `amount_off` its amount; a `percent_off` its percent of
/// the price, at most its cap). Other kinds do not change the price.
pub fn gross_of(offer: &OptionTerms, total: Fen) -> Fen {
    match offer.kind.as_str() {
        "amount_off" | "threshold" => total.saturating_add(offer.amount.unwrap_or(0).max(0)),
        "percent_off" => {
            let pct = offer.percent.unwrap_or(0).clamp(0, 9_999);
            let uncapped = (total as i128 * 10_000 / (10_000 - pct) as i128).min(i64::MAX as i128) as Fen;
            offer
                .cap
                .map_or(uncapped, |cap| uncapped.min(total.saturating_add(cap.max(0))))
        }
        _ => total,
    }
}

#[derive(Debug, Default)]
pub struct Data {
    pub samples: Vec<Sample>,
    pub options: Vec<OptionTerms>,
    pub user_ids: Vec<Arc<str>>,
    pub users: Vec<Option<User>>,
    pub decisions: u64,
    pub random: u64,
    pub holdout: u64,
    pub skipped: u64,
    pub orders: u64,
    /// `FILE:LINE: problem` of each line skipped.
    pub warnings: Vec<String>,
}

#[derive(Deserialize)]
struct DecisionLine {
    at: String,
    user_id: Option<String>,
    #[serde(default)]
    coupons: Vec<CouponLine>,
    #[serde(default)]
    suppressed: Vec<SuppressedLine>,
}

#[derive(Deserialize)]
struct CouponLine {
    campaign: String,
    #[serde(default)]
    code: Option<String>,
    kind: String,
    amount: Option<Yuan>,
    percent: Option<Percent>,
    cap: Option<Yuan>,
    min_spend: Option<Yuan>,
    face_value: Option<Yuan>,
    #[serde(default)]
    random: bool,
}

#[derive(Deserialize)]
struct SuppressedLine {
    campaign: String,
    reason: String,
}

/// Each non-blank line of a file with its number (from 1), a byte-order mark dropped;
/// a line that is not UTF-8 is a warning.
fn each_line(source: &Source, warnings: &mut Vec<String>, mut f: impl FnMut(u64, &str)) -> Result<(), FitError> {
    let path = match source {
        Source::File(path) => path,
        Source::Lines { lines, .. } => {
            for (i, line) in lines.iter().enumerate() {
                if !line.trim().is_empty() {
                    f(i as u64 + 1, line);
                }
            }
            return Ok(());
        }
    };
    let file = std::fs::File::open(path).map_err(|e| FitError::read(path, &e))?;
    let mut reader = std::io::BufReader::with_capacity(1 << 16, file);
    let mut buf = Vec::with_capacity(1024);
    let mut n = 0u64;
    loop {
        buf.clear();
        if reader
            .read_until(b'\n', &mut buf)
            .map_err(|e| FitError::read(path, &e))?
            == 0
        {
            return Ok(());
        }
        n += 1;
        let bytes = if n == 1 {
            buf.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&buf)
        } else {
            &buf
        };
        match std::str::from_utf8(bytes) {
            Ok(t) if t.trim().is_empty() => {}
            Ok(t) => f(n, t),
            Err(_) => warnings.push(format!(
                "{}:{n}: skipped: the line is not UTF-8; save the file as UTF-8",
                path.display()
            )),
        }
    }
}

impl Data {
    fn intern(&mut self, ids: &mut HashMap<Arc<str>, u32>, id: &str) -> u32 {
        if let Some(i) = ids.get(id) {
            return *i;
        }
        let i = u32::try_from(self.user_ids.len()).unwrap_or(u32::MAX);
        let id: Arc<str> = Arc::from(id);
        ids.insert(id.clone(), i);
        self.user_ids.push(id);
        self.users.push(None);
        i
    }

    fn option(&mut self, c: &CouponLine) -> u16 {
        let terms = OptionTerms {
            kind: c.kind.clone(),
            amount: c.amount.map(|y| y.0),
            percent: c.percent.map(|p| p.0),
            cap: c.cap.map(|y| y.0),
            min_spend: c.min_spend.map(|y| y.0),
            face_value: c.face_value.map(|y| y.0),
        };
        let at = self.options.iter().position(|o| *o == terms).unwrap_or_else(|| {
            self.options.push(terms);
            self.options.len() - 1
        });
        u16::try_from(at).unwrap_or(u16::MAX)
    }
}

/// Reads the three files for `campaign`, with orders counted within `window` after each
/// decision.
pub fn read(
    campaign: &str,
    window: Millis,
    decisions: &Source,
    users: &Source,
    orders: &Source,
) -> Result<Data, FitError> {
    let mut data = Data::default();
    let mut ids: HashMap<Arc<str>, u32> = HashMap::new();
    let mut warnings = Vec::new();
    let name = decisions.name();
    each_line(decisions, &mut warnings, |n, text| {
        let d: DecisionLine = match serde_json::from_str(text) {
            Ok(d) => d,
            Err(e) => {
                data.warnings.push(format!("{name}:{n}: skipped: not a decision: {e}"));
                return;
            }
        };
        data.decisions += 1;
        let ours = d.coupons.iter().filter(|c| c.campaign == campaign).collect::<Vec<_>>();
        let random = ours.iter().find(|c| c.random);
        let held = d
            .suppressed
            .iter()
            .any(|s| s.campaign == campaign && s.reason == "holdout");
        let theirs = !ours.is_empty() || d.suppressed.iter().any(|s| s.campaign == campaign);
        if !theirs {
            return;
        }
        if random.is_none() && (!ours.is_empty() || !held) {
            data.skipped += 1;
            return;
        }
        let (Some(user), Ok(at)) = (d.user_id.as_deref(), parse_time(&d.at)) else {
            data.warnings.push(format!(
                "{name}:{n}: skipped: a decision needs `user_id` and an RFC 3339 `at`"
            ));
            return;
        };
        let option = random.map(|c| data.option(c));
        match option {
            Some(_) => data.random += 1,
            None => data.holdout += 1,
        }
        let user = data.intern(&mut ids, user);
        data.samples.push(Sample {
            user,
            at,
            option,
            line: n,
            order: None,
            gross: None,
            code: random.and_then(|c| c.code.as_deref()).map_or(0, code_hash),
        });
    })?;
    if data.samples.is_empty() {
        return Err(FitError::NoRandomized {
            file: name,
            campaign: campaign.to_string(),
            skipped: data.skipped,
        });
    }
    read_users(&mut data, &ids, users, &mut warnings)?;
    if let Some(s) = data
        .samples
        .iter()
        .find(|s| data.users.get(s.user as usize).is_none_or(Option::is_none))
    {
        return Err(FitError::MissingUser {
            user: data
                .user_ids
                .get(s.user as usize)
                .map(|u| u.to_string())
                .unwrap_or_default(),
            users_file: users.name(),
            decisions_file: name,
            line: s.line,
        });
    }
    let per_user = read_orders(&mut data, &ids, orders, &mut warnings)?;
    for s in &mut data.samples {
        let Some(list) = per_user.get(s.user as usize) else {
            continue;
        };
        // INVARIANT: each list is sorted by time; the first order at or after the decision.
        let from = list.partition_point(|o| o.0 < s.at);
        let Some((_, total, codes)) = list.get(from).filter(|o| o.0 <= s.at.saturating_add(window)) else {
            continue;
        };
        s.order = Some(*total);
        let used = s.code != 0 && codes.contains(&s.code);
        s.gross = Some(match s.option.and_then(|o| data.options.get(usize::from(o))) {
            Some(offer) if used => gross_of(offer, *total),
            _ => *total,
        });
    }
    data.warnings.extend(warnings);
    Ok(data)
}

fn read_users(
    data: &mut Data,
    ids: &HashMap<Arc<str>, u32>,
    path: &Source,
    warnings: &mut Vec<String>,
) -> Result<(), FitError> {
    let name = path.name();
    let mut bad = Vec::new();
    each_line(path, warnings, |n, text| match serde_json::from_str::<User>(text) {
        Ok(user) => {
            if let Some(slot) = ids.get(&user.id).and_then(|i| data.users.get_mut(*i as usize)) {
                *slot = Some(user);
            }
        }
        Err(e) => bad.push(format!(
            "{name}:{n}: skipped: not a user row: {}",
            crate::event::describe_json_error(&e)
        )),
    })?;
    data.warnings.extend(bad);
    Ok(())
}

/// A paid order: when, its total, and the hashes of the codes it used.
type PaidOrder = (Millis, Fen, Vec<u64>);

/// Each user's paid orders, sorted by time.
fn read_orders(
    data: &mut Data,
    ids: &HashMap<Arc<str>, u32>,
    path: &Source,
    warnings: &mut Vec<String>,
) -> Result<Vec<Vec<PaidOrder>>, FitError> {
    let name = path.name();
    let mut per_user: Vec<Vec<PaidOrder>> = vec![Vec::new(); data.user_ids.len()];
    let mut bad = Vec::new();
    let mut count = 0u64;
    each_line(path, warnings, |n, text| {
        let event = match Event::from_json(text) {
            Ok(e) => e,
            Err(e) => {
                bad.push(format!("{name}:{n}: skipped: {e}"));
                return;
            }
        };
        if event.kind != EventKind::OrderPaid {
            return;
        }
        let (total, codes) = match &event.order {
            Some(Ok(o)) => (o.total, o.coupons.iter().map(|c| code_hash(c)).collect::<Vec<_>>()),
            Some(Err(e)) => {
                bad.push(format!("{name}:{n}: skipped: {e}"));
                return;
            }
            None => {
                bad.push(format!(
                    "{name}:{n}: skipped: an `order_paid` event needs `order` with `id` and `total`"
                ));
                return;
            }
        };
        count += 1;
        let user = event.user.as_ref().and_then(|u| ids.get(&u.id));
        if let Some(list) = user.and_then(|i| per_user.get_mut(*i as usize)) {
            list.push((event.at, total, codes));
        }
    })?;
    data.orders = count;
    data.warnings.extend(bad);
    for list in &mut per_user {
        list.sort_unstable();
    }
    Ok(per_user)
}

/// Whether a user is held out of training to measure the fit: 20 % of users, by a hash
/// of the id (FNV-1a, then splitmix64's finaliser), the same in every fit.
pub fn is_test_user(id: &str) -> bool {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h = (h ^ (h >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    h ^= h >> 31;
    h.is_multiple_of(5)
}
