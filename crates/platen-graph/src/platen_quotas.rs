//! Platen's print quotas, outside the Graph roots but with Graph's bearer tokens, JSON conventions and errors
//! (administration has the permissions of print policies: printer administration with the Printer
//! Administrator role; a user's own balance needs any print permission).
//!
//! - `GET /platen/print-quotas` → `{"value": [rule]}`; `POST` a rule → 201; `GET`/`DELETE …/{id}`. A rule:
//!   `{"id", "userId" | "groupId", "period": "day"|"week"|"month", "pages" (null: unlimited), "overdraft",
//!   "createdDateTime"}`: a group's rule gives each member that budget; a user's rule is an exception that wins
//!   over their groups'.
//! - `GET /platen/print-quota-balance` → the caller's standing: `{"limited": false}` when no rule limits them,
//!   else `{"limited": true, "ruleId", "period", "pages", "overdraft", "periodStartDateTime", "resetDateTime",
//!   "printedPages", "heldPages", "creditedPages", "remainingPages"}`.
//! - `GET /platen/print-quota-accounts/{userId}` → a user's own rule (or null) and recent accounts (admin);
//!   `POST …/{userId}/credits` `{"period", "pages"}` adds pages (negative: removes) to the current period.

use crate::ctx::GraphState;
use crate::error::{GraphError, GraphResult};
use crate::handlers::{object_body, schema_error};
use crate::print_passwords::{authorized, limited_body};
use crate::response::{json, no_content, ok};
use crate::schema::ObjectReader;
use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::{delete, get, post};
use platen_app::NewQuotaRule;
use platen_app::served::{self, Endpoint, Method, Payload, Row};
use platen_domain::Operation;
use platen_domain::quota::{QuotaAccount, QuotaPeriod, QuotaRule, QuotaSubject};
use platen_domain::time::to_graph;
use serde_json::{Value, json};
use std::sync::Arc;

const RULES: &str = "/platen/print-quotas";
const RULE: &str = "/platen/print-quotas/{id}";
const BALANCE: &str = "/platen/print-quota-balance";
const ACCOUNTS: &str = "/platen/print-quota-accounts/{userId}";
const CREDITS: &str = "/platen/print-quota-accounts/{userId}/credits";

pub(crate) const ROWS: &[Row<Arc<GraphState>>] = &[
    Row {
        endpoint: Endpoint::new(Method::Get, RULES, "The print quota rules.")
            .responds(&[(200, Payload::Json(|| list_schema(rule_schema())))]),
        handler: || get(list_rules),
    },
    Row {
        endpoint: Endpoint::new(
            Method::Post,
            RULES,
            "Give a user or each member of a group a page budget.",
        )
        .request(Payload::Json(rule_schema))
        .responds(&[(201, Payload::Json(rule_schema))]),
        handler: || post(create_rule),
    },
    Row {
        endpoint: Endpoint::new(Method::Get, RULE, "One print quota rule.")
            .responds(&[(200, Payload::Json(rule_schema))]),
        handler: || get(get_rule),
    },
    Row {
        endpoint: Endpoint::new(Method::Delete, RULE, "Delete a print quota rule.")
            .responds(&[(204, Payload::None)]),
        handler: || delete(delete_rule),
    },
    Row {
        endpoint: Endpoint::new(
            Method::Get,
            BALANCE,
            "The caller's print quota: what they may still print.",
        )
        .responds(&[(200, Payload::Json(balance_schema))]),
        handler: || get(my_balance),
    },
    Row {
        endpoint: Endpoint::new(
            Method::Get,
            ACCOUNTS,
            "A user's own quota rule and recent accounts.",
        )
        .responds(&[(200, Payload::Json(user_schema))]),
        handler: || get(user_accounts),
    },
    Row {
        endpoint: Endpoint::new(
            Method::Post,
            CREDITS,
            "Add pages to (or take pages from) a user's current period.",
        )
        .request(Payload::Json(|| {
            json!({"type": "object", "required": ["period", "pages"], "properties": {
                    "period": period_schema(), "pages": {"type": "integer"}}})
        }))
        .responds(&[(200, Payload::Json(account_schema))]),
        handler: || post(credit),
    },
];

pub(crate) fn routes() -> Router<Arc<GraphState>> {
    served::router(ROWS, crate::print_passwords::not_allowed)
}

