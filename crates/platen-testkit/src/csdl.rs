//! An OData v4.0 CSDL document (Platen's `$metadata`) read with a real XML parser into a small model, so tests
//! can ask what an OData client would: does every type reference resolve, what does an `@odata.context` fragment
//! name, and is every property of a response declared on its type.
//!
//! One schema per document (Platen's have one: `microsoft.graph`, alias `graph`). Type names are kept short
//! (`printer`); references may use the namespace or the alias.

use roxmltree::{Document, Node};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

const EDMX: &str = "http://docs.oasis-open.org/odata/ns/edmx";
const EDM: &str = "http://docs.oasis-open.org/odata/ns/edm";

/// The OData v4.0 primitive types (CSDL §4.4).
const PRIMITIVES: &[&str] = &[
    "Edm.Binary",
    "Edm.Boolean",
    "Edm.Byte",
    "Edm.Date",
    "Edm.DateTimeOffset",
    "Edm.Decimal",
    "Edm.Double",
    "Edm.Duration",
    "Edm.Guid",
    "Edm.Int16",
    "Edm.Int32",
    "Edm.Int64",
    "Edm.SByte",
    "Edm.Single",
    "Edm.Stream",
    "Edm.String",
    "Edm.TimeOfDay",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Entity,
    Complex,
    Enum,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The type as written (`graph.printerStatus`, `Collection(Edm.String)`).
    pub type_name: String,
    pub navigation: bool,
}

#[derive(Debug, Clone)]
pub struct TypeDef {
    pub kind: Kind,
    /// The base type as written.
    pub base: Option<String>,
    pub open: bool,
    /// Properties and navigation properties by name.
    pub members: BTreeMap<String, Member>,
    /// Enum members.
    pub enum_members: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// `Action` or `Function`.
    pub kind: String,
    pub name: String,
    /// Parameter names and types as written; a bound operation's first is its binding parameter.
    pub parameters: Vec<(String, String)>,
    pub returns: Option<String>,
    pub bound: bool,
}

impl Operation {
    fn key(&self) -> (String, String, Option<String>) {
        let binding = self.bound.then(|| self.parameters.first().map(|p| p.1.clone()));
        (self.kind.clone(), self.name.clone(), binding.flatten())
    }
}

/// A type reference resolved: `None` for a primitive, else the short name of a defined type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub type_name: Option<String>,
    pub collection: bool,
}

#[derive(Debug)]
pub struct Csdl {
    namespace: String,
    alias: Option<String>,
    pub types: BTreeMap<String, TypeDef>,
    pub operations: Vec<Operation>,
    /// Entity sets and singletons: name → (type as written, whether it is an entity set).
    pub container: BTreeMap<String, (String, bool)>,
    /// Names declared twice where they must be unique, found while reading.
    duplicates: Vec<String>,
}

fn attr(n: Node<'_, '_>, name: &str) -> String {
    n.attribute(name).unwrap_or_default().to_string()
}

fn elements<'a, 'i>(n: Node<'a, 'i>) -> impl Iterator<Item = Node<'a, 'i>> {
    n.children().filter(Node::is_element)
}

fn is(n: Node<'_, '_>, ns: &str, name: &str) -> bool {
    n.tag_name().namespace() == Some(ns) && n.tag_name().name() == name
}

fn unwrap_collection(t: &str) -> (&str, bool) {
    match t.strip_prefix("Collection(").and_then(|r| r.strip_suffix(')')) {
        Some(inner) => (inner, true),
        None => (t, false),
    }
}

/// `printers('abc')` → `printers`, and whether a key was given.
fn strip_key(segment: &str) -> (&str, bool) {
    match segment.find('(') {
        Some(i) if segment.ends_with(')') => (&segment[..i], true),
        _ => (segment, false),
    }
}

