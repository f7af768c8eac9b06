//! `GET /platen/openapi.json`: an OpenAPI 3.0 description of everything Platen serves over HTTP, generated,
//! not written: the Graph paths and methods come from the route table the router matches (`route_table`),
//! their schemas from the CSDL each version serves as `$metadata` (`csdl`), and the other endpoints from the
//! rows their routers are built from (`platen_app::served`). Tools such as schemathesis fuzz the running
//! server from it; client generators can read it.

pub mod csdl;

use crate::route::Version;
use crate::route_table::{self, GraphRoute, Verb, Versions};
use csdl::{Model, Node, TypeRef};
use platen_app::served::{Auth, Endpoint, Errors, Payload};
use serde_json::{Map, Value, json};
use std::sync::LazyLock;

const VERSIONS: [Version; 2] = [Version::V1, Version::Beta];

fn model(version: Version) -> &'static Model {
    fn load(version: Version) -> Model {
        let (xml, _) = crate::metadata::document(version);
        // The documents are compiled in and parsed by this crate's tests: a failure here is a build defect.
        Model::parse(xml, &schema_prefix(version)).unwrap_or_default()
    }
    static V1: LazyLock<Model> = LazyLock::new(|| load(Version::V1));
    static BETA: LazyLock<Model> = LazyLock::new(|| load(Version::Beta));
    match version {
        Version::V1 => &V1,
        Version::Beta => &BETA,
    }
}

fn schema_prefix(version: Version) -> String {
    format!("{}.microsoft.graph.", version.as_str())
}

/// The whole document, for a server reached at `public_url`, with `served` (every endpoint outside the Graph
/// route table) described after the Graph paths.
pub fn document(public_url: &str, served: &[Endpoint]) -> Value {
    let mut paths = Map::new();
    for version in VERSIONS {
        for row in route_table::table() {
            if row.versions == Versions::BetaOnly && version == Version::V1 {
                continue;
            }
            let path = format!("/{}/{}", version.as_str(), row.documented_path());
            let item = graph_path_item(version, row);
            if !item.is_empty() {
                paths.insert(path, Value::Object(item));
            }
        }
    }
    for e in served {
        let item = paths
            .entry(e.path.to_string())
            .or_insert_with(|| json!({}))
            .as_object_mut();
        if let Some(item) = item {
            item.insert(e.method.as_str().to_lowercase(), served_operation(e));
        }
    }
    let mut schemas = Map::new();
    for version in VERSIONS {
        schemas.extend(model(version).components());
    }
    schemas.insert("odataError".into(), graph_error_schema());
    schemas.insert(
        "oauthError".into(),
        json!({"type": "object", "required": ["error"], "properties": {
            "error": {"type": "string"}, "error_description": {"type": "string"}}}),
    );
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Platen",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Microsoft Graph print API (v1.0 and beta) as Platen serves it, Platen's own endpoints, \
                the upload and download URLs, the device token endpoint and the IPP endpoints. Generated from the \
                routers' tables and the CSDL of each version's $metadata. Paths and action names are also \
                accepted in other letter cases and in the spellings listed under x-platen-aliases.",
        },
        "servers": [{"url": public_url}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                    "description": "An access token of a trusted issuer (Entra ID or Platen's development issuer)."},
                "printPassword": {"type": "http", "scheme": "basic",
                    "description": "A print password (IPP Everywhere clients that cannot send a bearer token)."},
                "deviceToken": {"type": "http", "scheme": "bearer",
                    "description": "A device access token from /device/token."},
            },
            "responses": {
                "graphError": {"description": "A Graph error.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/odataError"}}}},
            },
        },
    })
}

/// Graph's error body: every failure of a Graph or `/platen/` route has this shape.
fn graph_error_schema() -> Value {
    json!({
        "type": "object",
        "required": ["error"],
        "properties": {"error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "minLength": 1},
                "message": {"type": "string"},
                "innerError": {"type": "object"},
                "details": {"type": "array"},
            },
        }},
    })
}

