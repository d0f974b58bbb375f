//! Prints how long the agent's real data model (src/model/: UCI files and
//! /proc read on every call) takes on the fixture router
//! tests/fixtures/model/router: building it (done once per session) and
//! GetParameterValues `Device.`. Figures, not asserts.

use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use cwmpd::agent::identity::Identity;
use cwmpd::model::{build, Live};
use cwmpd::paths::Root;

fn main() {
    let root = Root::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/model/router"));
    let live = Live {
        identity: Identity {
            manufacturer: "Example".into(),
            oui: "021122".into(),
            product_class: "Router".into(),
            serial_number: "SN0001".into(),
            software_version: "23.05.3".into(),
            hardware_version: "rev1".into(),
        },
        connection_request_url: "http://192.0.2.1:7547/abc".into(),
        stun: Default::default(),
        now: 1_709_294_400,
        netifd: None,
    };
    let all = vec!["Device.".to_string()];

    let n = 200u32;
    let t = Instant::now();
    for _ in 0..n {
        black_box(build(&root, live.clone()));
    }
    let built = t.elapsed() / n;

    let mut dm = build(&root, live.clone());
    let count = dm.get_parameter_values(&all).expect("GPV Device.").len();
    let t = Instant::now();
    for _ in 0..n {
        black_box(dm.get_parameter_values(black_box(&all)).expect("GPV"));
    }
    let gpv = t.elapsed() / n;

    println!("model: fixture router (tests/fixtures/model/router), files read per call");
    println!("  build (per session):   {built:?}");
    println!("  GPV Device.:           {gpv:?} for {count} parameters");
}
