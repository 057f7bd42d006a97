//! A global allocator for tests that scans every block as it is freed for registered byte
//! patterns (a token's secret, its base32, its keyed HMAC states). A hit means a secret was left
//! in memory the program gave back: the allocator may hand it to anyone next.
//!
//! Reallocation is not passed to the system allocator: the default `GlobalAlloc::realloc`
//! allocates, copies and frees through [`ScanningAllocator::dealloc`], so the block a growing
//! buffer leaves behind is scanned too.
//!
//! Patterns live in fixed static arrays (registering one never allocates, so it cannot recurse),
//! and scanning is off until [`arm`] is called.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, AtomicUsize, Ordering};

/// Most patterns at once.
pub const MAX_PATTERNS: usize = 64;
/// Longest pattern in bytes.
pub const MAX_LEN: usize = 64;
/// Shortest pattern accepted (shorter ones would match by chance).
pub const MIN_LEN: usize = 16;

static PATTERNS: [[AtomicU8; MAX_LEN]; MAX_PATTERNS] =
    [const { [const { AtomicU8::new(0) }; MAX_LEN] }; MAX_PATTERNS];
static LENS: [AtomicUsize; MAX_PATTERNS] = [const { AtomicUsize::new(0) }; MAX_PATTERNS];
static COUNT: AtomicUsize = AtomicUsize::new(0);
static ARMED: AtomicBool = AtomicBool::new(false);
static HITS: AtomicUsize = AtomicUsize::new(0);
static HIT_MASK: AtomicU64 = AtomicU64::new(0);
static TRACE: AtomicBool = AtomicBool::new(false);

/// The scanning allocator; install it with `#[global_allocator]` in a test binary.
pub struct ScanningAllocator;

fn scan(block: &[u8]) {
    let count = COUNT.load(Ordering::Acquire);
    for (index, pattern) in PATTERNS.iter().enumerate().take(count) {
        let len = LENS[index].load(Ordering::Relaxed);
        if len < MIN_LEN || block.len() < len {
            continue;
        }
        let first = pattern[0].load(Ordering::Relaxed);
        let found = (0..=block.len() - len).find(|&at| {
            block[at] == first
                && (1..len).all(|i| block[at + i] == pattern[i].load(Ordering::Relaxed))
        });
        if let Some(at) = found {
            HITS.fetch_add(1, Ordering::Relaxed);
            HIT_MASK.fetch_or(1 << index, Ordering::Relaxed);
            if TRACE.load(Ordering::Relaxed) {
                // Capturing and printing allocate and free: disarmed meanwhile, so those frees
                // are not scanned (and cannot recurse here).
                ARMED.store(false, Ordering::Release);
                eprintln!(
                    "freed block of {} bytes held pattern {index} at offset {at}, freed by:\n{}",
                    block.len(),
                    std::backtrace::Backtrace::force_capture()
                );
                ARMED.store(true, Ordering::Release);
            }
        }
    }
}

// SAFETY: every call is forwarded to the system allocator with the same arguments; `dealloc`
// only reads the block (which the caller still owns until `System.dealloc` returns) before
// forwarding.
unsafe impl GlobalAlloc for ScanningAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as ours.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if ARMED.load(Ordering::Acquire) && layout.size() > 0 {
            // SAFETY: `ptr` points to a live block of `layout.size()` bytes that we were given
            // back; nothing else uses it until it is freed below.
            let block = unsafe { std::slice::from_raw_parts(ptr, layout.size()) };
            scan(block);
        }
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// Registers patterns (while disarmed); returns false when one is too short or too long or the
/// table is full.
pub fn set_patterns(patterns: &[Vec<u8>]) -> bool {
    assert!(
        !ARMED.load(Ordering::Acquire),
        "disarm before changing patterns"
    );
    if patterns.len() > MAX_PATTERNS
        || patterns
            .iter()
            .any(|p| !(MIN_LEN..=MAX_LEN).contains(&p.len()))
    {
        return false;
    }
    for (index, pattern) in patterns.iter().enumerate() {
        for (i, byte) in pattern.iter().enumerate() {
            PATTERNS[index][i].store(*byte, Ordering::Relaxed);
        }
        LENS[index].store(pattern.len(), Ordering::Relaxed);
    }
    COUNT.store(patterns.len(), Ordering::Release);
    true
}

/// Prints the stack of every hit (where the block was freed) to standard error: set it when a
/// check fails to find the code that dropped the secret without wiping it.
pub fn trace_hits(on: bool) {
    TRACE.store(on, Ordering::Relaxed);
}

/// Starts scanning freed blocks, with the hit count at zero.
pub fn arm() {
    HITS.store(0, Ordering::Relaxed);
    HIT_MASK.store(0, Ordering::Relaxed);
    ARMED.store(true, Ordering::Release);
}

/// Stops scanning and returns (freed blocks that held a pattern, bit mask of the patterns seen).
pub fn disarm() -> (usize, u64) {
    ARMED.store(false, Ordering::Release);
    (
        HITS.load(Ordering::Relaxed),
        HIT_MASK.load(Ordering::Relaxed),
    )
}
