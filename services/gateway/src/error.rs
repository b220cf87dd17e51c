//! The one table that turns service errors into GraphQL `extensions.code`.

use async_graphql::{Error, ErrorExtensions};
use duban_api::ApiError;
use duban_auth::AuthError;

/// Converts a service error into a GraphQL error with `code` (and `field` for bad input).
pub fn to_graphql(e: ApiError) -> Error {
    let code = e.code();
    let message = e.to_string();
    let field = match &e {
        ApiError::Validation { field, .. } => Some(field.clone()),
        _ => None,
    };
    let state = match &e {
        ApiError::IllegalTransition { from, .. } => Some(from.clone()),
        _ => None,
    };
    Error::new(message).extend_with(|_, ext| {
        ext.set("code", code);
        if let Some(f) = &field {
            ext.set("field", f.as_str());
        }
        if let Some(s) = &state {
            ext.set("currentState", s.as_str());
        }
    })
}

/// The error for a request without a usable token.
pub fn unauthenticated(e: &AuthError) -> Error {
    Error::new(e.to_string()).extend_with(|_, ext| ext.set("code", "UNAUTHENTICATED"))
}

/// The error for a role that may not do this.
pub fn forbidden(message: &str) -> Error {
    to_graphql(ApiError::Forbidden(message.to_string()))
}

/// Extension to turn `Result<T, ApiError>` into a GraphQL result.
pub trait ApiResultExt<T> {
    /// Maps the error through the table.
    fn gql(self) -> async_graphql::Result<T>;
}

impl<T> ApiResultExt<T> for Result<T, ApiError> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(to_graphql)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_service_error_maps_to_its_stable_code() {
        let cases = [
            (ApiError::Unauthenticated("x".into()), "UNAUTHENTICATED"),
            (ApiError::Forbidden("x".into()), "FORBIDDEN"),
            (ApiError::not_found("交办事项", "a"), "NOT_FOUND"),
            (ApiError::validation("title", "请填写"), "VALIDATION"),
            (
                ApiError::IllegalTransition {
                    from: "ACKNOWLEDGED".into(),
                    from_label: "已签收".into(),
                    action: "签收".into(),
                },
                "ILLEGAL_TRANSITION",
            ),
            (
                ApiError::VersionConflict {
                    expected: 1,
                    actual: 2,
                },
                "VERSION_CONFLICT",
            ),
            (ApiError::Internal("db".into()), "INTERNAL"),
        ];
        for (e, code) in cases {
            let g = to_graphql(e);
            let ext = serde_json::to_value(g.extensions.as_ref().unwrap()).unwrap();
            assert_eq!(ext["code"], code);
        }
        let g = to_graphql(ApiError::validation("percent", "进度须在0到100之间"));
        let ext = serde_json::to_value(g.extensions.as_ref().unwrap()).unwrap();
        assert_eq!(ext["field"], "percent");
        assert_eq!(g.message, "进度须在0到100之间");
    }

    #[test]
    fn internal_details_never_reach_the_client() {
        let g = to_graphql(ApiError::Internal("connection refused at 10.0.0.1".into()));
        assert!(!g.message.contains("10.0.0.1"));
    }
}
