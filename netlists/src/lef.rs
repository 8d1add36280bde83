//! LEF libraries (reader): units, sites and macros (class, size, origin, foreign, symmetry,
//! pins with their shapes).
//!
//! Only what macro placement needs is interpreted; `LAYER`, `VIA`, `VIARULE`,
//! `NONDEFAULTRULE`, `SPACING`, `PROPERTYDEFINITIONS`, `BEGINEXT` blocks and unknown
//! statements are skipped (a statement ends at `;`, a block at its `END`). Several files
//! (technology LEF, cell LEF, macro LEFs) are read into one [`LefLibrary`]; a later
//! definition of the same macro replaces an earlier one.
//!
//! # Pin offsets
//!
//! A pin's offset is the centre of the bounding box of all its `PORT` shapes (`RECT`,
//! `POLYGON`, `VIA` points), measured from the macro's centre in orientation N, in µm:
//! `shape + ORIGIN - SIZE / 2` (LEF geometry is relative to the macro origin; the placed
//! macro's lower-left corner is at `-ORIGIN` in those coordinates). This is the Circuit
//! Training `x_offset`/`y_offset` of the pin (checked on ariane133: `fakeram45_256x16`
//! `w_mask_in[0]` gives (-28.75, -64.4), as in the netlist).
//!
//! Errors are `file:line: problem` ([`crate::Error`]); the reader never panics.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// A LEF `SITE`.
#[derive(Clone, Debug, PartialEq)]
pub struct LefSite {
    /// Site name.
    pub name: String,
    /// `CLASS` (`CORE`, `PAD`), if given.
    pub class: Option<String>,
    /// `SIZE w BY h` in µm.
    pub size: (f64, f64),
}

/// A pin of a LEF macro.
#[derive(Clone, Debug, PartialEq)]
pub struct LefPin {
    /// Pin name.
    pub name: String,
    /// `DIRECTION` (`INPUT`, `OUTPUT`, `INOUT`, `FEEDTHRU`), if given.
    pub direction: Option<String>,
    /// `USE` (`SIGNAL`, `POWER`, `GROUND`, `CLOCK`, ...), if given.
    pub usage: Option<String>,
    /// Bounding box of the pin's shapes `(x0, y0, x1, y1)` in macro coordinates (µm);
    /// `None` when the pin has no shape.
    pub bbox: Option<(f64, f64, f64, f64)>,
    /// Centre of the shapes relative to the macro centre in orientation N (µm); `None`
    /// without shapes.
    pub offset: Option<(f64, f64)>,
}

/// A LEF `MACRO`.
#[derive(Clone, Debug, PartialEq)]
pub struct LefMacro {
    /// Macro (master) name.
    pub name: String,
    /// `CLASS` words (`BLOCK`, `CORE`, `CORE TIEHIGH`, `PAD INPUT`, ...); empty if absent.
    pub class: String,
    /// `SIZE w BY h` in µm.
    pub size: (f64, f64),
    /// `ORIGIN x y` in µm (default 0 0).
    pub origin: (f64, f64),
    /// `FOREIGN` cell name, if given.
    pub foreign: Option<String>,
    /// `SYMMETRY` words (`X`, `Y`, `R90`).
    pub symmetry: Vec<String>,
    /// Pins in file order.
    pub pins: Vec<LefPin>,
    /// File and 1-based line of the `MACRO` statement.
    pub source: (PathBuf, usize),
}

impl LefMacro {
    /// True for `CLASS BLOCK` (hard macros: SRAMs, IP) and `CLASS RING`/`COVER`/`PAD`
    /// masters, i.e. anything that is not a standard cell (`CORE`, `ENDCAP`).
    pub fn is_block(&self) -> bool {
        let c = self.class.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
        !matches!(c.as_str(), "CORE" | "ENDCAP" | "")
    }
    /// The pin named `name`.
    pub fn pin(&self, name: &str) -> Option<&LefPin> {
        self.pins.iter().find(|p| p.name == name)
    }
}

