//! The served CSDL (`$metadata`) read as a model: structured types with their properties, enums, bound
//! actions and functions, the entity container. The OpenAPI document takes every schema from here, and finds
//! what a route template addresses by walking the template through the model from the container.

use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// A type reference: `Edm.String`, or a `microsoft.graph` type by its short name, possibly a collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeRef {
    pub name: String,
    pub collection: bool,
}

impl TypeRef {
    fn parse(text: &str) -> TypeRef {
        let (inner, collection) = match text.strip_prefix("Collection(").and_then(|t| t.strip_suffix(')')) {
            Some(inner) => (inner, true),
            None => (text, false),
        };
        let name = inner
            .strip_prefix("microsoft.graph.")
            .or_else(|| inner.strip_prefix("graph."))
            .unwrap_or(inner)
            .to_string();
        TypeRef { name, collection }
    }
}

#[derive(Debug, Clone)]
pub struct Property {
    pub name: String,
    pub ty: TypeRef,
    pub nullable: bool,
}

#[derive(Debug, Default)]
struct Structured {
    base: Option<String>,
    properties: Vec<Property>,
    navigations: Vec<Property>,
}

#[derive(Debug)]
struct EnumType {
    members: Vec<String>,
    flags: bool,
}

/// A bound action or function.
#[derive(Debug, Clone)]
pub struct Operation {
    pub name: String,
    pub function: bool,
    pub binding: TypeRef,
    pub parameters: Vec<Property>,
    pub returns: Option<TypeRef>,
}

#[derive(Debug, Default)]
pub struct Model {
    types: HashMap<String, Structured>,
    /// Type names in document order, for a stable `components.schemas`.
    order: Vec<String>,
    enums: HashMap<String, EnumType>,
    operations: Vec<Operation>,
    /// Container children by lower-cased name: singletons (single) and entity sets (collections).
    container: HashMap<String, TypeRef>,
    /// What names this model's types in `components.schemas` (`v1.0.microsoft.graph.`).
    schema_prefix: String,
}

/// What a path addresses in the model.
#[derive(Debug, Clone)]
pub enum Node {
    Metadata,
    Single(String),
    Collection(String),
    Count,
    /// `…/$ref` of a collection (references to its members) or of a single navigation.
    Refs,
    Ref,
    /// `…/$value`: a document's bytes.
    Value,
    Operation(Operation),
}

impl Model {
    /// The model of a CSDL document whose types are named `{schema_prefix}{type}` in `components.schemas`.
    pub fn parse(xml: &str, schema_prefix: &str) -> Result<Model, String> {
        let doc = roxmltree::Document::parse(xml).map_err(|e| e.to_string())?;
        let mut model = Model {
            schema_prefix: schema_prefix.to_string(),
            ..Model::default()
        };
        for node in doc.descendants().filter(|n| n.is_element()) {
            let name = node.attribute("Name").unwrap_or_default().to_string();
            match node.tag_name().name() {
                "EntityType" | "ComplexType" => {
                    let mut t = Structured {
                        base: node.attribute("BaseType").map(|b| TypeRef::parse(b).name),
                        ..Structured::default()
                    };
                    for child in node.children().filter(|c| c.is_element()) {
                        let Some(p) = property(child) else { continue };
                        match child.tag_name().name() {
                            "Property" => t.properties.push(p),
                            "NavigationProperty" => t.navigations.push(p),
                            _ => {}
                        }
                    }
                    model.order.push(name.clone());
                    model.types.insert(name, t);
                }
                "EnumType" => {
                    let members = node
                        .children()
                        .filter(|c| c.has_tag_name("Member"))
                        .filter_map(|c| c.attribute("Name").map(str::to_string))
                        .collect();
                    let flags = node.attribute("IsFlags") == Some("true");
                    model.enums.insert(name, EnumType { members, flags });
                }
                kind @ ("Action" | "Function") if node.attribute("IsBound") == Some("true") => {
                    let mut parameters: Vec<Property> = node
                        .children()
                        .filter(|c| c.has_tag_name("Parameter"))
                        .filter_map(property)
                        .collect();
                    if parameters.is_empty() {
                        continue;
                    }
                    let binding = parameters.remove(0).ty;
                    let returns = node
                        .children()
                        .find(|c| c.has_tag_name("ReturnType"))
                        .and_then(|r| r.attribute("Type"))
                        .map(TypeRef::parse);
                    model.operations.push(Operation {
                        name,
                        function: kind == "Function",
                        binding,
                        parameters,
                        returns,
                    });
                }
                "Singleton" => {
                    if let Some(t) = node.attribute("Type") {
                        model.container.insert(name.to_lowercase(), TypeRef::parse(t));
                    }
                }
                "EntitySet" => {
                    if let Some(t) = node.attribute("EntityType") {
                        let mut t = TypeRef::parse(t);
                        t.collection = true;
                        model.container.insert(name.to_lowercase(), t);
                    }
                }
                _ => {}
            }
        }
        Ok(model)
    }