fn list_schema(items: Value) -> Value {
    json!({"type": "object", "required": ["value"], "properties": {"value": {"type": "array", "items": items}}})
}

fn period_schema() -> Value {
    json!({"type": "string", "enum": ["day", "week", "month"]})
}

fn rule_schema() -> Value {
    json!({"type": "object", "required": ["period"], "properties": {
        "id": {"type": "string"},
        "userId": {"type": "string", "nullable": true, "maxLength": 128},
        "groupId": {"type": "string", "nullable": true, "maxLength": 128},
        "period": period_schema(),
        "pages": {"type": "integer", "nullable": true, "minimum": 0},
        "overdraft": {"type": "integer", "minimum": 0},
        "createdDateTime": {"type": "string", "format": "date-time"},
    }})
}

fn account_schema() -> Value {
    json!({"type": "object", "properties": {
        "period": period_schema(),
        "periodStartDateTime": {"type": "string", "format": "date-time"},
        "printedPages": {"type": "integer"},
        "heldPages": {"type": "integer"},
        "creditedPages": {"type": "integer"},
    }})
}

fn balance_schema() -> Value {
    json!({"type": "object", "required": ["limited"], "properties": {
        "limited": {"type": "boolean"},
        "ruleId": {"type": "string"},
        "period": period_schema(),
        "pages": {"type": "integer", "nullable": true},
        "overdraft": {"type": "integer"},
        "periodStartDateTime": {"type": "string", "format": "date-time"},
        "resetDateTime": {"type": "string", "format": "date-time"},
        "printedPages": {"type": "integer"},
        "heldPages": {"type": "integer"},
        "creditedPages": {"type": "integer"},
        "remainingPages": {"type": "integer", "nullable": true},
    }})
}

fn user_schema() -> Value {
    json!({"type": "object", "properties": {
        "userId": {"type": "string"},
        "rule": {"allOf": [rule_schema()], "nullable": true},
        "accounts": {"type": "array", "items": account_schema()},
    }})
}

fn rule_wire(r: &QuotaRule) -> Value {
    let (user, group) = match &r.subject {
        QuotaSubject::User(u) => (Some(u.as_str()), None),
        QuotaSubject::Group(g) => (None, Some(g.as_str())),
    };
    json!({
        "id": r.id,
        "userId": user,
        "groupId": group,
        "period": r.period.as_str(),
        "pages": r.pages,
        "overdraft": r.overdraft,
        "createdDateTime": to_graph(r.created_at),
    })
}

fn account_wire(a: &QuotaAccount) -> Value {
    json!({
        "period": a.period.as_str(),
        "periodStartDateTime": to_graph(a.period_start),
        "printedPages": a.charged,
        "heldPages": a.held,
        "creditedPages": a.credited,
    })
}

async fn list_rules(State(state): State<Arc<GraphState>>, req: Request) -> GraphResult<Response> {
    let (caller, _) = authorized(&state, req, Operation::ReadPrintPolicies).await?;
    let value: Vec<Value> = state
        .app
        .list_quota_rules(&caller)
        .await?
        .iter()
        .map(rule_wire)
        .collect();
    Ok(ok(&json!({ "value": value })))
}

async fn get_rule(
    State(state): State<Arc<GraphState>>,
    Path(id): Path<String>,
    req: Request,
) -> GraphResult<Response> {
    let (caller, _) = authorized(&state, req, Operation::ReadPrintPolicies).await?;
    Ok(ok(&rule_wire(&state.app.get_quota_rule(&caller, &id).await?)))
}

async fn create_rule(State(state): State<Arc<GraphState>>, req: Request) -> GraphResult<Response> {
    let (caller, body) = authorized(&state, req, Operation::ManagePrintPolicies).await?;
    let value = object_body(&limited_body(&state, body).await?)?;
    let new = read_rule(&value)?;
    let rule = state.app.create_quota_rule(&caller, new).await?;
    let mut resp = json(StatusCode::CREATED, &rule_wire(&rule));
    if let Ok(v) = HeaderValue::from_str(&format!("{}{RULES}/{}", state.public_url, rule.id)) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    Ok(resp)
}

/// A period from its JSON name.
fn read_period(r: &mut ObjectReader) -> GraphResult<QuotaPeriod> {
    let text = r.string("period", 16).map_err(schema_error)?;
    QuotaPeriod::parse(&text)
        .ok_or_else(|| GraphError::bad_request("period must be one of day, week, month."))
}

