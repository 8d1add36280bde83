//! Circuit Training netlists (`*.pb.txt`, a TensorFlow `GraphDef` in protobuf text form).
//!
//! Reader ([`read`], [`read_many`], [`parse_str`]) and writer ([`write`](fn@write), [`to_string`]).
//! The rules are `PROXY_COST.md` §2 and `CIRCUIT_TRAINING.md` §2.1:
//!
//! - `node { name: .. input: .. attr { key: "k" value { placeholder: "s" | f: 1.5 | i: 3 } } }`
//!   blocks with arbitrary whitespace; `#` starts a comment anywhere outside a string. The
//!   leading `#` lines form the header ([`NetlistHeader`]): `FP bbox: {x0 y0} {W H}`,
//!   `Width : W  Height : H`, `Columns : C  Rows : R`, `Block : name`, `Blockage : ...`, all
//!   kept verbatim in `header.comments`.
//! - `__metadata__` gets no index; its `soft_macro_area_bloating_ratio` is kept.
//! - The type is upper-cased; a `MACRO` is soft iff its name starts with `Grp_`; a
//!   `MACRO_PIN`'s kind follows its owner ([`NetlistBuilder`]).
//! - Interpreted attributes depend on the type (numbers may be `f`, `i`, or a placeholder
//!   holding a number):
//!
//!   | type | interpreted | default |
//!   |---|---|---|
//!   | `PORT` | `x`, `y`, `weight` | 0, 0, none |
//!   | `MACRO` | `width`, `height` (required), `x`, `y`, `orientation`, `weight` | 0, 0, `N`, none |
//!   | `MACRO_PIN` | `macro_name` (required), `x_offset`, `y_offset`, `weight` | 0, 0, none |
//!   | `STDCELL` | `width`, `height`, `x`, `y`, `orientation`, `weight` | 0, 0, 0, 0, `N`, none |
//!
//!   Every other attribute (pin `x`/`y`, port `side`, `ref_name`, ...) is kept, in file order,
//!   in `extra_attrs`, so read → write → read gives an identical [`Netlist`].
//! - **chipfloor extension** (never produced for CT netlists): the CT format lets a node drive
//!   one net only (its `input` list). A netlist converted from another format (Bookshelf) may
//!   have a standard cell or port driving several nets. The writer puts the driver's first net
//!   in `input` and its k-th additional net (k = 1, 2, ...) in attributes
//!   `chipfloor_net_k` (one per sink, `placeholder: "<sink name>"`) and, when the net weight is
//!   not 1, `chipfloor_net_weight_k`. The reader turns them back into nets. Circuit Training
//!   ignores unknown attributes, so it would see only the first net of such a driver.
//!
//! Errors name the file and line (`file:line: problem`); nothing in here panics on bad input.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::{Read, Write as _};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::header;
use crate::model::{
    AttrValue, NetId, Netlist, NetlistBuilder, NetlistHeader, Nets, NodeId, NodeKind, NodeSpec,
    Orientation, Placement,
};

/// Attribute-key prefix of the extra-net extension (see the module docs).
pub const EXTRA_NET_PREFIX: &str = "chipfloor_net_";
/// Attribute-key prefix of the extra-net weight extension (see the module docs).
pub const EXTRA_NET_WEIGHT_PREFIX: &str = "chipfloor_net_weight_";

/// Reads a netlist, plain text or gzip (detected by the gzip magic bytes).
pub fn read(path: &Path) -> Result<Netlist> {
    let text = read_text(path)?;
    parse_str(&text, path)
}

/// Reads a netlist split over several files, in the given order, as one stream: node
/// indices continue from file to file; the header comes from the first file's leading
/// comments. Errors name the file that holds the offending line.
pub fn read_many(paths: &[PathBuf]) -> Result<Netlist> {
    let mut st = Stream::default();
    for p in paths {
        let text = read_text(p)?;
        st.parse_file(&text, p)?;
    }
    st.finish()
}

/// Parses netlist text; `label` names the source in error messages.
pub fn parse_str(text: &str, label: &Path) -> Result<Netlist> {
    let mut st = Stream::default();
    st.parse_file(text, label)?;
    st.finish()
}

