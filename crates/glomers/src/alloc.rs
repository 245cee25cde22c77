//! The process's memory allocator: mimalloc, counting the bytes each thread
//! holds.
//!
//! mimalloc, not glibc's malloc: checking a million-transaction history
//! builds and frees tens of millions of small values, and mimalloc takes a
//! third less CPU time there. glibc's statistics (`mallinfo2`) no longer see
//! the heap, so the relay benchmark's "bytes per RPC in flight" counts here
//! instead: a thread-local sum of sizes allocated minus sizes freed (no
//! atomics, so it costs a few instructions per allocation).

use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;

/// Install with `#[global_allocator]` (the `glomers` binary does).
pub struct Allocator;

thread_local! {
    /// Bytes this thread allocated and has not freed (negative when it
    /// frees what others allocated).
    static HELD: Cell<isize> = const { Cell::new(0) };
}

fn count(delta: isize) {
    // `try_with`: a thread being torn down may still free memory.
    let _ = HELD.try_with(|h| h.set(h.get() + delta));
}

// SAFETY: every call is forwarded to mimalloc unchanged; the count is a
// side effect on a plain thread-local.
unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size() as isize);
        mimalloc::MiMalloc.alloc(layout)
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout.size() as isize);
        mimalloc::MiMalloc.alloc_zeroed(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count(-(layout.size() as isize));
        mimalloc::MiMalloc.dealloc(ptr, layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size as isize - layout.size() as isize);
        mimalloc::MiMalloc.realloc(ptr, layout, new_size)
    }
}

/// Bytes the calling thread holds, or `None` when [`Allocator`] is not the
/// process's allocator (as in a test binary).
pub fn held_by_this_thread() -> Option<i64> {
    let now = || HELD.with(Cell::get) as i64;
    let before = now();
    let probe = std::hint::black_box(Box::new([0u8; 64]));
    let installed = now() != before;
    drop(probe);
    installed.then(now)
}

/// Hands memory freed so far back to the system, so a later peak-RSS
/// reading is what comes after.
pub fn release_free_memory() {
    // SAFETY: mi_collect only frees pages mimalloc no longer uses.
    unsafe { libmimalloc_sys::mi_collect(true) }
}
