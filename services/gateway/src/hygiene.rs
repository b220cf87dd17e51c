//! Text on the way in and out. In: control characters (but line breaks and tabs) and
//! bidirectional overrides are refused, zero-width characters removed (so a title of only
//! those is empty), and no text runs past Excel's cell limit. Out: a cell that a
//! spreadsheet would read as a formula is marked as text.

/// The longest text accepted in any one input, in characters (Excel's cell limit, so every
/// accepted text fits an exported cell).
pub const MAX_TEXT_CHARS: usize = 32_767;

/// What is wrong with a text, in Chinese.
pub fn refusal(text: &str) -> Option<&'static str> {
    if let Some(why) = forbidden_character(text) {
        return Some(why);
    }
    if text.chars().count() > MAX_TEXT_CHARS {
        return Some("文字过长，单项最多32767字");
    }
    None
}

/// The refusal of a text holding a control or direction character.
pub fn forbidden_character(text: &str) -> Option<&'static str> {
    for c in text.chars() {
        if c.is_control() && !matches!(c, '\n' | '\r' | '\t') {
            return Some("含有不可见的控制字符，请删除后再提交");
        }
        if matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}') {
            return Some("含有改变文字方向的控制字符，请删除后再提交");
        }
    }
    None
}

/// Cleans a GraphQL request on the way in: the variables as [`clean_json`], the query
/// text without zero-width characters and refused with control or direction characters.
pub fn clean_request(request: &mut async_graphql::Request) -> Result<(), (String, &'static str)> {
    if let Some(why) = forbidden_character(&request.query) {
        return Err(("query".into(), why));
    }
    if let std::borrow::Cow::Owned(clean) = strip_invisible(&request.query) {
        request.query = clean;
    }
    let mut vars = request
        .variables
        .clone()
        .into_value()
        .into_json()
        .unwrap_or_default();
    clean_json(&mut vars, "")?;
    request.variables = async_graphql::Variables::from_json(vars);
    Ok(())
}

/// Whether `c` is invisible and without meaning in official text (zero-width spaces,
/// joiners, the word joiner, a byte-order mark inside text).
fn zero_width(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
}

/// The text without zero-width characters.
pub fn strip_invisible(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().any(zero_width) {
        text.chars()
            .filter(|c| !zero_width(*c))
            .collect::<String>()
            .into()
    } else {
        text.into()
    }
}

/// Cleans every string in a JSON value in place; the path of the first refused one.
pub fn clean_json(value: &mut serde_json::Value, path: &str) -> Result<(), (String, &'static str)> {
    match value {
        serde_json::Value::String(s) => {
            if let Some(why) = refusal(s) {
                return Err((path.to_string(), why));
            }
            if let std::borrow::Cow::Owned(clean) = strip_invisible(s) {
                *s = clean;
            }
        }
        serde_json::Value::Array(items) => {
            for (i, v) in items.iter_mut().enumerate() {
                clean_json(v, &format!("{path}[{i}]"))?;
            }
        }
        serde_json::Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                clean_json(v, &p)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Whether a spreadsheet would take a text cell starting so for a formula.
pub fn looks_like_formula(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// A CSV cell made safe from formula injection: a leading apostrophe, as OWASP advises.
pub fn csv_text(text: &str) -> std::borrow::Cow<'_, str> {
    if looks_like_formula(text) {
        format!("'{text}").into()
    } else {
        text.into()
    }
}

/// An imported cell with the apostrophe an export added taken off again.
pub fn csv_untext(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if looks_like_formula(rest) => rest,
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_and_direction_characters_are_refused_zero_widths_removed() {
        assert!(refusal("整改\u{0}").is_some());
        assert!(refusal("付款\u{202E}gpj.exe").is_some());
        assert!(refusal("第一行\n第二行\t完").is_none());
        assert_eq!(strip_invisible("\u{200B}\u{200D}\u{FEFF}"), "");
        assert_eq!(strip_invisible("会议\u{200B}多"), "会议多");
        let mut v = serde_json::json!({"input": {"title": "\u{200B}\u{200C}", "notes": ["ok", "bad\u{7}"]}});
        assert_eq!(clean_json(&mut v, "").unwrap_err().0, "input.notes[1]");
        let mut v = serde_json::json!({"input": {"title": "\u{200B}\u{200C}"}});
        assert!(clean_json(&mut v, "").is_ok());
        assert_eq!(v["input"]["title"], "");
    }

    #[test]
    fn formula_cells_are_marked_as_text_and_read_back_unmarked() {
        for f in ["=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)"] {
            assert_eq!(csv_text(f), format!("'{f}"));
            assert_eq!(csv_untext(&csv_text(f)), f);
        }
        assert_eq!(csv_text("会议多"), "会议多");
        assert_eq!(csv_untext("'引号开头"), "'引号开头");
    }
}
