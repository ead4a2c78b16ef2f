//! The embedding API (`mintage::load`, `mintage::load_str`) returns structured
//! diagnostics: code, severity, place by file, line and column, message, labels and help;
//! its `Display` stays the one-line form.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mintage::RulesError;
use mintage::diagnostic::{Code, LocatedDiagnostic, Location, Severity};

const RULES: &str = r#"campaign welcome {
  window 2026-11-01 .. 2026-12-01 Asia/Shanghai
  audience user.paid_order == 0
  rule first_look {
    on view_item
    once per user
    give amount_off ¥10 valid 72h
  }
  rule first_look {
    on view_item
    once per user
    give amount_off ¥10 valid 72h
  }
}
"#;

fn errors(result: Result<mintage::runtime::engine::Rules, RulesError>) -> (String, Vec<LocatedDiagnostic>) {
    let Err(e) = result else { panic!("the rules loaded") };
    let RulesError::Invalid(list) = &e else {
        panic!("not a rule error: {e}")
    };
    (e.to_string(), list.clone())
}

fn at(file: &str, line: usize, column: usize, end_column: usize, text: &str, word: &str) -> Location {
    let start = text.find(word).unwrap();
    Location {
        file: file.into(),
        line,
        column,
        end_line: line,
        end_column,
        start,
        end: start + word.len(),
    }
}

#[test]
fn load_str_returns_each_error_with_its_code_place_labels_and_help() {
    let (text, list) = errors(mintage::load_str("welcome.mint", RULES));
    assert_eq!(list.len(), 2, "{list:#?}");

    let field = &list[0];
    assert_eq!(field.code, Code::UnknownField);
    assert_eq!(field.severity, Severity::Error);
    assert!(field.is_error());
    assert_eq!(field.message, "unknown field `user.paid_order`");
    assert_eq!(field.location, at("welcome.mint", 3, 12, 27, RULES, "user.paid_order"));
    assert_eq!(field.label, "not a known field");
    assert_eq!(field.help.as_deref(), Some("did you mean `user.paid_orders`?"));
    assert!(field.related.is_empty());

    let duplicate = &list[1];
    assert_eq!(duplicate.code.as_str(), "E005");
    assert_eq!(duplicate.location.line, 9);
    assert_eq!(duplicate.label, "second definition");
    assert_eq!(duplicate.related.len(), 1);
    assert_eq!(duplicate.related[0].label, "first defined here");
    assert_eq!(duplicate.related[0].location.line, 4);
    assert_eq!(duplicate.related[0].location.column, 8);

    // The display is what it was when the errors were strings.
    assert_eq!(
        text,
        "the rules have 2 error(s):\n\
         welcome.mint:3:12: error[E002]: unknown field `user.paid_order`\n\
         welcome.mint:9:8: error[E005]: rule `first_look` is defined twice"
    );
    assert_eq!(
        list[0].to_string(),
        "welcome.mint:3:12: error[E002]: unknown field `user.paid_order`"
    );
}

#[test]
fn load_reads_files_and_names_them_in_places() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("welcome.mint");
    std::fs::write(&path, RULES).unwrap();
    let (_, list) = errors(mintage::load(std::slice::from_ref(&path)));
    assert_eq!(list[0].location.file, path.display().to_string());
    assert_eq!(list[0].code, Code::UnknownField);
}

#[test]
fn diagnostics_serialize_with_codes_as_written() {
    let err = mintage::load_str("welcome.mint", RULES).map(|_| ()).unwrap_err();
    let json = serde_json::to_value(err.diagnostics()).unwrap();
    assert_eq!(json[0]["code"], "E002");
    assert_eq!(json[0]["severity"], "error");
    assert_eq!(json[0]["location"]["line"], 3);
    assert_eq!(json[1]["related"][0]["label"], "first defined here");
}

#[test]
fn files_that_cannot_be_read_have_no_diagnostics() {
    let err = mintage::load(&["/nonexistent/rules".into()]).map(|_| ()).unwrap_err();
    assert!(matches!(err, RulesError::Load(_)));
    assert!(err.diagnostics().is_empty());
}
