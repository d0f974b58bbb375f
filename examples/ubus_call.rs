//! A minimal `ubus call`: `ubus_call SOCKET OBJECT METHOD [JSON-ARGS]`.
//! Handy against a real ubusd on a device, and its release size is the
//! figure for what the ubus client costs in flash.

use cwmpd::backend::ubus::{json, BlobValue, Client};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        eprintln!("usage: ubus_call SOCKET OBJECT METHOD [JSON-ARGS]");
        std::process::exit(2);
    }
    let params = match args.get(4) {
        Some(text) => match json::parse(text) {
            Ok(v @ BlobValue::Table(_)) => v,
            Ok(_) => {
                eprintln!("arguments must be a JSON object");
                std::process::exit(2);
            }
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(2);
            }
        },
        None => BlobValue::empty_table(),
    };
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("runtime: {e}");
            std::process::exit(1);
        }
    };
    let result = rt.block_on(async {
        let client = Client::connect(&args[1]).await?;
        client.call(&args[2], &args[3], &params).await
    });
    match result {
        Ok(reply) => println!("{}", json::to_string(&reply)),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}