impl Csdl {
    /// Reads a document: it must be well-formed XML, an `edmx:Edmx` of version 4.0 with one `edmx:DataServices`
    /// holding one `Schema`.
    pub fn parse(xml: &str) -> Result<Csdl, String> {
        let doc = Document::parse(xml).map_err(|e| format!("not well-formed XML: {e}"))?;
        let root = doc.root_element();
        if !is(root, EDMX, "Edmx") || root.attribute("Version") != Some("4.0") {
            return Err("the root element is not <edmx:Edmx Version=\"4.0\">".into());
        }
        let services: Vec<_> = elements(root).filter(|n| is(*n, EDMX, "DataServices")).collect();
        let [services] = services.as_slice() else {
            return Err("expected exactly one edmx:DataServices".into());
        };
        let schemas: Vec<_> = elements(*services).collect();
        let [schema] = schemas.as_slice() else {
            return Err("expected exactly one element (a Schema) in edmx:DataServices".into());
        };
        if !is(*schema, EDM, "Schema") {
            return Err("edmx:DataServices holds something other than an edm Schema".into());
        }
        let mut csdl = Csdl {
            namespace: attr(*schema, "Namespace"),
            alias: schema.attribute("Alias").map(str::to_string),
            types: BTreeMap::new(),
            operations: vec![],
            container: BTreeMap::new(),
            duplicates: vec![],
        };
        for n in elements(*schema) {
            if n.tag_name().namespace() != Some(EDM) {
                csdl.duplicates
                    .push(format!("element outside the edm namespace: {:?}", n.tag_name()));
                continue;
            }
            match n.tag_name().name() {
                "EntityType" => csdl.read_type(n, Kind::Entity),
                "ComplexType" => csdl.read_type(n, Kind::Complex),
                "EnumType" => csdl.read_type(n, Kind::Enum),
                "Action" | "Function" => csdl.read_operation(n),
                "EntityContainer" => csdl.read_container(n),
                other => csdl.duplicates.push(format!("unexpected schema element {other}")),
            }
        }
        Ok(csdl)
    }

    fn read_type(&mut self, n: Node<'_, '_>, kind: Kind) {
        let name = attr(n, "Name");
        let mut t = TypeDef {
            kind,
            base: n.attribute("BaseType").map(str::to_string),
            open: n.attribute("OpenType") == Some("true"),
            members: BTreeMap::new(),
            enum_members: vec![],
        };
        for child in elements(n) {
            let child_name = attr(child, "Name");
            let (navigation, member) = match child.tag_name().name() {
                "Property" => (false, true),
                "NavigationProperty" => (true, true),
                "Member" => (false, false),
                _ => continue,
            };
            if member {
                let m = Member {
                    type_name: attr(child, "Type"),
                    navigation,
                };
                if t.members.insert(child_name.clone(), m).is_some() {
                    self.duplicates
                        .push(format!("{name}.{child_name} declared twice"));
                }
            } else if t.enum_members.contains(&child_name) {
                self.duplicates
                    .push(format!("enum member {name}.{child_name} declared twice"));
            } else {
                t.enum_members.push(child_name);
            }
        }
        if self.types.insert(name.clone(), t).is_some() {
            self.duplicates.push(format!("type {name} declared twice"));
        }
    }

    fn read_operation(&mut self, n: Node<'_, '_>) {
        let op = Operation {
            kind: n.tag_name().name().to_string(),
            name: attr(n, "Name"),
            parameters: elements(n)
                .filter(|c| c.tag_name().name() == "Parameter")
                .map(|c| (attr(c, "Name"), attr(c, "Type")))
                .collect(),
            returns: elements(n)
                .find(|c| c.tag_name().name() == "ReturnType")
                .map(|c| attr(c, "Type")),
            bound: n.attribute("IsBound") == Some("true"),
        };
        if self.operations.iter().any(|o| o.key() == op.key()) {
            self.duplicates
                .push(format!("{} {} declared twice for one binding", op.kind, op.name));
        }
        self.operations.push(op);
    }

    fn read_container(&mut self, n: Node<'_, '_>) {
        for child in elements(n) {
            let name = attr(child, "Name");
            let entry = match child.tag_name().name() {
                "EntitySet" => (attr(child, "EntityType"), true),
                "Singleton" => (attr(child, "Type"), false),
                other => {
                    self.duplicates
                        .push(format!("unexpected container element {other}"));
                    continue;
                }
            };
            if self.container.insert(name.clone(), entry).is_some() {
                self.duplicates
                    .push(format!("container member {name} declared twice"));
            }
        }
    }