/// Reads a whole file as UTF-8 text, gunzipping it when it starts with the gzip magic.
pub(crate) fn read_text(path: &Path) -> Result<String> {
    let raw = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let bytes = if raw.starts_with(&[0x1f, 0x8b]) {
        // ISIZE trailer: uncompressed size mod 2^32 (of the last member); a capacity hint.
        let hint = raw
            .get(raw.len().saturating_sub(4)..)
            .and_then(|s| <[u8; 4]>::try_from(s).ok())
            .map(u32::from_le_bytes)
            .unwrap_or(0) as usize;
        let mut out = Vec::with_capacity(hint.clamp(raw.len(), 1 << 31));
        flate2::read::MultiGzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .map_err(|e| Error::io(path, e))?;
        out
    } else {
        raw
    };
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let line =
            1 + e.as_bytes().get(..valid).map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count());
        Error::parse(path, line, "invalid UTF-8")
    })
}

// ---------------------------------------------------------------------------------------
// Tokenizer

#[derive(Debug)]
enum Tok<'a> {
    /// Identifier or bare word (`node`, `f`, `abc`, `inf`).
    Word(&'a str),
    /// Number-like token starting with a digit, sign or dot (`1e-05`, `-3`).
    Num(&'a str),
    /// Quoted string, unescaped.
    Str(Cow<'a, str>),
    Colon,
    Open,
    Close,
    Eof,
}

fn describe(t: &Tok<'_>) -> String {
    match t {
        Tok::Word(w) | Tok::Num(w) => format!("`{w}`"),
        Tok::Str(s) => format!("string \"{s}\""),
        Tok::Colon => "`:`".into(),
        Tok::Open => "`{`".into(),
        Tok::Close => "`}`".into(),
        Tok::Eof => "end of file".into(),
    }
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    line: usize,
}

impl<'a> Lexer<'a> {
    fn bytes(&self) -> &'a [u8] {
        self.src.as_bytes()
    }

    /// Skips whitespace and `#` comments.
    fn skip(&mut self) {
        let b = self.bytes();
        while let Some(&c) = b.get(self.pos) {
            match c {
                b'\n' => {
                    self.line += 1;
                    self.pos += 1;
                }
                b' ' | b'\t' | b'\r' | 0x0b | 0x0c => self.pos += 1,
                b'#' => {
                    while let Some(&c) = b.get(self.pos) {
                        if c == b'\n' {
                            break;
                        }
                        self.pos += 1;
                    }
                }
                _ => break,
            }
        }
    }

    /// The next token; `Err((line, message))` on a lexical error.
    fn next(&mut self) -> std::result::Result<Tok<'a>, (usize, String)> {
        self.skip();
        let b = self.bytes();
        let Some(&c) = b.get(self.pos) else { return Ok(Tok::Eof) };
        match c {
            b':' => {
                self.pos += 1;
                Ok(Tok::Colon)
            }
            b'{' | b'<' => {
                self.pos += 1;
                Ok(Tok::Open)
            }
            b'}' | b'>' => {
                self.pos += 1;
                Ok(Tok::Close)
            }
            b'"' | b'\'' => self.string(c),
            c if c.is_ascii_alphanumeric() || c == b'_' || c == b'-' || c == b'+' || c == b'.' => {
                let start = self.pos;
                while let Some(&c) = b.get(self.pos) {
                    if c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'+' | b'.') {
                        self.pos += 1;
                    } else {
                        break;
                    }
                }
                let s = self.src.get(start..self.pos).unwrap_or("");
                if c.is_ascii_alphabetic() || c == b'_' {
                    Ok(Tok::Word(s))
                } else {
                    Ok(Tok::Num(s))
                }
            }
            _ => {
                let ch = self.src.get(self.pos..).and_then(|s| s.chars().next()).unwrap_or('?');
                Err((self.line, format!("unexpected character `{ch}`")))
            }
        }
    }

    fn string(&mut self, quote: u8) -> std::result::Result<Tok<'a>, (usize, String)> {
        let b = self.bytes();
        let start_line = self.line;
        self.pos += 1;
        let start = self.pos;
        // Fast path: no escapes.
        while let Some(&c) = b.get(self.pos) {
            if c == quote {
                let s = self.src.get(start..self.pos).unwrap_or("");
                self.pos += 1;
                return Ok(Tok::Str(Cow::Borrowed(s)));
            }
            if c == b'\\' {
                break;
            }
            if c == b'\n' {
                return Err((start_line, "unterminated string (newline inside a string)".into()));
            }
            self.pos += 1;
        }
        if self.pos >= b.len() {
            return Err((start_line, "unterminated string at end of file".into()));
        }
        // Slow path with escapes.
        let mut out = String::from(self.src.get(start..self.pos).unwrap_or(""));
        loop {
            let Some(rest) = self.src.get(self.pos..) else {
                return Err((start_line, "unterminated string at end of file".into()));
            };
            let mut chars = rest.chars();
            let Some(c) = chars.next() else {
                return Err((start_line, "unterminated string at end of file".into()));
            };
            self.pos += c.len_utf8();
            match c {
                c if c as u32 == quote as u32 => return Ok(Tok::Str(Cow::Owned(out))),
                '\n' => {
                    return Err((
                        start_line,
                        "unterminated string (newline inside a string)".into(),
                    ))
                }
                '\\' => {
                    let Some(e) = chars.next() else {
                        return Err((start_line, "unterminated string at end of file".into()));
                    };
                    self.pos += e.len_utf8();
                    out.push(match e {
                        'n' => '\n',
                        't' => '\t',
                        'r' => '\r',
                        '"' => '"',
                        '\'' => '\'',
                        '\\' => '\\',
                        _ => {
                            return Err((
                                self.line,
                                format!("unsupported escape `\\{e}` in string"),
                            ))
                        }
                    });
                }
                c => out.push(c),
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Parser

/// A raw attribute value with its source line.
enum Val<'a> {
    S(Cow<'a, str>),
    F(f64),
    I(i64),
}

impl Val<'_> {
    fn into_attr(self) -> AttrValue {
        match self {
            Val::S(s) => AttrValue::Str(s.into_owned()),
            Val::F(f) => AttrValue::F(f),
            Val::I(i) => AttrValue::I(i),
        }
    }
}

struct RawAttr<'a> {
    key: Cow<'a, str>,
    val: Val<'a>,
    line: usize,
}

