use super::*;

fn words(script: &str) -> Vec<Vec<String>> {
    parse(script)
        .unwrap_or_else(|e| panic!("{script:?}: {e}"))
        .commands
        .into_iter()
        .map(|c| c.words)
        .collect()
}

fn v(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn one(script: &str) -> SimpleCommand {
    let p = parse(script).unwrap_or_else(|e| panic!("{script:?}: {e}"));
    assert_eq!(p.commands.len(), 1, "{script:?}: {p:?}");
    p.commands.into_iter().next().unwrap_or_default()
}

fn redir(kind: RedirectKind, target: &str) -> Redirect {
    Redirect {
        kind,
        target: target.to_owned(),
    }
}

#[test]
fn quote_removal() {
    assert_eq!(
        words(r#"rm -rf "my dir""#),
        vec![v(&["rm", "-rf", "my dir"])]
    );
    assert_eq!(words(r"'\rm' x"), vec![v(&[r"\rm", "x"])]);
    assert_eq!(words(r"\rm x"), vec![v(&["rm", "x"])]);
    assert_eq!(words(r"'rm' x"), vec![v(&["rm", "x"])]);
    assert_eq!(words(r#"r"m" -r'f' x"#), vec![v(&["rm", "-rf", "x"])]);
    assert_eq!(words(r#"ls "$HOME/x""#), vec![v(&["ls", "$HOME/x"])]);
    assert_eq!(
        words(r#"ls "${HOME}"/'x y'"#),
        vec![v(&["ls", "${HOME}/x y"])]
    );
    assert_eq!(
        words("rails db:drop --project=production"),
        vec![v(&["rails", "db:drop", "--project=production"])]
    );
    assert_eq!(
        words(r"echo $'\x72\x6d' $'a\tb'"),
        vec![v(&["echo", "rm", "a\tb"])]
    );
    assert_eq!(words(r#"echo "a\"b\$c""#), vec![v(&["echo", "a\"b$c"])]);
    assert_eq!(words("cd ~/src"), vec![v(&["cd", "~/src"])]);
    assert_eq!(words("echo a\\\nb"), vec![v(&["echo", "ab"])]);
}

#[test]
fn strings_are_data_substitutions_are_commands() {
    assert_eq!(words(r#"echo "rm -rf /""#), vec![v(&["echo", "rm -rf /"])]);
    assert_eq!(words("echo 'rm -rf /'"), vec![v(&["echo", "rm -rf /"])]);
    assert_eq!(
        words("echo $(rm -rf /)"),
        vec![v(&["echo", "$(rm -rf /)"]), v(&["rm", "-rf", "/"])]
    );
    assert_eq!(
        words(r#"echo "result: $(rm -rf "/tmp/a b")""#),
        vec![
            v(&["echo", r#"result: $(rm -rf "/tmp/a b")"#]),
            v(&["rm", "-rf", "/tmp/a b"])
        ]
    );
    assert_eq!(
        words("echo '$(rm -rf /)'"),
        vec![v(&["echo", "$(rm -rf /)"])]
    );
}

#[test]
fn backticks() {
    assert_eq!(
        words("echo `whoami` \"`id -u`\""),
        vec![
            v(&["echo", "`whoami`", "`id -u`"]),
            v(&["whoami"]),
            v(&["id", "-u"])
        ]
    );
    assert_eq!(words("echo `echo \\`rm x\\``").len(), 3);
}

#[test]
fn nested_substitutions_everywhere() {
    assert_eq!(
        words("echo $(echo $(rm -rf /))"),
        vec![
            v(&["echo", "$(echo $(rm -rf /))"]),
            v(&["echo", "$(rm -rf /)"]),
            v(&["rm", "-rf", "/"])
        ]
    );
    assert_eq!(words("echo ${X:-$(rm -rf /)}")[1], v(&["rm", "-rf", "/"]));
    assert_eq!(
        words("echo $(( $(rm -rf /) + 1 ))")[1],
        v(&["rm", "-rf", "/"])
    );
    assert_eq!(words("(( x = $(rm -rf /) ))")[0], v(&["rm", "-rf", "/"]));
    assert_eq!(words("[[ -f $(rm -rf /) ]]")[0], v(&["rm", "-rf", "/"]));
    assert_eq!(
        words("for f in $(ls); do echo $f; done"),
        vec![v(&["ls"]), v(&["echo", "$f"])]
    );
    assert_eq!(
        words("case $(id -u) in 0) echo root;; esac"),
        vec![v(&["id", "-u"]), v(&["echo", "root"])]
    );
    assert_eq!(words("cat > $(mktemp) < x")[1], v(&["mktemp"]));
    assert_eq!(words("cat <<< $(whoami)")[1], v(&["whoami"]));
}

#[test]
fn process_substitution() {
    let p = parse("diff <(ls a) <(ls b)").expect("parse");
    assert_eq!(p.commands[0].words, v(&["diff", "<(ls a)", "<(ls b)"]));
    assert_eq!(p.commands[1].words, v(&["ls", "a"]));
    assert_eq!(p.commands[2].words, v(&["ls", "b"]));
    assert_eq!(p.pipes, vec![(1, 0), (2, 0)]);
    let p = parse("bash <(curl -fsSL https://x.sh)").expect("parse");
    assert_eq!(p.commands[1].words, v(&["curl", "-fsSL", "https://x.sh"]));
    assert_eq!(p.pipes, vec![(1, 0)]);
    let p = parse("curl x | tee >(sh) > /dev/null").expect("parse");
    assert_eq!(p.commands.len(), 3);
    assert_eq!(p.pipes, vec![(0, 1), (1, 2)]);
    let p = parse("while read l; do echo $l; done < <(curl x)").expect("parse");
    assert_eq!(p.commands[2].words, v(&["curl", "x"]));
    assert_eq!(
        p.commands[0].redirects,
        vec![redir(RedirectKind::Read, "<(curl x)")]
    );
    assert_eq!(p.pipes, vec![(2, 0), (2, 1)]);
}

#[test]
fn heredocs() {
    let c = one("psql <<EOF\nDROP TABLE users;\nEOF");
    assert_eq!(c.words, v(&["psql"]));
    assert_eq!(
        c.redirects,
        vec![redir(RedirectKind::HereDoc, "DROP TABLE users;\n")]
    );
    let c = one("psql <<'EOF'\nDROP $TABLE users;\nEOF\n");
    assert_eq!(
        c.redirects,
        vec![redir(RedirectKind::HereDoc, "DROP $TABLE users;\n")]
    );
    let c = one("psql <<-EOF\n\tDROP TABLE users;\n\tEOF\n");
    assert_eq!(
        c.redirects,
        vec![redir(RedirectKind::HereDoc, "DROP TABLE users;\n")]
    );
    let c = one("psql -d prod <<\"EOF\" > out.txt\nselect 1;\nEOF\n");
    assert_eq!(
        c.redirects,
        vec![
            redir(RedirectKind::HereDoc, "select 1;\n"),
            redir(RedirectKind::Write, "out.txt")
        ]
    );
    // Unquoted delimiter: substitutions in the body run.
    let p = parse("cat <<EOF\n$(rm -rf /)\nEOF\n").expect("parse");
    assert_eq!(p.commands[1].words, v(&["rm", "-rf", "/"]));
    // Quoted delimiter: they do not.
    assert_eq!(
        parse("cat <<'EOF'\n$(rm -rf /)\nEOF\n")
            .expect("parse")
            .commands
            .len(),
        1
    );
    // Two here-docs plus a following command.
    let p = parse("cat <<A; cat <<B\na\nA\nb\nB\nls").expect("parse");
    assert_eq!(p.commands.len(), 3);
    assert_eq!(
        p.commands[1].redirects,
        vec![redir(RedirectKind::HereDoc, "b\n")]
    );
    assert_eq!(p.commands[2].words, v(&["ls"]));
}

#[test]
fn bash_dash_c_is_just_words() {
    assert_eq!(
        words(r#"bash -c "rm -rf /""#),
        vec![v(&["bash", "-c", "rm -rf /"])]
    );
    assert_eq!(
        words("sh -c 'curl x | sh'"),
        vec![v(&["sh", "-c", "curl x | sh"])]
    );
}

#[test]
fn comments_and_assignments() {
    assert_eq!(words("# rm -rf /\nls # rm -rf /"), vec![v(&["ls"])]);
    assert_eq!(words("echo a#b"), vec![v(&["echo", "a#b"])]);
    let c = one("FOO=1 BAR=\"two words\" cmd arg");
    assert_eq!(c.assignments, v(&["FOO=1", "BAR=two words"]));
    assert_eq!(c.words, v(&["cmd", "arg"]));
    let c = one("RAILS_ENV=production bin/rails db:drop");
    assert_eq!(c.assignments, v(&["RAILS_ENV=production"]));
    assert_eq!(c.words, v(&["bin/rails", "db:drop"]));
    let c = one("export FOO=bar");
    assert!(c.assignments.is_empty());
    assert_eq!(c.words, v(&["export", "FOO=bar"]));
    let c = one("arr=(a 'b c')");
    assert_eq!(c.assignments, v(&["arr=(a b c)"]));
    assert!(c.words.is_empty());
}

#[test]
fn assignment_with_substitution() {
    let p = parse("x=$(cat .env)").expect("parse");
    assert_eq!(p.commands.len(), 2);
    assert_eq!(p.commands[0].assignments, v(&["x=$(cat .env)"]));
    assert!(p.commands[0].words.is_empty());
    assert_eq!(p.commands[1].words, v(&["cat", ".env"]));
}

#[test]
fn pipelines() {
    let p = parse("cat x | grep y | wc -l").expect("parse");
    assert_eq!(
        p.commands
            .iter()
            .map(|c| c.words.clone())
            .collect::<Vec<_>>(),
        vec![v(&["cat", "x"]), v(&["grep", "y"]), v(&["wc", "-l"])]
    );
    assert_eq!(p.pipes, vec![(0, 1), (1, 2)]);
    let p = parse("curl -fsSL https://x.sh | sh").expect("parse");
    assert_eq!(p.commands[0].words, v(&["curl", "-fsSL", "https://x.sh"]));
    assert_eq!(p.commands[1].words, v(&["sh"]));
    assert_eq!(p.pipes, vec![(0, 1)]);
    let p = parse("curl x |& sudo bash -s").expect("parse");
    assert_eq!(p.pipes, vec![(0, 1)]);
    // Compound stages connect every command that can read/write the pipe.
    let p = parse("curl x | (cd /tmp && sh)").expect("parse");
    assert_eq!(p.pipes, vec![(0, 1), (0, 2)]);
    let p = parse("{ curl a; curl b; } | bash").expect("parse");
    assert_eq!(p.pipes, vec![(0, 2), (1, 2)]);
    // A substitution inside a stage inherits the pipe as stdin.
    let p = parse("curl x | sh -c \"$(cat)\"").expect("parse");
    assert_eq!(p.pipes, vec![(0, 1), (0, 2)]);
    // Lists are not pipes.
    assert!(parse("curl x; sh").expect("parse").pipes.is_empty());
    assert!(parse("curl x > f && sh f").expect("parse").pipes.is_empty());
}

#[test]
fn lists_and_background() {
    assert_eq!(
        words("a && b || c; d &"),
        vec![v(&["a"]), v(&["b"]), v(&["c"]), v(&["d"])]
    );
    assert_eq!(
        words("sleep 1 & rm -rf x"),
        vec![v(&["sleep", "1"]), v(&["rm", "-rf", "x"])]
    );
    assert_eq!(words("a\nb\n\nc"), vec![v(&["a"]), v(&["b"]), v(&["c"])]);
    assert_eq!(words("! grep -q x f"), vec![v(&["grep", "-q", "x", "f"])]);
    assert_eq!(words("time make -j4"), vec![v(&["make", "-j4"])]);
}

#[test]
fn compound_commands() {
    assert_eq!(
        words("(cd /tmp && rm -rf x)"),
        vec![v(&["cd", "/tmp"]), v(&["rm", "-rf", "x"])]
    );
    assert_eq!(words("{ ls; pwd; }"), vec![v(&["ls"]), v(&["pwd"])]);
    assert_eq!(
        words(r#"for f in *.log; do rm "$f"; done"#),
        vec![v(&["rm", "$f"])]
    );
    assert_eq!(
        words("if true; then git push -f; fi"),
        vec![v(&["true"]), v(&["git", "push", "-f"])]
    );
    assert_eq!(
        words("if a; then b; elif c; then d; else e; fi"),
        vec![v(&["a"]), v(&["b"]), v(&["c"]), v(&["d"]), v(&["e"])]
    );
    assert_eq!(
        words("while read l; do rm \"$l\"; done"),
        vec![v(&["read", "l"]), v(&["rm", "$l"])]
    );
    assert_eq!(
        words("until false; do x; done"),
        vec![v(&["false"]), v(&["x"])]
    );
    assert_eq!(
        words("case $1 in start) run;; stop|kill) rm -f pid;; *) echo no;; esac"),
        vec![v(&["run"]), v(&["rm", "-f", "pid"]), v(&["echo", "no"])]
    );
    assert_eq!(
        words("for ((i=0;i<3;i++)); do echo $i; done"),
        vec![v(&["echo", "$i"])]
    );
    assert_eq!(
        words("f() { rm -rf /; }; f"),
        vec![v(&["rm", "-rf", "/"]), v(&["f"])]
    );
    assert_eq!(words("function g { ls; }"), vec![v(&["ls"])]);
    assert_eq!(words("coproc cat"), vec![v(&["cat"])]);
    // brush-parser 0.4 has no grammar rule for `select`.
    assert!(parse("select x in a b; do echo $x; done").is_err());
}

#[test]
fn compound_redirects_attach_to_inner_commands() {
    let p = parse("{ echo a; echo b; } > /etc/hosts").expect("parse");
    for c in &p.commands {
        assert_eq!(c.redirects, vec![redir(RedirectKind::Write, "/etc/hosts")]);
    }
    let p = parse("while read l; do echo $l; done < in.txt").expect("parse");
    assert_eq!(
        p.commands[0].redirects,
        vec![redir(RedirectKind::Read, "in.txt")]
    );
    let p = parse("(( x++ )) > out").expect("parse");
    assert_eq!(p.commands.len(), 1);
    assert!(p.commands[0].words.is_empty());
    assert_eq!(
        p.commands[0].redirects,
        vec![redir(RedirectKind::Write, "out")]
    );
}

#[test]
fn find_exec_is_one_command() {
    assert_eq!(
        words(r"find . -name '*.tmp' -exec rm {} \;"),
        vec![v(&[
            "find", ".", "-name", "*.tmp", "-exec", "rm", "{}", ";"
        ])]
    );
    assert_eq!(
        words("find . -exec rm {} +"),
        vec![v(&["find", ".", "-exec", "rm", "{}", "+"])]
    );
}

#[test]
fn sudo_is_one_command() {
    assert_eq!(
        words("sudo -u root rm -rf /var/lib/x"),
        vec![v(&["sudo", "-u", "root", "rm", "-rf", "/var/lib/x"])]
    );
}

#[test]
fn redirects() {
    let c = one("echo x > /etc/hosts");
    assert_eq!(c.words, v(&["echo", "x"]));
    assert_eq!(c.redirects, vec![redir(RedirectKind::Write, "/etc/hosts")]);
    assert_eq!(
        one("echo y >> out.log").redirects,
        vec![redir(RedirectKind::Append, "out.log")]
    );
    let c = one("cmd 2>&1");
    assert_eq!(c.words, v(&["cmd"]));
    assert_eq!(c.redirects, vec![redir(RedirectKind::Other, "1")]);
    assert_eq!(
        one("cat < in.txt").redirects,
        vec![redir(RedirectKind::Read, "in.txt")]
    );
    assert_eq!(
        one("cmd &> all.log").redirects,
        vec![redir(RedirectKind::Write, "all.log")]
    );
    assert_eq!(
        one("cmd &>> all.log").redirects,
        vec![redir(RedirectKind::Append, "all.log")]
    );
    assert_eq!(
        one("cmd >| f").redirects,
        vec![redir(RedirectKind::Write, "f")]
    );
    assert_eq!(
        one("cmd >& f").redirects,
        vec![redir(RedirectKind::Write, "f")]
    );
    assert_eq!(
        one("cmd 2>/dev/null").redirects,
        vec![redir(RedirectKind::Write, "/dev/null")]
    );
    assert_eq!(
        one("cmd > \"my file\"").redirects,
        vec![redir(RedirectKind::Write, "my file")]
    );
    assert_eq!(
        one("cmd 3>&-").redirects,
        vec![redir(RedirectKind::Other, "-")]
    );
    let c = one("> empty.txt");
    assert!(c.words.is_empty());
    assert_eq!(c.redirects, vec![redir(RedirectKind::Write, "empty.txt")]);
}

#[test]
fn here_string() {
    let c = one(r#"cat <<< "hello""#);
    assert_eq!(c.words, v(&["cat"]));
    assert_eq!(c.redirects, vec![redir(RedirectKind::HereString, "hello")]);
    let c = one("bc <<< 'a b'");
    assert_eq!(c.redirects, vec![redir(RedirectKind::HereString, "a b")]);
}

#[test]
fn syntax_errors() {
    for bad in [
        "echo 'unterminated",
        "echo \"unterminated",
        "if true; then",
        "(ls",
        "ls |",
        "echo $(ls",
        "cat <<EOF\nno end",
        "a && && b",
        "fi",
        "99999999999>x",
    ] {
        let r = parse(bad);
        assert!(r.is_err(), "{bad:?} parsed as {r:?}");
    }
    assert!(parse("").expect("empty").commands.is_empty());
    assert!(
        parse("  \n # only a comment\n")
            .expect("comment")
            .commands
            .is_empty()
    );
}

#[test]
fn pathological_nesting_is_rejected_quickly() {
    let start = std::time::Instant::now();
    for (open, close) in [
        ("(", ")"),
        ("( ", ")"),
        ("$(", ")"),
        ("{ ", "; }"),
        ("case x in a) ", " esac"),
    ] {
        for n in [30, 300, 3000] {
            let s = format!("{}x;{}", open.repeat(n), close.repeat(n.saturating_sub(1)));
            let _ = parse(&s);
            let s = format!("{}x;{}", open.repeat(n), close.repeat(n));
            let _ = parse(&s);
        }
    }
    for n in [50, 150, 1000] {
        let _ = parse(&format!("{}x{}", "if a; then ".repeat(n), "; fi".repeat(n)));
        let _ = parse(&format!("echo {}x{}", "\"$(".repeat(n), ")\"".repeat(n)));
        let _ = parse(&format!("echo {}x{}", "${a:-".repeat(n), "}".repeat(n)));
        let _ = parse(&format!("[[ {}x ]]", "! ".repeat(n)));
        let _ = parse(&format!(
            "cat <<EOF\n{}x{}\nEOF\n",
            "$(".repeat(n),
            ")".repeat(n)
        ));
    }
    // Moderately deep but legitimate nesting still parses.
    assert_eq!(
        words(&format!("{}ls{}", "( ".repeat(10), " )".repeat(10))),
        vec![v(&["ls"])]
    );
    assert_eq!(
        words(&format!("{}ls{}", "$(".repeat(20), ")".repeat(20))).len(),
        21
    );
    assert!(
        start.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn long_scripts_take_the_big_stack_path() {
    let script = "if [ -f x ]; then (cd a && { make; }); fi\n".repeat(50);
    let p = parse(&script).expect("parse");
    assert_eq!(p.commands.len(), 150);
}

/// Deterministic xorshift PRNG.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % (n as u64)).unwrap_or(0)
    }
}

#[test]
fn fuzz_never_panics() {
    const FRAGMENTS: &[&str] = &[
        "rm",
        " -rf ",
        "/",
        "echo",
        " ",
        "'",
        "\"",
        "`",
        "$",
        "$(",
        "${",
        "$((",
        "))",
        "(",
        ")",
        "{",
        "}",
        "[[",
        "]]",
        "[",
        "]",
        ";",
        ";;",
        "&",
        "&&",
        "|",
        "||",
        "|&",
        "<",
        ">",
        ">>",
        "<<",
        "<<-",
        "<<<",
        "<(",
        ">(",
        "2>&1",
        ">&",
        "\n",
        "\t",
        "\\",
        "#",
        "=",
        "x=",
        "a",
        "EOF",
        "if ",
        "then ",
        "fi",
        "for ",
        " in ",
        "do ",
        "done",
        "case ",
        "esac",
        "while ",
        "!",
        "~",
        "~9999999999999999999999",
        "99999999999",
        "*",
        "?",
        "@(",
        "-",
        "function ",
        "coproc ",
        "time ",
        "é",
        "💥",
        "\0",
        "$'\\x41'",
        ":-",
        "%%",
        "##",
        "//",
        "0",
        "1",
    ];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut ok = 0;
    for _ in 0..4000 {
        let mut s = String::new();
        if rng.below(4) == 0 {
            // Raw random ASCII/Unicode.
            for _ in 0..rng.below(40) {
                let c = u32::try_from(rng.below(0x250)).unwrap_or(0);
                s.push(char::from_u32(c).unwrap_or('x'));
            }
        } else {
            for _ in 0..rng.below(30) {
                s.push_str(FRAGMENTS[rng.below(FRAGMENTS.len())]);
            }
        }
        let result = std::panic::catch_unwind(|| parse(&s));
        match result {
            Ok(Ok(_)) => ok += 1,
            Ok(Err(_)) => {}
            Err(_) => panic!("parse panicked on {s:?}"),
        }
    }
    assert!(ok > 100, "only {ok} inputs parsed");
}
