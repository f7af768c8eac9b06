//! Recursive-descent parser for `$filter`.
//!
//! Grammar (precedence low → high: `or`, `and`, `not`/comparison):
//! ```text
//! or      := and ('or' and)*
//! and     := unary ('and' unary)*
//! unary   := 'not' unary | compare
//! compare := operand [ cmp-op operand | 'in' '(' literal (',' literal)* ')' ]
//! operand := '(' or ')' | func '(' path ',' string ')' | path | literal
//! ```
//! OData gives `not` a higher precedence than comparisons, which would make `not a eq 1` mean
//! `(not a) eq 1`. For Boolean `a` that equals `not (a eq 1)`, and for anything else the strict reading
//! is a type error, so taking `not` over the whole comparison accepts more and never changes a result.

use super::lexer::{Tok, Token, tokenize};
use super::{CompareOp, Expr, Literal, StringFn, SyntaxError};
use crate::limits::{MAX_FILTER_DEPTH, MAX_FILTER_LEN, MAX_FILTER_NODES, MAX_IN_VALUES, MAX_PATH_SEGMENTS};

/// Words that cannot start a property path (so `eq 1` reports a missing property, not a weird path).
const KEYWORDS: &[&str] = &[
    "and", "or", "not", "eq", "ne", "gt", "ge", "lt", "le", "in", "true", "false", "null",
];

pub(crate) fn is_keyword(word: &str) -> bool {
    KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(word))
}

pub(crate) fn parse(src: &str) -> Result<Expr, SyntaxError> {
    if src.len() > MAX_FILTER_LEN {
        return Err(SyntaxError::new(
            0,
            format!("the filter is longer than {MAX_FILTER_LEN} bytes"),
        ));
    }
    let toks = tokenize(src)?;
    if toks.is_empty() {
        return Err(SyntaxError::new(0, "the filter is empty"));
    }
    let mut p = Parser {
        src,
        toks,
        i: 0,
        depth: 0,
        nodes: 0,
    };
    let expr = p.or_expr()?;
    if let Some(t) = p.peek() {
        let msg = if matches!(t.tok, Tok::RParen) {
            "unbalanced ')' (no matching '(')".to_owned()
        } else {
            format!(
                "expected 'and', 'or' or the end of the filter, found {}",
                t.describe()
            )
        };
        return Err(SyntaxError::new(t.pos, msg));
    }
    Ok(expr)
}

/// The left or right side of a comparison before we know which it is.
enum Operand {
    Path(String),
    Lit(Literal),
    /// A Boolean-valued sub-expression: parenthesised filter or function call.
    Bool(Expr),
}

struct Parser<'a> {
    src: &'a str,
    toks: Vec<Token>,
    i: usize,
    depth: usize,
    nodes: usize,
}

