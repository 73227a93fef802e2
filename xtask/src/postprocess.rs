//! Post-processing of rasn-compiler's output, so that the generated types decode what real
//! H.323 peers send and encode what every other implementation encodes.
//!
//! Why it exists: two behaviours of rasn 0.30 (the derive in `rasn-derive-impl/src/config.rs`
//! and the APER decoder in `rasn/src/per/de.rs`) combine badly with what rasn-compiler 0.16
//! emits for the H.225.0/H.245/H.235 modules. Neither tool has an option for it, and
//! the generated files must never be edited by hand, so `xtask` rewrites the compiler's output
//! before writing it (both `asn1` and `asn1-check` run this, so the check stays exact):
//!
//! 1. **Mandatory extension additions get a default.** A field that a later version of a
//!    module adds after the `...` as mandatory (`multipleCalls BOOLEAN`,
//!    `CloseLogicalChannel.reason`, `callIdentifier`) is generated as a plain value; rasn's
//!    decoder then refuses a message from an older sender that leaves it out ("required, but
//!    not present": `decode_extension_addition*` in `per/de.rs` return `None`, and the
//!    derive turns that into `required_extension_not_present`). X.691 lets the sender leave
//!    every extension addition out, and H.225.0/H.245 v2/v3 peers (Cisco, NetMeeting) do.
//!    Each such field gets `#[rasn(default)]`, or `#[rasn(default = "absent_…")]` with a
//!    generated function for types without `Default` ([`ABSENT`] says which value and why).
//!    Encoding is unchanged: rasn encodes extension additions through
//!    `encode_extension_addition`, which sends a non-`Option` field always, default or not.
//! 2. **Constrained newtypes keep their constraints where rasn drops them.** A newtype such as
//!    `TimeToLive ::= INTEGER (1..4294967295)` is generated as `#[rasn(delegate, value(..))]`;
//!    the delegate's decoder uses only the constraints its caller passes. rasn passes
//!    `<FieldType as AsnType>::CONSTRAINTS` intersected with the field's own attribute, but
//!    `Option<T>` does not forward `T::CONSTRAINTS` (`impl AsnType for Option<T>` in
//!    `rasn/src/types.rs`), an extension addition is decoded with only the field's attribute
//!    (`decode_extension_addition_with_tag` passes `Constraints::default()`), and a field or
//!    CHOICE alternative with an attribute of its own (`size(3..16)` on a TBCD-STRING) uses
//!    that attribute instead of the type's. So `timeToLive`, `gatekeeperIdentifier`,
//!    `bandWidth`, H.245 `LogicalChannelNumber` additions and the TBCD-STRINGs were encoded
//!    and decoded unconstrained, which no other implementation reads. The newtype's
//!    `size(..)`/`value(..)`/`from(..)` entries are copied onto each such field or
//!    alternative (where the field has no entry of that kind already; an entry on the field
//!    is the ASN.1's narrower constraint on the reference).
//!
//! The rewrite works on rustfmt-formatted text (rasn-compiler runs rustfmt), by finding each
//! `#[rasn(...)]` attribute and the item after it; the result is formatted with rustfmt again.
//! A mandatory addition whose type has neither `Default` nor an [`ABSENT`] entry stops the
//! generator, so a new module version forces a decision instead of a silent decode failure.
//! A mandatory addition that carries a constraint cannot get a default (rasn-derive 0.30 does
//! not generate that combination, see [`rewrite`]); it becomes an `Option` instead, `None`
//! meaning an older peer left it out. Three H.245 fields are affected.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// Constraint kinds of a newtype that the delegate needs passed in.
const CONSTRAINT_KEYS: &[&str] = &["size", "value", "from"];

/// Types whose Rust `Default` is the value a receiver assumes for an absent field: `false`,
/// zero, an empty list or string. (Constrained additions never get here: see [`rewrite`].)
fn has_default(ty: &str) -> bool {
    matches!(
        ty,
        "bool" | "u8" | "u16" | "u32" | "u64" | "i8" | "i16" | "i32" | "i64" | "Integer"
    ) || matches!(ty, "OctetString" | "BitString" | "Ia5String" | "BmpString")
        || ty.starts_with("SequenceOf<")
        || ty.starts_with("SetOf<")
}

