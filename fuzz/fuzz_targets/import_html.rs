//! The importers' HTML reader: whatever a WordPress or Ghost export holds, it becomes
//! blocks (or report notes) without panicking or running out of stack, and every block
//! it makes is one the API's own checks accept once fitted (no block the body could
//! not hold).
#![no_main]

use dateline::content::articles::blocks::Block;
use dateline::error::Errors;
use dateline::importers::html::to_blocks;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(html) = std::str::from_utf8(data) else {
        return;
    };
    let out = to_blocks(html);
    let mut errors = Errors::default();
    for (i, block) in out.blocks.into_iter().enumerate() {
        // Images keep their source address until the importer stores them.
        if let Block::Image { .. } = block {
            continue;
        }
        let _ = block.clean(i, &mut errors);
    }
});