fn graph_path_item(version: Version, row: &GraphRoute) -> Map<String, Value> {
    let documented = row.documented_path();
    let node = model(version).resolve(&documented);
    let mut item = Map::new();
    for &verb in row.methods {
        let mut op = graph_operation(version, node.as_ref(), verb);
        let o = op.as_object_mut();
        if let Some(o) = o {
            o.insert(
                "operationId".into(),
                json!(operation_id(version.as_str(), verb.as_str(), &documented)),
            );
            o.insert("tags".into(), json!([format!("Graph {}", version.as_str())]));
            let mut parameters = path_parameters(&documented);
            if let Some(q) = o.remove("x-query").and_then(|q| q.as_array().cloned()) {
                parameters.extend(q);
            }
            o.insert("parameters".into(), json!(parameters));
            let aliases = row.aliases();
            if !aliases.is_empty() {
                o.insert(
                    "x-platen-aliases".into(),
                    json!(
                        aliases
                            .iter()
                            .map(|a| format!("/{}/{a}", version.as_str()))
                            .collect::<Vec<_>>()
                    ),
                );
            }
            if node.is_none() {
                o.insert(
                    "description".into(),
                    json!(format!(
                        "Not in the {} CSDL: a Platen addition, or a spelling Graph's clients use.",
                        version.as_str()
                    )),
                );
            }
        }
        item.insert(verb.as_str().to_lowercase(), op);
    }
    item
}

fn operation_id(version: &str, method: &str, path: &str) -> String {
    let cleaned: String = path
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!(
        "{}_{}_{}",
        version.replace('.', "_"),
        method.to_lowercase(),
        cleaned
    )
}

/// Every `{name}` of a path (including those inside a function segment's arguments), as required strings.
fn path_parameters(path: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else { break };
        let name = &rest[start + 1..start + len];
        out.push(json!({"name": name, "in": "path", "required": true, "schema": {"type": "string", "minLength": 1}}));
        rest = &rest[start + len + 1..];
    }
    out
}

fn query(name: &str, schema: Value) -> Value {
    json!({"name": name, "in": "query", "required": false, "schema": schema})
}

/// OData query options: `$select`/`$expand` on one entity, all of them on a collection.
fn odata_options(collection: bool) -> Vec<Value> {
    let string = json!({"type": "string"});
    let mut out = vec![query("$select", string.clone()), query("$expand", string.clone())];
    if collection {
        out.extend([
            query("$filter", string.clone()),
            query("$orderby", string.clone()),
            query("$search", string.clone()),
            query("$skiptoken", string),
            query("$top", json!({"type": "integer", "minimum": 0})),
            query("$skip", json!({"type": "integer", "minimum": 0})),
            query("$count", json!({"type": "boolean"})),
        ]);
    }
    out
}

fn json_content(schema: Value) -> Value {
    json!({"application/json": {"schema": schema}})
}

fn answer(description: &str, schema: Option<Value>) -> Value {
    match schema {
        Some(s) => json!({"description": description, "content": json_content(s)}),
        None => json!({"description": description}),
    }
}

fn collection_schema(items: Value) -> Value {
    json!({"type": "object", "required": ["value"], "properties": {
        "value": {"type": "array", "items": items},
        "@odata.context": {"type": "string"},
        "@odata.count": {"type": "integer"},
        "@odata.nextLink": {"type": "string"},
    }})
}

fn ref_schema() -> Value {
    json!({"type": "object", "required": ["@odata.id"], "properties": {"@odata.id": {"type": "string"}}})
}