/// What a receiver assumes when an older peer leaves out a mandatory extension addition.
enum Absent {
    /// A Rust expression of the type.
    Expr(&'static str),
    /// A SEQUENCE of BOOLEANs, all false (every option off, nothing requested).
    AllFalse,
}

/// The value assumed for an absent mandatory extension addition, by type, with the reason.
/// Where the recommendation names no value, the choice is said here.
const ABSENT: &[(&str, Absent, &str)] = &[
    (
        "CallIdentifier",
        Absent::Expr("CallIdentifier::new(GloballyUniqueID(FixedOctetString::new([0; 16])))"),
        "H.225.0 v1 has no call identifier; the all-zero GUID is the value H.225.0 uses \
         where no call is identified",
    ),
    (
        "UUIEsRequested",
        Absent::AllFalse,
        "an older gatekeeper requests none of the UUIEs added after it",
    ),
    (
        "H263Version3Options",
        Absent::AllFalse,
        "an older H.245 peer supports none of the H.263 version 3 options",
    ),
    (
        "CloseLogicalChannelReason",
        Absent::Expr("CloseLogicalChannelReason::unknown(())"),
        "H.245's own 'no reason given' alternative",
    ),
    (
        "RequestChannelCloseReason",
        Absent::Expr("RequestChannelCloseReason::unknown(())"),
        "H.245's own 'no reason given' alternative",
    ),
    (
        "RefPictureSelectionEnhancedReferencePicSelect",
        Absent::Expr("RefPictureSelectionEnhancedReferencePicSelect::new(None)"),
        "no sub-picture removal parameters",
    ),
    (
        "T38FaxRateManagement",
        Absent::Expr("T38FaxRateManagement::transferredTCF(())"),
        "chosen: H.245 names no value; T.38 requires transferred TCF over UDP, the \
         transport H.323 fax uses in practice",
    ),
    (
        "NewATMVCIndicationReverseParameters",
        Absent::Expr(
            "NewATMVCIndicationReverseParameters::new(1, false, false, \
             NewATMVCIndicationReverseParametersMultiplex::noMultiplex(()))",
        ),
        "chosen: H.245 names no value (ATM only, unused by H.323); the smallest bit rate, \
         no clock locking, the first multiplex alternative",
    ),
];

/// What the rewrite did, for the generator's log.
#[derive(Debug, Default)]
pub struct Report {
    pub defaults: usize,
    pub constraints: usize,
    /// Constrained mandatory additions made `Option` instead (see [`rewrite`]).
    pub optional: Vec<String>,
}

/// The types one generated module defines, and the constraint entries (`size(..)`,
/// `value(..)`, `from(..)`) of its constrained delegate newtypes.
#[derive(Debug, Default)]
pub struct ModuleTypes {
    defined: BTreeSet<String>,
    constrained: BTreeMap<String, Vec<String>>,
}

impl ModuleTypes {
    pub fn scan(code: &str) -> Self {
        let mut t = ModuleTypes::default();
        for kw in ["pub struct ", "pub enum "] {
            for (i, _) in code.match_indices(kw) {
                let name: String = code[i + kw.len()..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                t.defined.insert(name);
            }
        }
        for a in attributes(code) {
            if let Item::Newtype(name) = &a.item {
                if a.entries.iter().any(|e| e == "delegate") {
                    let cs: Vec<String> = a
                        .entries
                        .iter()
                        .filter(|e| CONSTRAINT_KEYS.contains(&key(e)))
                        .cloned()
                        .collect();
                    if !cs.is_empty() {
                        t.constrained.insert(name.clone(), cs);
                    }
                }
            }
        }
        t
    }
}

/// The constraints of the newtype `name` as module `modules[this]` sees it: its own
/// definition first (several modules define types of the same name), else the one
/// module of the others that defines it (only H.225.0 imports, from H.235 and H.245).
pub fn constraints_in<'a>(
    modules: &'a [ModuleTypes],
    this: usize,
    name: &str,
) -> Option<&'a Vec<String>> {
    let own = &modules[this];
    if own.defined.contains(name) {
        return own.constrained.get(name);
    }
    modules
        .iter()
        .find(|m| m.defined.contains(name))
        .and_then(|m| m.constrained.get(name))
}