/// An extra net from the extension attributes: (driver spec index, k, sink names, weight, line).
struct ExtraNet {
    driver: u32,
    k: u32,
    sinks: Vec<String>,
    weight: f64,
    line: usize,
}

/// Parse state across the files of one stream.
#[derive(Default)]
struct Stream {
    builder: NetlistBuilder,
    /// (global line offset, path) of each file, in order.
    files: Vec<(usize, PathBuf)>,
    /// Total lines of the files so far (global line offset of the next file).
    lines: usize,
    extra: Vec<ExtraNet>,
}

type LexResult<T> = std::result::Result<T, (usize, String)>;

impl Stream {
    fn parse_file(&mut self, text: &str, label: &Path) -> Result<()> {
        let offset = self.lines;
        self.files.push((offset, label.to_path_buf()));
        if self.files.len() == 1 {
            let mut comments = Vec::new();
            let mut first_line = Vec::new();
            for (i, l) in text.lines().enumerate() {
                let t = l.trim_start();
                if t.is_empty() {
                    continue;
                }
                let Some(c) = t.strip_prefix('#') else { break };
                comments.push(c.trim_end_matches('\r').to_string());
                first_line.push(i + 1);
            }
            let h = header::netlist_header_from_comments(&comments).map_err(|(i, m)| {
                Error::parse(label, first_line.get(i).copied().unwrap_or(0), m)
            })?;
            self.builder.header = h;
        }
        let mut lx = Lexer { src: text, pos: 0, line: 1 };
        let mut attrs: Vec<RawAttr<'_>> = Vec::new();
        self.parse_nodes(&mut lx, &mut attrs, offset)
            .map_err(|(line, msg)| Error::parse(label, line, msg))?;
        // The lexer stopped at end of file, so its line is the file's last line.
        self.lines += lx.line;
        Ok(())
    }

