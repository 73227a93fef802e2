//! The dial plan: which number prefixes the gateway serves and what each means. Longest prefix
//! wins; a number matching none is refused (HTTP 422) before anything is sent.

use serde::{Deserialize, Serialize};
use service::dial::{check_number, DialError};

/// What a prefix means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RouteKind {
    /// "VN conference calls internet conference": strip the prefix, the rest is the number of a
    /// conference (room) on the MCU named after `@`.
    Cascade,
}

/// One dial-plan entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Route {
    /// Leading digits (`*`, `#` allowed) that select this route.
    pub prefix: String,
    /// What the route does.
    pub kind: RouteKind,
}

/// A checked dial plan.
#[derive(Debug, Clone)]
pub struct DialPlan {
    /// Longest prefix first.
    routes: Vec<Route>,
}

/// A number routed by the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routed<'a> {
    /// The entry that matched.
    pub route: &'a Route,
    /// The number with the prefix stripped: the conference on the MCU.
    pub conference: &'a str,
}

/// A dial plan that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DialPlanError {
    /// A prefix that is empty or has characters a number cannot have.
    #[error("dial plan prefix {prefix:?} is invalid: {source}")]
    BadPrefix {
        /// The prefix.
        prefix: String,
        /// Why.
        source: DialError,
    },
    /// The same prefix twice.
    #[error("dial plan prefix {0:?} appears twice")]
    Duplicate(String),
}

/// A number the plan does not route.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RouteError {
    /// No prefix matches.
    #[error("no dial plan prefix matches {number:?} (known prefixes: {known})")]
    UnknownPrefix {
        /// The number.
        number: String,
        /// The configured prefixes, comma-separated.
        known: String,
    },
    /// The number is only the prefix.
    #[error("{number:?} is only the prefix {prefix:?}; the conference number must follow it")]
    NoConference {
        /// The number.
        number: String,
        /// The prefix.
        prefix: String,
    },
}

impl DialPlan {
    /// Checks and sorts `routes`.
    pub fn new(mut routes: Vec<Route>) -> Result<Self, DialPlanError> {
        for r in &routes {
            check_number(&r.prefix, 0).map_err(|source| DialPlanError::BadPrefix {
                prefix: r.prefix.clone(),
                source,
            })?;
        }
        routes.sort_by(|a, b| {
            b.prefix
                .len()
                .cmp(&a.prefix.len())
                .then(a.prefix.cmp(&b.prefix))
        });
        if let Some(w) = routes.windows(2).find(|w| w[0].prefix == w[1].prefix) {
            return Err(DialPlanError::Duplicate(w[0].prefix.clone()));
        }
        Ok(Self { routes })
    }

    /// Routes `number` (the part of a dial string before `@`).
    pub fn route<'a>(&'a self, number: &'a str) -> Result<Routed<'a>, RouteError> {
        let route = self
            .routes
            .iter()
            .find(|r| number.starts_with(&r.prefix))
            .ok_or_else(|| RouteError::UnknownPrefix {
                number: number.to_owned(),
                known: self.known(),
            })?;
        let conference = &number[route.prefix.len()..];
        if conference.is_empty() {
            return Err(RouteError::NoConference {
                number: number.to_owned(),
                prefix: route.prefix.clone(),
            });
        }
        Ok(Routed { route, conference })
    }

    fn known(&self) -> String {
        let mut prefixes: Vec<&str> = self.routes.iter().map(|r| r.prefix.as_str()).collect();
        prefixes.sort_unstable();
        prefixes.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(prefixes: &[&str]) -> DialPlan {
        DialPlan::new(
            prefixes
                .iter()
                .map(|p| Route {
                    prefix: (*p).into(),
                    kind: RouteKind::Cascade,
                })
                .collect(),
        )
        .unwrap()
    }

    #[test]
    fn strips_the_prefix() {
        let p = plan(&["80"]);
        let r = p.route("801234").unwrap();
        assert_eq!((r.route.prefix.as_str(), r.conference), ("80", "1234"));
        assert_eq!(p.route("80*9#").unwrap().conference, "*9#");
    }

    #[test]
    fn longest_prefix_wins_whatever_the_order() {
        let p = plan(&["8", "801", "80"]);
        assert_eq!(p.route("80123").unwrap().route.prefix, "801");
        assert_eq!(p.route("80234").unwrap().route.prefix, "80");
        assert_eq!(p.route("8234").unwrap().route.prefix, "8");
    }

    #[test]
    fn unknown_prefix_and_missing_conference_are_errors() {
        let p = plan(&["80"]);
        assert!(matches!(
            p.route("701234"),
            Err(RouteError::UnknownPrefix { .. })
        ));
        assert!(p.route("701234").unwrap_err().to_string().contains("80"));
        assert!(matches!(
            p.route("80"),
            Err(RouteError::NoConference { .. })
        ));
    }

    #[test]
    fn bad_plans_are_refused() {
        let bad = |p: &str| Route {
            prefix: p.into(),
            kind: RouteKind::Cascade,
        };
        assert!(matches!(
            DialPlan::new(vec![bad("")]),
            Err(DialPlanError::BadPrefix { .. })
        ));
        assert!(matches!(
            DialPlan::new(vec![bad("8a")]),
            Err(DialPlanError::BadPrefix { .. })
        ));
        assert!(matches!(
            DialPlan::new(vec![bad("80"), bad("80")]),
            Err(DialPlanError::Duplicate(_))
        ));
    }
}
