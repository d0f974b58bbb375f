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

/// Run `f` `iters` times; print time and allocation per operation.
fn measure(label: &str, iters: u32, mut f: impl FnMut()) {
    for _ in 0..iters / 10 {
        f(); // warm-up
    }
    let b0 = BYTES.load(Ordering::Relaxed);
    let a0 = ALLOCS.load(Ordering::Relaxed);
    let start = Instant::now();
    for _ in 0..iters {
        f();
    }
    let elapsed = start.elapsed();
    let bytes = (BYTES.load(Ordering::Relaxed) - b0) / u64::from(iters);
    let allocs = (ALLOCS.load(Ordering::Relaxed) - a0) / u64::from(iters);
    println!(
        "{label:<48} {:>9.1} µs/op  {:>9} bytes/op  {:>6} allocs/op",
        elapsed.as_secs_f64() * 1e6 / f64::from(iters),
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
