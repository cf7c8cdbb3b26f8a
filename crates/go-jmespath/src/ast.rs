//! The parsed form of an expression.

use serde_json::Value;

/// A node of the syntax tree and the height of the tree below it (a leaf is 1), which the
/// parser caps so that evaluating and dropping a tree cannot exhaust the stack.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub(crate) kind: NodeKind,
    pub(crate) height: usize,
}

/// An arithmetic operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ArithmeticOp {
    Add,
    Subtract,
    Multiply,
    Divide,
    Modulo,
    IntegerDivide,
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Comparator {
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

/// What a node does; the names follow go-jmespath's `ASTNode` types.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum NodeKind {
    /// `@`, and the implicit current value of projections.
    Current,
    /// `$`: the value the search started from.
    Root,
    /// `$name`.
    Variable(String),
    /// `` `json` `` or `'raw'`.
    Literal(Value),
    /// `name` or `"name"`.
    Field(String),
    /// `[n]` applied to the current value.
    Index(i64),
    /// `[start:stop:step]` applied to the current value.
    Slice([Option<i64>; 3]),
    /// `left.right`.
    Subexpression(Box<Node>, Box<Node>),
    /// `left[n]`: `right` is an index or a slice.
    IndexExpression(Box<Node>, Box<Node>),
    /// `left[*].right`, `left[:].right`, `left[].right`: `right` on each element of the array.
    Projection(Box<Node>, Box<Node>),
    /// `left.*.right`: `right` on each value of the object.
    ValueProjection(Box<Node>, Box<Node>),
    /// `left[?condition].right`.
    FilterProjection {
        left: Box<Node>,
        right: Box<Node>,
        condition: Box<Node>,
    },
    /// The array `left` with nested arrays flattened one level.
    Flatten(Box<Node>),
    /// `left | right`.
    Pipe(Box<Node>, Box<Node>),
    /// `left || right`.
    Or(Box<Node>, Box<Node>),
    /// `left && right`.
    And(Box<Node>, Box<Node>),
    /// `!operand`.
    Not(Box<Node>),
    /// `left <op> right` for `== != < <= > >=`.
    Comparison(Comparator, Box<Node>, Box<Node>),
    /// `left <op> right` for `+ - * / % //`.
    Arithmetic(ArithmeticOp, Box<Node>, Box<Node>),
    /// `-operand` (`negate`) or `+operand`.
    Unary { negate: bool, operand: Box<Node> },
    /// `[a, b]`.
    MultiSelectList(Vec<Node>),
    /// `{key: value, …}`.
    MultiSelectHash(Vec<(String, Node)>),
    /// `name(arguments…)`.
    Function { name: String, arguments: Vec<Node> },
    /// `&expression`.
    ExpRef(Box<Node>),
    /// `let $a = x, $b = y in body`.
    Let {
        bindings: Vec<(String, Node)>,
        body: Box<Node>,
    },
}

impl Node {
    /// A node over `kind`, one taller than its tallest child.
    pub(crate) fn new(kind: NodeKind) -> Self {
        let height = 1 + kind.children().map(|child| child.height).max().unwrap_or(0);
        Node { kind, height }
    }
}

impl NodeKind {
    fn children(&self) -> Box<dyn Iterator<Item = &Node> + '_> {
        use NodeKind as K;
        match self {
            K::Current
            | K::Root
            | K::Variable(_)
            | K::Literal(_)
            | K::Field(_)
            | K::Index(_)
            | K::Slice(_) => Box::new(std::iter::empty()),
            K::Subexpression(a, b)
            | K::IndexExpression(a, b)
            | K::Projection(a, b)
            | K::ValueProjection(a, b)
            | K::Pipe(a, b)
            | K::Or(a, b)
            | K::And(a, b)
            | K::Comparison(_, a, b)
            | K::Arithmetic(_, a, b) => Box::new([a.as_ref(), b.as_ref()].into_iter()),
            K::FilterProjection {
                left,
                right,
                condition,
            } => Box::new([left.as_ref(), right.as_ref(), condition.as_ref()].into_iter()),
            K::Flatten(a) | K::Not(a) | K::ExpRef(a) | K::Unary { operand: a, .. } => {
                Box::new(std::iter::once(a.as_ref()))
            }
            K::MultiSelectList(items)
            | K::Function {
                arguments: items, ..
            } => Box::new(items.iter()),
            K::MultiSelectHash(pairs) => Box::new(pairs.iter().map(|(_, node)| node)),
            K::Let { bindings, body } => Box::new(
                bindings
                    .iter()
                    .map(|(_, node)| node)
                    .chain(std::iter::once(body.as_ref())),
            ),
        }
    }
}