/// One Graph operation: request body, success answers and query options from what the path addresses in the
/// version's model (`None`: outside the model, described loosely).
fn graph_operation(version: Version, node: Option<&Node>, verb: Verb) -> Value {
    let m = model(version);
    let entity = |t: &str| {
        m.schema_of(
            &TypeRef {
                name: t.to_string(),
                collection: false,
            },
            false,
        )
    };
    let mut request: Option<Value> = None;
    let mut responses = Map::new();
    let mut options: Vec<Value> = Vec::new();
    let mut security = json!([{"bearer": []}]);
    match (node, verb) {
        (Some(Node::Metadata), _) => {
            security = json!([]);
            responses.insert(
                "200".into(),
                json!({"description": "The version's CSDL.", "content": {"application/xml": {"schema": {"type": "string"}}}}),
            );
            responses.insert("304".into(), json!({"description": "Unchanged (If-None-Match)."}));
        }
        (Some(Node::Collection(t)), Verb::Get) => {
            options = odata_options(true);
            responses.insert(
                "200".into(),
                answer("A page of the collection.", Some(collection_schema(entity(t)))),
            );
        }
        (Some(Node::Collection(t)), Verb::Post) => {
            request = Some(entity(t));
            responses.insert("201".into(), answer("Created.", Some(entity(t))));
        }
        (Some(Node::Single(t)), Verb::Get) => {
            options = odata_options(false);
            responses.insert("200".into(), answer("The entity.", Some(entity(t))));
        }
        (Some(Node::Single(t)), Verb::Patch) => {
            request = Some(entity(t));
            responses.insert("200".into(), answer("Updated.", Some(entity(t))));
            responses.insert("204".into(), answer("Updated.", None));
        }
        (Some(Node::Count), _) => {
            options = vec![
                query("$filter", json!({"type": "string"})),
                query("$search", json!({"type": "string"})),
            ];
            responses.insert(
                "200".into(),
                json!({"description": "The number of members.", "content": {"text/plain": {"schema": {"type": "string", "pattern": "^[0-9]+$"}}}}),
            );
        }
        (Some(Node::Refs), Verb::Get) => {
            options = odata_options(true);
            responses.insert(
                "200".into(),
                answer("References.", Some(collection_schema(ref_schema()))),
            );
        }
        (Some(Node::Refs), Verb::Post) => {
            request = Some(ref_schema());
            responses.insert("204".into(), answer("Added.", None));
        }
        (Some(Node::Refs), Verb::Delete) => {
            options =
                vec![json!({"name": "$id", "in": "query", "required": true, "schema": {"type": "string"}})];
        }
        (Some(Node::Ref), Verb::Get) => {
            responses.insert("200".into(), answer("The reference.", Some(ref_schema())));
        }
        (Some(Node::Value), _) => {
            responses.insert(
                "200".into(),
                json!({"description": "The document's bytes.", "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}}}),
            );
            responses.insert(
                "302".into(),
                json!({"description": "Redirect to a download URL."}),
            );
        }
        (Some(Node::Operation(o)), _) => {
            if !o.function && !o.parameters.is_empty() {
                request = Some(m.parameters_schema(o));
            }
            if o.function {
                options = odata_options(o.returns.as_ref().is_some_and(|r| r.collection));
            }
            match &o.returns {
                Some(r) if r.collection => {
                    let single = TypeRef {
                        collection: false,
                        ..r.clone()
                    };
                    responses.insert(
                        "200".into(),
                        answer(
                            "The result.",
                            Some(collection_schema(m.schema_of(&single, false))),
                        ),
                    );
                }
                Some(r) => {
                    responses.insert("200".into(), answer("The result.", Some(m.schema_of(r, false))));
                }
                None => {
                    responses.insert("204".into(), answer("Done.", None));
                }
            }
        }
        (None, Verb::Get) => {
            options = odata_options(true);
            responses.insert(
                "200".into(),
                answer("The result.", Some(json!({"type": "object"}))),
            );
        }
        (None, _) => {
            request = Some(json!({"type": "object"}));
            responses.insert(
                "200".into(),
                answer("The result.", Some(json!({"type": "object"}))),
            );
            responses.insert("204".into(), answer("Done.", None));
        }
        _ => {}
    }
    if verb == Verb::Delete && responses.is_empty() {
        responses.insert("204".into(), answer("Deleted.", None));
    }
    if responses.is_empty() {
        responses.insert("200".into(), answer("The result.", Some(json!({}))));
    }
    responses.insert(
        "default".into(),
        json!({"$ref": "#/components/responses/graphError"}),
    );
    let mut op = json!({"responses": responses, "security": security, "x-query": options});
    if let (Some(schema), Some(o)) = (request, op.as_object_mut()) {
        o.insert(
            "requestBody".into(),
            json!({"required": true, "content": json_content(schema)}),
        );
    }
    op
}

fn payload_content(p: &Payload) -> Option<Value> {
    Some(match p {
        Payload::None => return None,
        Payload::Json(schema) => json_content(schema()),
        Payload::Form(schema) => json!({"application/x-www-form-urlencoded": {"schema": schema()}}),
        Payload::Ipp => json!({"application/ipp": {"schema": {"type": "string", "format": "binary"}}}),
        Payload::Bytes(media) => json!({ *media: {"schema": {"type": "string", "format": "binary"}}}),
        Payload::Text => json!({"text/plain": {"schema": {"type": "string"}}}),
    })
}

fn served_operation(e: &Endpoint) -> Value {
    let mut responses = Map::new();
    for (status, payload) in e.responses {
        let mut r = json!({"description": e.summary});
        if let (Some(content), Some(o)) = (payload_content(payload), r.as_object_mut()) {
            o.insert("content".into(), content);
        }
        responses.insert(status.to_string(), r);
    }
    let default = match e.errors {
        Errors::Graph => json!({"$ref": "#/components/responses/graphError"}),
        Errors::OAuth => json!({"description": "An OAuth error.",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/oauthError"}}}}),
        Errors::Ipp => json!({"description": "An HTTP failure before the IPP message is read."}),
        Errors::Text => {
            json!({"description": "A failure.", "content": {"text/plain": {"schema": {"type": "string"}}}})
        }
    };
    responses.insert("default".into(), default);
    let security = match e.auth {
        Auth::Public | Auth::UrlCredential | Auth::DeviceAssertion => json!([]),
        Auth::Bearer => json!([{"bearer": []}]),
        Auth::DeviceToken => json!([{"deviceToken": []}]),
        Auth::IppClient => json!([{"bearer": []}, {"printPassword": []}, {}]),
    };
    let mut parameters = path_parameters(e.path);
    for (name, required) in e.query {
        parameters
            .push(json!({"name": name, "in": "query", "required": required, "schema": {"type": "string"}}));
    }
    for (name, required) in e.headers {
        parameters
            .push(json!({"name": name, "in": "header", "required": required, "schema": {"type": "string"}}));
    }
    let mut op = json!({
        "summary": e.summary,
        "operationId": operation_id("platen", e.method.as_str(), e.path.trim_start_matches('/')),
        "tags": [tag(e.path)],
        "parameters": parameters,
        "responses": responses,
        "security": security,
    });
    if let (Some(content), Some(o)) = (payload_content(&e.request), op.as_object_mut()) {
        o.insert(
            "requestBody".into(),
            json!({"required": true, "content": content}),
        );
    }
    op
}

fn tag(path: &str) -> &'static str {
    if path.starts_with("/ipp/") || path.starts_with("/device/") {
        "Devices and IPP"
    } else if path.starts_with("/platen/") {
        "Platen"
    } else {
        "Service"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_graph_route_is_described_with_its_methods() {
        let doc = document("http://localhost", &[]);
        let paths = doc["paths"].as_object().unwrap();
        let printer = &paths["/v1.0/print/printers/{printerId}"];
        assert!(printer["get"]["responses"]["200"].is_object());
        assert!(printer["patch"]["requestBody"].is_object());
        assert!(printer["delete"].is_object());
        assert!(printer.get("post").is_none());
        let redirect = &paths["/beta/print/printers/{printerId}/jobs/{printJobId}/redirect"]["post"];
        assert_eq!(
            redirect["requestBody"]["content"]["application/json"]["schema"]["required"],
            json!(["destinationPrinterId"])
        );
        assert!(paths.contains_key("/beta/print/printers/{printerId}/share"));
        assert!(!paths.contains_key("/v1.0/print/printers/{printerId}/share"));
        assert_eq!(paths["/v1.0/$metadata"]["get"]["security"], json!([]));
        // Every operation of the table is there, on both versions where it is served on both.
        let described: usize = paths.values().map(|p| p.as_object().unwrap().len()).sum();
        let expected: usize = route_table::table()
            .iter()
            .map(|r| r.methods.len() * if r.versions == Versions::Both { 2 } else { 1 })
            .sum();
        assert_eq!(described, expected);
    }

    #[test]
    fn every_reference_resolves() {
        let doc = document("http://localhost", &[]);
        let text = doc.to_string();
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        for part in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
            let name = &part[..part.find('"').unwrap()];
            assert!(schemas.contains_key(name), "{name} is referenced but not defined");
        }
    }
}