/// Rewrites one generated module; `newtype` gives a newtype's constraint entries as this
/// module sees it (see [`constraints_in`]).
pub fn rewrite<'a>(
    code: &str,
    newtype: impl Fn(&str) -> Option<&'a Vec<String>>,
) -> Result<(String, Report), String> {
    let mut report = Report::default();
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    let mut absent_fns: BTreeMap<String, String> = BTreeMap::new();
    for a in attributes(code) {
        let mut entries = a.entries.clone();
        let is_addition = entries.iter().any(|e| e == "extension_addition");
        let has_own = entries.iter().any(|e| CONSTRAINT_KEYS.contains(&key(e)));
        let (ty, optional, context) = match &a.item {
            Item::Field { name, ty } => {
                match ty.strip_prefix("Option<").and_then(|t| t.strip_suffix('>')) {
                    Some(inner) => (inner.to_string(), true, name.clone()),
                    None => (ty.clone(), false, name.clone()),
                }
            }
            Item::Variant { name, ty } => (ty.clone(), false, name.clone()),
            Item::Newtype(_) | Item::Other => continue,
        };
        // 2: copy the newtype's constraints where rasn would not pass them.
        let dropped = match &a.item {
            Item::Field { .. } => is_addition || (optional && has_own),
            _ => has_own,
        };
        if dropped {
            if let Some(cs) = newtype(&ty) {
                for c in cs {
                    if !entries.iter().any(|e| key(e) == key(c)) {
                        entries.push(c.clone());
                        report.constraints += 1;
                    }
                }
            }
        }
        // 1: a default for mandatory extension additions.
        let constrained = entries.iter().any(|e| CONSTRAINT_KEYS.contains(&key(e)));
        if is_addition && !optional && matches!(a.item, Item::Field { .. }) && constrained {
            // rasn-derive 0.30 emits `const C = ..; decoder.decode_extension_addition_with_
            // default_and_tag_and_constraints(..)` without braces for an extension addition
            // with both `default` and a constraint, which does not parse (config.rs, the
            // `(Some(false), Some(path), true)` arm), and without the constraint the value
            // would be decoded unconstrained. So the field becomes `Option<T>`, which rasn
            // decodes with the field's constraints, and `None` is the older peer's absent
            // value (H.245 `ServicePriorityValue.value`, `T38FaxProfile.version`,
            // `mcuNumber`); a sender sets `Some`.
            let Item::Field { name, .. } = &a.item else {
                unreachable!("matched above")
            };
            edits.extend(optional_field(code, a.end, name, &ty)?);
            report.optional.push(context.clone());
        } else if is_addition && !optional && matches!(a.item, Item::Field { .. }) {
            if has_default(&ty) {
                entries.push("default".into());
            } else if let Some((_, absent, why)) = ABSENT.iter().find(|(t, ..)| *t == ty) {
                let f = format!("absent_{}", snake(&ty));
                if !absent_fns.contains_key(ty.as_str()) {
                    let expr = match absent {
                        Absent::Expr(e) => (*e).to_string(),
                        Absent::AllFalse => all_false(code, &ty)?,
                    };
                    let mut def = String::new();
                    let _ = write!(
                        def,
                        "/// {ty} assumed when an older peer leaves the mandatory extension \
                         addition out: {why}.\nfn {f}() -> {ty} {{ {expr} }}\n"
                    );
                    absent_fns.insert(ty.clone(), def);
                }
                entries.push(format!("default = \"{f}\""));
            } else {
                return Err(format!(
                    "mandatory extension addition `{context}: {ty}` has no receiver default: \
                     add `{ty}` to ABSENT in xtask/src/postprocess.rs"
                ));
            }
            report.defaults += 1;
        }
        if entries != a.entries {
            edits.push((a.start, a.end, format!("#[rasn({})]", entries.join(", "))));
        }
    }
    let mut out = code.to_string();
    // Applied from the end so earlier ranges stay valid; `optional_field` adds edits past
    // the attribute being rewritten (in the type's `new`), so order them first.
    edits.sort_by_key(|e| e.0);
    for (start, end, text) in edits.into_iter().rev() {
        out.replace_range(start..end, &text);
    }
    if !absent_fns.is_empty() {
        // Inside the module, before its closing brace, so the attribute paths resolve.
        let close = out
            .trim_end()
            .rfind('}')
            .ok_or("generated module has no body")?;
        let fns: String = absent_fns.into_values().collect();
        out.insert_str(close, &fns);
    }
    Ok((out, report))
}

