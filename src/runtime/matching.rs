//! Matching kernels: the rules an event matches, judged on the event alone (window,
//! audience, conditions), without limits, timers, risk or budgets. This is the pure
//! evaluation of the graph that benchmarks time; the engine adds the rest.

use super::engine::Rules;
use super::eval::{Ctx, Evaluator, Facts};
use super::event::Event;
use crate::compile::{Compiled, Graph, NodeId, Part};
use crate::value::Millis;

impl Rules {
    /// The rules an event matches, in decision order, judged on the event alone: window,
    /// audience and conditions, without limits, timers, risk or budgets. This is the pure
    /// evaluation of the graph (what benchmarks time); `Runtime::process` adds the rest.
    pub fn matching(&self, event: &Event, eval: &mut Evaluator, facts: &dyn Facts, out: &mut Vec<u32>) {
        out.clear();
        eval.reset();
        let compiled = &self.compiled;
        let Some(index) = compiled.triggers.get(&*event.kind) else {
            return;
        };
        let ctx = self.ctx(event, event.at, facts);
        let graph = &compiled.graph;
        // Evaluation order does not matter here (no state changes): each list's cheap
        // conditions are answered first, then its parts are tested straight through,
        // each part adding an ascending run of matches; the runs are put in decision
        // order at the end.
        let mut runs = 0;
        for list in index.lists_for(event) {
            for g in &list.groups {
                eval.answer_group_once(graph, *g, &ctx);
            }
            for n in &list.singles {
                eval.truth(graph, *n, &ctx);
            }
            for part in &list.parts {
                let before = out.len();
                if part.costly {
                    test_costly(part, eval, graph, &ctx, out);
                } else {
                    test_part(part, eval.answers(), eval.true_answer(), event.at, out);
                }
                runs += usize::from(out.len() > before);
            }
        }
        if runs > 1 {
            eval.order.sort(out, compiled.rules.len());
        }
    }
}

/// Appends the rules of a cheap part that match: every rule costs the same few loads and
/// comparisons, and its id is written whether it matches or not (the next one overwrites
/// it if not), so nothing depends on a branch the processor could mispredict. The part's
/// conditions must be answered already.
fn test_part(part: &Part, answers: &[u32], yes: u32, at: Millis, out: &mut Vec<u32>) {
    match part.width {
        0 => test_windows(part, at, out),
        1 => test_rules::<1>(part, answers, yes, at, out),
        2 => test_rules::<2>(part, answers, yes, at, out),
        3 => test_rules::<3>(part, answers, yes, at, out),
        4 => test_rules::<4>(part, answers, yes, at, out),
        _ => test_wide(part, answers, yes, at, out),
    }
}

/// Whether `at` is inside a window given as its start and length: one unsigned
/// comparison, as an `at` before the start wraps around to a huge distance.
#[inline(always)]
fn open(window: &(Millis, u64), at: Millis) -> bool {
    (at.wrapping_sub(window.0) as u64) < window.1
}

/// Whether condition `n` was answered true this event.
#[inline(always)]
fn holds(answers: &[u32], n: NodeId, yes: u32) -> bool {
    answers.get(n.index()).copied().unwrap_or(0) == yes
}

/// Appends the ids that pass their test: each is written after the matches so far, and
/// the count moves past it only if it passed.
#[inline(always)]
fn append_passing(out: &mut Vec<u32>, rules: usize, tested: impl Iterator<Item = (u32, bool)>) {
    let mut n = out.len();
    out.resize(n + rules, 0);
    // A slice of its own, so the loop keeps its pointer and length in registers.
    let slots = out.as_mut_slice();
    for (id, ok) in tested {
        if let Some(slot) = slots.get_mut(n) {
            *slot = id;
        }
        n += usize::from(ok);
    }
    out.truncate(n);
}

fn test_windows(part: &Part, at: Millis, out: &mut Vec<u32>) {
    let tested = part.ids.iter().zip(&part.windows).map(|(id, w)| (*id, open(w, at)));
    append_passing(out, part.ids.len(), tested);
}

fn test_rules<const W: usize>(part: &Part, answers: &[u32], yes: u32, at: Millis, out: &mut Vec<u32>) {
    let (nodes, _) = part.nodes.as_chunks::<W>();
    let tested = part.ids.iter().zip(&part.windows).zip(nodes).map(|((id, w), conds)| {
        let ok = conds.iter().fold(open(w, at), |ok, c| ok & holds(answers, *c, yes));
        (*id, ok)
    });
    append_passing(out, part.ids.len(), tested);
}

