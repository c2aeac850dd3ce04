//! The slugger: a derived slug is always one the strict parser accepts, deriving is
//! idempotent, and any slug the parser accepts derives to itself.
#![no_main]

use dateline::content::slug::{MAX_LEN, Slug};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(name) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(slug) = Slug::derive(name) {
        assert!(slug.as_str().len() <= MAX_LEN);
        assert_eq!(
            Slug::parse(slug.as_str()).as_ref(),
            Ok(&slug),
            "from {name:?}"
        );
        assert_eq!(
            Slug::derive(slug.as_str()).as_ref(),
            Ok(&slug),
            "from {name:?}"
        );
    }
    if let Ok(slug) = Slug::parse(name) {
        assert_eq!(Slug::derive(name).as_ref(), Ok(&slug));
    }
});