/// Edits that turn field `name: ty`, declared right after `from`, into `Option<ty>`, in the
/// declaration and in the parameter list of the struct's generated `new`.
fn optional_field(
    code: &str,
    from: usize,
    name: &str,
    ty: &str,
) -> Result<Vec<(usize, usize, String)>, String> {
    let typed = format!("{name}: {ty}");
    let wrapped = format!("{name}: Option<{ty}>");
    let decl = format!("pub {typed},");
    let at = from
        + code[from..]
            .find(&decl)
            .ok_or_else(|| format!("field `{decl}` not found"))?;
    let new_fn = at
        + code[at..]
            .find("pub fn new(")
            .ok_or_else(|| format!("no `new` after field {name}"))?;
    let param = (new_fn..code.len())
        .filter(|&i| code[i..].starts_with(&typed))
        .find(|&i| {
            code[..i].ends_with(['(', ' ', '\n']) && code[i + typed.len()..].starts_with([',', ')'])
        })
        .ok_or_else(|| format!("parameter `{typed}` of `new` not found"))?;
    let decl_start = at + "pub ".len();
    Ok(vec![
        (decl_start, decl_start + typed.len(), wrapped.clone()),
        (param, param + typed.len(), wrapped),
    ])
}

/// `Self { a: false, b: false, .. }` for a generated struct whose fields are all BOOLEAN.
fn all_false(code: &str, ty: &str) -> Result<String, String> {
    let head = format!("pub struct {ty} {{");
    let start = code
        .find(&head)
        .ok_or_else(|| format!("struct {ty} not found"))?;
    let body = &code[start + head.len()..];
    let body = &body[..body.find('}').ok_or("unterminated struct")?];
    let mut fields = Vec::new();
    for line in body.lines().map(str::trim) {
        if let Some(f) = line.strip_prefix("pub ") {
            let (name, t) = f.split_once(':').ok_or("field without type")?;
            if t.trim().trim_end_matches(',') != "bool" {
                return Err(format!(
                    "{ty}.{name} is not a BOOLEAN; give it an Absent::Expr"
                ));
            }
            fields.push(format!("{name}: false"));
        }
    }
    Ok(format!("{ty} {{ {} }}", fields.join(", ")))
}

fn snake(ty: &str) -> String {
    let c: Vec<char> = ty.chars().collect();
    let mut s = String::new();
    for (i, &ch) in c.iter().enumerate() {
        if ch.is_ascii_uppercase() && i > 0 {
            let prev = c[i - 1];
            let next_lower = c.get(i + 1).is_some_and(char::is_ascii_lowercase);
            if !prev.is_ascii_uppercase() || next_lower {
                s.push('_');
            }
        }
        s.push(ch.to_ascii_lowercase());
    }
    s
}

/// The item a `#[rasn(..)]` attribute belongs to.
#[derive(Debug)]
enum Item {
    /// `pub struct Name(pub Inner);`
    Newtype(String),
    /// `pub name: Type,` (type with whitespace removed)
    Field {
        name: String,
        ty: String,
    },
    /// `Name(Type),` in an enum
    Variant {
        name: String,
        ty: String,
    },
    Other,
}

struct Attribute {
    /// Byte range of `#[rasn(...)]` in the text.
    start: usize,
    end: usize,
    /// Top-level entries, whitespace outside string literals normalised.
    entries: Vec<String>,
    item: Item,
}

fn key(entry: &str) -> &str {
    entry.split(['(', '=']).next().unwrap_or(entry).trim()
}