    /// The short name of a qualified name of this schema (`graph.printer`, `microsoft.graph.printer`).
    fn short<'a>(&self, qualified: &'a str) -> Option<&'a str> {
        let by_namespace = qualified
            .strip_prefix(self.namespace.as_str())
            .and_then(|r| r.strip_prefix('.'));
        let by_alias = self
            .alias
            .as_deref()
            .and_then(|a| qualified.strip_prefix(a))
            .and_then(|r| r.strip_prefix('.'));
        by_namespace.or(by_alias).filter(|s| !s.contains('.'))
    }

    /// Resolves a type reference (`Collection(…)` unwrapped): a primitive, or a type this document defines.
    pub fn resolve(&self, type_ref: &str) -> Result<Resolved, String> {
        let (inner, collection) = unwrap_collection(type_ref);
        if PRIMITIVES.contains(&inner) {
            return Ok(Resolved {
                type_name: None,
                collection,
            });
        }
        match self.short(inner) {
            Some(s) if self.types.contains_key(s) => Ok(Resolved {
                type_name: Some(s.to_string()),
                collection,
            }),
            _ => Err(format!("type '{type_ref}' does not resolve")),
        }
    }

    fn resolve_kind(&self, type_ref: &str, kinds: &[Kind]) -> Result<Resolved, String> {
        let r = self.resolve(type_ref)?;
        match r.type_name.as_deref().and_then(|n| self.types.get(n)) {
            Some(t) if kinds.contains(&t.kind) => Ok(r),
            _ => Err(format!("'{type_ref}' is not a {kinds:?} type")),
        }
    }

    /// Everything that makes the document invalid for a client: names declared twice, and references (types,
    /// base types, entity set and singleton types, navigation targets, operation parameters and return types)
    /// that do not resolve to the right kind of type.
    pub fn problems(&self) -> Vec<String> {
        let mut out = self.duplicates.clone();
        for (name, t) in &self.types {
            if let Some(base) = &t.base {
                if let Err(e) = self.resolve_kind(base, &[t.kind]) {
                    out.push(format!("base type of {name}: {e}"));
                } else if self.base_chain(name).is_none() {
                    out.push(format!("base types of {name} form a cycle"));
                }
            }
            for (m, member) in &t.members {
                let checked = if member.navigation {
                    self.resolve_kind(&member.type_name, &[Kind::Entity])
                } else {
                    self.resolve(&member.type_name)
                };
                if let Err(e) = checked {
                    out.push(format!("{name}.{m}: {e}"));
                }
            }
        }
        for op in &self.operations {
            if op.bound && op.parameters.is_empty() {
                out.push(format!("bound {} {} has no binding parameter", op.kind, op.name));
            }
            for (p, t) in &op.parameters {
                if let Err(e) = self.resolve(t) {
                    out.push(format!("{} {}({p}): {e}", op.kind, op.name));
                }
            }
            if let Some(Err(e)) = op.returns.as_deref().map(|t| self.resolve(t)) {
                out.push(format!("{} {} returns: {e}", op.kind, op.name));
            }
        }
        for (name, (t, _)) in &self.container {
            if let Err(e) = self.resolve_kind(t, &[Kind::Entity]) {
                out.push(format!("container member {name}: {e}"));
            }
        }
        out
    }

    /// A type and its base types, nearest first; `None` on a cycle or an unresolved base.
    pub fn base_chain(&self, short: &str) -> Option<Vec<&TypeDef>> {
        let mut chain = vec![];
        let mut seen = BTreeSet::new();
        let mut current = short.to_string();
        loop {
            if !seen.insert(current.clone()) {
                return None;
            }
            let t = self.types.get(&current)?;
            chain.push(t);
            match &t.base {
                None => return Some(chain),
                Some(b) => current = self.short(b)?.to_string(),
            }
        }
    }

    /// A property or navigation property declared on a type or one of its base types.
    pub fn member(&self, short: &str, name: &str) -> Option<&Member> {
        self.base_chain(short)?
            .into_iter()
            .find_map(|t| t.members.get(name))
    }

    fn is_open(&self, short: &str) -> bool {
        self.base_chain(short).is_some_and(|c| c.iter().any(|t| t.open))
    }

    /// What an `@odata.context` fragment (the part after `$metadata#`) names: a type (`microsoft.graph.x`,
    /// `Collection(microsoft.graph.x)`) or a path from an entity set or singleton through keys, properties and
    /// navigation properties, optionally ending in `$entity`.
    pub fn resolve_context(&self, fragment: &str) -> Result<Resolved, String> {
        let (inner, _) = unwrap_collection(fragment);
        if self.short(inner).is_some() {
            return self.resolve(fragment);
        }
        let mut segments = fragment.split('/');
        let (first, keyed) = strip_key(segments.next().unwrap_or_default());
        let (type_ref, is_set) = self
            .container
            .get(first)
            .ok_or_else(|| format!("'{first}' is neither an entity set nor a singleton"))?;
        if keyed && !is_set {
            return Err(format!("the singleton '{first}' takes no key"));
        }
        let mut current = Resolved {
            type_name: self.resolve(type_ref)?.type_name,
            collection: *is_set && !keyed,
        };
        let rest: Vec<&str> = segments.collect();
        for (i, segment) in rest.iter().enumerate() {
            if *segment == "$entity" {
                if i + 1 != rest.len() || !current.collection {
                    return Err(format!("'$entity' must end a path to a collection: '{fragment}'"));
                }
                current.collection = false;
                continue;
            }
            let (name, keyed) = strip_key(segment);
            let owner = current
                .type_name
                .clone()
                .ok_or_else(|| format!("'{name}' follows a primitive in '{fragment}'"))?;
            if current.collection {
                return Err(format!(
                    "'{name}' follows a collection without a key in '{fragment}'"
                ));
            }
            let member = self
                .member(&owner, name)
                .ok_or_else(|| format!("{owner} declares no '{name}' (in '{fragment}')"))?;
            current = self.resolve(&member.type_name)?;
            if keyed {
                if !current.collection {
                    return Err(format!(
                        "'{name}' is not a collection but has a key in '{fragment}'"
                    ));
                }
                current.collection = false;
            }
        }
        Ok(current)
    }

    /// The properties of a response body that its type does not declare (open types accept any), as
    /// `type.property`: the body's `@odata.context` says what it is; a collection's items are each checked;
    /// complex and expanded values are checked against their own types; `@odata.type` selects a derived type.
    pub fn undeclared_in_response(&self, body: &Value) -> Result<BTreeSet<String>, String> {
        let context = body["@odata.context"]
            .as_str()
            .ok_or_else(|| format!("no @odata.context in {body}"))?;
        let fragment = context
            .split_once("$metadata#")
            .map(|(_, f)| f)
            .ok_or_else(|| format!("@odata.context '{context}' has no $metadata#"))?;
        let resolved = self.resolve_context(fragment)?;
        let mut out = BTreeSet::new();
        let Some(type_name) = resolved.type_name else {
            return Ok(out);
        };
        if resolved.collection {
            for item in body["value"].as_array().into_iter().flatten() {
                self.check_value(&type_name, item, &mut out);
            }
        } else {
            self.check_value(&type_name, body, &mut out);
        }
        Ok(out)
    }

    fn check_value(&self, declared: &str, value: &Value, out: &mut BTreeSet<String>) {
        match value {
            Value::Array(items) => items.iter().for_each(|v| self.check_value(declared, v, out)),
            Value::Object(o) => self.check_object(declared, o, out),
            _ => {}
        }
    }

    fn check_object(&self, declared: &str, o: &Map<String, Value>, out: &mut BTreeSet<String>) {
        let actual = o
            .get("@odata.type")
            .and_then(Value::as_str)
            .and_then(|t| self.short(t.trim_start_matches('#')))
            .unwrap_or(declared);
        for (key, value) in o {
            // Instance annotations (`@odata.context`, `printer@odata.bind`) are not properties.
            if key.contains('@') {
                continue;
            }
            match self.member(actual, key) {
                Some(member) => {
                    if let Ok(Resolved {
                        type_name: Some(t), ..
                    }) = self.resolve(&member.type_name)
                    {
                        self.check_value(&t, value, out);
                    }
                }
                None if self.is_open(actual) => {}
                None => {
                    out.insert(format!("{actual}.{key}"));
                }
            }
        }
    }

    /// What this document declares that `other` does not (types, kinds, members with their types, enum members,
    /// operations, container members): empty when `other` is a superset.
    pub fn missing_from(&self, other: &Csdl) -> Vec<String> {
        let mut out = vec![];
        for (name, t) in &self.types {
            let Some(o) = other.types.get(name) else {
                out.push(format!("type {name}"));
                continue;
            };
            if o.kind != t.kind || o.base != t.base {
                out.push(format!("kind or base type of {name}"));
            }
            for (m, member) in &t.members {
                if o.members.get(m) != Some(member) {
                    out.push(format!("{name}.{m}"));
                }
            }
            for m in &t.enum_members {
                if !o.enum_members.contains(m) {
                    out.push(format!("enum member {name}.{m}"));
                }
            }
        }
        for op in &self.operations {
            if !other.operations.contains(op) {
                out.push(format!("{} {}", op.kind, op.name));
            }
        }
        for (name, entry) in &self.container {
            if other.container.get(name) != Some(entry) {
                out.push(format!("container member {name}"));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"<?xml version="1.0"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"><edmx:DataServices>
<Schema Namespace="n.s" Alias="a" xmlns="http://docs.oasis-open.org/odata/ns/edm">
  <EntityType Name="base" Abstract="true"><Key><PropertyRef Name="id"/></Key><Property Name="id" Type="Edm.String"/></EntityType>
  <EntityType Name="thing" BaseType="a.base">
    <Property Name="status" Type="a.status"/>
    <NavigationProperty Name="parts" Type="Collection(a.thing)" ContainsTarget="true"/>
  </EntityType>
  <ComplexType Name="status"><Property Name="state" Type="a.state"/></ComplexType>
  <EnumType Name="state"><Member Name="on" Value="0"/></EnumType>
  <EntityContainer Name="c"><EntitySet Name="things" EntityType="n.s.thing"/></EntityContainer>
</Schema></edmx:DataServices></edmx:Edmx>"#;

    #[test]
    fn a_valid_document_has_no_problems_and_resolves_contexts() {
        let c = Csdl::parse(DOC).unwrap();
        assert_eq!(c.problems(), Vec::<String>::new());
        let one = c.resolve_context("things('x')/parts/$entity").unwrap();
        assert_eq!((one.type_name.as_deref(), one.collection), (Some("thing"), false));
        assert!(c.resolve_context("things('x')/status").is_ok());
        assert!(c.resolve_context("Collection(n.s.status)").unwrap().collection);
        assert!(c.resolve_context("things/parts").is_err());
        assert!(c.resolve_context("others").is_err());
        assert!(c.resolve_context("things('x')/nothing").is_err());
    }

    #[test]
    fn undeclared_properties_are_found_at_any_depth() {
        let c = Csdl::parse(DOC).unwrap();
        let body = serde_json::json!({
            "@odata.context": "http://h/v1.0/$metadata#things/$entity",
            "id": "1", "status": {"state": "on", "extra": 1}, "parts": [{"id": "2", "bogus": true}],
            "parts@odata.count": 1,
        });
        let found: Vec<String> = c.undeclared_in_response(&body).unwrap().into_iter().collect();
        assert_eq!(found, ["status.extra", "thing.bogus"]);
    }

    #[test]
    fn broken_documents_are_reported() {
        assert!(Csdl::parse("<Schema/>").is_err());
        assert!(Csdl::parse("<edmx:Edmx").is_err());
        let broken = DOC
            .replace("Type=\"a.status\"", "Type=\"graph.status\"")
            .replace("<EnumType Name=\"state\">", "<EnumType Name=\"status\">");
        let problems = Csdl::parse(&broken).unwrap().problems();
        assert!(
            problems.iter().any(|p| p.contains("type status declared twice")),
            "{problems:?}"
        );
        assert!(
            problems
                .iter()
                .any(|p| p.contains("'graph.status' does not resolve")),
            "{problems:?}"
        );
    }
}
