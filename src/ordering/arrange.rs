//! The ordering rules, free of HTTP and SQL: pinned items hold their position while
//! the others flow around them, a full collection drops its lowest unpinned item,
//! and a story appears at most once.
//!
//! An order is a list of [`Slot`]s. Pinned slots are anchors at fixed positions; the
//! unpinned ones, in sequence, take the free positions from 1 upwards. Positions are
//! 1-based ("slot 1 is the top story"), unique, and never above `max_items`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One item of a curated order, as stored and as history records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Slot {
    pub article_id: String,
    /// 1-based; pinned items keep theirs.
    pub position: i32,
    pub pinned: bool,
    /// The item drops out by itself at this time.
    pub expires_at: Option<DateTime<Utc>>,
}

/// Why an ordering operation cannot be applied (409, naming the field).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clash {
    pub field: &'static str,
    pub message: String,
}

fn clash(field: &'static str, message: impl Into<String>) -> Clash {
    Clash {
        field,
        message: message.into(),
    }
}

/// A curated order with its capacity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    slots: Vec<Slot>,
    max: usize,
}

impl Order {
    /// An order as stored (positions already canonical), sorted by position.
    pub fn new(mut slots: Vec<Slot>, max: usize) -> Order {
        slots.sort_by_key(|s| s.position);
        Order { slots, max }
    }

    /// An order given as a list (a replace, a restore, a schedule): pinned items are
    /// anchored where they stand in the list.
    pub fn from_list(items: Vec<Slot>, max: usize) -> Order {
        let slots = items
            .into_iter()
            .enumerate()
            .map(|(i, s)| Slot {
                position: i as i32 + 1,
                ..s
            })
            .collect();
        Order { slots, max }
    }

    /// The items by position.
    pub fn slots(&self) -> &[Slot] {
        &self.slots
    }

    pub fn into_slots(self) -> Vec<Slot> {
        self.slots
    }

    /// Where `article_id` is, if present.
    pub fn find(&self, article_id: &str) -> Option<&Slot> {
        self.slots.iter().find(|s| s.article_id == article_id)
    }

    /// Inserts an item so that it lands at `position` (or the first free position
    /// after it when that one is pinned by another). A pinned insert anchors it there.
    /// Beyond capacity the lowest unpinned item (never the new one) is dropped and
    /// returned.
    pub fn insert(&mut self, mut item: Slot, position: usize) -> Result<Vec<Slot>, Clash> {
        if let Some(there) = self.find(&item.article_id) {
            return Err(clash(
                "article_id",
                format!(
                    "is already in the collection, at position {}",
                    there.position
                ),
            ));
        }
        let (mut pinned, mut flowing) = self.split();
        if item.pinned {
            if pinned.iter().any(|p| p.position as usize == position) {
                return Err(clash(
                    "position",
                    format!("position {position} is pinned by another story"),
                ));
            }
            item.position = position as i32;
            pinned.push(item);
        } else {
            let index = free_before(&pinned, position).min(flowing.len());
            flowing.insert(index, item);
        }
        let mut dropped = Vec::new();
        if pinned.len() + flowing.len() > self.max {
            // The newcomer is never the one dropped.
            let known: Vec<&str> = self.slots.iter().map(|s| s.article_id.as_str()).collect();
            let lowest = flowing
                .iter()
                .rposition(|s| known.contains(&s.article_id.as_str()))
                .ok_or_else(|| {
                    clash(
                        "position",
                        "the collection is full of pinned stories; unpin or remove one first",
                    )
                })?;
            dropped.push(flowing.remove(lowest));
        }
        self.slots = join(pinned, flowing);
        Ok(dropped)
    }

    /// Takes an item out; the unpinned ones below move up, pinned ones stay.
    pub fn remove(&mut self, article_id: &str) -> Option<Slot> {
        let at = self.slots.iter().position(|s| s.article_id == article_id)?;
        let removed = self.slots.remove(at);
        let (pinned, flowing) = self.split();
        self.slots = join(pinned, flowing);
        Some(removed)
    }

    /// Moves an item to `position`. A pinned item re-anchors there (409 when another
    /// pinned item holds it); an unpinned one flows in as an insert would.
    pub fn move_to(&mut self, article_id: &str, position: usize) -> Result<(), Clash> {
        let Some(item) = self.find(article_id).cloned() else {
            return Err(clash("article_id", "is not in the collection"));
        };
        let taken = self
            .slots
            .iter()
            .any(|s| s.pinned && s.article_id != article_id && s.position as usize == position);
        if item.pinned && taken {
            return Err(clash(
                "position",
                format!("position {position} is pinned by another story"),
            ));
        }
        self.remove(article_id);
        self.insert(item, position).map(|_| ())
    }