/// Every `#[rasn(...)]` attribute in `code`, with its entries and the item after it.
fn attributes(code: &str) -> Vec<Attribute> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = code[from..].find("#[rasn(") {
        let start = from + i;
        let args_start = start + "#[rasn(".len();
        let Some(args_end) = matching_paren(code, args_start) else {
            break;
        };
        // `)]` closes the attribute.
        let end = args_end + 2;
        let entries = split_top(&code[args_start..args_end]);
        let item = item_after(&code[end..]);
        out.push(Attribute {
            start,
            end,
            entries,
            item,
        });
        from = end;
    }
    out
}

/// Index of the `)` closing a parenthesis opened just before `at`, skipping string literals.
fn matching_paren(code: &str, at: usize) -> Option<usize> {
    let b = code.as_bytes();
    let mut depth = 1;
    let mut i = at;
    while i < b.len() {
        match b[i] {
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Splits attribute arguments at top-level commas; whitespace outside strings is collapsed
/// so that entries compare equal whatever rustfmt's line breaks.
fn split_top(args: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut depth = 0;
    let mut chars = args.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                cur.push(c);
                while let Some(d) = chars.next() {
                    cur.push(d);
                    if d == '\\' {
                        if let Some(e) = chars.next() {
                            cur.push(e);
                        }
                    } else if d == '"' {
                        break;
                    }
                }
            }
            '(' => {
                depth += 1;
                cur.push(c);
            }
            ')' => {
                depth -= 1;
                cur.push(c);
            }
            ',' if depth == 0 => {
                out.push(std::mem::take(&mut cur));
            }
            c if c.is_whitespace() => {
                if !cur.is_empty() && !cur.ends_with([' ', '(']) {
                    cur.push(' ');
                }
            }
            c => cur.push(c),
        }
    }
    out.push(cur);
    out.into_iter()
        .map(|e| e.trim().replace(", )", ")").replace(" )", ")"))
        .filter(|e| !e.is_empty())
        .collect()
}

