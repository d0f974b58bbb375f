//! Prints how long the engine takes for GetParameterValues `Device.` (the
//! biggest read an ACS does) and GetParameterNames `""` false, over the
//! in-memory provider shaped like a router with 8 interfaces: 8 IP
//! interfaces with 2 IPv4 addresses each, 8 Ethernet ports, 40 processes.
//! Figures, not asserts.

use std::hint::black_box;
use std::time::Instant;

use cwmpd::datamodel::mem::MemProvider;
use cwmpd::datamodel::{DataModel, Schema};

fn router() -> DataModel {
    let mut m = MemProvider::new(Schema::tr181());
    m.put("Device.", &[], "RootDataModelVersion", "2.19");
    for i in 0..8 {
        let k = format!("if{i}");
        m.put_instance("Device.IP.Interface.{i}.", &[], &k);
        m.put("Device.IP.Interface.{i}.", &[&k], "Name", &k);
        for a in 0..2 {
            let ak = format!("{k}_a{a}");
            m.put_instance("Device.IP.Interface.{i}.IPv4Address.{i}.", &[&k], &ak);
            m.put(
                "Device.IP.Interface.{i}.IPv4Address.{i}.",
                &[&k, &ak],
                "IPAddress",
                &format!("10.{i}.{a}.1"),
            );
        }
        let e = format!("eth{i}");
        m.put_instance("Device.Ethernet.Interface.{i}.", &[], &e);
        m.put("Device.Ethernet.Interface.{i}.", &[&e], "Name", &e);
    }
    for p in 0..40 {
        let k = format!("pid{p}");
        m.put_instance("Device.DeviceInfo.ProcessStatus.Process.{i}.", &[], &k);
    }
    let mut dm = DataModel::new(Schema::tr181());
    dm.mount("Device.", Box::new(m));
    dm
}

fn main() {
    let mut dm = router();
    let root = vec![String::new()];
    let count = dm.get_parameter_values(&root).expect("GPV Device.").len();
    let names = dm.get_parameter_names("", false).expect("GPN").len();
    let bytes: usize = dm
        .get_parameter_values(&root)
        .expect("GPV")
        .iter()
        .map(|p| p.name.len() + p.value.len())
        .sum();

    let n = 2_000u32;
    let t = Instant::now();
    for _ in 0..n {
        black_box(dm.get_parameter_values(black_box(&root)).expect("GPV"));
    }
    let gpv = t.elapsed() / n;

    let t = Instant::now();
    for _ in 0..n {
        black_box(dm.get_parameter_names(black_box(""), false).expect("GPN"));
    }
    let gpn = t.elapsed() / n;

    let one = vec!["Device.IP.Interface.5.Stats.BytesSent".to_string()];
    let m = 200_000u32;
    let t = Instant::now();
    for _ in 0..m {
        black_box(dm.get_parameter_values(black_box(&one)).expect("GPV one"));
    }
    let single = t.elapsed() / m;

    // What the generated table costs in the binary (rodata): descriptors
    // plus string bytes (64-bit host; pointers halve on 32-bit MIPS/ARM).
    let schema = Schema::tr181();
    let desc = std::mem::size_of_val(schema.objects()) + std::mem::size_of_val(schema.params());
    let strings: usize = schema.objects().iter().map(|o| o.path.len()).sum::<usize>()
        + schema
            .params()
            .iter()
            .map(|p| {
                p.name.len()
                    + p.enums.iter().map(|e| e.len() + 16).sum::<usize>()
                    + p.ranges.len() * 32
            })
            .sum::<usize>();
    println!(
        "schema table: {} objects, {} parameters, ~{} bytes static ({} descriptors + {} strings/slices)",
        schema.objects().len(),
        schema.params().len(),
        desc + strings,
        desc,
        strings
    );
    println!(
        "datamodel: router with 8 IP + 8 Ethernet interfaces, 16 IPv4 addresses, 40 processes"
    );
    println!("  GPV Device.: {count} parameters ({bytes} bytes of names+values), {gpv:?} per call ({:.0} ns/parameter)", gpv.as_nanos() as f64 / count as f64);
    println!("  GPN \"\" false: {names} names, {gpn:?} per call");
    println!("  GPV one full name: {single:?} per call");
}