/// Macros and sites of one or more LEF files.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LefLibrary {
    /// `UNITS DATABASE MICRONS n` of the (last) file that declares it.
    pub database_microns: Option<f64>,
    /// Sites by name.
    pub sites: HashMap<String, LefSite>,
    /// Macros by name.
    pub macros: HashMap<String, LefMacro>,
    /// Macro names in the order first defined.
    pub order: Vec<String>,
}

impl LefLibrary {
    /// An empty library.
    pub fn new() -> Self {
        Self::default()
    }
    /// The macro named `name`.
    pub fn get(&self, name: &str) -> Option<&LefMacro> {
        self.macros.get(name)
    }
    /// Reads a LEF file into this library.
    pub fn read_file(&mut self, path: &Path) -> Result<()> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let text = String::from_utf8_lossy(&bytes);
        self.parse_into(&text, path)
    }
    /// Parses LEF text (labelled `label` in errors) into this library.
    pub fn parse_into(&mut self, text: &str, label: &Path) -> Result<()> {
        let toks = tokenize(text, label, false)?;
        let mut p = Parser::new(toks, label);
        parse_lef(&mut p, self)
    }
}

/// Reads several LEF files (technology, cells, macros) into one library.
pub fn read_many(paths: &[PathBuf]) -> Result<LefLibrary> {
    let mut lib = LefLibrary::new();
    for p in paths {
        lib.read_file(p)?;
    }
    Ok(lib)
}

/// Parses one LEF text.
pub fn parse_str(text: &str, label: &Path) -> Result<LefLibrary> {
    let mut lib = LefLibrary::new();
    lib.parse_into(text, label)?;
    Ok(lib)
}

// ---------------------------------------------------------------------------------------
// Shared LEF/DEF lexer and token cursor (also used by `def`).

/// One token: its text (escapes kept), its 1-based line, and whether it was a quoted string.
#[derive(Clone, Debug)]
pub(crate) struct Tok {
    pub(crate) text: String,
    pub(crate) line: usize,
    pub(crate) quoted: bool,
}

/// Splits LEF/DEF text into tokens. `#` at the start of a token comments out the rest of the
/// line; `"..."` is one token; a backslash escapes the next character. An unescaped `;` is
/// always a token of its own, and so are `(` and `)` when `split_parens` (DEF).
pub(crate) fn tokenize(text: &str, label: &Path, split_parens: bool) -> Result<Vec<Tok>> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1usize;
    let mut cur = String::new();
    let mut cur_line = 1usize;
    let flush = |cur: &mut String, out: &mut Vec<Tok>, l: usize| {
        if !cur.is_empty() {
            out.push(Tok { text: std::mem::take(cur), line: l, quoted: false });
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '\n' => {
                flush(&mut cur, &mut out, cur_line);
                line += 1;
            }
            c if c.is_whitespace() => flush(&mut cur, &mut out, cur_line),
            '#' if cur.is_empty() => {
                for c2 in chars.by_ref() {
                    if c2 == '\n' {
                        line += 1;
                        break;
                    }
                }
            }
            '"' if cur.is_empty() => {
                let start = line;
                let mut s = String::new();
                let mut closed = false;
                while let Some(c2) = chars.next() {
                    match c2 {
                        '"' => {
                            closed = true;
                            break;
                        }
                        '\\' => {
                            if let Some(c3) = chars.next() {
                                if c3 == '\n' {
                                    line += 1;
                                }
                                s.push(c3);
                            }
                        }
                        '\n' => {
                            line += 1;
                            s.push('\n');
                        }
                        c2 => s.push(c2),
                    }
                }
                if !closed {
                    return Err(Error::parse(label, start, "unterminated string"));
                }
                out.push(Tok { text: s, line: start, quoted: true });
            }
            '\\' => {
                if cur.is_empty() {
                    cur_line = line;
                }
                cur.push('\\');
                if let Some(&c2) = chars.peek() {
                    if c2 != '\n' {
                        cur.push(c2);
                        chars.next();
                    }
                }
            }
            ';' => {
                flush(&mut cur, &mut out, cur_line);
                out.push(Tok { text: ";".into(), line, quoted: false });
            }
            '(' | ')' if split_parens => {
                flush(&mut cur, &mut out, cur_line);
                out.push(Tok { text: c.to_string(), line, quoted: false });
            }
            c => {
                if cur.is_empty() {
                    cur_line = line;
                }
                cur.push(c);
            }
        }
    }
    flush(&mut cur, &mut out, cur_line);
    Ok(out)
}

