/// Why a message from the other side was refused. Each variant names what is wrong so that the
/// sender can fix it; the server turns these into `InvalidArgument`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidMessage {
    #[error("`{0}` is missing")]
    Missing(&'static str),
    #[error("`{0}` must not be empty")]
    Empty(&'static str),
    #[error("`{field}` is {len} bytes long; at most {max} are allowed")]
    TooLong {
        field: &'static str,
        len: usize,
        max: usize,
    },
    #[error("`{field}` has the unknown value {value}")]
    UnknownEnumValue { field: &'static str, value: i32 },
    #[error("the action has no kind: set one of shell, file, sql, http, infra or tool")]
    NoActionKind,
    #[error("a shell command needs `argv` or `script`, not both")]
    ShellArgvAndScript,
    #[error("a shell command needs a non-empty `argv` or `script`")]
    ShellEmpty,
    #[error("`argv[0]` (the program) must not be empty")]
    EmptyProgram,
    #[error("a rename needs `new_path`")]
    RenameWithoutNewPath,
    #[error("`{0}` must not contain control characters")]
    ControlCharacter(&'static str),
    #[error("`{0}` must contain no NUL bytes")]
    NulByte(&'static str),
    #[error("the event carries neither an assessment nor a decision")]
    EmptyEvent,
    #[error("the decision's verdict is unspecified")]
    UnspecifiedVerdict,
}
