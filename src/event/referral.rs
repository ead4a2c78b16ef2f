//! Referrals: a `referral_completed` event names two users, the `inviter` and the
//! `invitee`, and its `user` is the invitee. The runtime decides each side as that user's
//! own event ([`Event::sides`]): the side's user is the event's `user`, so the rules that
//! give to it read its fields, count its limits, load its state and run the risk checks
//! on it. A referral whose two sides are one person (one id, or one device) is a
//! self-referral ([`Referral::is_self`]).

use super::{Event, EventError, RawEvent, ScoreList, User, with_user_scores};
use crate::check::program::{REFERRAL_EVENT, Side};
use std::borrow::Cow;

/// A referral's two users, and which of them the event is about.
#[derive(Debug, Clone)]
pub struct Referral {
    pub inviter: User,
    pub invitee: User,
    /// `None`: the referral as the platform sent it, both sides still to decide; else
    /// the side that `user` is.
    pub side: Option<Side>,
    /// The event's own `scores`, without either user's.
    pub event_scores: ScoreList,
}

impl Referral {
    /// The side the event's `user` is (the invitee, unless the event is the inviter's).
    pub fn side(&self) -> Side {
        self.side.unwrap_or(Side::Invitee)
    }

    /// One person on both sides: the same user id, or the same device.
    pub fn is_self(&self) -> bool {
        self.inviter.id == self.invitee.id
            || matches!((&self.inviter.device_id, &self.invitee.device_id), (Some(a), Some(b)) if a == b)
    }
}

/// What the message of a referral whose `user` is not its invitee says.
const MISMATCH: &str = "a referral's `user` is the";

/// Whether `e` is a referral whose `user` and `invitee` (or `inviter`, on its side) are
/// two users: the event reads, but does not hold together.
pub fn is_mismatch(e: &EventError) -> bool {
    e.0.contains(MISMATCH)
}

/// Reads a referral's users from the raw event, and fills `user` with the side it is
/// about when left out. `None` for other types.
pub(super) fn read(raw: &mut RawEvent) -> Result<Option<(User, User, Option<Side>)>, EventError> {
    for (field, u) in [("inviter", &raw.inviter), ("invitee", &raw.invitee)] {
        if u.as_ref().is_some_and(|u| u.id.is_empty()) {
            return Err(EventError(format!("field `{field}.id` is empty")));
        }
    }
    if let Some(side) = raw.referral_side.as_deref()
        && !matches!(side, "inviter" | "invitee")
    {
        return Err(EventError(format!(
            "field `referral_side` is `{side}`; write `inviter` or `invitee`"
        )));
    }
    if *raw.kind != *REFERRAL_EVENT {
        return Ok(None);
    }
    let invitee = match (raw.invitee.take(), &raw.user) {
        (Some(i), _) => *i,
        (None, Some(u)) if raw.referral_side.is_none() => u.clone(),
        _ => {
            return Err(EventError(format!(
                "a `{REFERRAL_EVENT}` event needs `invitee`: the user who was invited (or `user`)"
            )));
        }
    };
    let Some(inviter) = raw.inviter.take().map(|u| *u) else {
        return Err(EventError(format!(
            "a `{REFERRAL_EVENT}` event needs `inviter`: the user who invited"
        )));
    };
    for (field, u) in [("inviter", &inviter), ("invitee", &invitee)] {
        if u.id.is_empty() {
            return Err(EventError(format!("field `{field}.id` is empty")));
        }
    }
    let side = match raw.referral_side.as_deref() {
        None => None,
        Some("invitee") => Some(Side::Invitee),
        // `inviter`, the only other value (checked above).
        Some(_) => Some(Side::Inviter),
    };
    let own_side = side.unwrap_or(Side::Invitee);
    let own = match own_side {
        Side::Inviter => &inviter,
        Side::Invitee => &invitee,
    };
    match &raw.user {
        Some(u) if u.id != own.id => {
            return Err(EventError(format!(
                "field `user.id` is `{}` but `{}.id` is `{}`: {MISMATCH} {}; leave `user` out or make it the {}",
                u.id,
                own_side.as_str(),
                own.id,
                own_side.as_str(),
                own_side.as_str()
            )));
        }
        Some(_) => {}
        None => raw.user = Some(own.clone()),
    }
    Ok(Some((inviter, invitee, side)))
}

