//! Codec figures: decode of a 1,000-name GetParameterValues request and
//! encode of its 1,000-value response — time per operation and bytes
//! allocated per operation (counted by a wrapping global allocator).
//! Run: cargo bench --bench codec

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use cwmpd::cwmp::rpc::parameters::*;
use cwmpd::cwmp::xsd::ValueType;
use cwmpd::cwmp::*;

struct Counting;

static BYTES: AtomicU64 = AtomicU64::new(0);
static ALLOCS: AtomicU64 = AtomicU64::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        BYTES.fetch_add(layout.size() as u64, Ordering::Relaxed);
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // Count the growth only: that is what a realloc adds.
        BYTES.fetch_add(
            new_size.saturating_sub(layout.size()) as u64,
            Ordering::Relaxed,
        );
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const N: usize = 1000;

fn names() -> Vec<String> {
    (1..=N)
        .map(|i| {
            format!(
                "Device.IP.Interface.{}.Stats.X_00D09E_Counter{}",
                i % 16 + 1,
                i
            )
        })
        .collect()
}

/// Run `f` `iters` times in 20 batches; print the mean and the fastest
/// batch's time per operation (the machine is shared: the best batch is the
/// least disturbed one) and the allocation per operation.
fn measure(label: &str, iters: u32, mut f: impl FnMut()) {
    const BATCHES: u32 = 20;
    for _ in 0..iters / 10 {
        f(); // warm-up
    }
    let per_batch = iters / BATCHES;
    let b0 = BYTES.load(Ordering::Relaxed);
    let a0 = ALLOCS.load(Ordering::Relaxed);
    let mut best = f64::MAX;
    let start = Instant::now();
    for _ in 0..BATCHES {
        let t = Instant::now();
        for _ in 0..per_batch {
            f();
        }
        best = best.min(t.elapsed().as_secs_f64() / f64::from(per_batch));
    }
    let total = per_batch * BATCHES;
    let mean = start.elapsed().as_secs_f64() / f64::from(total);
    let bytes = (BYTES.load(Ordering::Relaxed) - b0) / u64::from(total);
    let allocs = (ALLOCS.load(Ordering::Relaxed) - a0) / u64::from(total);
    println!(
        "{label:<48} mean {:>7.1} µs/op  best {:>7.1} µs/op  {:>8} bytes/op  {:>5} allocs/op",
        mean * 1e6,
        best * 1e6,
        bytes,
        allocs
    );
}

fn main() {
    let request = Envelope {
        header: Header {
            id: Some("1a1fee8a7b80000".into()),
            ..Header::default()
        },
        body: Body::AcsRequest(AcsRequest::GetParameterValues(GetParameterValues {
            parameter_names: names(),
        })),
    };
    let request_bytes = encode(&request, CwmpVersion::V1_2);
    let response = Envelope {
        header: request.header.clone(),
        body: Body::CpeResponse(CpeResponse::GetParameterValues(
            GetParameterValuesResponse {
                parameter_list: names()
                    .into_iter()
                    .enumerate()
                    .map(|(i, n)| {
                        ParameterValue::new(n, (i * 7919).to_string(), ValueType::UnsignedInt)
                    })
                    .collect(),
            },
        )),
    };
    let response_len = encode(&response, CwmpVersion::V1_2).len();
    println!(
        "GetParameterValues request: {} bytes, response: {} bytes, {N} parameters",
        request_bytes.len(),
        response_len
    );
    let limits = Limits::default();
    measure("decode GetParameterValues (1,000 names)", 2000, || {
        let d = decode(black_box(&request_bytes), &limits).expect("decodes");
        black_box(d);
    });
    measure(
        "encode GetParameterValuesResponse (1,000 values)",
        2000,
        || {
            black_box(encode(black_box(&response), CwmpVersion::V1_2));
        },
    );
}