type PResult<T> = Result<T, SyntaxError>;

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.toks.get(self.i)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.toks.get(self.i).cloned();
        if t.is_some() {
            self.i += 1;
        }
        t
    }

    fn pos(&self) -> usize {
        self.peek().map_or(self.src.len(), |t| t.pos)
    }

    fn found(&self) -> String {
        self.peek()
            .map_or_else(|| "the end of the filter".to_owned(), Token::describe)
    }

    fn err_expected(&self, what: &str) -> SyntaxError {
        SyntaxError::new(self.pos(), format!("expected {what}, found {}", self.found()))
    }

    fn peek_keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token { tok: Tok::Ident(s), .. }) if s.eq_ignore_ascii_case(word))
    }

    fn eat(&mut self, tok: &Tok) -> bool {
        if self.peek().is_some_and(|t| &t.tok == tok) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, tok: &Tok, what: &str) -> PResult<()> {
        if self.eat(tok) {
            Ok(())
        } else {
            Err(self.err_expected(what))
        }
    }

    fn enter(&mut self, pos: usize) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_FILTER_DEPTH {
            return Err(SyntaxError::new(
                pos,
                format!("the filter is nested deeper than {MAX_FILTER_DEPTH} levels"),
            ));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// Count a new node; the limit bounds the tree's size and depth.
    fn node(&mut self, e: Expr, pos: usize) -> PResult<Expr> {
        self.nodes += 1;
        if self.nodes > MAX_FILTER_NODES {
            return Err(SyntaxError::new(
                pos,
                format!("the filter has more than {MAX_FILTER_NODES} terms"),
            ));
        }
        Ok(e)
    }

    fn or_expr(&mut self) -> PResult<Expr> {
        let mut lhs = self.and_expr()?;
        while self.peek_keyword("or") {
            let pos = self.pos();
            self.i += 1;
            let rhs = self.and_expr()?;
            lhs = self.node(Expr::Or(Box::new(lhs), Box::new(rhs)), pos)?;
        }
        Ok(lhs)
    }

    fn and_expr(&mut self) -> PResult<Expr> {
        let mut lhs = self.unary()?;
        while self.peek_keyword("and") {
            let pos = self.pos();
            self.i += 1;
            let rhs = self.unary()?;
            lhs = self.node(Expr::And(Box::new(lhs), Box::new(rhs)), pos)?;
        }
        Ok(lhs)
    }

    fn unary(&mut self) -> PResult<Expr> {
        if self.peek_keyword("not") {
            let pos = self.pos();
            self.i += 1;
            self.enter(pos)?;
            let inner = self.unary()?;
            self.leave();
            return self.node(Expr::Not(Box::new(inner)), pos);
        }
        self.comparison()
    }

    fn comparison(&mut self) -> PResult<Expr> {
        let pos = self.pos();
        let lhs = self.operand()?;
        let op_word = match self.peek() {
            Some(Token {
                tok: Tok::Ident(w), ..
            }) => Some(w.clone()),
            _ => None,
        };
        if let Some(op) = op_word.as_deref().and_then(CompareOp::from_keyword) {
            let op_pos = self.pos();
            self.i += 1;
            let rhs = self.operand()?;
            let e = build_comparison(lhs, op, rhs, op_pos)?;
            return self.node(e, pos);
        }
        if op_word.is_some_and(|w| w.eq_ignore_ascii_case("in")) {
            let in_pos = self.pos();
            self.i += 1;
            let Operand::Path(path) = lhs else {
                return Err(SyntaxError::new(
                    in_pos,
                    "the left side of 'in' must be a property",
                ));
            };
            let values = self.in_list()?;
            return self.node(Expr::In { path, values }, pos);
        }
        match lhs {
            Operand::Path(p) => self.node(Expr::BoolPath(p), pos),
            Operand::Bool(e) => Ok(e),
            Operand::Lit(_) => Err(SyntaxError::new(
                pos,
                "expected a property or a comparison; a literal cannot be used as a condition on its own",
            )),
        }
    }

    fn in_list(&mut self) -> PResult<Vec<Literal>> {
        self.expect(&Tok::LParen, "'(' after 'in'")?;
        let mut values = Vec::new();
        loop {
            let pos = self.pos();
            match self.operand()? {
                Operand::Lit(l) => values.push(l),
                _ => return Err(SyntaxError::new(pos, "'in' lists may only contain literals")),
            }
            if values.len() > MAX_IN_VALUES {
                return Err(SyntaxError::new(
                    pos,
                    format!("'in' lists may hold at most {MAX_IN_VALUES} values"),
                ));
            }
            if self.eat(&Tok::RParen) {
                return Ok(values);
            }
            self.expect(&Tok::Comma, "',' or ')' in the 'in' list")?;
        }
    }

    fn operand(&mut self) -> PResult<Operand> {
        let pos = self.pos();
        let Some(tok) = self.next() else {
            return Err(SyntaxError::new(
                self.src.len(),
                "expected a property or value, found the end of the filter",
            ));
        };
        let lit = match tok.tok {
            Tok::LParen => {
                self.enter(pos)?;
                let e = self.or_expr()?;
                if !self.eat(&Tok::RParen) {
                    let found = self.found();
                    return Err(SyntaxError::new(
                        self.pos(),
                        format!(
                            "expected ')' to close the '(' at position {}, found {found}",
                            char_position(self.src, pos)
                        ),
                    ));
                }
                self.leave();
                return Ok(Operand::Bool(e));
            }
            Tok::Str(s) => Literal::String(s),
            Tok::Int(i) => Literal::Int(i),
            Tok::Float(x) => Literal::Float(x),
            Tok::DateTime(d) => Literal::DateTime(d),
            Tok::Guid(g) => Literal::Guid(g),
            Tok::Ident(word) => {
                if matches!(self.peek(), Some(Token { tok: Tok::LParen, .. })) {
                    return self.function(&word, pos).map(Operand::Bool);
                }
                match word.to_ascii_lowercase().as_str() {
                    "true" => Literal::Bool(true),
                    "false" => Literal::Bool(false),
                    "null" => Literal::Null,
                    _ if is_keyword(&word) => {
                        return Err(SyntaxError::new(
                            pos,
                            format!("expected a property or value, found keyword '{word}'"),
                        ));
                    }
                    _ => return self.path_rest(word, pos).map(Operand::Path),
                }
            }
            other => {
                let t = Token { tok: other, pos };
                return Err(SyntaxError::new(
                    pos,
                    format!("expected a property or value, found {}", t.describe()),
                ));
            }
        };
        Ok(Operand::Lit(lit))
    }

    /// Continue a property path after its first segment: `('/' ident)*`.
    fn path_rest(&mut self, first: String, pos: usize) -> PResult<String> {
        let mut path = first;
        let mut segments = 1;
        while self.eat(&Tok::Slash) {
            let seg = match self.peek() {
                Some(Token {
                    tok: Tok::Ident(s), ..
                }) if !is_keyword(s) => s.clone(),
                _ => return Err(self.err_expected("a property name after '/'")),
            };
            self.i += 1;
            segments += 1;
            if segments > MAX_PATH_SEGMENTS {
                return Err(SyntaxError::new(
                    pos,
                    format!("property paths may have at most {MAX_PATH_SEGMENTS} segments"),
                ));
            }
            path.push('/');
            path.push_str(&seg);
        }
        Ok(path)
    }

    /// `startswith(path, 'x')`, `endswith`, `contains`; names are case-insensitive.
    fn function(&mut self, name: &str, pos: usize) -> PResult<Expr> {
        let Some(func) = StringFn::from_name(name) else {
            return Err(SyntaxError::new(
                pos,
                format!("unsupported function '{name}'; supported: startswith, endswith, contains"),
            ));
        };
        self.i += 1; // '('
        let arg_pos = self.pos();
        let first = match self.peek() {
            Some(Token {
                tok: Tok::Ident(w), ..
            }) if !is_keyword(w) => w.clone(),
            _ => {
                return Err(
                    self.err_expected(&format!("a property as the first argument of {}", func.name()))
                );
            }
        };
        self.i += 1;
        if self.peek_is_lparen() {
            return Err(SyntaxError::new(
                arg_pos,
                "nested function calls are not supported",
            ));
        }
        let path = self.path_rest(first, arg_pos)?;
        self.expect(&Tok::Comma, "','")?;
        let value = match self.peek() {
            Some(Token { tok: Tok::Str(s), .. }) => Literal::String(s.clone()),
            _ => {
                return Err(self.err_expected(&format!(
                    "a string literal as the second argument of {}",
                    func.name()
                )));
            }
        };
        self.i += 1;
        self.expect(&Tok::RParen, "')'")?;
        self.node(Expr::StringFn { func, path, value }, pos)
    }

    fn peek_is_lparen(&self) -> bool {
        matches!(self.peek(), Some(Token { tok: Tok::LParen, .. }))
    }
}