impl Event {
    /// The events the runtime decides for this one: a referral as the platform sent it
    /// is its two sides, the invitee's first, then the inviter's (whose `user` is the
    /// inviter, with the inviter's scores); any other event is itself.
    pub fn sides(&self) -> Vec<Cow<'_, Event>> {
        let Some(r) = self.referral.as_deref().filter(|r| r.side.is_none()) else {
            return vec![Cow::Borrowed(self)];
        };
        let side = |side: Side| {
            let mut e = self.clone();
            let user = match side {
                Side::Inviter => r.inviter.clone(),
                Side::Invitee => self.user.clone().unwrap_or_else(|| r.invitee.clone()),
            };
            e.scores = with_user_scores(r.event_scores.clone(), Some(&user));
            e.user = Some(user);
            if let Some(own) = e.referral.as_mut() {
                own.side = Some(side);
            }
            Cow::Owned(e)
        };
        vec![side(Side::Invitee), side(Side::Inviter)]
    }

    /// The side of a referral the event is about (`None` for other types).
    pub fn referral_side(&self) -> Option<Side> {
        self.referral.as_deref().map(Referral::side)
    }
}

/// The JSON of a referral's inviter side, from the event's JSON as sent: `user` is the
/// inviter and `referral_side` says so (what a timer of the inviter's keeps).
pub fn side_json(raw: &str, side: Side) -> Result<String, EventError> {
    let mut fields: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(raw).map_err(|e| EventError(super::describe_json_error(&e)))?;
    let user = match side {
        Side::Inviter => fields.get("inviter"),
        Side::Invitee => fields.get("invitee").or_else(|| fields.get("user")),
    }
    .cloned()
    .ok_or_else(|| EventError(format!("a `{REFERRAL_EVENT}` event needs `{}`", side.as_str())))?;
    if side == Side::Invitee {
        fields.insert("invitee".into(), user.clone());
    }
    fields.insert("user".into(), user);
    fields.insert("referral_side".into(), side.as_str().into());
    Ok(serde_json::Value::Object(fields).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SENT: &str = r#"{"id":"r-1","type":"referral_completed","at":"2026-11-11T10:00:00+08:00","inviter":{"id":"u-old","device_id":"d-1","scores":{"fraud_risk":0.2}},"invitee":{"id":"u-new","device_id":"d-2"},"scores":{"p_convert":0.3}}"#;

    #[test]
    fn the_user_is_the_invitee_and_the_sides_are_each_users_own() {
        let e = Event::from_json(SENT).unwrap();
        assert_eq!(&*e.user.as_ref().unwrap().id, "u-new");
        let sides = e.sides();
        assert_eq!(sides.len(), 2);
        assert_eq!(&*sides[0].user.as_ref().unwrap().id, "u-new");
        assert_eq!(sides[0].referral_side(), Some(Side::Invitee));
        assert_eq!(sides[0].score("fraud_risk"), None);
        assert_eq!(&*sides[1].user.as_ref().unwrap().id, "u-old");
        assert_eq!(sides[1].referral_side(), Some(Side::Inviter));
        assert_eq!(sides[1].score("fraud_risk"), Some(0.2));
        assert_eq!(sides[1].score("p_convert"), Some(0.3));
        // A side is one event: it splits no further.
        assert_eq!(sides[1].sides().len(), 1);
        assert!(!e.referral.as_ref().unwrap().is_self());
    }

    #[test]
    fn the_inviters_side_reads_back_from_its_json() {
        let json = side_json(SENT, Side::Inviter).unwrap();
        let e = Event::from_json(&json).unwrap();
        assert_eq!(&*e.user.as_ref().unwrap().id, "u-old");
        assert_eq!(e.referral_side(), Some(Side::Inviter));
        assert_eq!(e.sides().len(), 1);
    }

    #[test]
    fn bad_referrals_say_what_is_wrong() {
        let no_inviter = SENT.replace(
            r#""inviter":{"id":"u-old","device_id":"d-1","scores":{"fraud_risk":0.2}},"#,
            "",
        );
        let err = Event::from_json(&no_inviter).unwrap_err();
        assert!(err.0.contains("needs `inviter`"), "{}", err.0);
        let other_user = SENT.replace(
            r#""scores":{"p_convert""#,
            r#""user":{"id":"u-x"},"scores":{"p_convert""#,
        );
        let err = Event::from_json(&other_user).unwrap_err();
        assert!(
            err.0.contains("`user.id` is `u-x` but `invitee.id` is `u-new`"),
            "{}",
            err.0
        );
        let same_device = SENT.replace("d-2", "d-1");
        assert!(Event::from_json(&same_device).unwrap().referral.unwrap().is_self());
        // The invitee may be written as the event's `user` alone.
        let as_user = SENT.replace(r#""invitee":"#, r#""user":"#);
        let e = Event::from_json(&as_user).unwrap();
        assert_eq!(&*e.referral.unwrap().invitee.id, "u-new");
    }
}
