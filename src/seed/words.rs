//! The seed's raw material: a deterministic generator, the newsroom's names and words,
//! sentences, and the Zipf distribution tags are drawn from.

/// A small, fast, deterministic generator (SplitMix64).
pub(super) struct Rng(pub(super) u64);

impl Rng {
    pub(super) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub(super) fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    pub(super) fn between(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }
    pub(super) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

pub(super) const SECTIONS: [(&str, Option<&str>); 12] = [
    ("Top News", None),
    ("World", None),
    ("Europe", Some("world")),
    ("Americas", Some("world")),
    ("Asia", Some("world")),
    ("Business", None),
    ("Markets", Some("business")),
    ("Technology", Some("business")),
    ("Science", None),
    ("Health", None),
    ("Sport", None),
    ("Culture", None),
];

pub(super) const FIRST: [&str; 15] = [
    "Maya", "Tomás", "Aiko", "Samuel", "Lena", "Omar", "Priya", "Jonas", "Chiara", "Kwame",
    "Sofia", "Mateo", "Hana", "Ilya", "Noor",
];
pub(super) const LAST: [&str; 10] = [
    "Lindqvist",
    "Ferreira",
    "Tanaka",
    "Okafor",
    "Novak",
    "Haddad",
    "Raman",
    "Berg",
    "Moretti",
    "Mensah",
];
pub(super) const WORDS: [&str; 92] = [
    "officials",
    "said",
    "the",
    "government",
    "would",
    "review",
    "plans",
    "for",
    "new",
    "energy",
    "rules",
    "after",
    "talks",
    "in",
    "capital",
    "on",
    "tuesday",
    "analysts",
    "expect",
    "markets",
    "to",
    "react",
    "cautiously",
    "while",
    "voters",
    "weigh",
    "their",
    "options",
    "ahead",
    "of",
    "election",
    "season",
    "a",
    "spokesperson",
    "confirmed",
    "report",
    "and",
    "added",
    "that",
    "further",
    "details",
    "will",
    "follow",
    "later",
    "this",
    "week",
    "researchers",
    "found",
    "evidence",
    "climate",
    "change",
    "is",
    "accelerating",
    "across",
    "region",
    "hospitals",
    "prepare",
    "winter",
    "demand",
    "as",
    "prices",
    "rise",
    "team",
    "won",
    "final",
    "match",
    "coach",
    "praised",
    "players",
    "festival",
    "opens",
    "with",
    "record",
    "crowds",
    "city",
    "council",
    "approved",
    "budget",
    "despite",
    "protests",
    "outside",
    "hall",
    "company",
    "shares",
    "fell",
    "sharply",
    "quarterly",
    "results",
    "missed",
    "forecasts",
    "investors",
    "worried",
];
pub(super) const TOPICS: [&str; 40] = [
    "Climate",
    "Energy",
    "Elections",
    "Markets",
    "Health",
    "Diplomacy",
    "Trade",
    "Football",
    "Tennis",
    "Film",
    "Music",
    "Science",
    "Space",
    "Oceans",
    "Housing",
    "Transport",
    "Jobs",
    "Inflation",
    "Migration",
    "Education",
    "Courts",
    "Policing",
    "Defence",
    "Farming",
    "Water",
    "Wildfires",
    "Storms",
    "Vaccines",
    "Startups",
    "Banks",
    "Oil",
    "Gas",
    "Solar",
    "Wind",
    "Rail",
    "Aviation",
    "Tourism",
    "Books",
    "Theatre",
    "Fashion",
];
pub(super) const ASPECTS: [&str; 50] = [
    "Policy",
    "Talks",
    "Crisis",
    "Reform",
    "Funding",
    "Research",
    "Debate",
    "Protests",
    "Strategy",
    "Prices",
    "Report",
    "Summit",
    "Strike",
    "Deal",
    "Law",
    "Ruling",
    "Budget",
    "Outlook",
    "Investment",
    "Safety",
    "Data",
    "Awards",
    "Season",
    "League",
    "Festival",
    "Exports",
    "Imports",
    "Tax",
    "Subsidies",
    "Workers",
    "Leaders",
    "Survey",
    "Forecast",
    "Records",
    "Rescue",
    "Recovery",
    "Shortage",
    "Innovation",
    "Regulation",
    "Ban",
    "Scandal",
    "Inquiry",
    "Election",
    "Vote",
    "Campaign",
    "Sanctions",
    "Aid",
    "Ceasefire",
    "Merger",
    "Launch",
];

pub(super) fn sentence(rng: &mut Rng, words: usize) -> String {
    let mut out = String::with_capacity(words * 7);
    for i in 0..words {
        let w = rng.pick(&WORDS);
        if i == 0 {
            let mut c = w.chars();
            if let Some(first) = c.next() {
                out.extend(first.to_uppercase());
                out.push_str(c.as_str());
            }
        } else {
            out.push(' ');
            out.push_str(w);
        }
    }
    out.push('.');
    out
}

/// Zipf-distributed tag index: a few tags are everywhere, most are rare.
pub(super) struct Zipf(Vec<f64>);

impl Zipf {
    pub(super) fn new(n: usize) -> Zipf {
        let mut total = 0.0;
        let cumulative = (1..=n)
            .map(|rank| {
                total += 1.0 / (rank as f64).powf(1.07);
                total
            })
            .collect::<Vec<_>>();
        Zipf(cumulative.into_iter().map(|c| c / total).collect())
    }
    pub(super) fn sample(&self, rng: &mut Rng) -> usize {
        let u = (rng.next() >> 11) as f64 / (1u64 << 53) as f64;
        self.0.partition_point(|c| *c < u).min(self.0.len() - 1)
    }
}
