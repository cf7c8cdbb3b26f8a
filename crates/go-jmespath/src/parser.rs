//! A Pratt parser, as go-jmespath's `parsing/parser.go`, from tokens to a [`Node`] tree.

use crate::Error;
use crate::ast::{ArithmeticOp, Comparator, Node, NodeKind};
use crate::lexer::{Token, TokenKind, tokenize};

/// The deepest nesting of parentheses, brackets and operators an expression may have, and the
/// tallest tree it may parse to; beyond it the expression is refused rather than risk the stack.
pub(crate) const MAX_NESTING: usize = 128;

/// Parses `expression` into its syntax tree.
pub(crate) fn parse(expression: &str) -> Result<Node, Error> {
    let tokens = tokenize(expression)?;
    let mut parser = Parser {
        expression,
        tokens,
        index: 0,
        depth: 0,
    };
    let node = parser.expression(0)?;
    if parser.current() != TokenKind::Eof {
        let found = parser.current().describe();
        return Err(parser.error(format!("unexpected {found} after the expression")));
    }
    Ok(node)
}

/// How strongly a token binds to the expression on its left (go-jmespath's `bindingPowers`).
fn binding_power(kind: TokenKind) -> u8 {
    use TokenKind as K;
    match kind {
        K::Assign | K::Pipe => 1,
        K::Or => 2,
        K::And => 3,
        K::Eq | K::Lt | K::Lte | K::Gt | K::Gte | K::Ne => 5,
        K::Minus | K::Plus => 6,
        K::Div | K::Divide | K::Modulo | K::Multiply => 7,
        K::Flatten => 9,
        K::Star => 20,
        K::Filter => 21,
        K::Dot => 40,
        K::Not => 45,
        K::Lbrace => 50,
        K::Lbracket => 55,
        K::Lparen => 60,
        _ => 0,
    }
}

/// Projections stop at tokens binding more loosely than this.
const PROJECTION_STOP: u8 = 10;

struct Parser<'a> {
    expression: &'a str,
    tokens: Vec<Token>,
    index: usize,
    depth: usize,
}

