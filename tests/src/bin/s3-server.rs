//! A local S3-protocol server for the end-to-end run: serves a temporary folder with one
//! bucket, seeded through the S3 API from the `*.json` files of the `--seed` folders, and
//! prints `listening <url>` once it is ready.
//!
//! `s3-server --port 0 --bucket rosters --seed samplejson [--seed more/] [--deny KEY]`
//!
//! `--deny KEY` makes GetObject of that key answer 403 AccessDenied (a roster the functions'
//! role may not read), for the scenarios that prove such an alert still rings someone.

use std::path::PathBuf;

use lambda_connect_tests::s3_server::S3Server;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (mut port, mut bucket, mut seeds) = (0u16, String::from("rosters"), Vec::<PathBuf>::new());
    let mut denied = Vec::new();
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--port" => port = value.parse().map_err(|_| format!("--port {value}: not a port number"))?,
            "--bucket" => bucket = value,
            "--seed" => seeds.push(PathBuf::from(value)),
            "--deny" => denied.push(value),
            other => return Err(format!("unknown flag {other} (expected --port, --bucket, --seed, --deny)").into()),
        }
    }
    let server = S3Server::start_denying(port, denied).await?;
    server.create_bucket(&bucket).await?;
    for dir in seeds {
        for entry in std::fs::read_dir(&dir).map_err(|err| format!("{}: {err}", dir.display()))? {
            let path = entry?.path();
            if path.extension().is_some_and(|ext| ext == "json") {
                let key = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                server.put(&bucket, &key, std::fs::read(&path)?).await?;
            }
        }
    }
    println!("listening {}", server.endpoint());
    tokio::signal::ctrl_c().await?;
    Ok(())
}