    /// Pins an item where it stands now, or releases it to flow with the others from
    /// the position it holds.
    pub fn set_pinned(&mut self, article_id: &str, pinned: bool) -> Result<(), Clash> {
        let Some(item) = self.find(article_id).cloned() else {
            return Err(clash("article_id", "is not in the collection"));
        };
        if item.pinned == pinned {
            return Ok(());
        }
        let position = item.position as usize;
        self.remove(article_id);
        self.insert(Slot { pinned, ..item }, position).map(|_| ())
    }

    /// Sets or clears when an item drops out.
    pub fn set_expiry(&mut self, article_id: &str, at: Option<DateTime<Utc>>) -> Result<(), Clash> {
        match self.slots.iter_mut().find(|s| s.article_id == article_id) {
            Some(slot) => {
                slot.expires_at = at;
                Ok(())
            }
            None => Err(clash("article_id", "is not in the collection")),
        }
    }

    /// Drops every item whose time has come; returns them.
    pub fn purge_expired(&mut self, now: DateTime<Utc>) -> Vec<Slot> {
        let (gone, kept): (Vec<Slot>, Vec<Slot>) = std::mem::take(&mut self.slots)
            .into_iter()
            .partition(|s| s.expires_at.is_some_and(|at| at <= now));
        self.slots = kept;
        let (pinned, flowing) = self.split();
        self.slots = join(pinned, flowing);
        gone
    }

    /// Keeps only items `keep` accepts and fits the order into `max` positions (for
    /// orders prepared earlier: a restore or a scheduled arrangement), dropping the
    /// lowest unpinned items first and re-anchoring pinned ones past the end.
    pub fn fit(&mut self, keep: impl Fn(&str) -> bool) -> Vec<Slot> {
        let (kept, mut dropped): (Vec<Slot>, Vec<Slot>) = std::mem::take(&mut self.slots)
            .into_iter()
            .partition(|s| keep(&s.article_id));
        let (mut pinned, mut flowing): (Vec<Slot>, Vec<Slot>) =
            kept.into_iter().partition(|s| s.pinned);
        while pinned.len() + flowing.len() > self.max {
            match flowing.pop() {
                Some(gone) => dropped.push(gone),
                None => dropped.extend(pinned.pop()),
            }
        }
        // Anchors beyond the capacity move to the highest free positions.
        pinned.sort_by_key(|p| p.position);
        let mut ceiling = self.max as i32;
        for p in pinned.iter_mut().rev() {
            if p.position > ceiling {
                p.position = ceiling;
            }
            ceiling = p.position - 1;
        }
        self.slots = join(pinned, flowing);
        dropped
    }

    fn split(&self) -> (Vec<Slot>, Vec<Slot>) {
        self.slots.iter().cloned().partition(|s| s.pinned)
    }
}

/// How many positions before `position` are free of anchors: the index in the
/// flowing sequence at which an item lands on `position`.
fn free_before(pinned: &[Slot], position: usize) -> usize {
    let anchored = pinned
        .iter()
        .filter(|p| (p.position as usize) < position)
        .count();
    position.saturating_sub(1).saturating_sub(anchored)
}

/// Lays out anchors at their positions and the flowing items in the free ones.
fn join(mut pinned: Vec<Slot>, flowing: Vec<Slot>) -> Vec<Slot> {
    pinned.sort_by_key(|p| p.position);
    let mut out = Vec::with_capacity(pinned.len() + flowing.len());
    let mut anchors = pinned.into_iter().peekable();
    let mut flow = flowing.into_iter();
    let mut position = 1;
    loop {
        match anchors.peek() {
            Some(anchor) if anchor.position == position => {
                out.extend(anchors.next());
            }
            next_anchor => {
                let had_anchor = next_anchor.is_some();
                match flow.next() {
                    Some(item) => out.push(Slot { position, ..item }),
                    None if had_anchor => {}
                    None => break,
                }
            }
        }
        position += 1;
    }
    out
}