    fn parse_nodes<'a>(
        &mut self,
        lx: &mut Lexer<'a>,
        attrs: &mut Vec<RawAttr<'a>>,
        offset: usize,
    ) -> LexResult<()> {
        loop {
            let t = lx.next()?;
            match t {
                Tok::Eof => return Ok(()),
                Tok::Word("node") => {
                    let line = lx.line;
                    open(lx, "node")?;
                    self.parse_node(lx, attrs, line, offset)?;
                }
                t => return Err((lx.line, format!("expected `node {{`, found {}", describe(&t)))),
            }
        }
    }

    fn parse_node<'a>(
        &mut self,
        lx: &mut Lexer<'a>,
        attrs: &mut Vec<RawAttr<'a>>,
        node_line: usize,
        offset: usize,
    ) -> LexResult<()> {
        attrs.clear();
        let mut name: Option<Cow<'a, str>> = None;
        let mut inputs: Vec<String> = Vec::new();
        loop {
            let t = lx.next()?;
            match t {
                Tok::Close => break,
                Tok::Word("name") => {
                    colon(lx, "name")?;
                    name = Some(string(lx, "name")?);
                }
                Tok::Word("input") => {
                    colon(lx, "input")?;
                    inputs.push(string(lx, "input")?.into_owned());
                }
                Tok::Word("attr") => {
                    let line = lx.line;
                    open(lx, "attr")?;
                    let a = parse_attr(lx, line)?;
                    attrs.push(a);
                }
                Tok::Eof => {
                    return Err((
                        lx.line,
                        format!("unexpected end of file: `node` block opened at line {node_line} is not closed"),
                    ))
                }
                t => {
                    return Err((
                        lx.line,
                        format!("expected `name`, `input`, `attr` or `}}` in node, found {}", describe(&t)),
                    ))
                }
            }
        }
        let Some(name) = name else {
            return Err((node_line, "node without a name".into()));
        };
        if name == "__metadata__" {
            for a in attrs.drain(..) {
                if a.key == "soft_macro_area_bloating_ratio" {
                    self.builder.soft_macro_area_bloating_ratio = Some(number(&a, &name)?);
                }
            }
            return Ok(());
        }
        let spec_index = self.builder.len() as u32;
        let spec = self.interpret(name, inputs, attrs, node_line, offset, spec_index)?;
        self.builder.push(spec);
        Ok(())
    }

    /// Turns a parsed node block into a [`NodeSpec`] (the table in the module docs).
    fn interpret<'a>(
        &mut self,
        name: Cow<'a, str>,
        inputs: Vec<String>,
        attrs: &mut Vec<RawAttr<'a>>,
        node_line: usize,
        offset: usize,
        spec_index: u32,
    ) -> LexResult<NodeSpec> {
        let mut kind = None;
        for a in attrs.iter() {
            if a.key == "type" {
                let Val::S(s) = &a.val else {
                    return Err((
                        a.line,
                        format!("node \"{name}\": attribute `type` must be a placeholder string"),
                    ));
                };
                kind = Some(match s.to_ascii_uppercase().as_str() {
                    "PORT" => NodeKind::Port,
                    "MACRO" if name.starts_with("Grp_") => NodeKind::SoftMacro,
                    "MACRO" => NodeKind::HardMacro,
                    "MACRO_PIN" => NodeKind::HardMacroPin,
                    "STDCELL" => NodeKind::StdCell,
                    _ => {
                        return Err((
                            a.line,
                            format!("node \"{name}\" has unknown type \"{s}\" (expected PORT, MACRO, MACRO_PIN or STDCELL)"),
                        ))
                    }
                });
            }
        }
        let Some(kind) = kind else {
            return Err((node_line, format!("node \"{name}\" has no type")));
        };
        let mut spec = NodeSpec {
            kind: Some(kind),
            fanout: inputs,
            line: node_line + offset,
            ..Default::default()
        };
        let (mut has_w, mut has_h) = (false, false);
        let is_pin = kind.is_pin();
        let is_port = kind == NodeKind::Port;
        let sized = !is_pin && !is_port;
        for a in attrs.drain(..) {
            let key: &str = &a.key;
            match key {
                "type" => {}
                "x" if !is_pin => spec.x = number(&a, &name)?,
                "y" if !is_pin => spec.y = number(&a, &name)?,
                "width" if sized => {
                    spec.width = number(&a, &name)?;
                    has_w = true;
                }
                "height" if sized => {
                    spec.height = number(&a, &name)?;
                    has_h = true;
                }
                "orientation" if sized => {
                    let Val::S(s) = &a.val else {
                        return Err((
                            a.line,
                            format!("node \"{name}\": `orientation` must be a placeholder string"),
                        ));
                    };
                    spec.orientation = Orientation::parse(&s.trim().to_ascii_uppercase())
                        .ok_or_else(|| {
                            (a.line, format!("node \"{name}\": unknown orientation \"{s}\""))
                        })?;
                }
                "macro_name" if is_pin => {
                    let Val::S(s) = a.val else {
                        return Err((
                            a.line,
                            format!("node \"{name}\": `macro_name` must be a placeholder string"),
                        ));
                    };
                    spec.owner = Some(s.into_owned());
                }
                "x_offset" if is_pin => spec.offset.0 = number(&a, &name)?,
                "y_offset" if is_pin => spec.offset.1 = number(&a, &name)?,
                "weight" => spec.weight = Some(number(&a, &name)?),
                _ if key.starts_with(EXTRA_NET_PREFIX) => {
                    self.extra_attr(&a, &name, spec_index, offset)?
                }
                _ => spec.extra_attrs.push((a.key.into_owned(), a.val.into_attr())),
            }
        }
        if kind.is_macro() && !(has_w && has_h) {
            let which = if has_w { "height" } else { "width" };
            return Err((node_line, format!("macro \"{name}\" has no `{which}`")));
        }
        spec.name = name.into_owned();
        Ok(spec)
    }

    fn extra_attr(
        &mut self,
        a: &RawAttr<'_>,
        name: &str,
        driver: u32,
        offset: usize,
    ) -> LexResult<()> {
        let bad =
            || (a.line, format!("node \"{name}\": malformed extension attribute `{}`", a.key));
        let (is_weight, k) = match a.key.strip_prefix(EXTRA_NET_WEIGHT_PREFIX) {
            Some(k) => (true, k),
            None => (false, a.key.get(EXTRA_NET_PREFIX.len()..).unwrap_or("")),
        };
        let k: u32 = k.parse().map_err(|_| bad())?;
        if k == 0 {
            return Err(bad());
        }
        let pos = match self.extra.iter().rposition(|e| e.driver == driver && e.k == k) {
            Some(p) => p,
            None => {
                self.extra.push(ExtraNet {
                    driver,
                    k,
                    sinks: Vec::new(),
                    weight: 1.0,
                    line: a.line + offset,
                });
                self.extra.len() - 1
            }
        };
        let Some(e) = self.extra.get_mut(pos) else { return Err(bad()) };
        if is_weight {
            e.weight = number(a, name)?;
        } else {
            let Val::S(s) = &a.val else { return Err(bad()) };
            e.sinks.push(s.to_string());
        }
        Ok(())
    }

    fn finish(self) -> Result<Netlist> {
        let files = self.files;
        let locate = |line: usize| locate(&files, line);
        let mut nl = self.builder.build().map_err(|e| {
            let (p, l) = locate(e.line);
            Error::parse(p, l, e.message)
        })?;
        if !self.extra.is_empty() {
            let mut extra = self.extra;
            extra.sort_by_key(|e| (e.driver, e.k));
            let mut resolved = Vec::with_capacity(extra.len());
            for e in extra {
                let mut sinks = Vec::with_capacity(e.sinks.len());
                let dname = nl.names.get(e.driver as usize).cloned().unwrap_or_default();
                if nl.kinds.get(e.driver as usize).is_some_and(|k| k.is_macro()) {
                    let (p, l) = locate(e.line);
                    return Err(Error::parse(
                        p,
                        l,
                        format!("macro \"{dname}\" cannot drive a net"),
                    ));
                }
                for s in &e.sinks {
                    match nl.find(s) {
                        Some(id) if !nl.kind(id).is_macro() => sinks.push(id),
                        Some(_) => {
                            let (p, l) = locate(e.line);
                            return Err(Error::parse(
                                p,
                                l,
                                format!(
                                    "node \"{dname}\" has extra-net sink \"{s}\", which is a macro"
                                ),
                            ));
                        }
                        None => {
                            let (p, l) = locate(e.line);
                            return Err(Error::parse(p, l, format!("node \"{dname}\" has extra-net sink \"{s}\", which is not a node")));
                        }
                    }
                }
                resolved.push((NodeId(e.driver), e.weight, sinks));
            }
            nl.nets = merge_nets(&nl.nets, resolved);
        }
        Ok(nl)
    }
}

