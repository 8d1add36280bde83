//! Shared parsing of `# Key : value` comment lines (netlist and `.plc` headers).
//!
//! A field line has the form `Key : value [Key2 : value2 ...]`; pairs are separated by
//! whitespace of any width (`PROXY_COST.md` §4.2), so we split on `:` and match keys, never
//! spacing. Value tokens follow the pattern `[0-9A-Za-z.+-]+`.

use crate::model::{Blockage, NetlistHeader};

/// The point `x y` of the first comment line `Key : x y` with this key (the origin comments of
/// DEF and Bookshelf imports), if any.
pub(crate) fn comment_point(comments: &[String], key: &str) -> Option<(f64, f64)> {
    comments.iter().find_map(|c| {
        let (k, v) = c.split_once(':')?;
        if k.trim() != key {
            return None;
        }
        let mut it = v.split_whitespace().map(str::parse::<f64>);
        Some((it.next()?.ok()?, it.next()?.ok()?))
    })
}

/// Replaces every `Key : ...` comment line with this key by ` Key : x y`, or removes them for
/// (0, 0).
pub(crate) fn set_comment_point(comments: &mut Vec<String>, key: &str, (x, y): (f64, f64)) {
    comments.retain(|c| c.split_once(':').is_none_or(|(k, _)| k.trim() != key));
    if x != 0.0 || y != 0.0 {
        comments.push(format!(" {key} : {x} {y}"));
    }
}

/// Splits a comment line (without the leading `#`) into `(key, value)` pairs.
///
/// `Routes per micron, hor : 57.031  ver : 56.818` gives `[("Routes per micron, hor",
/// "57.031"), ("ver", "56.818")]`. Keys have their inner whitespace collapsed to one space.
/// The last value is the whole (trimmed) rest of the line, so `Blockage : 0 0 10 10 1.0`
/// gives `("Blockage", "0 0 10 10 1.0")`. Lines without `:` give no pairs.
pub(crate) fn pairs(line: &str) -> Vec<(String, &str)> {
    let segs: Vec<&str> = line.split(':').collect();
    let mut out = Vec::new();
    if segs.len() < 2 {
        return out;
    }
    let mut key = normalize_key(segs.first().copied().unwrap_or(""));
    let last = segs.len() - 1;
    for (i, seg) in segs.iter().enumerate().skip(1) {
        let seg = seg.trim();
        if i == last {
            out.push((key, seg));
            break;
        }
        let (value, rest) = match seg.find(char::is_whitespace) {
            Some(p) => (&seg[..p], seg[p..].trim()),
            None => (seg, ""),
        };
        out.push((std::mem::take(&mut key), value));
        key = normalize_key(rest);
    }
    out
}

fn normalize_key(k: &str) -> String {
    let mut s = String::with_capacity(k.len());
    for w in k.split_whitespace() {
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(w);
    }
    s
}

/// The leading run of `[0-9A-Za-z.+-]` characters of a value.
pub(crate) fn value_token(v: &str) -> &str {
    let v = v.trim_start();
    let end = v
        .bytes()
        .position(|b| !(b.is_ascii_alphanumeric() || b == b'.' || b == b'+' || b == b'-'))
        .unwrap_or(v.len());
    &v[..end]
}

/// Parses a value token as `f64`.
pub(crate) fn num(key: &str, v: &str) -> Result<f64, String> {
    let t = value_token(v);
    t.parse::<f64>()
        .map_err(|_| format!("header field `{key}`: expected a number, found `{}`", v.trim()))
}

/// Parses a value token as `u32`.
pub(crate) fn uint(key: &str, v: &str) -> Result<u32, String> {
    let t = value_token(v);
    t.parse::<u32>().map_err(|_| {
        format!("header field `{key}`: expected a non-negative integer, found `{}`", v.trim())
    })
}

/// A name value (`Block : unset_block`): the first whitespace-separated word.
pub(crate) fn word(v: &str) -> String {
    v.split_whitespace().next().unwrap_or("").to_string()
}

/// Parses `minx miny maxx maxy rate`.
pub(crate) fn blockage(v: &str) -> Result<Blockage, String> {
    let nums: Vec<&str> = v.split_whitespace().collect();
    let bad =
        || format!("`Blockage` needs 5 numbers `minx miny maxx maxy rate`, found `{}`", v.trim());
    if nums.len() != 5 {
        return Err(bad());
    }
    let mut f = [0.0f64; 5];
    for (slot, t) in f.iter_mut().zip(&nums) {
        *slot = t.parse::<f64>().map_err(|_| bad())?;
    }
    Ok(Blockage { min_x: f[0], min_y: f[1], max_x: f[2], max_y: f[3], rate: f[4] })
}