    /// The type and its base types, most derived first.
    fn lineage(&self, name: &str) -> Vec<&Structured> {
        let mut out = Vec::new();
        let mut next = Some(name.to_string());
        while let Some(n) = next {
            let Some(t) = self.types.get(&n) else { break };
            out.push(t);
            next = t.base.clone();
            if out.len() > 16 {
                break;
            }
        }
        out
    }

    fn member(&self, ty: &str, segment: &str) -> Option<&Property> {
        self.lineage(ty)
            .into_iter()
            .flat_map(|t| t.navigations.iter().chain(&t.properties))
            .find(|p| p.name.eq_ignore_ascii_case(segment))
    }

    fn bound(&self, binding: &TypeRef, name: &str) -> Option<&Operation> {
        let lineage: Vec<String> = std::iter::once(binding.name.clone())
            .chain(
                self.lineage(&binding.name)
                    .into_iter()
                    .filter_map(|t| t.base.clone()),
            )
            .collect();
        self.operations.iter().find(|o| {
            o.name.eq_ignore_ascii_case(name)
                && o.binding.collection == binding.collection
                && lineage.contains(&o.binding.name)
        })
    }

    /// What the documented path of a route (segments after the version, `{…}` for captures) addresses, or
    /// `None` when the path leaves this version's model (a Platen addition).
    pub fn resolve(&self, path: &str) -> Option<Node> {
        let mut segments = path.split('/');
        let first = segments.next()?;
        if first == "$metadata" {
            return segments.next().is_none().then_some(Node::Metadata);
        }
        let mut node = match self.container.get(&first.to_lowercase())? {
            t if t.collection => Node::Collection(t.name.clone()),
            t => Node::Single(t.name.clone()),
        };
        for segment in segments {
            node = self.step(&node, segment)?;
        }
        Some(node)
    }

    fn step(&self, node: &Node, segment: &str) -> Option<Node> {
        let (ty, collection) = match node {
            Node::Single(t) => (t, false),
            Node::Collection(t) => (t, true),
            _ => return None,
        };
        let binding = TypeRef {
            name: ty.clone(),
            collection,
        };
        if let Some((function, _)) = segment.split_once('(') {
            return self.bound(&binding, function).cloned().map(Node::Operation);
        }
        match (segment, collection) {
            ("$count", true) => return Some(Node::Count),
            ("$ref", true) => return Some(Node::Refs),
            ("$ref", false) => return Some(Node::Ref),
            ("$value", false) => return Some(Node::Value),
            (s, true) if s.starts_with('{') => return Some(Node::Single(ty.clone())),
            _ => {}
        }
        if !collection && let Some(p) = self.member(ty, segment) {
            return Some(if p.ty.collection {
                Node::Collection(p.ty.name.clone())
            } else {
                Node::Single(p.ty.name.clone())
            });
        }
        self.bound(&binding, segment).cloned().map(Node::Operation)
    }

    /// The JSON Schema (OpenAPI 3.0 dialect) of a type reference: a `$ref` for model types.
    pub fn schema_of(&self, ty: &TypeRef, nullable: bool) -> Value {
        let single = match ty.name.as_str() {
            "Edm.String" | "Edm.Guid" | "Edm.Duration" | "Edm.TimeOfDay" => json!({"type": "string"}),
            "Edm.Binary" => json!({"type": "string", "format": "base64"}),
            "Edm.DateTimeOffset" => json!({"type": "string", "format": "date-time"}),
            "Edm.Date" => json!({"type": "string", "format": "date"}),
            "Edm.Boolean" => json!({"type": "boolean"}),
            "Edm.Int16" | "Edm.Int32" | "Edm.Int64" | "Edm.Byte" | "Edm.SByte" => json!({"type": "integer"}),
            // Graph writes NaN and the infinities as strings.
            "Edm.Double" | "Edm.Single" | "Edm.Decimal" => {
                json!({"oneOf": [{"type": "number"}, {"type": "string", "enum": ["NaN", "INF", "-INF"]}]})
            }
            name if self.types.contains_key(name) || self.enums.contains_key(name) => {
                json!({"$ref": format!("#/components/schemas/{}{name}", self.schema_prefix)})
            }
            // A type outside the model: any JSON.
            _ => json!({}),
        };
        let single = if nullable && !ty.collection {
            match single.get("$ref") {
                // OpenAPI 3.0 ignores siblings of `$ref`: wrap it to say null is allowed.
                Some(_) => json!({"nullable": true, "allOf": [single]}),
                None => with(single, "nullable", json!(true)),
            }
        } else {
            single
        };
        if ty.collection {
            json!({"type": "array", "items": single})
        } else {
            single
        }
    }