/// Maps a stream-global line to (file, line in that file).
fn locate(files: &[(usize, PathBuf)], global_line: usize) -> (PathBuf, usize) {
    if global_line == 0 {
        return (files.first().map(|f| f.1.clone()).unwrap_or_default(), 0);
    }
    let idx = files.iter().rposition(|(off, _)| *off < global_line).unwrap_or(0);
    match files.get(idx) {
        Some((off, p)) => (p.clone(), global_line - off.min(&global_line)),
        None => (PathBuf::from("<netlist>"), global_line),
    }
}

/// Merges the builder's nets (one per driver, ascending driver) with extra nets (sorted by
/// driver, then k): the result is ordered by driver, primary net first.
fn merge_nets(primary: &Nets, extra: Vec<(NodeId, f64, Vec<NodeId>)>) -> Nets {
    let mut out = Nets::default();
    out.sink_start.push(0);
    let mut ex = extra.into_iter().peekable();
    for n in 0..primary.len() {
        let d = primary.driver[n];
        while let Some(e) = ex.next_if(|e| e.0 < d) {
            out.push(e.0, e.1, &e.2);
        }
        out.push(d, primary.weight[n], primary.sinks_of(NetId(n as u32)));
        while let Some(e) = ex.next_if(|e| e.0 == d) {
            out.push(e.0, e.1, &e.2);
        }
    }
    for e in ex {
        out.push(e.0, e.1, &e.2);
    }
    out
}