/// Case-insensitive key comparison.
pub(crate) fn is(key: &str, want: &str) -> bool {
    key.eq_ignore_ascii_case(want)
}

/// Parses `FP bbox: {x0 y0} {W H}`; returns the upper-right corner `(W, H)`.
fn fp_bbox(rest: &str) -> Result<(f64, f64), String> {
    let cleaned: String =
        rest.chars().map(|c| if matches!(c, '{' | '}' | ',' | ':') { ' ' } else { c }).collect();
    let nums: Result<Vec<f64>, _> = cleaned.split_whitespace().map(str::parse::<f64>).collect();
    match nums {
        Ok(n) if n.len() == 4 => Ok((n[2], n[3])),
        _ => Err(format!("`FP bbox` needs `{{x0 y0}} {{W H}}`, found `{}`", rest.trim())),
    }
}

/// Applies one netlist header comment line (without `#`) to `h` (`PROXY_COST.md` §4.3).
/// Returns whether the line is a recognised field line.
pub(crate) fn apply_netlist_line(line: &str, h: &mut NetlistHeader) -> Result<bool, String> {
    let t = line.trim_start();
    if t.len() >= 7 && t.is_char_boundary(7) && t[..7].eq_ignore_ascii_case("FP bbox") {
        h.canvas = Some(fp_bbox(&t[7..])?);
        return Ok(true);
    }
    let p = pairs(line);
    let Some((k0, v0)) = p.first() else { return Ok(false) };
    let second = p.get(1);
    if is(k0, "Width") {
        if let Some((k1, v1)) = second.filter(|(k, _)| is(k, "Height")) {
            h.canvas = Some((num(k0, v0)?, num(k1, v1)?));
            return Ok(true);
        }
    } else if is(k0, "Columns") {
        if let Some((k1, v1)) = second.filter(|(k, _)| is(k, "Rows")) {
            h.grid = Some((uint(k0, v0)?, uint(k1, v1)?));
            return Ok(true);
        }
    } else if is(k0, "Block") && p.len() == 1 {
        h.block = Some(word(v0));
        return Ok(true);
    } else if is(k0, "Blockage") && p.len() == 1 {
        h.blockages.push(blockage(v0)?);
        return Ok(true);
    }
    Ok(false)
}

/// The header fields parsed from a list of comment lines (without `#`); errors carry the
/// 0-based index of the offending line.
pub(crate) fn netlist_header_from_comments(
    comments: &[String],
) -> Result<NetlistHeader, (usize, String)> {
    let mut h = NetlistHeader::default();
    for (i, c) in comments.iter().enumerate() {
        apply_netlist_line(c, &mut h).map_err(|e| (i, e))?;
    }
    h.comments = comments.to_vec();
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_match_keys_not_spacing() {
        let p = pairs(" Routes per micron, hor : 70.33 ver : 74.51");
        assert_eq!(
            p,
            vec![("Routes per micron, hor".to_string(), "70.33"), ("ver".to_string(), "74.51")]
        );
        let p = pairs(" Columns : 24  Rows : 21");
        assert_eq!(p, vec![("Columns".to_string(), "24"), ("Rows".to_string(), "21")]);
        let p = pairs(" Congestion   Columns : 25  Congestion Rows : 25");
        assert_eq!(p[1].0, "Congestion Rows");
        assert_eq!(pairs(" HARD_MACROs     :       133"), vec![("HARD_MACROs".to_string(), "133")]);
        assert!(pairs(" no colon here").is_empty());
    }

    #[test]
    fn netlist_header_lines() {
        let mut h = NetlistHeader::default();
        assert!(apply_netlist_line(" FP bbox: {0.0 0.0} {200.0 100.0}", &mut h).unwrap());
        assert_eq!(h.canvas, Some((200.0, 100.0)));
        assert!(apply_netlist_line(" Blockage : 0 0 10 10 1.0", &mut h).unwrap());
        assert!(apply_netlist_line(" Columns : 3  Rows : 4", &mut h).unwrap());
        assert_eq!(h.grid, Some((3, 4)));
        assert!(!apply_netlist_line(" proto-message: tensorflow.GraphDef", &mut h).unwrap());
        assert!(apply_netlist_line(" Blockage : 0 0 10", &mut h).is_err());
        assert!(apply_netlist_line(" FP bbox: {0 0}", &mut h).is_err());
    }
}
