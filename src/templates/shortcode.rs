//! Shortcodes from templates: `templates/shortcodes/NAME.html` (site, then
//! theme), then the built-in `dynamic`. The same shortcodes are template
//! functions too, so `{{ dynamic(function="x") }}` works in a layout.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value};
use tera::{Function, Tera};

use super::{Templates, dynamic, error_chain};

/// Where the templates of shortcodes live, inside a templates folder.
pub const FOLDER: &str = "shortcodes/";

fn template_name(name: &str) -> String {
    format!("{FOLDER}{name}.html")
}

/// Renders shortcode `name` from its template in `tera`, or the built-in.
fn render(
    tera: &Tera,
    has_template: bool,
    name: &str,
    args: &Map<String, Value>,
    body: Option<&str>,
) -> Option<Result<String, String>> {
    if has_template {
        let mut context = tera::Context::new();
        for (key, value) in args {
            context.insert(key, value);
        }
        if let Some(body) = body {
            context.insert("body", body);
        }
        let template = template_name(name);
        // The template file's last newline is not part of the output: an
        // inline shortcode stays inline.
        let rendered = tera.render(&template, &context);
        return Some(
            rendered
                .map(|html| html.trim_end().to_string())
                .map_err(|e| {
                    let chain = error_chain(&e);
                    let last = chain.lines().last().unwrap_or_default().to_string();
                    format!("templates/{template} failed: {last}")
                }),
        );
    }
    match name {
        "dynamic" => Some(dynamic::render(args, body)),
        _ => None,
    }
}

impl crate::shortcodes::Renderer for Templates {
    fn render_shortcode(
        &self,
        name: &str,
        args: &Map<String, Value>,
        body: Option<&str>,
    ) -> Option<Result<String, String>> {
        render(&self.tera, self.has(&template_name(name)), name, args, body)
    }
}

/// Registers each shortcode as a template function of `tera`. Shortcode
/// templates render with a copy of the set taken now: they see filters and
/// each other's templates, not the site functions registered later.
pub fn register(tera: &mut Tera, names: &[&str]) {
    let own: Vec<String> = names
        .iter()
        .filter_map(|n| n.strip_prefix(FOLDER)?.strip_suffix(".html"))
        .map(str::to_string)
        .collect();
    let copy = Arc::new(tera.clone());
    for name in &own {
        tera.register_function(
            name,
            ShortcodeFunction {
                tera: Arc::clone(&copy),
                name: name.clone(),
                has_template: true,
            },
        );
    }
    if !own.iter().any(|n| n == "dynamic") {
        tera.register_function(
            "dynamic",
            ShortcodeFunction {
                tera: copy,
                name: "dynamic".to_string(),
                has_template: false,
            },
        );
    }
}

struct ShortcodeFunction {
    tera: Arc<Tera>,
    name: String,
    has_template: bool,
}

impl Function for ShortcodeFunction {
    fn call(&self, args: &HashMap<String, Value>) -> tera::Result<Value> {
        let mut map: Map<String, Value> = args.clone().into_iter().collect();
        let body = match map.remove("body") {
            Some(Value::String(s)) => Some(s),
            Some(_) => return Err(format!("{}: `body` must be a string", self.name).into()),
            None => None,
        };
        match render(
            &self.tera,
            self.has_template,
            &self.name,
            &map,
            body.as_deref(),
        ) {
            Some(Ok(html)) => Ok(Value::String(html)),
            Some(Err(message)) => Err(format!("shortcode `{}`: {message}", self.name).into()),
            None => Err(format!("unknown shortcode `{}`", self.name).into()),
        }
    }

    fn is_safe(&self) -> bool {
        true
    }
}