fn colon(lx: &mut Lexer<'_>, field: &str) -> LexResult<()> {
    match lx.next()? {
        Tok::Colon => Ok(()),
        Tok::Eof => Err((lx.line, format!("unexpected end of file after `{field}`"))),
        t => Err((lx.line, format!("expected `:` after `{field}`, found {}", describe(&t)))),
    }
}

/// Expects `{` (optionally preceded by `:`).
fn open(lx: &mut Lexer<'_>, field: &str) -> LexResult<()> {
    let mut t = lx.next()?;
    if matches!(t, Tok::Colon) {
        t = lx.next()?;
    }
    match t {
        Tok::Open => Ok(()),
        Tok::Eof => Err((lx.line, format!("unexpected end of file after `{field}`"))),
        t => Err((lx.line, format!("expected `{{` after `{field}`, found {}", describe(&t)))),
    }
}

fn string<'a>(lx: &mut Lexer<'a>, field: &str) -> LexResult<Cow<'a, str>> {
    match lx.next()? {
        Tok::Str(s) => Ok(s),
        Tok::Eof => Err((lx.line, format!("unexpected end of file after `{field}:`"))),
        t => Err((
            lx.line,
            format!("expected a quoted string after `{field}:`, found {}", describe(&t)),
        )),
    }
}

fn parse_f64(s: &str) -> Option<f64> {
    s.parse::<f64>().ok().or_else(|| s.strip_suffix(['f', 'F']).and_then(|t| t.parse().ok()))
}

fn parse_attr<'a>(lx: &mut Lexer<'a>, attr_line: usize) -> LexResult<RawAttr<'a>> {
    let mut key: Option<Cow<'a, str>> = None;
    let mut val: Option<(Val<'a>, usize)> = None;
    loop {
        match lx.next()? {
            Tok::Close => break,
            Tok::Word("key") => {
                colon(lx, "key")?;
                key = Some(string(lx, "key")?);
            }
            Tok::Word("value") => {
                open(lx, "value")?;
                val = Some(parse_value(lx, attr_line)?);
            }
            Tok::Eof => {
                return Err((
                    lx.line,
                    format!(
                    "unexpected end of file: `attr` block opened at line {attr_line} is not closed"
                ),
                ))
            }
            t => {
                return Err((
                    lx.line,
                    format!("expected `key`, `value` or `}}` in attr, found {}", describe(&t)),
                ))
            }
        }
    }
    let Some(key) = key else {
        return Err((attr_line, "attribute without a `key`".into()));
    };
    let Some((val, line)) = val else {
        return Err((attr_line, format!("attribute \"{key}\" without a `value`")));
    };
    Ok(RawAttr { key, val, line })
}