fn test_wide(part: &Part, answers: &[u32], yes: u32, at: Millis, out: &mut Vec<u32>) {
    let nodes = part.nodes.chunks_exact(part.width);
    let tested = part.ids.iter().zip(&part.windows).zip(nodes).map(|((id, w), conds)| {
        let ok = conds.iter().fold(open(w, at), |ok, c| ok & holds(answers, *c, yes));
        (*id, ok)
    });
    append_passing(out, part.ids.len(), tested);
}

/// Appends the rules of a costly part that match, one by one: a script or a state read
/// runs only for a rule whose window is open.
fn test_costly(part: &Part, eval: &mut Evaluator, graph: &Graph, ctx: &Ctx<'_>, out: &mut Vec<u32>) {
    // INVARIANT: a costly part tests at least one condition per rule (a rule with none
    // is cheap), so chunks of `width` nodes pair up with the ids.
    let chunks = part.nodes.chunks(part.width.max(1));
    for ((id, window), conds) in part.ids.iter().zip(&part.windows).zip(chunks) {
        if !open(window, ctx.now) {
            continue;
        }
        // No short-circuit: conditions are shared and memoised.
        let mut ok = true;
        for c in conds {
            ok &= eval.truth(graph, *c, ctx);
        }
        if ok {
            out.push(*id);
        }
    }
}

/// Scratch for putting matches back in decision order: a bitset over rule ids, and a
/// byte per word of it that says the word holds a match, so that only those words are
/// read (about one per match, where sweeping the bitset reads every rule id's). Bytes,
/// not bits: setting one is a plain store, where a bit would make every match wait for
/// the previous one's update of the same word.
#[derive(Debug, Default)]
pub(crate) struct MatchOrder {
    words: Vec<u64>,
    used: Vec<u8>,
}

impl MatchOrder {
    /// Sorts distinct rule ids below `rules` ascending; leaves the scratch empty.
    pub(crate) fn sort(&mut self, ids: &mut Vec<u32>, rules: usize) {
        let words = rules.div_ceil(64);
        if self.words.len() < words {
            self.words.resize(words, 0);
            self.used.resize(words.div_ceil(8) * 8, 0);
        }
        // Slices of their own, so that the loops keep their pointers in registers.
        let (bits, used) = (self.words.as_mut_slice(), self.used.as_mut_slice());
        for id in ids.iter() {
            let w = (id / 64) as usize;
            if let (Some(word), Some(u)) = (bits.get_mut(w), used.get_mut(w)) {
                *word |= 1 << (id % 64);
                *u = 1;
            }
        }
        // Room for the unconditional writes below past the last id.
        let most = ids.len();
        ids.clear();
        ids.resize(most + 6, 0);
        let out = ids.as_mut_slice();
        let mut k = 0;
        for (c, chunk) in used.chunks_exact_mut(8).enumerate() {
            let mut marks = <[u8; 8]>::try_from(&*chunk).map_or(0, u64::from_le_bytes);
            if marks == 0 {
                continue;
            }
            chunk.fill(0);
            while marks != 0 {
                let b = marks.trailing_zeros() / 8;
                marks &= !(0xff << (b * 8));
                let w = c * 8 + b as usize;
                let Some(word) = bits.get_mut(w) else {
                    continue;
                };
                let mut word = std::mem::take(word);
                // INVARIANT: word `w` holds a match only if an id `i: u32` set it, with
                // `w == i / 64`: `w * 64 <= i` fits in a `u32`.
                let base = (w * 64) as u32;
                // The matches of neighbouring campaigns' rules often share a word: write
                // six ids without asking how many there are (the next word's overwrite
                // the extra ones), then the rest if any. (Counting them with `count_ones`
                // would take a dozen instructions: the baseline x86-64 target has no
                // `popcnt`.)
                let first = k;
                for j in first..first + 6 {
                    if let Some(slot) = out.get_mut(j) {
                        *slot = base.wrapping_add(word.trailing_zeros());
                    }
                    k += usize::from(word != 0);
                    word &= word.wrapping_sub(1);
                }
                let mut rest = word;
                while rest != 0 {
                    if let Some(slot) = out.get_mut(k) {
                        *slot = base.wrapping_add(rest.trailing_zeros());
                    }
                    rest &= rest - 1;
                    k += 1;
                }
            }
        }
        ids.truncate(k);
    }
}

/// The rules an event's type triggers, in decision order: the index's rules for any
/// item, merged with those keyed by the event's values.
pub(super) fn candidates(compiled: &Compiled, event: &Event) -> Vec<u32> {
    let Some(index) = compiled.triggers.get(&*event.kind) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut lists = 0;
    for list in index.lists_for(event) {
        out.extend_from_slice(&list.ids);
        lists += 1;
    }
    if lists > 1 {
        out.sort_unstable();
    }
    out
}