/// 1-based character position of a byte offset, as reported to clients.
pub(crate) fn char_position(src: &str, byte: usize) -> usize {
    // `get` instead of indexing: offsets are always char boundaries, but never risk a panic.
    src.get(..byte).map_or(0, |s| s.chars().count()) + 1
}

fn build_comparison(lhs: Operand, op: CompareOp, rhs: Operand, op_pos: usize) -> PResult<Expr> {
    match (lhs, rhs) {
        (Operand::Path(path), Operand::Lit(value)) => Ok(Expr::Compare { path, op, value }),
        // `'x' eq displayName`: normalise so the property is on the left.
        (Operand::Lit(value), Operand::Path(path)) => Ok(Expr::Compare {
            path,
            op: op.flipped(),
            value,
        }),
        // `startswith(a,'x') eq false`, `(a eq 1) ne true`.
        (Operand::Bool(e), Operand::Lit(Literal::Bool(b)))
        | (Operand::Lit(Literal::Bool(b)), Operand::Bool(e)) => match (op, b) {
            (CompareOp::Eq, true) | (CompareOp::Ne, false) => Ok(e),
            (CompareOp::Eq, false) | (CompareOp::Ne, true) => Ok(Expr::Not(Box::new(e))),
            _ => Err(SyntaxError::new(
                op_pos,
                format!("'{op}' cannot be applied to a Boolean expression"),
            )),
        },
        (Operand::Path(_), Operand::Path(_)) => Err(SyntaxError::new(
            op_pos,
            "comparing two properties with each other is not supported",
        )),
        (Operand::Lit(_), Operand::Lit(_)) => Err(SyntaxError::new(
            op_pos,
            "a comparison needs a property on one side",
        )),
        _ => Err(SyntaxError::new(op_pos, format!("invalid operands for '{op}'"))),
    }
}