fn parse_value<'a>(lx: &mut Lexer<'a>, attr_line: usize) -> LexResult<(Val<'a>, usize)> {
    let mut out: Option<(Val<'a>, usize)> = None;
    loop {
        let t = lx.next()?;
        let line = lx.line;
        let v = match t {
            Tok::Close => break,
            Tok::Word("placeholder") => {
                colon(lx, "placeholder")?;
                Val::S(string(lx, "placeholder")?)
            }
            Tok::Word(f @ ("f" | "i")) => {
                colon(lx, f)?;
                let t = lx.next()?;
                let line = lx.line;
                let text = match t {
                    Tok::Num(s) | Tok::Word(s) => s,
                    Tok::Eof => return Err((line, format!("unexpected end of file after `{f}:`"))),
                    t => return Err((line, format!("expected a number after `{f}:`, found {}", describe(&t)))),
                };
                if f == "f" {
                    Val::F(parse_f64(text).ok_or_else(|| (line, format!("expected a number after `f:`, found `{text}`")))?)
                } else {
                    Val::I(text.parse::<i64>().map_err(|_| (line, format!("expected an integer after `i:`, found `{text}`")))?)
                }
            }
            Tok::Word(w) => {
                return Err((line, format!("unsupported attribute value field `{w}` (expected `placeholder`, `f` or `i`)")))
            }
            Tok::Eof => {
                return Err((
                    line,
                    format!("unexpected end of file: `value` block of the attr at line {attr_line} is not closed"),
                ))
            }
            t => return Err((line, format!("expected `placeholder`, `f`, `i` or `}}` in value, found {}", describe(&t)))),
        };
        if out.is_some() {
            return Err((line, "attribute value has more than one field".into()));
        }
        out = Some((v, line));
    }
    out.ok_or_else(|| (lx.line, "empty attribute value".into()))
}

/// A numeric attribute: `f`, `i`, or a placeholder holding a number.
fn number(a: &RawAttr<'_>, node: &str) -> LexResult<f64> {
    match &a.val {
        Val::F(f) => Ok(*f),
        Val::I(i) => Ok(*i as f64),
        Val::S(s) => parse_f64(s.trim()).ok_or_else(|| {
            (
                a.line,
                format!("node \"{node}\": attribute `{}` must be a number, found \"{s}\"", a.key),
            )
        }),
    }
}

// ---------------------------------------------------------------------------------------
// Writer

/// Writes a netlist (gzip when the path ends in `.gz`). With `placement`, the x, y and
/// orientation of ports, macros and standard cells come from it.
pub fn write(nl: &Netlist, placement: Option<&Placement>, path: &Path) -> Result<()> {
    let text = to_string(nl, placement);
    let io = |e| Error::io(path, e);
    let f = std::fs::File::create(path).map_err(io)?;
    let mut w = std::io::BufWriter::new(f);
    if path.extension().is_some_and(|e| e == "gz") {
        let mut gz = flate2::write::GzEncoder::new(w, flate2::Compression::default());
        gz.write_all(text.as_bytes()).map_err(io)?;
        gz.finish().map_err(io)?.flush().map_err(io)?;
    } else {
        w.write_all(text.as_bytes()).map_err(io)?;
        w.flush().map_err(io)?;
    }
    Ok(())
}

fn push_quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn attr_str(out: &mut String, key: &str, v: &str) {
    out.push_str("  attr {\n    key: ");
    push_quoted(out, key);
    out.push_str("\n    value {\n      placeholder: ");
    push_quoted(out, v);
    out.push_str("\n    }\n  }\n");
}

fn attr_f(out: &mut String, key: &str, v: f64) {
    out.push_str("  attr {\n    key: ");
    push_quoted(out, key);
    let _ = write!(out, "\n    value {{\n      f: {v}\n    }}\n  }}\n");
}

fn attr_i(out: &mut String, key: &str, v: i64) {
    out.push_str("  attr {\n    key: ");
    push_quoted(out, key);
    let _ = write!(out, "\n    value {{\n      i: {v}\n    }}\n  }}\n");
}

/// The header comment lines to write: the stored comments when they describe `h`, else
/// the non-field comments followed by synthesized field lines.
fn header_lines(h: &NetlistHeader) -> Vec<String> {
    let reparsed = header::netlist_header_from_comments(&h.comments).ok();
    let same = reparsed.as_ref().is_some_and(|r| {
        r.canvas == h.canvas && r.grid == h.grid && r.block == h.block && r.blockages == h.blockages
    });
    if same {
        return h.comments.clone();
    }
    let mut lines: Vec<String> = h
        .comments
        .iter()
        .filter(|c| {
            let mut scratch = NetlistHeader::default();
            !matches!(header::apply_netlist_line(c, &mut scratch), Ok(true) | Err(_))
        })
        .cloned()
        .collect();
    if let Some((w, hh)) = h.canvas {
        lines.push(format!(" FP bbox: {{0 0}} {{{w} {hh}}}"));
    }
    if let Some((c, r)) = h.grid {
        lines.push(format!(" Columns : {c}  Rows : {r}"));
    }
    if let Some(b) = &h.block {
        lines.push(format!(" Block : {b}"));
    }
    for b in &h.blockages {
        lines.push(format!(
            " Blockage : {} {} {} {} {}",
            b.min_x, b.min_y, b.max_x, b.max_y, b.rate
        ));
    }
    lines
}

/// Renders a netlist as `.pb.txt` text: header comments, an optional `__metadata__` node,
/// then every node in index order with canonical upper-case types, interpreted attributes
/// in a fixed order (`type`, then `width height x y orientation` / `macro_name x_offset
/// y_offset`, then `weight`), then the extra attributes in their stored order. Numbers use
/// Rust's shortest round-trip `{}` form.
pub fn to_string(nl: &Netlist, placement: Option<&Placement>) -> String {
    let n = nl.len();
    let mut out = String::with_capacity(n * 400 + 1024);
    for c in header_lines(&nl.header) {
        out.push('#');
        out.push_str(&c);
        out.push('\n');
    }
    if let Some(r) = nl.soft_macro_area_bloating_ratio {
        out.push_str("node {\n  name: \"__metadata__\"\n");
        attr_f(&mut out, "soft_macro_area_bloating_ratio", r);
        out.push_str("}\n");
    }
    // Nets driven by each node, in net order (CSR).
    let mut cnt = vec![0u32; n + 1];
    for d in &nl.nets.driver {
        if let Some(c) = cnt.get_mut(d.index() + 1) {
            *c += 1;
        }
    }
    for i in 0..n {
        cnt[i + 1] += cnt[i];
    }
    let start = cnt.clone();
    let mut fill = cnt;
    let mut driven = vec![0u32; nl.nets.len()];
    for (k, d) in nl.nets.driver.iter().enumerate() {
        if let Some(f) = fill.get_mut(d.index()) {
            if let Some(slot) = driven.get_mut(*f as usize) {
                *slot = k as u32;
            }
            *f += 1;
        }
    }
    for i in 0..n {
        let kind = nl.kinds[i];
        out.push_str("node {\n  name: ");
        push_quoted(&mut out, &nl.names[i]);
        out.push('\n');
        let my_nets = driven.get(start[i] as usize..start[i + 1] as usize).unwrap_or(&[]);
        if let Some(&first) = my_nets.first() {
            for s in nl.nets.sinks_of(NetId(first)) {
                out.push_str("  input: ");
                push_quoted(&mut out, nl.name(*s));
                out.push('\n');
            }
        }
        attr_str(&mut out, "type", kind.type_str());
        let (x, y, o) = match placement {
            Some(p) if kind.is_placeable() => (
                p.x.get(i).copied().unwrap_or(nl.x[i]),
                p.y.get(i).copied().unwrap_or(nl.y[i]),
                p.orientation.get(i).copied().unwrap_or(nl.orientation[i]),
            ),
            _ => (nl.x[i], nl.y[i], nl.orientation[i]),
        };
        match kind {
            NodeKind::Port => {
                attr_f(&mut out, "x", x);
                attr_f(&mut out, "y", y);
            }
            NodeKind::HardMacro | NodeKind::SoftMacro | NodeKind::StdCell => {
                attr_f(&mut out, "width", nl.width[i]);
                attr_f(&mut out, "height", nl.height[i]);
                attr_f(&mut out, "x", x);
                attr_f(&mut out, "y", y);
                if kind.is_macro() || o != Orientation::N {
                    attr_str(&mut out, "orientation", o.as_str());
                }
            }
            NodeKind::HardMacroPin | NodeKind::SoftMacroPin => {
                if let Some(o) = nl.owner[i] {
                    attr_str(&mut out, "macro_name", nl.name(o));
                }
                attr_f(&mut out, "x_offset", nl.pin_offset[i].0);
                attr_f(&mut out, "y_offset", nl.pin_offset[i].1);
            }
        }
        if let Some(w) = nl.weight[i] {
            attr_f(&mut out, "weight", w);
        }
        for (k, v) in &nl.extra_attrs[i] {
            match v {
                AttrValue::Str(s) => attr_str(&mut out, k, s),
                AttrValue::F(f) => attr_f(&mut out, k, *f),
                AttrValue::I(v) => attr_i(&mut out, k, *v),
            }
        }
        for (k, &net) in my_nets.iter().enumerate().skip(1) {
            let key = format!("{EXTRA_NET_PREFIX}{k}");
            for s in nl.nets.sinks_of(NetId(net)) {
                attr_str(&mut out, &key, nl.name(*s));
            }
            let w = nl.nets.weight[net as usize];
            if w != 1.0 {
                attr_f(&mut out, &format!("{EXTRA_NET_WEIGHT_PREFIX}{k}"), w);
            }
        }
        out.push_str("}\n");
    }
    out
}

#[cfg(test)]
mod tests;