/// Classifies the source after an attribute (other attributes are not skipped: in
/// rasn-compiler's output the `#[rasn]` attribute is the last before its item).
fn item_after(rest: &str) -> Item {
    let rest = rest.trim_start();
    if let Some(r) = rest.strip_prefix("pub struct ") {
        let Some((name, tail)) = r.split_once('(') else {
            return Item::Other;
        };
        if tail.starts_with("pub ") {
            return Item::Newtype(name.trim().to_string());
        }
        return Item::Other;
    }
    // The item runs to the first `,` outside <> and ().
    let mut depth = 0i32;
    let mut end = rest.len();
    for (i, c) in rest.char_indices() {
        match c {
            '<' | '(' => depth += 1,
            '>' | ')' => depth -= 1,
            ',' | '{' | ';' | '}' if depth == 0 => {
                end = i;
                break;
            }
            _ => {}
        }
    }
    let item: String = rest[..end].split_whitespace().collect();
    if let Some(f) = item.strip_prefix("pub") {
        if let Some((name, ty)) = f.split_once(':') {
            return Item::Field {
                name: name.to_string(),
                ty: ty.to_string(),
            };
        }
        return Item::Other;
    }
    if let Some((name, ty)) = item.split_once('(') {
        if let Some(ty) = ty.strip_suffix(')') {
            if name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                return Item::Variant {
                    name: name.to_string(),
                    ty: ty.to_string(),
                };
            }
        }
    }
    Item::Other
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"pub mod m {
    #[derive(AsnType)]
    #[rasn(delegate, value("1..=4294967295"))]
    pub struct TimeToLive(pub u32);
    #[rasn(
        delegate,
        size("1..=128"),
        from("\u{30}", "\u{31}")
    )]
    pub struct Digits(pub Ia5String);
    #[rasn(choice, automatic_tags)]
    pub enum Reason {
        unknown(()),
        #[rasn(size("1..=4"))]
        sid(Digits),
    }
    #[rasn(automatic_tags)]
    #[non_exhaustive]
    pub struct Rrq {
        #[rasn(identifier = "timeToLive")]
        pub root_ttl: Option<TimeToLive>,
        #[rasn(extension_addition, identifier = "timeToLive")]
        pub time_to_live: Option<TimeToLive>,
        #[rasn(extension_addition, identifier = "keepAlive")]
        pub keep_alive: bool,
        #[rasn(extension_addition)]
        pub reason: CloseLogicalChannelReason,
        #[rasn(size("3..=16"))]
        pub imsi: Option<Digits>,
    }
}
"#;

    fn rewritten() -> (String, Report) {
        let m = [ModuleTypes::scan(SAMPLE)];
        assert_eq!(
            constraints_in(&m, 0, "TimeToLive").unwrap(),
            &[r#"value("1..=4294967295")"#]
        );
        assert_eq!(
            constraints_in(&m, 0, "Digits").unwrap(),
            &[r#"size("1..=128")"#, r#"from("\u{30}", "\u{31}")"#]
        );
        assert!(constraints_in(&m, 0, "Rrq").is_none());
        rewrite(SAMPLE, |n| constraints_in(&m, 0, n)).unwrap()
    }

    #[test]
    fn a_module_sees_its_own_newtype_before_another_modules() {
        let own = "#[rasn(delegate)]\npub struct Password(pub BmpString);\n";
        let other = "#[rasn(delegate, size(\"1..=128\"))]\npub struct Password(pub BmpString);\n\
                     #[rasn(delegate, size(\"1..=8\"))]\npub struct Only(pub BmpString);\n";
        let m = [ModuleTypes::scan(own), ModuleTypes::scan(other)];
        assert!(constraints_in(&m, 0, "Password").is_none());
        assert!(constraints_in(&m, 1, "Password").is_some());
        assert_eq!(
            constraints_in(&m, 0, "Only").unwrap(),
            &[r#"size("1..=8")"#]
        );
    }

    #[test]
    fn mandatory_additions_get_defaults_and_optional_ones_do_not() {
        let (out, report) = rewritten();
        assert!(out.contains(r#"#[rasn(extension_addition, identifier = "keepAlive", default)]"#));
        assert!(out.contains(
            r#"#[rasn(extension_addition, default = "absent_close_logical_channel_reason")]"#
        ));
        assert!(out.contains(
            "fn absent_close_logical_channel_reason() -> CloseLogicalChannelReason { \
             CloseLogicalChannelReason::unknown(()) }"
        ));
        assert_eq!(snake("UUIEsRequested"), "uui_es_requested");
        assert_eq!(snake("H263Version3Options"), "h263_version3_options");
        assert_eq!(report.defaults, 2);
    }

    #[test]
    fn constraints_are_copied_only_where_rasn_drops_them() {
        let (out, report) = rewritten();
        // Root optional field without an attribute of its own: rasn passes the type's.
        assert!(out.contains("#[rasn(identifier = \"timeToLive\")]\n        pub root_ttl"));
        assert!(out.contains(
            r#"#[rasn(extension_addition, identifier = "timeToLive", value("1..=4294967295"))]"#
        ));
        // The field's own size wins; the alphabet is added.
        assert!(out.contains(r#"#[rasn(size("3..=16"), from("\u{30}", "\u{31}"))]"#));
        assert!(out.contains(r#"#[rasn(size("1..=4"), from("\u{30}", "\u{31}"))]"#));
        assert_eq!(report.constraints, 3);
    }

    #[test]
    fn an_unknown_mandatory_type_stops_the_generator() {
        let code = "#[rasn(extension_addition)]\n pub x: Mystery,\n";
        let e = rewrite(code, |_| None).unwrap_err();
        assert!(e.contains("Mystery"), "{e}");
        // A constrained one becomes optional (rasn-derive cannot combine the two), in the
        // declaration and in `new`.
        let code = "#[rasn(extension_addition, value(\"0..=255\"))]\n pub version: u8,\n}\n\
                    impl T { pub fn new(a: u8, version: u8) -> Self { Self { a, version } } }\n";
        let (out, report) = rewrite(code, |_| None).unwrap();
        assert_eq!(
            out,
            "#[rasn(extension_addition, value(\"0..=255\"))]\n pub version: Option<u8>,\n}\n\
             impl T { pub fn new(a: u8, version: Option<u8>) -> Self { Self { a, version } } }\n"
        );
        assert_eq!(report.optional, ["version"]);
    }
}
