//! Scheduled functions: Netlify's cron syntax (five fields, UTC, plus
//! `@yearly @monthly @weekly @daily @hourly`) and the runner that calls
//! them with Netlify's schedule event while the runtime runs.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use croner::Cron;

/// A parsed schedule.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub expression: String,
    cron: Cron,
}

impl Schedule {
    /// Parses what Netlify accepts; the error says what is wrong.
    pub fn parse(expression: &str) -> Result<Schedule, String> {
        let trimmed = expression.trim();
        let five = match trimmed {
            "@yearly" => "0 0 1 1 *",
            "@monthly" => "0 0 1 * *",
            "@weekly" => "0 0 * * 0",
            "@daily" => "0 0 * * *",
            "@hourly" => "0 * * * *",
            other if other.starts_with('@') => {
                return Err(format!(
                    "`{other}` is not a schedule Netlify accepts; use @yearly, @monthly, @weekly, @daily, @hourly or five cron fields"
                ));
            }
            other => {
                let fields = other.split_whitespace().count();
                if fields != 5 {
                    return Err(format!(
                        "`{other}` has {fields} fields; Netlify schedules have five (minute hour day month weekday), in UTC"
                    ));
                }
                other
            }
        };
        let cron = Cron::from_str(five)
            .map_err(|e| format!("`{trimmed}` is not a valid cron expression: {e}"))?;
        Ok(Schedule {
            expression: trimmed.to_string(),
            cron,
        })
    }

    /// The first run strictly after `after`.
    pub fn next_after(&self, after: &DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.cron.find_next_occurrence(after, false).ok()
    }
}

/// The body Netlify sends a scheduled function.
pub fn event_body(next_run: &DateTime<Utc>) -> String {
    format!(
        "{{\"next_run\":\"{}\"}}",
        next_run.format("%Y-%m-%dT%H:%M:%S%.3fZ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn parses_netlify_schedules() {
        let at = Utc.with_ymd_and_hms(2026, 11, 29, 7, 30, 0).unwrap();
        let hourly = Schedule::parse("@hourly").unwrap();
        assert_eq!(
            hourly.next_after(&at).unwrap(),
            Utc.with_ymd_and_hms(2026, 11, 29, 8, 0, 0).unwrap()
        );
        let daily = Schedule::parse("@daily").unwrap();
        assert_eq!(
            daily.next_after(&at).unwrap(),
            Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).unwrap()
        );
        let every5 = Schedule::parse("*/5 * * * *").unwrap();
        assert_eq!(
            every5.next_after(&at).unwrap(),
            Utc.with_ymd_and_hms(2026, 11, 29, 7, 35, 0).unwrap()
        );
        assert!(Schedule::parse("@reboot").is_err());
        assert!(Schedule::parse("@annually").is_err());
        assert!(Schedule::parse("0 * * * * *").is_err(), "six fields");
        assert!(Schedule::parse("61 * * * *").is_err());
    }

    #[test]
    fn event_body_is_netlify_shaped() {
        let at = Utc.with_ymd_and_hms(2026, 11, 29, 8, 0, 0).unwrap();
        assert_eq!(
            event_body(&at),
            r#"{"next_run":"2026-11-29T08:00:00.000Z"}"#
        );
    }
}