/// An optional integer member.
fn read_int(r: &mut ObjectReader, name: &str) -> GraphResult<Option<i64>> {
    match r.take(name) {
        None => Ok(None),
        Some(v) => v
            .as_i64()
            .map(Some)
            .ok_or_else(|| GraphError::bad_request(format!("{name} must be a whole number."))),
    }
}

/// A new rule from its JSON: exactly one of `userId` and `groupId`, a period, a budget (`null`: unlimited).
fn read_rule(value: &Value) -> GraphResult<NewQuotaRule> {
    let mut r = ObjectReader::new(value, "body").map_err(schema_error)?;
    let user = r.opt_string("userId", 128).map_err(schema_error)?;
    let group = r.opt_string("groupId", 128).map_err(schema_error)?;
    let subject = match (user, group) {
        (Some(u), None) => QuotaSubject::User(u),
        (None, Some(g)) => QuotaSubject::Group(g),
        _ => {
            return Err(GraphError::bad_request(
                "A print quota is for a user or for each member of a group: give exactly one of userId and groupId.",
            ));
        }
    };
    let period = read_period(&mut r)?;
    let pages =
        match r.required("pages").map_err(schema_error)? {
            Value::Null => None,
            v => Some(v.as_i64().ok_or_else(|| {
                GraphError::bad_request("pages must be a whole number, or null for no limit.")
            })?),
        };
    let overdraft = read_int(&mut r, "overdraft")?.unwrap_or(0);
    r.finish(&["id", "createdDateTime"]).map_err(schema_error)?;
    Ok(NewQuotaRule {
        subject,
        period,
        pages,
        overdraft,
    })
}

async fn delete_rule(
    State(state): State<Arc<GraphState>>,
    Path(id): Path<String>,
    req: Request,
) -> GraphResult<Response> {
    let (caller, _) = authorized(&state, req, Operation::ManagePrintPolicies).await?;
    state.app.delete_quota_rule(&caller, &id).await?;
    Ok(no_content())
}

async fn my_balance(State(state): State<Arc<GraphState>>, req: Request) -> GraphResult<Response> {
    let (caller, _) = authorized(&state, req, Operation::ReadOwnPrintQuota).await?;
    let Some(b) = state.app.my_quota(&caller).await? else {
        return Ok(ok(&json!({"limited": false})));
    };
    let a = &b.account;
    Ok(ok(&json!({
        "limited": b.rule.pages.is_some(),
        "ruleId": b.rule.id,
        "period": b.rule.period.as_str(),
        "pages": b.rule.pages,
        "overdraft": b.rule.overdraft,
        "periodStartDateTime": to_graph(a.period_start),
        "resetDateTime": to_graph(b.resets_at),
        "printedPages": a.charged,
        "heldPages": a.held,
        "creditedPages": a.credited,
        "remainingPages": b.remaining(),
    })))
}

async fn user_accounts(
    State(state): State<Arc<GraphState>>,
    Path(user_id): Path<String>,
    req: Request,
) -> GraphResult<Response> {
    let (caller, _) = authorized(&state, req, Operation::ReadPrintPolicies).await?;
    let q = state.app.user_quota(&caller, &user_id).await?;
    let accounts: Vec<Value> = q.accounts.iter().map(account_wire).collect();
    Ok(ok(&json!({
        "userId": q.user_id,
        "rule": q.own_rule.as_ref().map(rule_wire),
        "accounts": accounts,
    })))
}

async fn credit(
    State(state): State<Arc<GraphState>>,
    Path(user_id): Path<String>,
    req: Request,
) -> GraphResult<Response> {
    let (caller, body) = authorized(&state, req, Operation::ManagePrintPolicies).await?;
    let value = object_body(&limited_body(&state, body).await?)?;
    let mut r = ObjectReader::new(&value, "body").map_err(schema_error)?;
    let period = read_period(&mut r)?;
    let pages = read_int(&mut r, "pages")?.ok_or_else(|| GraphError::bad_request("pages is required."))?;
    r.finish(&[]).map_err(schema_error)?;
    let account = state.app.credit_quota(&caller, &user_id, period, pages).await?;
    Ok(ok(&account_wire(&account)))
}
