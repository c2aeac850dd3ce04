//! The cursor decoder: any `cursor=` a client sends is either a position this API
//! issued or a 422 naming `cursor`, never a panic; and every cursor the API issues
//! decodes back to the same position.
#![no_main]

use dateline::http::pagination::{PageParams, encode_cursor};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let params = PageParams {
        limit: None,
        cursor: Some(text.clone()),
    };
    let _ = params.after::<(String, String)>();
    let _ = params.after::<(i64, String)>();
    let _ = params.after::<String>();

    // Round trip: the position is built from the input itself.
    let number = data
        .iter()
        .take(8)
        .fold(0i64, |n, b| n.wrapping_mul(256).wrapping_add(i64::from(*b)));
    let key = (text, number);
    let issued = PageParams {
        limit: None,
        cursor: Some(encode_cursor(&key)),
    };
    if !key.0.contains('\0') {
        let back = issued
            .after::<(String, i64)>()
            .expect("an issued cursor decodes");
        assert_eq!(back, Some(key));
    }
});