    /// Every type of the model as `components.schemas` entries, named `{schema_prefix}{name}`. Properties are
    /// the type's own and its bases' (navigation properties are left out: they appear only when expanded, and
    /// any property may be left out by `$select`, so none is required).
    pub fn components(&self) -> Map<String, Value> {
        let mut out = Map::new();
        for name in &self.order {
            let mut properties = Map::new();
            for t in self.lineage(name).into_iter().rev() {
                for p in &t.properties {
                    properties.insert(p.name.clone(), self.schema_of(&p.ty, p.nullable));
                }
            }
            properties.insert("@odata.type".into(), json!({"type": "string"}));
            out.insert(
                format!("{}{name}", self.schema_prefix),
                json!({"type": "object", "properties": properties}),
            );
        }
        let mut enums: Vec<_> = self.enums.iter().collect();
        enums.sort_by(|a, b| a.0.cmp(b.0));
        for (name, e) in enums {
            // A flags enum is a comma-separated list of members.
            let schema = if e.flags {
                json!({"type": "string"})
            } else {
                json!({"type": "string", "enum": e.members})
            };
            out.insert(format!("{}{name}", self.schema_prefix), schema);
        }
        out
    }

    /// The body of an action: its parameters as an object, those that may not be null required.
    pub fn parameters_schema(&self, op: &Operation) -> Value {
        let mut properties = Map::new();
        let mut required = Vec::new();
        for p in &op.parameters {
            properties.insert(p.name.clone(), self.schema_of(&p.ty, p.nullable));
            if !p.nullable {
                required.push(p.name.clone());
            }
        }
        let mut schema = json!({"type": "object", "properties": properties});
        if !required.is_empty() {
            schema = with(schema, "required", json!(required));
        }
        schema
    }
}

fn property(node: roxmltree::Node) -> Option<Property> {
    Some(Property {
        name: node.attribute("Name")?.to_string(),
        ty: TypeRef::parse(node.attribute("Type")?),
        // CSDL: a property is nullable unless it says otherwise.
        nullable: node.attribute("Nullable") != Some("false"),
    })
}

fn with(mut schema: Value, key: &str, value: Value) -> Value {
    if let Some(m) = schema.as_object_mut() {
        m.insert(key.into(), value);
    }
    schema
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> Model {
        Model::parse(crate::metadata::V1_0, "microsoft.graph.").unwrap()
    }

    #[test]
    fn paths_walk_from_the_container() {
        let m = model();
        assert!(matches!(m.resolve("print/printers"), Some(Node::Collection(t)) if t == "printer"));
        assert!(matches!(m.resolve("print/printers/{printerId}"), Some(Node::Single(t)) if t == "printer"));
        assert!(matches!(m.resolve("print/printers/$count"), Some(Node::Count)));
        assert!(
            matches!(m.resolve("print/shares/{printerShareId}/jobs/{printJobId}/documents/{printDocumentId}"),
                Some(Node::Single(t)) if t == "printDocument")
        );
        assert!(
            matches!(m.resolve("print/printers/{p}/jobs/{j}/redirect"), Some(Node::Operation(o)) if o.name == "redirect")
        );
        assert!(matches!(m.resolve("print/printers/create"), Some(Node::Operation(o)) if o.name == "create"));
        assert!(matches!(
            m.resolve("reports/getPrinterArchivedPrintJobs(printerId='{printerId}')"),
            Some(Node::Operation(o)) if o.function
        ));
        assert!(matches!(
            m.resolve("print/shares/{s}/allowedUsers/$ref"),
            Some(Node::Refs)
        ));
        assert!(m.resolve("print/printers/{p}/nothing").is_none());
    }

    #[test]
    fn schemas_carry_inherited_properties_and_enums() {
        let c = model().components();
        let printer = &c["microsoft.graph.printer"]["properties"];
        assert!(printer.get("id").is_some(), "from entity");
        assert!(printer.get("displayName").is_some(), "from printerBase");
        assert!(printer.get("isShared").is_some());
        assert_eq!(c["microsoft.graph.printJobProcessingState"]["enum"][0], "unknown");
    }
}
