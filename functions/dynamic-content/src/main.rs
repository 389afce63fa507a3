//! `GET /.functions/dynamic-content?userId=1` → `{"userId": "1", "name":
//! "Ada Lovelace", "greeting": "Welcome back, Ada!"}`; a missing or unknown
//! id gets a 400 with a JSON error. The users ship inside the binary.

use std::collections::HashMap;

use lambda_http::{Body, Error, Request, RequestExt, Response, run, service_fn};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
struct User {
    name: String,
    plan: String,
}

const USERS: &str = include_str!("../users.json");

fn reply(status: u16, body: serde_json::Value) -> Result<Response<Body>, Error> {
    Ok(Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("cache-control", "no-store")
        .body(body.to_string().into())?)
}

async fn handler(request: Request) -> Result<Response<Body>, Error> {
    let users: HashMap<String, User> = serde_json::from_str(USERS)?;
    let params = request.query_string_parameters();
    let Some(id) = params.first("userId") else {
        return reply(400, json!({ "error": "missing userId", "hint": "call with ?userId=1" }));
    };
    let Some(user) = users.get(id) else {
        return reply(400, json!({ "error": format!("unknown userId {id}") }));
    };
    let first = user.name.split_whitespace().next().unwrap_or(&user.name);
    reply(
        200,
        json!({
            "userId": id,
            "name": user.name,
            "plan": user.plan,
            "greeting": format!("Welcome back, {first}!"),
        }),
    )
}

// One event at a time per process, as on Lambda (more calls at once get
// more processes), so one thread is all it needs, and the fastest.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    run(service_fn(handler)).await
}