/// A cursor over tokens with file:line diagnostics.
pub(crate) struct Parser<'a> {
    toks: Vec<Tok>,
    pos: usize,
    pub(crate) label: &'a Path,
    last_line: usize,
}

impl<'a> Parser<'a> {
    pub(crate) fn new(toks: Vec<Tok>, label: &'a Path) -> Self {
        let last_line = toks.last().map_or(1, |t| t.line);
        Parser { toks, pos: 0, label, last_line }
    }
    /// The line of the token just consumed (or of the first token).
    pub(crate) fn line(&self) -> usize {
        self.toks.get(self.pos.saturating_sub(1)).map_or(self.last_line, |t| t.line)
    }
    pub(crate) fn err(&self, line: usize, msg: impl Into<String>) -> Error {
        Error::parse(self.label, line, msg)
    }
    pub(crate) fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }
    /// True when the next token is the unquoted keyword `kw` (ASCII case-insensitive).
    pub(crate) fn peek_is(&self, kw: &str) -> bool {
        self.peek().is_some_and(|t| !t.quoted && t.text.eq_ignore_ascii_case(kw))
    }
    /// The next token, or an "unexpected end of file" error naming `what` was expected.
    pub(crate) fn next(&mut self, what: &str) -> Result<Tok> {
        match self.toks.get(self.pos) {
            Some(t) => {
                self.pos += 1;
                Ok(t.clone())
            }
            None => {
                Err(self.err(self.last_line, format!("unexpected end of file: expected {what}")))
            }
        }
    }
    pub(crate) fn next_opt(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        if t.is_some() {
            self.pos += 1;
        }
        t
    }
    /// Consumes the keyword `kw` or fails.
    pub(crate) fn expect(&mut self, kw: &str) -> Result<()> {
        let t = self.next(&format!("`{kw}`"))?;
        if !t.quoted && t.text.eq_ignore_ascii_case(kw) {
            Ok(())
        } else {
            Err(self.err(t.line, format!("expected `{kw}`, found `{}`", t.text)))
        }
    }
    /// A finite number.
    pub(crate) fn num(&mut self, what: &str) -> Result<f64> {
        let t = self.next(what)?;
        match t.text.parse::<f64>() {
            Ok(v) if v.is_finite() && !t.quoted => Ok(v),
            _ => Err(self.err(t.line, format!("{what} `{}` is not a number", t.text))),
        }
    }
    /// Skips to just after the next unquoted `;`.
    pub(crate) fn skip_statement(&mut self, what: &str) -> Result<()> {
        let start = self.line();
        loop {
            match self.next_opt() {
                Some(t) if !t.quoted && t.text == ";" => return Ok(()),
                Some(_) => {}
                None => {
                    return Err(self.err(start, format!("{what} is not terminated by `;`")));
                }
            }
        }
    }
    /// The tokens up to the next `;` (consumed), as texts.
    pub(crate) fn rest_of_statement(&mut self, what: &str) -> Result<Vec<String>> {
        let start = self.line();
        let mut v = Vec::new();
        loop {
            match self.next_opt() {
                Some(t) if !t.quoted && t.text == ";" => return Ok(v),
                Some(t) => v.push(t.text),
                None => {
                    return Err(self.err(start, format!("{what} is not terminated by `;`")));
                }
            }
        }
    }
    /// Skips an extension block to just after its `ENDEXT` (`BEGINEXT` at `line` already read).
    pub(crate) fn skip_ext(&mut self, line: usize) -> Result<()> {
        loop {
            let Some(x) = self.next_opt() else {
                return Err(self.err(line, "BEGINEXT has no ENDEXT"));
            };
            if x.text.eq_ignore_ascii_case("ENDEXT") {
                return Ok(());
            }
        }
    }
    /// Skips to just after `END <name>` (keyword case-insensitive, name exact).
    pub(crate) fn skip_block(&mut self, kind: &str, name: &str) -> Result<()> {
        let start = self.line();
        loop {
            let Some(t) = self.next_opt() else {
                let what = if kind == name { kind.to_string() } else { format!("{kind} {name}") };
                return Err(self.err(start, format!("{what} has no `END {name}`")));
            };
            if !t.quoted && t.text.eq_ignore_ascii_case("END") {
                if let Some(n) = self.peek() {
                    if n.text == name || (kind == name && n.text.eq_ignore_ascii_case(name)) {
                        self.pos += 1;
                        return Ok(());
                    }
                }
            }
        }
    }
    /// Skips to just after the next bare `END` (for `OBS`, `PORT`, `DENSITY`).
    pub(crate) fn skip_to_end(&mut self, what: &str) -> Result<()> {
        let start = self.line();
        loop {
            let Some(t) = self.next_opt() else {
                return Err(self.err(start, format!("{what} has no `END`")));
            };
            if !t.quoted && t.text.eq_ignore_ascii_case("END") {
                return Ok(());
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// LEF grammar.

fn parse_lef(p: &mut Parser<'_>, lib: &mut LefLibrary) -> Result<()> {
    while let Some(t) = p.next_opt() {
        let kw = t.text.to_ascii_uppercase();
        match kw.as_str() {
            "END" => {
                let n = p.next("`LIBRARY`")?;
                if n.text.eq_ignore_ascii_case("LIBRARY") {
                    return Ok(());
                }
                return Err(p.err(n.line, format!("unexpected `END {}`", n.text)));
            }
            "UNITS" => parse_units(p, lib)?,
            "MACRO" => {
                let m = parse_macro(p, t.line)?;
                if !lib.macros.contains_key(&m.name) {
                    lib.order.push(m.name.clone());
                }
                lib.macros.insert(m.name.clone(), m);
            }
            "SITE" => {
                let s = parse_site(p)?;
                lib.sites.insert(s.name.clone(), s);
            }
            "LAYER" | "VIA" | "VIARULE" | "NONDEFAULTRULE" | "ARRAY" => {
                let name = p.next(&format!("{kw} name"))?;
                p.skip_block(&kw, &name.text)?;
            }
            "SPACING" | "PROPERTYDEFINITIONS" | "IRDROP" | "NOISETABLE" | "CORRECTIONTABLE" => {
                p.skip_block(&kw, &kw)?;
            }
            "BEGINEXT" => p.skip_ext(t.line)?,
            ";" => {}
            _ => p.skip_statement(&format!("`{}` statement", t.text))?,
        }
    }
    Ok(())
}

fn parse_units(p: &mut Parser<'_>, lib: &mut LefLibrary) -> Result<()> {
    let start = p.line();
    loop {
        let Some(t) = p.next_opt() else {
            return Err(p.err(start, "UNITS has no `END UNITS`"));
        };
        let kw = t.text.to_ascii_uppercase();
        match kw.as_str() {
            "END" => {
                p.expect("UNITS")?;
                return Ok(());
            }
            "DATABASE" => {
                p.expect("MICRONS")?;
                let v = p.num("DATABASE MICRONS")?;
                if v <= 0.0 {
                    return Err(p.err(p.line(), "DATABASE MICRONS must be positive"));
                }
                lib.database_microns = Some(v);
                p.expect(";")?;
            }
            _ => p.skip_statement(&format!("`{}` statement", t.text))?,
        }
    }
}

fn parse_site(p: &mut Parser<'_>) -> Result<LefSite> {
    let name = p.next("SITE name")?;
    let start = name.line;
    let mut site = LefSite { name: name.text.clone(), class: None, size: (0.0, 0.0) };
    loop {
        let Some(t) = p.next_opt() else {
            return Err(p.err(start, format!("SITE {} has no `END {}`", name.text, name.text)));
        };
        match t.text.to_ascii_uppercase().as_str() {
            "END" => {
                let n = p.next("site name after END")?;
                if n.text != name.text {
                    return Err(p.err(
                        n.line,
                        format!("expected `END {}`, found `END {}`", name.text, n.text),
                    ));
                }
                return Ok(site);
            }
            "SIZE" => site.size = parse_size(p)?,
            "CLASS" => site.class = p.rest_of_statement("CLASS")?.into_iter().next(),
            _ => p.skip_statement(&format!("`{}` statement", t.text))?,
        }
    }
}

fn parse_size(p: &mut Parser<'_>) -> Result<(f64, f64)> {
    let w = p.num("SIZE width")?;
    p.expect("BY")?;
    let h = p.num("SIZE height")?;
    p.expect(";")?;
    if w < 0.0 || h < 0.0 {
        return Err(p.err(p.line(), "SIZE must not be negative"));
    }
    Ok((w, h))
}

fn parse_macro(p: &mut Parser<'_>, line: usize) -> Result<LefMacro> {
    let name = p.next("MACRO name")?.text;
    let mut m = LefMacro {
        name: name.clone(),
        class: String::new(),
        size: (0.0, 0.0),
        origin: (0.0, 0.0),
        foreign: None,
        symmetry: Vec::new(),
        pins: Vec::new(),
        source: (p.label.to_path_buf(), line),
    };
    let mut has_size = false;
    let mut raw_pins: Vec<(LefPin, usize)> = Vec::new();
    loop {
        let Some(t) = p.next_opt() else {
            return Err(p.err(line, format!("MACRO {name} has no `END {name}`")));
        };
        match t.text.to_ascii_uppercase().as_str() {
            "END" => {
                let n = p.next("macro name after END")?;
                if n.text != name {
                    return Err(p.err(
                        n.line,
                        format!(
                            "expected `END {name}` (MACRO at line {line}), found `END {}`",
                            n.text
                        ),
                    ));
                }
                break;
            }
            "CLASS" => m.class = p.rest_of_statement("CLASS")?.join(" "),
            "FOREIGN" => {
                let v = p.rest_of_statement("FOREIGN")?;
                m.foreign = v.into_iter().next();
            }
            "ORIGIN" => {
                let x = p.num("ORIGIN x")?;
                let y = p.num("ORIGIN y")?;
                p.expect(";")?;
                m.origin = (x, y);
            }
            "SIZE" => {
                m.size = parse_size(p)?;
                has_size = true;
            }
            "SYMMETRY" => m.symmetry = p.rest_of_statement("SYMMETRY")?,
            "PIN" => {
                let pin = parse_pin(p)?;
                raw_pins.push((pin, t.line));
            }
            "OBS" => p.skip_to_end("OBS")?,
            "DENSITY" => p.skip_to_end("DENSITY")?,
            ";" => {}
            _ => p.skip_statement(&format!("`{}` statement", t.text))?,
        }
    }
    if !has_size {
        return Err(p.err(line, format!("MACRO {name} has no SIZE")));
    }
    let (w, h) = m.size;
    let (ox, oy) = m.origin;
    m.pins = raw_pins
        .into_iter()
        .map(|(mut pin, _)| {
            pin.offset = pin.bbox.map(|(x0, y0, x1, y1)| {
                ((x0 + x1) / 2.0 + ox - w / 2.0, (y0 + y1) / 2.0 + oy - h / 2.0)
            });
            pin
        })
        .collect();
    Ok(m)
}

fn grow(bb: &mut Option<(f64, f64, f64, f64)>, x: f64, y: f64) {
    *bb = Some(match *bb {
        None => (x, y, x, y),
        Some((a, b, c, d)) => (a.min(x), b.min(y), c.max(x), d.max(y)),
    });
}

fn parse_pin(p: &mut Parser<'_>) -> Result<LefPin> {
    let name = p.next("PIN name")?;
    let start = name.line;
    let name = name.text;
    let mut pin =
        LefPin { name: name.clone(), direction: None, usage: None, bbox: None, offset: None };
    loop {
        let Some(t) = p.next_opt() else {
            return Err(p.err(start, format!("PIN {name} has no `END {name}`")));
        };
        match t.text.to_ascii_uppercase().as_str() {
            "END" => {
                let n = p.next("pin name after END")?;
                if n.text != name {
                    return Err(p.err(
                        n.line,
                        format!(
                            "expected `END {name}` (PIN at line {start}), found `END {}`",
                            n.text
                        ),
                    ));
                }
                return Ok(pin);
            }
            "DIRECTION" => {
                pin.direction = p.rest_of_statement("DIRECTION")?.into_iter().next();
            }
            "USE" => pin.usage = p.rest_of_statement("USE")?.into_iter().next(),
            "PORT" => parse_port(p, &mut pin.bbox)?,
            ";" => {}
            _ => p.skip_statement(&format!("`{}` statement", t.text))?,
        }
    }
}

/// `PORT ... END`: collects the shapes' extent.
fn parse_port(p: &mut Parser<'_>, bb: &mut Option<(f64, f64, f64, f64)>) -> Result<()> {
    let start = p.line();
    loop {
        let Some(t) = p.next_opt() else {
            return Err(p.err(start, "PORT has no `END`"));
        };
        match t.text.to_ascii_uppercase().as_str() {
            "END" => return Ok(()),
            "RECT" => {
                if p.peek_is("MASK") {
                    p.next("MASK")?;
                    p.num("MASK number")?;
                }
                let x0 = p.num("RECT x")?;
                let y0 = p.num("RECT y")?;
                let x1 = p.num("RECT x")?;
                let y1 = p.num("RECT y")?;
                p.expect(";")?;
                grow(bb, x0, y0);
                grow(bb, x1, y1);
            }
            "POLYGON" => {
                if p.peek_is("MASK") {
                    p.next("MASK")?;
                    p.num("MASK number")?;
                }
                loop {
                    if p.peek_is(";") {
                        p.next(";")?;
                        break;
                    }
                    let x = p.num("POLYGON x")?;
                    let y = p.num("POLYGON y")?;
                    grow(bb, x, y);
                }
            }
            "VIA" => {
                if p.peek_is("MASK") {
                    p.next("MASK")?;
                    p.num("MASK number")?;
                }
                let x = p.num("VIA x")?;
                let y = p.num("VIA y")?;
                grow(bb, x, y);
                p.skip_statement("VIA")?;
            }
            ";" => {}
            _ => p.skip_statement(&format!("`{}` statement", t.text))?,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) const LEF: &str = "VERSION 5.7 ;\nBUSBITCHARS \"[]\" ;\nUNITS\n  DATABASE MICRONS 2000 ;\nEND UNITS\n\
LAYER metal1\n  TYPE ROUTING ;\n  SPACING 0.065 ;\nEND metal1\n\
VIA via1 DEFAULT\n  LAYER metal1 ;\n  RECT -0.1 -0.1 0.1 0.1 ;\nEND via1\n\
SITE core\n  CLASS CORE ;\n  SIZE 0.19 BY 1.4 ;\nEND core\n\
MACRO ram # a comment\n  CLASS BLOCK ;\n  FOREIGN ram 0 0 ;\n  ORIGIN 0 0 ;\n  SYMMETRY X Y ;\n  SIZE 10 BY 20 ;\n\
  PIN a[0]\n    DIRECTION INPUT ;\n    USE SIGNAL ;\n    PORT\n      LAYER metal3 ;\n      RECT 0 1 0.2 1.2 ;\n    END\n  END a[0]\n\
  PIN q\n    DIRECTION OUTPUT ;\n    PORT\n      LAYER metal3 ;\n      POLYGON 9.8 19 10 19 10 19.4 ;\n    END\n  END q\n\
  OBS\n    LAYER metal1 ;\n    RECT 0 0 10 20 ;\n  END\nEND ram\n\
MACRO INV\n  CLASS CORE ;\n  ORIGIN 0.5 0 ;\n  SIZE 1 BY 1.4 ;\n  PIN A\n    PORT\n      LAYER metal1 ;\n      RECT -0.5 0 -0.3 0.2 ;\n    END\n  END A\nEND INV\nEND LIBRARY\n";

    fn parse(s: &str) -> Result<LefLibrary> {
        parse_str(s, Path::new("t.lef"))
    }

    #[test]
    fn reads_units_sites_macros_and_pin_offsets() {
        let lib = parse(LEF).unwrap();
        assert_eq!(lib.database_microns, Some(2000.0));
        assert_eq!(lib.sites["core"].size, (0.19, 1.4));
        assert_eq!(lib.order, vec!["ram".to_string(), "INV".to_string()]);
        let ram = lib.get("ram").unwrap();
        assert!(ram.is_block());
        assert_eq!(ram.size, (10.0, 20.0));
        assert_eq!(ram.foreign.as_deref(), Some("ram"));
        assert_eq!(ram.symmetry, vec!["X", "Y"]);
        assert_eq!(ram.source.1, 18);
        let a = ram.pin("a[0]").unwrap();
        assert_eq!(a.direction.as_deref(), Some("INPUT"));
        let (dx, dy) = a.offset.unwrap();
        assert!((dx - (0.1 - 5.0)).abs() < 1e-12 && (dy - (1.1 - 10.0)).abs() < 1e-12);
        let (dx, dy) = ram.pin("q").unwrap().offset.unwrap();
        assert!((dx - 4.9).abs() < 1e-12 && (dy - 9.2).abs() < 1e-12, "{dx} {dy}");
        let inv = lib.get("INV").unwrap();
        assert!(!inv.is_block());
        // ORIGIN shifts the geometry: RECT -0.5..-0.3 + 0.5 = 0..0.2, centre 0.1 - 0.5.
        let (dx, dy) = inv.pin("A").unwrap().offset.unwrap();
        assert!((dx + 0.4).abs() < 1e-12 && (dy + 0.6).abs() < 1e-12, "{dx} {dy}");
    }

    #[test]
    fn malformed_lef_reports_file_and_line() {
        let cases: &[(&str, &str)] = &[
            ("MACRO m\n  SIZE x BY 2 ;\nEND m\n", "t.lef:2: SIZE width `x` is not a number"),
            ("MACRO m\n  SIZE 1 BY 2 ;\n", "t.lef:1: MACRO m has no `END m`"),
            (
                "MACRO m\n  SIZE 1 BY 2 ;\nEND n\n",
                "t.lef:3: expected `END m` (MACRO at line 1), found `END n`",
            ),
            (
                "MACRO m\n  SIZE 1 BY 2 ;\n  PIN a\n    PORT\n    END\nEND m\n",
                "t.lef:6: expected `END a` (PIN at line 3), found `END m`",
            ),
            ("MACRO m\n  CLASS BLOCK ;\nEND m\n", "t.lef:1: MACRO m has no SIZE"),
            ("MACRO m\n  SIZE 1 2 ;\nEND m\n", "t.lef:2: expected `BY`, found `2`"),
            (
                "UNITS\n DATABASE MICRONS -5 ;\nEND UNITS\n",
                "t.lef:2: DATABASE MICRONS must be positive",
            ),
            ("LAYER m1\n TYPE ROUTING ;\n", "t.lef:1: LAYER m1 has no `END m1`"),
            ("VERSION 5.8\n", "t.lef:1: `VERSION` statement is not terminated by `;`"),
            ("BUSBITCHARS \"[] ;\n", "t.lef:1: unterminated string"),
            (
                "MACRO m\n SIZE 1 BY 2 ;\n PIN a\n PORT\n RECT 0 0 1 ;\n END\n END a\nEND m\n",
                "t.lef:5: RECT y `;` is not a number",
            ),
            ("MACRO", "t.lef:1: unexpected end of file: expected MACRO name"),
        ];
        for (text, want) in cases {
            let e = parse(text).unwrap_err().to_string();
            assert_eq!(&e, want, "for {text:?}");
        }
    }

    #[test]
    fn truncations_never_panic() {
        for cut in 0..LEF.len() {
            if LEF.is_char_boundary(cut) {
                let _ = parse(&LEF[..cut]);
            }
        }
    }
}