/// Lays out what the public sees: available anchors at their positions, then the
/// available flowing items and the automatic fill in the free positions, gaps closed,
/// at most `max` items. Returns `(article_id, pinned, curated)` in order.
pub fn resolve(
    order: &[Slot],
    available: impl Fn(&Slot) -> bool,
    fill: &[String],
    max: usize,
) -> Vec<(String, bool, bool)> {
    let live: Vec<&Slot> = order.iter().filter(|s| available(s)).collect();
    let pinned: Vec<Slot> = live
        .iter()
        .filter(|s| s.pinned)
        .map(|s| (*s).clone())
        .collect();
    let mut flowing: Vec<Slot> = live
        .iter()
        .filter(|s| !s.pinned)
        .map(|s| (*s).clone())
        .collect();
    let curated_flowing = flowing.len();
    let curated = curated_flowing + pinned.len();
    flowing.extend(
        fill.iter()
            .filter(|id| !order.iter().any(|s| &s.article_id == *id))
            .take(max.saturating_sub(curated))
            .map(|id| Slot {
                article_id: id.clone(),
                position: 0,
                pinned: false,
                expires_at: None,
            }),
    );
    let automatic: Vec<String> = flowing[curated_flowing..]
        .iter()
        .map(|s| s.article_id.clone())
        .collect();
    join(pinned, flowing)
        .into_iter()
        .take(max)
        .map(|s| {
            let curated = !automatic.contains(&s.article_id);
            (s.article_id, s.pinned, curated)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(id: &str, pinned: bool) -> Slot {
        Slot {
            article_id: id.into(),
            position: 0,
            pinned,
            expires_at: None,
        }
    }

    fn ids(order: &Order) -> Vec<(String, i32, bool)> {
        order
            .slots()
            .iter()
            .map(|s| (s.article_id.clone(), s.position, s.pinned))
            .collect()
    }

    fn layout(order: &Order) -> String {
        order
            .slots()
            .iter()
            .map(|s| {
                format!(
                    "{}{}{}",
                    s.position,
                    s.article_id,
                    if s.pinned { "*" } else { "" }
                )
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn inserts_flow_around_a_pinned_item() {
        let mut order =
            Order::from_list(vec![slot("a", false), slot("b", true), slot("c", false)], 5);
        order.insert(slot("x", false), 1).unwrap();
        assert_eq!(layout(&order), "1x 2b* 3a 4c");
        order.insert(slot("y", false), 2).unwrap();
        assert_eq!(layout(&order), "1x 2b* 3y 4a 5c");
    }

    #[test]
    fn a_full_collection_drops_its_lowest_unpinned_item_never_the_new_one() {
        let mut order =
            Order::from_list(vec![slot("a", false), slot("b", false), slot("c", true)], 3);
        let dropped = order.insert(slot("x", false), 3).unwrap();
        assert_eq!(dropped[0].article_id, "b");
        assert_eq!(layout(&order), "1a 2x 3c*");
        let mut all_pinned = Order::from_list(vec![slot("a", true)], 1);
        assert_eq!(
            all_pinned.insert(slot("x", false), 1).unwrap_err().field,
            "position"
        );
    }

    #[test]
    fn pinned_positions_survive_removal_and_leave_a_gap_for_the_fill() {
        let mut order =
            Order::from_list(vec![slot("a", false), slot("b", false), slot("c", true)], 5);
        order.remove("a");
        assert_eq!(layout(&order), "1b 3c*");
        let public = resolve(order.slots(), |_| true, &["f1".into(), "f2".into()], 4);
        let shown: Vec<&str> = public.iter().map(|p| p.0.as_str()).collect();
        assert_eq!(shown, ["b", "f1", "c", "f2"]);
        assert!(!public[1].2 && public[2].2);
    }

    #[test]
    fn moving_pinning_and_unpinning_keep_positions_unique() {
        let mut order = Order::from_list(
            vec![
                slot("a", false),
                slot("b", false),
                slot("c", false),
                slot("d", false),
            ],
            4,
        );
        order.move_to("a", 3).unwrap();
        assert_eq!(layout(&order), "1b 2c 3a 4d");
        order.set_pinned("a", true).unwrap();
        order.move_to("d", 1).unwrap();
        assert_eq!(layout(&order), "1d 2b 3a* 4c");
        // A pinned position is taken: the item lands on the next free one.
        order.move_to("b", 3).unwrap();
        assert_eq!(layout(&order), "1d 2c 3a* 4b");
        assert_eq!(order.move_to("a", 3), Ok(()));
        order.set_pinned("c", true).unwrap();
        assert_eq!(order.move_to("a", 2).unwrap_err().field, "position");
        order.set_pinned("a", false).unwrap();
        order.remove("d");
        assert_eq!(ids(&order).len(), 3);
        assert_eq!(layout(&order), "1a 2c* 3b");
    }

    #[test]
    fn fitting_an_old_order_keeps_anchors_inside_the_capacity() {
        let mut order = Order::from_list(
            vec![
                slot("a", false),
                slot("b", false),
                slot("c", false),
                slot("d", true),
            ],
            4,
        );
        order.max = 2;
        let dropped = order.fit(|id| id != "a");
        assert_eq!(layout(&order), "1b 2d*");
        assert_eq!(dropped.len(), 2);
    }
}