impl Parser<'_> {
    fn token(&self, offset: usize) -> &Token {
        // `tokenize` always ends the list with an end-of-expression token.
        let last = self.tokens.len() - 1;
        &self.tokens[(self.index + offset).min(last)]
    }

    fn current(&self) -> TokenKind {
        self.token(0).kind
    }

    fn advance(&mut self) -> Token {
        let token = self.token(0).clone();
        self.index += 1;
        token
    }

    fn error(&self, message: String) -> Error {
        self.error_at(self.token(0).position, message)
    }

    fn error_at(&self, offset: usize, message: String) -> Error {
        Error::Syntax {
            offset,
            expression: self.expression.to_string(),
            message,
        }
    }

    fn expect(&mut self, kind: TokenKind) -> Result<(), Error> {
        if self.current() == kind {
            self.index += 1;
            Ok(())
        } else {
            Err(self.error(format!(
                "expected {}, found {}",
                kind.describe(),
                self.current().describe()
            )))
        }
    }

    fn node(&self, kind: NodeKind) -> Result<Node, Error> {
        let node = Node::new(kind);
        if node.height > MAX_NESTING {
            return Err(self.error(format!(
                "expression nested more than {MAX_NESTING} levels deep"
            )));
        }
        Ok(node)
    }

    fn expression(&mut self, power: u8) -> Result<Node, Error> {
        if self.depth >= MAX_NESTING {
            return Err(self.error(format!(
                "expression nested more than {MAX_NESTING} levels deep"
            )));
        }
        self.depth += 1;
        let result = self.expression_body(power);
        self.depth -= 1;
        result
    }

    fn expression_body(&mut self, power: u8) -> Result<Node, Error> {
        let token = self.advance();
        let mut left = self.nud(token)?;
        while power < binding_power(self.current()) {
            let token = self.advance();
            left = self.led(token, left)?;
        }
        Ok(left)
    }

    /// A token at the start of an expression.
    ///
    /// Cases with locals of their own are separate functions, here and in `led`: the parser
    /// recurses through these two once per level of nesting, and their stack frames would
    /// otherwise hold the locals of every case.
    fn nud(&mut self, token: Token) -> Result<Node, Error> {
        use TokenKind as K;
        match token.kind {
            K::Varref => self.node(NodeKind::Variable(token.value)),
            K::JsonLiteral => self.json_literal(&token),
            K::StringLiteral => self.node(NodeKind::Literal(token.value.into())),
            K::UnquotedIdentifier if token.value == "let" && self.current() == K::Varref => {
                self.let_expression()
            }
            K::UnquotedIdentifier => self.node(NodeKind::Field(token.value)),
            K::QuotedIdentifier if self.current() == K::Lparen => Err(self.error_at(
                token.position,
                "a quoted identifier cannot name a function".to_string(),
            )),
            K::QuotedIdentifier => self.node(NodeKind::Field(token.value)),
            K::Plus | K::Minus => self.unary(token.kind),
            K::Star => self.star(),
            K::Filter => self.filter(Node::new(NodeKind::Current)),
            K::Lbrace => self.multi_select_hash(),
            K::Flatten => self.flatten(Node::new(NodeKind::Current)),
            K::Lbracket => self.lbracket(),
            K::Current => self.node(NodeKind::Current),
            K::Root => self.node(NodeKind::Root),
            K::Expref => self.wrap(0, NodeKind::ExpRef),
            K::Not => self.wrap(binding_power(K::Not), NodeKind::Not),
            K::Lparen => self.parenthesized(),
            K::Eof => Err(self.error_at(token.position, "incomplete expression".to_string())),
            other => Err(self.error_at(token.position, format!("unexpected {}", other.describe()))),
        }
    }

    fn json_literal(&self, token: &Token) -> Result<Node, Error> {
        match serde_json::from_str(&token.value) {
            Ok(value) => self.node(NodeKind::Literal(value)),
            Err(e) => Err(self.error_at(token.position, format!("invalid JSON literal: {e}"))),
        }
    }

    fn unary(&mut self, kind: TokenKind) -> Result<Node, Error> {
        let operand = Box::new(self.expression(binding_power(kind))?);
        self.node(NodeKind::Unary {
            negate: kind == TokenKind::Minus,
            operand,
        })
    }

    /// The expression after a prefix operator, wrapped by `make`.
    fn wrap(&mut self, power: u8, make: fn(Box<Node>) -> NodeKind) -> Result<Node, Error> {
        let expression = self.expression(power)?;
        self.node(make(Box::new(expression)))
    }

    fn parenthesized(&mut self) -> Result<Node, Error> {
        let expression = self.expression(0)?;
        self.expect(TokenKind::Rparen)?;
        Ok(expression)
    }

    /// `*` at the start of an expression: the values of the current object.
    fn star(&mut self) -> Result<Node, Error> {
        let right = if self.current() == TokenKind::Rbracket {
            self.node(NodeKind::Current)?
        } else {
            self.projection_rhs(binding_power(TokenKind::Star))?
        };
        self.node(NodeKind::ValueProjection(
            Box::new(Node::new(NodeKind::Current)),
            Box::new(right),
        ))
    }

    /// `[` at the start of an expression: an index, a slice, `[*]` or a list.
    fn lbracket(&mut self) -> Result<Node, Error> {
        match self.current() {
            TokenKind::Number | TokenKind::Colon => {
                let right = self.index_expression()?;
                self.project_if_slice(Node::new(NodeKind::Current), right)
            }
            TokenKind::Star if self.token(1).kind == TokenKind::Rbracket => {
                self.index += 2;
                self.projection(Node::new(NodeKind::Current))
            }
            _ => self.multi_select_list(),
        }
    }

    /// `left[*]`, the `[*]` consumed, and what is projected after it.
    fn projection(&mut self, left: Node) -> Result<Node, Error> {
        let right = self.projection_rhs(binding_power(TokenKind::Star))?;
        self.node(NodeKind::Projection(Box::new(left), Box::new(right)))
    }

    /// `left[]`, the `[]` consumed, and what is projected after it.
    fn flatten(&mut self, left: Node) -> Result<Node, Error> {
        let flattened = self.node(NodeKind::Flatten(Box::new(left)))?;
        let right = self.projection_rhs(binding_power(TokenKind::Flatten))?;
        self.node(NodeKind::Projection(Box::new(flattened), Box::new(right)))
    }

    /// A token following the expression `left`.
    fn led(&mut self, token: Token, left: Node) -> Result<Node, Error> {
        use TokenKind as K;
        let power = binding_power(token.kind);
        match token.kind {
            K::Dot => self.dot(left, power),
            K::Pipe => self.binary(left, power, NodeKind::Pipe),
            K::Or => self.binary(left, power, NodeKind::Or),
            K::And => self.binary(left, power, NodeKind::And),
            K::Lparen => self.function(left),
            K::Filter => self.filter(left),
            K::Flatten => self.flatten(left),
            K::Plus | K::Minus | K::Star | K::Multiply | K::Divide | K::Modulo | K::Div => {
                let op = match token.kind {
                    K::Plus => ArithmeticOp::Add,
                    K::Minus => ArithmeticOp::Subtract,
                    K::Star | K::Multiply => ArithmeticOp::Multiply,
                    K::Divide => ArithmeticOp::Divide,
                    K::Modulo => ArithmeticOp::Modulo,
                    _ => ArithmeticOp::IntegerDivide,
                };
                self.binary(left, power, |l, r| NodeKind::Arithmetic(op, l, r))
            }
            K::Eq | K::Ne | K::Lt | K::Lte | K::Gt | K::Gte => {
                let comparator = match token.kind {
                    K::Eq => Comparator::Equal,
                    K::Ne => Comparator::NotEqual,
                    K::Lt => Comparator::Less,
                    K::Lte => Comparator::LessOrEqual,
                    K::Gt => Comparator::Greater,
                    _ => Comparator::GreaterOrEqual,
                };
                self.binary(left, power, |l, r| NodeKind::Comparison(comparator, l, r))
            }
            K::Lbracket => self.index_or_projection(left),
            other => Err(self.error_at(token.position, format!("unexpected {}", other.describe()))),
        }
    }

    /// `left <op> right`, built by `make`.
    fn binary(
        &mut self,
        left: Node,
        power: u8,
        make: impl FnOnce(Box<Node>, Box<Node>) -> NodeKind,
    ) -> Result<Node, Error> {
        let right = self.expression(power)?;
        self.node(make(Box::new(left), Box::new(right)))
    }

    /// `left.` followed by `*`, an identifier, a list or a hash.
    fn dot(&mut self, left: Node, power: u8) -> Result<Node, Error> {
        if self.current() == TokenKind::Star {
            self.index += 1;
            let right = self.projection_rhs(power)?;
            return self.node(NodeKind::ValueProjection(Box::new(left), Box::new(right)));
        }
        let right = self.dot_rhs(power)?;
        self.node(NodeKind::Subexpression(Box::new(left), Box::new(right)))
    }

    /// `name(`, the `(` consumed.
    fn function(&mut self, left: Node) -> Result<Node, Error> {
        let NodeKind::Field(name) = left.kind else {
            let position = self
                .index
                .checked_sub(2)
                .map_or(0, |i| self.tokens[i].position);
            return Err(self.error_at(position, "invalid node as function name".to_string()));
        };
        let arguments = self.arguments()?;
        self.node(NodeKind::Function { name, arguments })
    }

    /// `left[`, the `[` consumed: an index, a slice or `[*]`.
    fn index_or_projection(&mut self, left: Node) -> Result<Node, Error> {
        if matches!(self.current(), TokenKind::Number | TokenKind::Colon) {
            let right = self.index_expression()?;
            return self.project_if_slice(left, right);
        }
        self.expect(TokenKind::Star)?;
        self.expect(TokenKind::Rbracket)?;
        self.projection(left)
    }

    /// `[n]` or a slice, after the `[`.
    fn index_expression(&mut self) -> Result<Node, Error> {
        if self.current() == TokenKind::Colon || self.token(1).kind == TokenKind::Colon {
            return self.slice();
        }
        let index = self.number()?;
        self.expect(TokenKind::Rbracket)?;
        self.node(NodeKind::Index(index))
    }

    fn number(&mut self) -> Result<i64, Error> {
        let token = self.advance();
        token
            .value
            .parse()
            .map_err(|_| self.error_at(token.position, format!("invalid number {}", token.value)))
    }

    fn slice(&mut self) -> Result<Node, Error> {
        let mut parts = [None; 3];
        let mut part = 0;
        while self.current() != TokenKind::Rbracket && part < 3 {
            match self.current() {
                TokenKind::Colon => {
                    part += 1;
                    if part == 3 {
                        return Err(self.error("too many colons in slice expression".to_string()));
                    }
                    self.index += 1;
                }
                TokenKind::Number => parts[part] = Some(self.number()?),
                other => {
                    return Err(self.error(format!(
                        "expected ':' or a number, found {}",
                        other.describe()
                    )));
                }
            }
        }
        self.expect(TokenKind::Rbracket)?;
        self.node(NodeKind::Slice(parts))
    }

    /// A slice makes the expression a projection over the sliced elements.
    fn project_if_slice(&mut self, left: Node, right: Node) -> Result<Node, Error> {
        let is_slice = matches!(right.kind, NodeKind::Slice(_));
        let indexed = self.node(NodeKind::IndexExpression(Box::new(left), Box::new(right)))?;
        if is_slice {
            self.projection(indexed)
        } else {
            Ok(indexed)
        }
    }

    /// `condition]` and what is projected after it, the `[?` consumed.
    fn filter(&mut self, left: Node) -> Result<Node, Error> {
        let condition = self.expression(0)?;
        self.expect(TokenKind::Rbracket)?;
        let right = if self.current() == TokenKind::Flatten {
            Node::new(NodeKind::Current)
        } else {
            self.projection_rhs(binding_power(TokenKind::Filter))?
        };
        self.node(NodeKind::FilterProjection {
            left: Box::new(left),
            right: Box::new(right),
            condition: Box::new(condition),
        })
    }

    fn dot_rhs(&mut self, power: u8) -> Result<Node, Error> {
        match self.current() {
            TokenKind::QuotedIdentifier | TokenKind::UnquotedIdentifier | TokenKind::Star => {
                self.expression(power)
            }
            TokenKind::Lbracket => {
                self.index += 1;
                self.multi_select_list()
            }
            TokenKind::Lbrace => {
                self.index += 1;
                self.multi_select_hash()
            }
            other => Err(self.error(format!(
                "expected an identifier, '[' or '{{' after '.', found {}",
                other.describe()
            ))),
        }
    }

    /// What a projection applies to each element: nothing (the element itself) when the next
    /// token binds loosely.
    fn projection_rhs(&mut self, power: u8) -> Result<Node, Error> {
        match self.current() {
            kind if binding_power(kind) < PROJECTION_STOP => self.node(NodeKind::Current),
            TokenKind::Lbracket | TokenKind::Filter => self.expression(power),
            TokenKind::Dot => {
                self.index += 1;
                self.dot_rhs(power)
            }
            other => Err(self.error(format!(
                "unexpected {} after a projection",
                other.describe()
            ))),
        }
    }

    fn multi_select_list(&mut self) -> Result<Node, Error> {
        let mut items = Vec::new();
        loop {
            items.push(self.expression(0)?);
            match self.current() {
                TokenKind::Rbracket => break,
                TokenKind::Comma => self.index += 1,
                other => {
                    return Err(
                        self.error(format!("expected ',' or ']', found {}", other.describe()))
                    );
                }
            }
        }
        self.index += 1;
        self.node(NodeKind::MultiSelectList(items))
    }

    fn multi_select_hash(&mut self) -> Result<Node, Error> {
        let mut pairs = Vec::new();
        loop {
            if !matches!(
                self.current(),
                TokenKind::UnquotedIdentifier | TokenKind::QuotedIdentifier
            ) {
                return Err(self.error(format!(
                    "expected a key, found {}",
                    self.current().describe()
                )));
            }
            let key = self.advance().value;
            self.expect(TokenKind::Colon)?;
            pairs.push((key, self.expression(0)?));
            match self.current() {
                TokenKind::Comma => self.index += 1,
                TokenKind::Rbrace => {
                    self.index += 1;
                    break;
                }
                _ => {}
            }
        }
        self.node(NodeKind::MultiSelectHash(pairs))
    }

    /// Function arguments up to `)`; as in go-jmespath, the commas between them are optional.
    fn arguments(&mut self) -> Result<Vec<Node>, Error> {
        let mut arguments = Vec::new();
        while self.current() != TokenKind::Rparen {
            arguments.push(self.expression(0)?);
            if self.current() == TokenKind::Comma {
                self.index += 1;
            }
        }
        self.index += 1;
        Ok(arguments)
    }

    /// `$a = x, $b = y in body`, after `let`.
    fn let_expression(&mut self) -> Result<Node, Error> {
        let mut bindings = Vec::new();
        while !(self.current() == TokenKind::UnquotedIdentifier && self.token(0).value == "in") {
            if self.current() != TokenKind::Varref {
                return Err(self.error(format!(
                    "expected a variable or 'in', found {}",
                    self.current().describe()
                )));
            }
            let name = self.advance().value;
            self.expect(TokenKind::Assign)?;
            bindings.push((name, self.expression(0)?));
            if self.current() == TokenKind::Comma {
                self.index += 1;
            }
        }
        self.index += 1;
        let body = Box::new(self.expression(0)?);
        self.node(NodeKind::Let { bindings, body })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_errors_name_the_position() {
        let error = parse("foo.[bar").unwrap_err();
        assert_eq!(
            error.to_string(),
            r#"syntax error at position 8 in "foo.[bar": expected ',' or ']', found the end of the expression"#
        );
        let Error::Syntax { offset, .. } = parse("a = b").unwrap_err() else {
            panic!()
        };
        assert_eq!(offset, 2);
    }

    #[test]
    fn deep_nesting_is_refused() {
        for expression in [
            "(".repeat(10_000) + "a",
            "a".to_string() + &".a".repeat(10_000),
            "-".repeat(10_000) + "a",
        ] {
            let error = parse(&expression).unwrap_err();
            assert!(error.to_string().contains("nested more than"), "{error}");
        }
        let nested = "(".repeat(MAX_NESTING - 2) + "a" + &")".repeat(MAX_NESTING - 2);
        assert!(parse(&nested).is_ok());
    }
}
