//! A scheduled function. netlify.toml sets `schedule = "@daily"`; Netlify
//! (and `ssgx dev`) call it with a POST whose body is `{"next_run": ...}`.

use lambda_http::{Body, Error, Request, Response, run, service_fn};

async fn handler(request: Request) -> Result<Response<Body>, Error> {
    let body = match request.body() {
        Body::Text(t) => t.clone(),
        Body::Binary(b) => String::from_utf8_lossy(b).into_owned(),
        Body::Empty => String::new(),
        _ => String::new(),
    };
    let next_run = serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["next_run"].as_str().map(String::from))
        .unwrap_or_else(|| "unknown".into());
    eprintln!("nightly-report ran; next run {next_run}");
    Ok(Response::builder().status(200).body(Body::Empty)?)
}

// One event at a time per process, as on Lambda: one thread is enough.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    run(service_fn(handler)).await
}
